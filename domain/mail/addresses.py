"""Email addresses: checked for syntax with email-validator (never a DNS lookup), normalised."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from domain.errors import InvalidField

MAX_LENGTH = 254


def normalise_email(raw: str, field: str = "email") -> str:
    """The address in its normal form, or InvalidField with a message a person can act on."""
    text = (raw or "").strip()
    if not text:
        raise InvalidField(field, "Enter an email address such as name@example.org.")
    if len(text) > MAX_LENGTH or any(c in text for c in "\r\n\t"):
        raise InvalidField(field, "That email address is too long or holds line breaks.")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidField(field, f"{text[:80]!r} is not a valid email address: {exc}") from None
    return checked.normalized


def optional_email(raw: str | None, field: str = "email") -> str | None:
    """normalise_email, with a blank value meaning "no address"."""
    return normalise_email(raw, field) if raw and raw.strip() else None
