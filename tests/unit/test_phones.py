import pytest

from domain.phones import PhoneError, mask_phone, normalise_phone


@pytest.mark.parametrize(("raw", "region", "e164"), [
    ("+44 7700 900123", None, "+447700900123"),
    ("447700900123", None, "+447700900123"),  # Telegram contacts come without '+'
    ("00 91 98765 43210", None, "+919876543210"),
    ("098765 43210", "IN", "+919876543210"),
    ("(212) 555-0199", "US", "+12125550199"),
])
def test_normalises_to_e164(raw, region, e164):
    assert normalise_phone(raw, region) == e164


@pytest.mark.parametrize("raw", ["", "hello", "+1", "12", "+44 12"])
def test_rejects_what_is_not_a_phone(raw):
    with pytest.raises(PhoneError):
        normalise_phone(raw)


def test_mask():
    assert mask_phone("+919876543210") == "+91******3210"
