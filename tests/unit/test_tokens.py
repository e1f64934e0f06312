from datetime import UTC, datetime, timedelta

import pytest

from domain.tokens import BadToken, Signer

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


def test_round_trip_fits_a_deep_link():
    s = Signer(("a" * 32,))
    token = s.sign_id("invite", 123456, NOW, timedelta(days=7))
    assert len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)
    assert s.verify_id("invite", token, NOW + timedelta(days=6)) == 123456


def test_expired_forged_and_wrong_purpose_are_refused():
    s = Signer(("a" * 32,))
    token = s.sign_id("invite", 7, NOW, timedelta(minutes=10))
    with pytest.raises(BadToken, match="expired"):
        s.verify_id("invite", token, NOW + timedelta(minutes=11))
    with pytest.raises(BadToken, match="not valid"):
        s.verify_id("login", token, NOW)
    with pytest.raises(BadToken, match="not valid"):
        Signer(("b" * 32,)).verify_id("invite", token, NOW)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    with pytest.raises(BadToken):
        s.verify_id("invite", tampered, NOW)
    with pytest.raises(BadToken):
        s.verify_id("invite", "!!!", NOW)


def test_key_rotation_accepts_old_keys_and_signs_with_the_newest():
    old, new = "o" * 32, "n" * 32
    token = Signer((old,)).sign_id("invite", 5, NOW, timedelta(hours=1))
    rotated = Signer((old, new))
    assert rotated.verify_id("invite", token, NOW) == 5
    fresh = rotated.sign_id("invite", 5, NOW, timedelta(hours=1))
    assert Signer((new,)).verify_id("invite", fresh, NOW) == 5
