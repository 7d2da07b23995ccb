"""Amounts in words (English and Chinese uppercase 大写), numbers and dates in both forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from num2words import num2words

from .models import money

__all__ = ["date_en", "date_zh", "format_money", "format_qty", "words_en", "words_zh"]

_NAMES_EN = {
    "USD": "US DOLLARS", "EUR": "EUROS", "CNY": "CHINESE YUAN", "GBP": "POUNDS STERLING",
    "JPY": "JAPANESE YEN", "HKD": "HONG KONG DOLLARS", "AUD": "AUSTRALIAN DOLLARS",
    "CAD": "CANADIAN DOLLARS", "CHF": "SWISS FRANCS", "SGD": "SINGAPORE DOLLARS",
}
_NAMES_ZH = {
    "USD": "美元", "EUR": "欧元", "CNY": "人民币", "GBP": "英镑", "JPY": "日元",
    "HKD": "港币", "AUD": "澳元", "CAD": "加元", "CHF": "瑞士法郎", "SGD": "新加坡元",
}


def format_money(value: Decimal | int | float | None) -> str:
    """12345.6 -> '12,345.60'."""
    if value is None:
        return ""
    return f"{money(Decimal(str(value))):,.2f}"


def format_qty(value: Decimal | int | float | None) -> str:
    """1200 -> '1,200'; 12.5 -> '12.5' (no trailing zeros)."""
    if value is None:
        return ""
    number = Decimal(str(value)).normalize()
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,f}"


def _integer_words(number: int) -> str:
    return str(num2words(number, lang="en")).replace(",", "").replace("-", " ").upper()


def words_en(amount: Decimal, currency: str) -> str:
    """'SAY US DOLLARS ONE THOUSAND TWO HUNDRED AND THIRTY FOUR AND CENTS FIFTY SIX ONLY'."""
    value = money(Decimal(amount))
    whole = int(value)
    cents = int((value - whole) * 100)
    name = _NAMES_EN.get(currency, currency)
    text = f"SAY {name} {_integer_words(whole)}"
    if cents:
        text += f" AND CENTS {_integer_words(cents)}"
    return text + " ONLY"


def words_zh(amount: Decimal, currency: str) -> str:
    """'美元壹仟贰佰叁拾肆元伍角陆分' (the uppercase form used on contracts and invoices)."""
    value = money(Decimal(amount))
    prefix = _NAMES_ZH.get(currency, currency)
    import cn2an  # 0.1 s to import: only when an amount is written in 大写

    return prefix + str(cn2an.an2cn(f"{value:f}", "rmb"))


def date_en(value: dt.date | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


def date_zh(value: dt.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""
