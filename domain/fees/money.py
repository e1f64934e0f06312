"""Money as integer minor units, shown in the organisation's currency (rule `fees.currency`).

`money_text(150000, "INR")` is "₹1,500" (Indian grouping: "₹1,50,000"; paise shown only when there are
any); `money_text(1500, "GBP")` is "£15.00". `parse_amount("1,500.50", "INR")` is 150050."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from domain.errors import InvalidInput
from domain.rules import rule_in


@dataclass(frozen=True)
class Currency:
    code: str
    symbol: str
    digits: int  # minor-unit digits (2: paise, pence, cents; 0: yen)
    indian: bool = False  # lakh grouping: 1,50,000
    always_minor: bool = True  # "£15.00" (True) or "₹1,500" (False: minor units only when not zero)


CURRENCIES: dict[str, Currency] = {c.code: c for c in (
    Currency("INR", "₹", 2, indian=True, always_minor=False),
    Currency("GBP", "£", 2),
    Currency("USD", "$", 2),
    Currency("EUR", "€", 2),
    Currency("AED", "AED ", 2),
    Currency("NGN", "₦", 2),
    Currency("KES", "KSh ", 2),
    Currency("JPY", "¥", 0),
)}
CURRENCY_CODES = tuple(CURRENCIES)
MAX_AMOUNT_MINOR = 10**9 - 1  # ₹1 crore less a paisa (a 32-bit column; larger is a typing slip)


def currency_of(session: Session) -> Currency:
    """The organisation's currency (rule `fees.currency`; an unknown code reads as INR)."""
    return CURRENCIES.get(str(rule_in(session, "fees.currency")), CURRENCIES["INR"])


def _group(whole: int, indian: bool) -> str:
    digits = str(whole)
    if not indian or len(digits) <= 3:
        return f"{whole:,}"
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail])


def money_text(minor: int, currency: Currency | str) -> str:
    """An amount as people read it, with the sign in front of the symbol ("-₹500" for a refund)."""
    cur = CURRENCIES.get(currency, CURRENCIES["INR"]) if isinstance(currency, str) else currency
    sign = "-" if minor < 0 else ""
    scale = 10 ** cur.digits
    whole, part = divmod(abs(minor), scale)
    text = _group(whole, cur.indian)
    if cur.digits and (cur.always_minor or part):
        text += f".{part:0{cur.digits}d}"
    return f"{sign}{cur.symbol}{text}"


_AMOUNT = re.compile(r"^([0-9]{1,3}(,[0-9]{2,3})*|[0-9]+)(\.([0-9]+))?$")


def parse_amount(raw: str, currency: Currency | str, *, allow_negative: bool = False) -> int:
    """An amount typed by a person ("1500", "1,500.50", "₹1,500") in minor units; InvalidInput if not."""
    cur = CURRENCIES.get(currency, CURRENCIES["INR"]) if isinstance(currency, str) else currency
    text = (raw or "").strip().replace(cur.symbol.strip(), "").replace(" ", "")
    negative = text.startswith("-")
    if negative:
        text = text[1:]
    match = _AMOUNT.match(text) if len(text) <= 24 else None
    if not match or (negative and not allow_negative):
        raise InvalidInput(f"Enter an amount such as {money_text(150000 if cur.digits else 1500, cur)}"
                           f"{'' if cur.digits == 0 else ' or 1500.50'}.")
    fraction = match.group(4) or ""
    if len(fraction) > cur.digits:
        raise InvalidInput(f"{cur.code} has at most {cur.digits} digits after the point.")
    minor = int(match.group(1).replace(",", "")) * 10**cur.digits + int((fraction or "0").ljust(cur.digits, "0")
                                                                       if cur.digits else 0)
    if minor == 0 or minor > MAX_AMOUNT_MINOR:
        raise InvalidInput(f"Enter an amount above zero and below {money_text(MAX_AMOUNT_MINOR + 1, cur)}.")
    return -minor if negative else minor


def plain_major(minor: int, currency: Currency) -> str:
    """The amount in major units without symbol or grouping ("1500.00"), for CSV and payment links."""
    if not currency.digits:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**currency.digits)
    return f"{sign}{whole}.{part:0{currency.digits}d}"
