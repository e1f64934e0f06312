"""Phone numbers in E.164, the key of the allowlist."""

import phonenumbers

from domain.errors import InvalidInput


class PhoneError(InvalidInput):
    pass


def normalise_phone(raw: str, default_region: str | None = None) -> str:
    """Return `raw` as E.164 (+447700900123) or raise PhoneError with a clear message."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError("A phone number is required.")
    if text.startswith("00"):
        text = "+" + text[2:]
    digits_only = text.replace(" ", "").replace("-", "")
    if digits_only.isdigit() and default_region is None:
        # Telegram's contact numbers come without the leading plus.
        text = "+" + digits_only
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise PhoneError(
            f"{raw!r} is not a phone number; write it with the country code, e.g. +44 7700 900123."
        ) from None
    if not phonenumbers.is_possible_number(number):
        raise PhoneError(f"{raw!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """+919876543210 -> +91******3210, for logs and pages without full access."""
    if len(e164) <= 6:
        return "*" * len(e164)
    return e164[:3] + "*" * (len(e164) - 7) + e164[-4:]
