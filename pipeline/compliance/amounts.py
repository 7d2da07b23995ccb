"""Amounts in words read back as numbers, so a factory's own wording is compared by what
it says, not by how: `SAY TOTAL EURO SEVENTY-THREE THOUSAND SIX HUNDRED THIRTY-FOUR AND
CENTS FORTY ONLY`, `... POINT FOUR ZERO`, `... AND 40/100`, and Chinese 大写
`美元伍万捌仟贰佰陆拾元整`, `人民币壹仟贰佰叁拾肆元伍角陆分`."""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["words_en_value", "words_zh_value"]

_ONES = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten "
                                     "eleven twelve thirteen fourteen fifteen sixteen "
                                     "seventeen eighteen nineteen".split())}
_TENS = {w: n * 10 for n, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty "
                                          "ninety".split()) if w != "_"}
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
_NOISE = {"say", "total", "only", "and", "us", "u.s.", "dollars", "dollar", "usd", "eur",
          "euro", "euros", "chinese", "yuan", "rmb", "renminbi", "cny", "pounds", "pound",
          "sterling", "gbp", "hong", "kong", "hkd", "japanese", "yen", "jpy", "of", "the",
          "amount", "in", "words", "swiss", "francs", "franc", "chf", "canadian", "australian",
          "singapore", "sgd", "aud", "cad", "dirhams", "aed", "uae", "dirham"}


def _integer(words: list[str]) -> int | None:
    total, current, seen = 0, 0, False
    for word in words:
        if word in _ONES:
            current += _ONES[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALES:
            total += max(current, 1) * _SCALES[word]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def words_en_value(text: str) -> Decimal | None:
    """The number an English amount in words says (None: not an amount in words)."""
    body = text.lower().replace("-", " ")
    fraction = Decimal(0)
    if found := re.search(r"(\d{1,2})\s*/\s*100", body):  # AND 40/100
        fraction = Decimal(found.group(1)) / 100
        body = body[: found.start()] + body[found.end():]
    words = [w for w in re.split(r"[\s,.]+", body) if w and w not in _NOISE]
    if "point" in words:
        at = words.index("point")
        digits = [_ONES.get(w) for w in words[at + 1:]]
        if any(d is None or d > 9 for d in digits):
            return None
        fraction = Decimal("0." + "".join(str(d) for d in digits)) if digits else fraction
        words = words[:at]
    elif "cents" in words or "cent" in words:
        at = words.index("cents" if "cents" in words else "cent")
        before, after = words[:at], words[at + 1:]
        # "... AND CENTS FORTY" or "... AND FORTY CENTS": the cents are the number next to it
        if after:
            cents, words = _integer(after), before
        else:
            split = min((n for n in range(1, len(before))
                         if (_integer(before[n:]) or 100) <= 99
                         and _integer(before[:n]) is not None), default=None)
            if split is None and (_integer(before) or 100) <= 99:
                split = 0  # SEVEN CENTS ONLY: no whole units
            if split is None:
                return None
            cents, words = _integer(before[split:]), before[:split]
        if cents is None or cents > 99:
            return None
        fraction = Decimal(cents) / 100
    whole = _integer(words) if words or not fraction else 0
    return None if whole is None else Decimal(whole) + fraction


_ZH_DIGITS = {c: n for n, chars in enumerate(["零〇", "壹一", "贰二两", "叁三", "肆四", "伍五",
                                              "陆六", "柒七", "捌八", "玖九"]) for c in chars}
_ZH_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_ZH_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}


def _zh_integer(text: str) -> int | None:
    total, section, digit = 0, 0, 0
    for char in text:
        if char in _ZH_DIGITS:
            digit = _ZH_DIGITS[char]
        elif char in _ZH_UNITS:
            section += max(digit, 1) * _ZH_UNITS[char]
            digit = 0
        elif char in _ZH_BIG:
            total = (total + section + digit) * _ZH_BIG[char]
            section, digit = 0, 0
        else:
            return None
    return total + section + digit


def words_zh_value(text: str) -> Decimal | None:
    """The number a Chinese uppercase amount (大写) says (None: not one)."""
    body = re.sub(r"[\s:：]", "", text)
    body = re.sub(r"^(大写|合计|总计|人民币|美元|欧元|英镑|日元|港币|港元|澳元|加元|瑞士法郎|"
                  r"新加坡元)+", "", body)
    body = re.sub(r"[整正]$", "", body)
    found = re.fullmatch(r"(.*?)[元圆]零?(?:(.)角)?零?(?:(.)分)?", body)
    if found is None:
        whole = _zh_integer(body)
        return None if whole is None else Decimal(whole)
    integer_part = found.group(1)
    whole = _zh_integer(integer_part) if integer_part else 0
    jiao = _ZH_DIGITS.get(found.group(2) or "零")
    fen = _ZH_DIGITS.get(found.group(3) or "零")
    if whole is None or jiao is None or fen is None:
        return None
    return Decimal(whole) + Decimal(jiao) / 10 + Decimal(fen) / 100


def count_en_value(text: str) -> int | None:
    """The number a count in words says: "SAY ONE THOUSAND TWO HUNDRED CARTONS ONLY"."""
    words = [w for w in re.split(r"[\s,\-]+", text.lower()) if w and w not in _NOISE]
    words = [w for w in words if not re.fullmatch(
        r"cartons?|ctns?|packages?|pkgs?|pallets?|cases?|pieces|pcs|sets?|pairs?|units?", w)]
    return _integer(words)
