"""The field types every model of the order uses: days and moments as people write them,
money rounded as invoices round it, bounded numbers and texts, strict models.

No I/O here.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["CURRENCIES", "Day", "Moment", "NonNegative", "Percent", "Positive", "Strict",
           "Text", "money"]

CURRENCIES = frozenset(
    (
        "USD EUR CNY GBP JPY HKD AUD CAD CHF SGD AED SAR NZD SEK NOK DKK KRW THB MYR IDR "
        "VND INR RUB BRL MXN ZAR TRY PLN CZK HUF ILS PHP PKR EGP NGN KES CLP COP PEN"
    ).split()
)

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    """Round to cents the way invoices do (half up)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


_DAY = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TIME = re.compile(r"[T\s]*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?\s*$")


def _day(value: object) -> object:
    """2027-01-20, 2027/01/20, 2027.01.20, 2027年1月20日 -> a date; anything else is
    refused with the form to write."""
    if not isinstance(value, str):
        return value
    found = _DAY.match(value)
    rest = value[found.end():].strip() if found else value
    if found is None or rest:
        raise ValueError(f"{value[:30]!r} is not a date; write it as 2027-01-20")
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError as exc:
        raise ValueError(f"{value[:30]!r} is not a date ({exc}); write it as 2027-01-20") \
            from exc


def _moment(value: object) -> object:
    """A date and time in the same forms, e.g. 2027/01/12 08:30 or 2027-01-12T08:30."""
    if not isinstance(value, str):
        return value
    found = _DAY.match(value)
    rest = value[found.end():] if found else value
    clock = _TIME.match(rest) if found else None
    if found is None or (rest.strip() and clock is None):
        raise ValueError(f"{value[:30]!r} is not a date and time; write it as "
                         "2027-01-12T08:30")
    try:
        return datetime(int(found[1]), int(found[2]), int(found[3]),
                        int(clock[1]) if clock else 0, int(clock[2]) if clock else 0,
                        int(clock[3] or 0) if clock else 0)
    except ValueError as exc:
        raise ValueError(f"{value[:30]!r} is not a date and time ({exc}); write it as "
                         "2027-01-12T08:30") from exc


Day = Annotated[date, BeforeValidator(_day)]
Moment = Annotated[datetime, BeforeValidator(_moment)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Positive = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=4)]
NonNegative = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]
Percent = Annotated[Decimal, Field(ge=0, le=100)]


class Strict(BaseModel):
    # str_max_length: a ceiling; [limits] text_chars refuses long text earlier, by field
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True,
                              str_max_length=20000)
