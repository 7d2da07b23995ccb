"""Amounts in words (English and Chinese uppercase 大写), numbers and dates in both forms."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from num2words import num2words

from .models import money

__all__ = ["count_words_en", "count_words_zh", "date_en", "date_zh", "format_money",
           "format_qty", "quantities_text", "words_en", "words_zh"]

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


def count_words_en(count: int, what: str = "CARTONS") -> str:
    """'SAY ONE THOUSAND TWO HUNDRED AND THIRTY FIVE CARTONS ONLY' (packages in words)."""
    return f"SAY {_integer_words(count)} {what.upper()} ONLY"


def count_words_zh(count: int, what: str = "箱") -> str:
    """'壹仟贰佰叁拾伍箱' (packages in 大写)."""
    return f"{_upper_integer(count)}{what}"


def quantities_text(quantities: list[tuple[str, Decimal]]) -> str:
    """'1,200 PCS + 50 SETS': quantities are added per unit, never across units."""
    return " + ".join(f"{format_qty(q)} {unit}" for unit, q in quantities)


_UPPER = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟", "万", "拾", "佰", "仟", "亿", "拾", "佰", "仟", "万", "拾", "佰",
           "仟")
_GAP_BEFORE_THOUSANDS = re.compile(f"([万亿])零([{_UPPER[1:]}]仟)")


def _upper_integer(whole: int) -> str:
    """12345 -> '壹万贰仟叁佰肆拾伍', with the zeros where 大写 writes them: cn2an's
    an2cn "up" mode (MIT licence), which the tests hold it equal to. cn2an itself takes
    0.1-0.2 s to import (it compiles the regexes of all its modes)."""
    digits = str(whole)
    if len(digits) > len(_PLACES):
        raise ValueError(f"{whole}: too large to write in 大写 (at most {len(_PLACES)} digits)")
    out = ""
    for n, digit in enumerate(digits):
        place = len(digits) - n - 1
        if digit != "0":
            out += _UPPER[int(digit)] + _PLACES[place]
            continue
        if place % 4 == 0:  # 万 and 亿 are written even over zeros
            out += "零" + _PLACES[place]
        if n > 0 and out[-1] != "零":
            out += "零"
    out = (out.replace("零零", "零").replace("零万", "万").replace("零亿", "亿")
           .replace("亿万", "亿").strip("零"))
    return _GAP_BEFORE_THOUSANDS.sub(r"\1\2", out) or "零"


def words_zh(amount: Decimal, currency: str) -> str:
    """'美元壹仟贰佰叁拾肆元伍角陆分' (the uppercase form used on contracts and invoices)."""
    value = money(Decimal(amount))
    sign = "负" if value < 0 else ""
    whole, cents = divmod(int(abs(value) * 100), 100)
    jiao, fen = divmod(cents, 10)
    yuan = _upper_integer(whole)
    if not cents:
        text = yuan + "元整"
    else:
        text = "" if yuan == "零" else yuan + "元"
        if jiao:
            text += _UPPER[jiao] + "角"
        elif yuan != "零":
            text += "零"
        if fen:
            text += _UPPER[fen] + "分"
    return _NAMES_ZH.get(currency, currency) + sign + text


def date_en(value: dt.date | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


def date_zh(value: dt.date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""
