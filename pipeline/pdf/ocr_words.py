"""The words of a page read by OCR: a piece's text cut into words and placed, the parts of a
word or a number that the recogniser read apart put back together, words found twice left
out."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

__all__ = ["FIGURE", "OcrWord", "joined_parts", "joins", "split_words", "without_echoes"]


@dataclass(frozen=True)
class OcrWord:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float


def _chinese(text: str) -> bool:
    """Chinese characters (a label's colon or brackets with them: 号：)."""
    core = text.strip().strip("：:（）()")
    return bool(core) and all("\u4e00" <= c <= "\u9fff" for c in core)


FIGURE = re.compile(r"[\d.,，．oOlI€$¥]+")  # with the letters a lone figure is misread as


def joins(left: str, right: str, gap: float, height: float, last: str | None = None) -> bool:
    """Two neighbouring pieces that are one word: Chinese characters set apart (read
    alone, a character is often misread), or the figures of one number ("2" "12": a narrow
    1 leaves room on both sides; one of them a figure or two, `last` being the piece before
    `right` of the run `left`: 400.04 and 943294.32 are two numbers set close)."""
    last = last if last is not None else left
    short = mergeable(last, right, left) or not (FIGURE.fullmatch(last)
                                                 and FIGURE.fullmatch(right))
    if _chinese(left) and _chinese(right):
        return gap < 0.5 * height
    if left.isalpha() and right.isalpha() and min(len(left), len(right)) <= 2:
        return gap < 0.3 * height  # PACKI NG: a letter set apart in a heading
    if (left[-1:] in "-/." or right[:1] in "-/.") and gap < 0.3 * height:
        return True  # HZGD- EXP-2: a number's parts either side of its hyphen
    if left[-1:].isdigit() and right[:1].isdigit() and gap < 0.45 * height and short:
        return True  # 20260047 1: the figures of one number
    wide = 1.0 if left[-1:] in ".,，．" else 0.6  # ２，６３８ set wide: after its mark, wider
    return bool(FIGURE.fullmatch(left) and FIGURE.fullmatch(right)) and short and \
        bool(re.search(r"\d", left + right)) and gap < wide * height


ZERO = re.compile(r"[oO]")
# a number as it is written: 3,317.6; 8.602,0; 20260047; 975.04
NUMBER = re.compile(r"\d{1,3}(?:[,，]\d{3})+(?:[.．]\d+)?|\d{1,3}(?:[.．]\d{3})+(?:[,，]\d+)?|"
                    r"\d+(?:[.．,，]\d+)?")


def mergeable(last: str, right: str, run: str | None = None) -> bool:
    """Whether two parts of figures read apart may be one number: one of them a figure or
    mark alone (２ ， ６ set wide), or together a number as numbers are written (3,31 and
    7.6: a narrow 1 leaves room; not 400.04 and 943294.32)."""
    if min(len(last), len(right)) <= 1:
        return True
    return bool(NUMBER.fullmatch(ZERO.sub("0", (run if run is not None else last) + right)))


def _figure_spaces(text: str) -> str:
    """The spaces the recogniser read between the figures of one number set wide
    (２ ， ６ ３ ８, 1 27，39, 10 ,) taken out: where a figure or mark stands alone beside
    another part of a number; not between two numbers (400.04 943294.32)."""
    parts = text.split()
    if len(parts) < 2:
        return text
    out, previous = [parts[0]], parts[0]
    for part in parts[1:]:
        if FIGURE.fullmatch(previous) and FIGURE.fullmatch(part) and \
                re.search(r"\d", out[-1] + part) and mergeable(previous, part, out[-1]):
            out[-1] += part
        else:
            out.append(part)
        previous = part
    return " ".join(out)


def split_words(text: str, x0: float, x1: float) -> list[tuple[str, float, float]]:
    """A piece's text, cut at the spaces the recogniser read, each word placed by its
    share of the characters."""
    text = _figure_spaces(text)  # ２ ， ６ ３ ８: the figures of one number set wide
    text = CJK_SPACES.sub("", text)  # 发票 号: characters of one word read a little apart
    width = (x1 - x0) / max(1, len(text))
    placed, at = [], 0
    for part in text.split():
        begin = text.index(part, at)
        at = begin + len(part)
        if FIGURE.fullmatch(part) and re.search(r"\d", part):
            part = ZERO.sub("0", part)  # 1,363.o: a zero read as a letter
        # 箱号Carton, 型号Model: the space of a bilingual label the recogniser left out
        start = begin
        pieces = BILINGUAL.split(part)
        for n, piece in enumerate(pieces):  # set apart by a gap, to be read as two words
            left = x0 + start * width + (0.4 * width if n else 0)
            right = x0 + (start + len(piece)) * width - (0.4 * width if n < len(pieces) - 1
                                                          else 0)
            placed.append((piece, left, right))
            start += len(piece)
    return placed


# between a Chinese character and an English word (件数Ctns, 件数ctns; not a unit: 净重KG,
# 净重kgs, 毛重(kg), 数量pcs)
BILINGUAL = re.compile(r"(?<=[\u3400-\u9fff])(?!(?:kgs|pcs|cbm|pairs|sets)\b)"
                       r"(?!(?:KGS?|CBM|PCS|CTNS?|M3|LBS?|SETS|PAIRS)\b)"
                       r"(?=[A-Z][a-z]{2,}|[a-z]{3,}|[A-Z]{2,}\b)|(?<=[a-z])(?=[\u3400-\u9fff])")
CJK_SPACES = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def without_echoes(words: list[OcrWord]) -> list[OcrWord]:
    """Words found twice (a text line's end found again as a box of its own): a word
    standing within a longer one that says it too is left out."""
    kept = []
    for word in words:
        width = max(1e-6, word.x1 - word.x0)
        inside = any(other is not word and len(other.text) > len(word.text)
                     and word.text in other.text
                     and min(word.x1, other.x1) - max(word.x0, other.x0) >= 0.7 * width
                     and min(word.bottom, other.bottom) - max(word.top, other.top)
                     >= 0.5 * (word.bottom - word.top) for other in words)
        if not inside:
            kept.append(word)
    return kept


# what follows a number's comma or point: 69 of 1，69, 896.0 of 1，896.0
GROUP = re.compile(r"[\doO]{1,3}(?:[.,，．][\doO]+)*")


def lines_of(words: list[OcrWord]) -> list[list[OcrWord]]:
    """The words line by line (a word whose middle falls within a line's first word joins
    it), each line from the left."""
    lines: list[list[OcrWord]] = []
    for word in sorted(words, key=lambda w: (w.top + w.bottom) / 2):
        middle = (word.top + word.bottom) / 2
        if lines and lines[-1][0].top <= middle <= lines[-1][0].bottom:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def joined_parts(words: list[OcrWord]) -> list[OcrWord]:
    """One word the detector found as two boxes that overlap, reading its middle twice,
    joined; and the parts of one number found as two boxes (full-width figures set wide:
    １，６９ found as `1，` and `69`), when they stand close on one line: a part after a
    mark closer than 1.3 times a line's height, figures closer than 0.6 of it."""
    joined: list[OcrWord] = []
    for line in lines_of(words):
        kept: list[OcrWord] = []
        for word in line:
            left = kept[-1] if kept else None
            overlap = _overlap(left, word) if left is not None else 0
            if left is not None and overlap:  # AG-6 + 670M: one word found as two boxes
                kept[-1] = OcrWord(left.text + word.text[overlap:], left.x0,
                                   min(left.top, word.top), max(left.x1, word.x1),
                                   max(left.bottom, word.bottom),
                                   min(left.confidence, word.confidence))
            elif left is not None and _one_number(left, word):
                text = left.text + word.text
                kept[-1] = OcrWord(ZERO.sub("0", text), left.x0, min(left.top, word.top),
                                   word.x1, max(left.bottom, word.bottom),
                                   min(left.confidence, word.confidence))
            else:
                kept.append(word)
        joined += kept
    return joined


def _overlap(left: OcrWord, right: OcrWord) -> int:
    """How many characters two boxes that overlap on a line read twice (the end of the
    left the start of the right: AG-6 and 670M, WG-2 and -202F): 0 when they do not."""
    if right.x0 >= left.x1 - 2 or right.x1 <= left.x1:
        return 0
    for k in range(min(len(left.text), len(right.text)) - 1, 0, -1):
        if left.text[-k:] == right.text[:k]:
            return k
    return 0


def _one_number(left: OcrWord, right: OcrWord) -> bool:
    if not (FIGURE.fullmatch(left.text) and FIGURE.fullmatch(right.text)
            and re.search(r"\d", left.text + right.text)):
        return False
    height = min(left.bottom - left.top, right.bottom - right.top)
    gap = right.x0 - left.x1
    if left.text[-1:] in ".,，．" and GROUP.fullmatch(right.text):
        return gap < 1.3 * height  # a full-width mark: its glyph at the left of a wide cell
    return gap < 0.6 * height and mergeable(left.text, right.text)


def on_lines(words: list[OcrWord]) -> list[OcrWord]:
    """The words of one line of text set on one line: the detector boxes a table's row in
    pieces whose tops differ by a few points (a page levelled to within a few tenths of a
    degree still rises across its width), and a reader that takes a line by its words'
    tops would cut the row in two, a model on one line and its figures on another. Each
    word whose middle lies within a line's first word takes the line's median top and
    bottom."""
    placed: list[OcrWord] = []
    for line in lines_of(words):
        top = statistics.median(w.top for w in line)
        bottom = statistics.median(w.bottom for w in line)
        placed += [OcrWord(w.text, w.x0, top, w.x1, bottom, w.confidence) for w in line]
    return placed
