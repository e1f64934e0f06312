"""Which country an organisation is in, for reading phone numbers typed without a country code:
from the admin's phone, else from the time zone (the IANA zone.tab that ships with tzdata)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import phonenumbers

SYSTEM_ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")


@cache
def _zone_countries() -> dict[str, str]:
    """IANA zone name -> ISO 3166 country code, from zone.tab (tzdata's copy, else the system's)."""
    try:
        text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        text = SYSTEM_ZONE_TAB.read_text(encoding="utf-8") if SYSTEM_ZONE_TAB.exists() else ""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3:
                out[parts[2]] = parts[0]
    return out


def region_for_timezone(tz: str) -> str | None:
    """Asia/Kolkata -> IN, Europe/London -> GB; None for UTC and zones of no one country."""
    return _zone_countries().get(tz)


def region_for_phone(e164: str) -> str | None:
    """The country of an international number (+91... -> IN); the main one for shared codes (+1 -> US)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    if region and region != "ZZ":
        return region
    main = phonenumbers.region_code_for_country_code(number.country_code)
    return None if main == "ZZ" else main


def default_region(admin_phone: str | None, tz: str) -> str | None:
    """PHONE_REGION when unset: the admin's phone's country if it is written internationally,
    else the time zone's country."""
    phone = (admin_phone or "").strip()
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if phone.startswith("+") and (region := region_for_phone(phone)):
        return region
    return region_for_timezone(tz)
