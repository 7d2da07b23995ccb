"""Values read from documents: where each came from, and numbers and dates as documents
write them (1,234.50 / 1.234,50 / 1 234,50; 2026-11-27, 2026年11月27日, 27 Nov 2026 ...)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["AMOUNT", "CURRENCIES", "CURRENCY_NAMES", "DATE", "NUMBER", "TERMS", "Value",
           "decimal_comma", "number_style", "parse_amount", "parse_count", "parse_date"]

# a number as documents write it: groups of three (1,234.50 / 1.234,50 / 1 234,50) or plain
NUMBER = r"[-+]?(?:\d{1,3}(?:[,.'\u00a0 ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
AMOUNT = r"(?:\d{1,3}(?:[,.'\u00a0 ]\d{3})+|\d+)[.,]\d{2}"
CURRENCIES = "USD|EUR|CNY|RMB|GBP|JPY|HKD|AUD|CAD|CHF|SGD|AED"
CURRENCY_NAMES = {"美元": "USD", "美金": "USD", "欧元": "EUR", "人民币": "CNY", "英镑": "GBP",
                  "日元": "JPY", "港币": "HKD", "港元": "HKD", "澳元": "AUD", "加元": "CAD",
                  "瑞士法郎": "CHF", "新加坡元": "SGD", "RMB": "CNY"}
TERMS = "EXW|FCA|FAS|FOB|CFR|CNF|CIF|CPT|CIP|DAP|DPU|DDP"
MONTHS = {  # the first letters of month names in English, French, German and Dutch
    "jan": 1, "feb": 2, "fév": 2, "fev": 2, "mar": 3, "mär": 3, "maa": 3, "apr": 4, "avr": 4,
    "may": 5, "mai": 5, "mei": 5, "jun": 6, "juin": 6, "jul": 7, "juil": 7, "aug": 8, "aoû": 8,
    "aou": 8, "sep": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12, "déc": 12, "dez": 12,
}


def _month(name: str) -> int:
    name = name.lower()
    for size in (4, 3):
        if name[:size] in MONTHS:
            return MONTHS[name[:size]]
    raise ValueError(f"unknown month {name!r}")


@dataclass(frozen=True)
class Value:
    """One value read, with the document and page it came from, the text it was, how it was
    read (`how`: "label Invoice No." / "column quantity") and what confirms the reading
    (`confirmed`: "labelled", "quantity x price = amount on its row", "the column adds up
    to its total" ...; empty: nothing does, and a rule may only ask for a review of it)."""

    value: Any
    raw: str
    document: str
    page: int
    how: str = ""
    confirmed: str = "read"

    def where(self) -> str:
        return f"{self.document} p.{self.page}"

    def sure(self, because: str) -> Value:
        return self if self.confirmed else replace(self, confirmed=because)

    def unsure(self, why: str = "") -> Value:
        return replace(self, confirmed="", how=f"{self.how}; {why}" if why else self.how)

    def doubt(self) -> str:
        """What a person is asked to look at, for a reading nothing confirms."""
        how = f", {self.how}" if self.how else ""
        return f"'{self.raw[:60]}' ({self.where()}{how}) is not confirmed by the row's " \
               "arithmetic, the totals or a second reading: look at it"


# how the document being read writes its numbers: True for 1.234,50, False for 1,234.50,
# None when not known (`number_style`); it decides what "2.300" and "6,242" are
_DECIMAL_COMMA: ContextVar[bool | None] = ContextVar("decimal_comma", default=None)


def decimal_comma(text: str) -> bool | None:
    """Whether a document writes 1.234,50 (True) or 1,234.50 (False), by its unambiguous
    numbers; None when it has none."""
    comma = len(re.findall(r"\d\.\d{3},\d+(?!\d)", text))  # both marks: unambiguous
    point = len(re.findall(r"\d,\d{3}\.\d+(?!\d)", text))
    if comma == point:  # else "12,50" against "12.50" (a figure its cell broke looks alike)
        comma = len(re.findall(r"(?<![\w.,])\d+,\d{1,2}(?![\w.,])", text))
        point = len(re.findall(r"(?<![\w.,])\d+\.\d{1,2}(?![\w.,])", text))
    return None if comma == point else comma > point


@contextmanager
def number_style(comma: bool | None) -> Iterator[None]:
    """Read numbers as a document writes them, for the time of the block."""
    token = _DECIMAL_COMMA.set(comma)
    try:
        yield
    finally:
        _DECIMAL_COMMA.reset(token)


def parse_count(text: str) -> Decimal:
    """A number of packages: 1,530 / 1.530 / 1 530 are all 1530, unless the document writes
    its decimals with that mark (then "61.980" is a volume, not a count)."""
    style = _DECIMAL_COMMA.get()
    mark = "," if style else "." if style is False else ""
    if mark and mark in text:
        raise ValueError(f"{text!r} is a fraction in this document, not a count")
    return parse_amount(re.sub(r"[,.'\s\u00a0]", "", text))


def parse_amount(text: str) -> Decimal:
    """'1,234.50' / '1.234,50' / '1 234,50' / '49,99' -> Decimal; '2.300' and '6,242' as the
    document being read writes its numbers (`number_style`)."""
    cleaned = re.sub(r"[\s'\u00a0]", "", text.strip())
    style = _DECIMAL_COMMA.get()
    if "," in cleaned and "." in cleaned:
        style = None  # both marks: the last one is the decimal, whatever the document's style
    if style is True and ("," in cleaned or re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+", cleaned)):
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif style is False and re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
        cleaned = cleaned.replace(",", "")
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        head, _, tail = cleaned.rpartition(",")
        cleaned = f"{head.replace(',', '')}.{tail}" if len(tail) in (1, 2) else \
            cleaned.replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {text!r}") from exc


def parse_date(text: str) -> dt.date:
    """2026-11-27, 2026/11/27, 2026年11月27日, 27 Nov 2026, Nov 27, 2026, 27.11.2026, 8-9-2022."""
    value = text.strip()
    if m := re.match(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", value):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.match(r"(\d{1,2})[\s-]*([^\W\d_]{3,})\.?[\s,-]*(\d{4})", value):
        return dt.date(int(m[3]), _month(m[2]), int(m[1]))
    if m := re.match(r"([^\W\d_]{3,})\.?\s+(\d{1,2}),?\s+(\d{4})", value):
        return dt.date(int(m[3]), _month(m[1]), int(m[2]))
    if m := re.match(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", value):
        first, second = int(m[1]), int(m[2])
        if second > 12 >= first:  # 03/20/2023: month first, as in the US
            first, second = second, first
        return dt.date(int(m[3]), second, first)  # else day first, as in most of the world
    raise ValueError(f"not a date: {text!r}")


DATE = (r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?|\d{1,2}[\s-]*[^\W\d_]{3,}\.?"
        r"[\s,-]*\d{4}|[^\W\d_]{3,}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")
