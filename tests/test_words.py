from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.words import date_en, date_zh, format_money, format_qty, words_en, words_zh


@pytest.mark.parametrize(
    ("amount", "currency", "zh"),
    [
        ("58260.00", "USD", "美元伍万捌仟贰佰陆拾元整"),
        ("12345.67", "CNY", "人民币壹万贰仟叁佰肆拾伍元陆角柒分"),
        ("1000000.05", "EUR", "欧元壹佰万元零伍分"),
        ("1010.10", "USD", "美元壹仟零壹拾元壹角"),
    ],
)
def test_chinese_uppercase(amount: str, currency: str, zh: str) -> None:
    assert words_zh(Decimal(amount), currency) == zh


_SPARSE = st.lists(st.sampled_from("00000001234567890"), min_size=1, max_size=16).map(
    lambda digits: int("".join(digits)))  # zeros in every place: where 大写 writes 零


@given(whole=st.one_of(_SPARSE, st.integers(0, 10**16 - 1)), cents=st.integers(0, 99),
       negative=st.booleans())
def test_chinese_uppercase_is_written_as_cn2an_writes_it(whole: int, cents: int,
                                                         negative: bool) -> None:
    """gendan writes 大写 itself (cn2an takes 0.1-0.2 s to import); cn2an is the oracle."""
    import cn2an

    amount = Decimal(whole) + Decimal(cents) / 100
    if negative and amount:  # cn2an writes "-0.00" as 负零元整; gendan as 零元整
        amount = -amount
    expected = cn2an.an2cn(f"{amount:.2f}", "rmb")
    assert words_zh(amount, "CNY") == "人民币" + expected


def test_an_amount_too_large_for_chinese_uppercase_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 16 digits"):
        words_zh(Decimal(10**16), "CNY")


def test_english_words() -> None:
    assert words_en(Decimal("58260"), "USD") == (
        "SAY US DOLLARS FIFTY EIGHT THOUSAND TWO HUNDRED AND SIXTY ONLY"
    )
    assert words_en(Decimal("1234.56"), "EUR") == (
        "SAY EUROS ONE THOUSAND TWO HUNDRED AND THIRTY FOUR AND CENTS FIFTY SIX ONLY"
    )


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2))
def test_words_for_any_amount(amount: Decimal) -> None:
    zh = words_zh(amount, "USD")
    assert zh.startswith("美元")
    assert set(zh[2:]) <= set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
    en = words_en(amount, "USD")
    assert en.startswith("SAY US DOLLARS ") and en.endswith(" ONLY")
    assert ("AND CENTS" in en) == (amount % 1 != 0)


def test_number_and_date_formats() -> None:
    assert format_money(Decimal("1234567.5")) == "1,234,567.50"
    assert format_qty(Decimal("2400")) == "2,400"
    assert format_qty(Decimal("12.50")) == "12.5"
    day = dt.date(2027, 1, 5)
    assert date_zh(day) == "2027年1月5日" and date_en(day) == "05 Jan 2027"
