"""The words of a page: read from a PDF with their boxes (turned text left out, each word
placed in the ruled cell it stands in), kept as plain rows, put in reading order line by
line, and a figure a narrow cell broke over two lines put back together.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["WORDS_VERSION", "WRAPPED_NUMBER", "Word", "joined", "read_words", "reading_order",
           "words_from_rows", "words_to_rows", "wrap_join"]

WORDS_VERSION = 3  # raise when read_words reads differently: kept words are read again
OCR_TAG = "OCR"  # the marked content of an OCR text layer (pipeline/pdf/ocr_pdf.py)


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int
    row: int = -1  # the ruled table row it stands in (-1: none), and the cell of that row
    cell: int = -1


def _level(obj: dict[str, Any]) -> bool:
    """Not turned text: a watermark across the page (our 草稿 DRAFT) would fall into rows."""
    matrix = obj.get("matrix") or (1, 0, 0, 1, 0, 0)
    return obj.get("object_type") != "char" or (abs(float(matrix[1])) < 0.01
                                                and abs(float(matrix[2])) < 0.01)


def _ocr(obj: dict[str, Any]) -> bool:
    """The words of an OCR layer only (not a stamp's over the scan)."""
    return obj.get("tag") == OCR_TAG


def read_words(pdf: Path, max_pages: int = 20) -> list[list[Word]]:
    """The words of each page (of the first `max_pages`), with their boxes; turned text
    (a watermark) is left out, and on a page read by OCR all but the OCR's words (the
    text of a stamp over the scan is not the document's)."""
    import pdfplumber

    pages: list[list[Word]] = []
    with pdfplumber.open(str(pdf)) as document:
        for number, page in enumerate(document.pages[:max_pages], start=1):
            try:
                ocr = any(c.get("tag") == OCR_TAG for c in page.chars)
                kept = page.filter(_level if not ocr else _ocr)
                found = kept.extract_words(x_tolerance=1.5, y_tolerance=2.5,
                                           keep_blank_chars=False, use_text_flow=False)
                boxes = _ruled_cells(page)
            except Exception:  # one unreadable page does not stop the others
                found, boxes = [], []
            words = []
            for w in found:
                x, y = (float(w["x0"]) + float(w["x1"])) / 2, (float(w["top"]) +
                                                               float(w["bottom"])) / 2
                row, cell = next(((r, c) for r, c, x0, top, x1, bottom in boxes
                                  if x0 <= x <= x1 and top <= y <= bottom), (-1, -1))
                words.append(Word(unicodedata.normalize("NFKC", str(w["text"])),
                                  float(w["x0"]), float(w["x1"]), float(w["top"]),
                                  float(w["bottom"]), number, row, cell))
            pages.append(words)
            page.close()
    return pages


def words_to_rows(pages: list[list[Word]]) -> list[list[list[Any]]]:
    """The words as plain rows (to keep them: JSON)."""
    return [[[w.text, w.x0, w.x1, w.top, w.bottom, w.page, w.row, w.cell] for w in words]
            for words in pages]


def words_from_rows(rows: list[list[list[Any]]]) -> list[list[Word]]:
    return [[Word(str(r[0]), float(r[1]), float(r[2]), float(r[3]), float(r[4]), int(r[5]),
                  int(r[6]), int(r[7])) for r in page] for page in rows]


Box = tuple[int, int, float, float, float, float]  # row, cell, x0, top, x1, bottom


def _ruled_cells(page: object) -> list[Box]:
    """The cells of the page's ruled tables (drawn lines around each cell), row by row: the
    words of one row belong together, however their cells are aligned vertically."""
    boxes: list[Box] = []
    row_id = 0
    for table in page.find_tables():  # type: ignore[attr-defined]
        for row in table.rows:
            cells = list(row.cells)
            if sum(c is not None for c in cells) < 2:
                continue
            for n, box in enumerate(cells):
                if box is not None:
                    x0, top, x1, bottom = (float(v) for v in box)
                    boxes.append((row_id, n, x0, top, x1, bottom))
            row_id += 1
    return boxes


WRAPPED_NUMBER = re.compile(r"(?:[A-Z]{3}|US\$|[$€¥£])?[\d.,]*\d[.,]?")


def wrap_join(first: str, second: str) -> str:
    """Two pieces of one cell, the second on the line under the first: a number its
    narrow cell broke ("1,618." over "8", "15.52" over "1") is put back together (in
    full-width forms too: "５，６" over "４０．")."""
    first, second = unicodedata.normalize("NFKC", first), unicodedata.normalize("NFKC", second)
    unit = re.fullmatch(r"(.*\d[.,]?)(\s+[A-Za-z]{2,8}\.?)", first)  # "2 SETS" over "232"
    if unit and re.fullmatch(r"\d[\d.,]*", second):
        return _grouped(unit[1], second) + unit[2]
    if WRAPPED_NUMBER.fullmatch(first.split(" ")[-1]) and \
            re.fullmatch(r"\d[\d.,]*(?:\s+[A-Za-z]{2,8}\.?)?", second):  # "0 PAIRS" too
        return _grouped(first, second)
    return f"{first} {second}"


def _grouped(first: str, second: str) -> str:
    """The two pieces as one figure: run together (1,02 + 6.1), or apart where the break
    was a space between groups of thousands (1 963 + 831,02)."""
    from .values import NUMBER

    head = re.sub(r"^\D*", "", first)
    tail = second.split(" ")[0]
    if not re.fullmatch(NUMBER, head + tail) and re.fullmatch(NUMBER, f"{head} {tail}"):
        return f"{first} {second}"
    return f"{first}{second}"


def reading_order(words: list[Word], tolerance: float = 3.0) -> list[Word]:
    """Words line by line (a Chinese and a Latin word of one line may stand a point apart),
    each line from the left."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w.top):
        if lines and word.top - lines[-1][0].top <= tolerance:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [w for line in lines for w in sorted(line, key=lambda w: w.x0)]


def joined(words: list[Word]) -> str:
    text = ""
    for n, word in enumerate(words):
        if not n:
            text = word.text
        elif abs(word.top - words[n - 1].top) > 3.0:
            text = wrap_join(text, word.text)
        else:
            text = f"{text} {word.text}"
    return text
