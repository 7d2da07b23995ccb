"""Tables read as tables: the words of a page with their boxes, grouped into lines and
cells, a header row recognised by its labels (Chinese or English, one line or two), each
cell assigned to the column under whose header it stands, item rows until the total row,
across pages. What a line of text loses (which figure is the quantity, which the price, the
"20V" in a product name) the columns keep.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .cells import Cell, Line, lines_of
from .columns import COLUMNS, NUMERIC, TOTAL_ROW
from .columns import is_figure as _is_number
from .header import Extent, header_block, header_of
from .page_words import (
    WORDS_VERSION,
    WRAPPED_NUMBER,
    Word,
    read_words,
    words_from_rows,
    words_to_rows,
    wrap_join,
)

__all__ = ["COLUMNS", "WORDS_VERSION", "Cell", "Line", "Row", "Table", "Word", "find_tables",
           "lines_of", "read_words", "words_from_rows", "words_to_rows"]


@dataclass
class Row:
    page: int
    text: str
    values: dict[str, str]
    last_top: float = 0.0  # where its last line of text stands
    lines: int = 1  # 2: a figure of it was put together from two lines of its cell
    joined: frozenset[str] = frozenset()  # the columns whose figure was (else: not known)


@dataclass
class Table:
    columns: list[str]
    rows: list[Row]
    totals: Row | None = None


def _distance(cell: Cell, extent: Extent) -> float:
    """0 when the cell and the header overlap, else the gap between them."""
    return max(0.0, extent[0] - cell.x1, cell.x0 - extent[1])


def _assign(line: Line, columns: dict[str, Extent]) -> dict[str, str]:
    """Each cell of a data line to the column whose header it stands under (the most
    overlap, else the nearest): right-aligned figures under a left-aligned header too."""
    values: dict[str, str] = {}
    for whole in line.cells:
        for cell in _split(whole, columns):
            name = min(columns, key=lambda c, cell=cell: (  # type: ignore[misc]
                _distance(cell, columns[c]),
                max(cell.x0, columns[c][0]) - min(cell.x1, columns[c][1])))
            values[name] = f"{values[name]} {cell.text}" if name in values else cell.text
    return values


def _split(cell: Cell, columns: dict[str, Extent]) -> list[Cell]:
    """A cell that runs under two headers or more (columns set so close that their texts
    ran together) split at its words: each word goes with the header it stands under, a
    word between headers with the word before it."""
    if len(cell.words) < 2 or sum(_distance(cell, e) == 0 for e in columns.values()) < 2:
        return [cell]
    parts: list[tuple[str, list[Word]]] = []
    for word in cell.words:
        middle = (word.x0 + word.x1) / 2
        under = next((c for c, (x0, x1) in columns.items() if x0 <= middle <= x1), None)
        name = under or (parts[-1][0] if parts else "")
        if parts and parts[-1][0] == name:
            parts[-1][1].append(word)
        else:
            parts.append((name, [word]))
    return [Cell(" ".join(w.text for w in ws), ws[0].x0, ws[-1].x1, tuple(ws))
            for _, ws in parts]


def find_tables(pages: list[list[Word]]) -> list[Table]:
    """Every item table in the document: from its header to its total row, across pages
    (a page without the header repeated continues the table above it). A row whose cells
    stand at different heights (one cell per line of text) is put back together: lines
    close below each other whose cells fill different columns are one row."""
    tables: list[Table] = []
    current: Table | None = None
    columns: dict[str, Extent] = {}
    pending: _Pending | None = None

    def flush() -> None:
        nonlocal pending, current
        if pending is None or current is None:
            pending = None
            return
        row, pending = pending.row(), None
        numbers = sum(_is_number(row.values.get(c, "")) for c in NUMERIC - {"line_no"})
        if row.total:
            current.totals = Row(row.page, row.text, row.values, row.last_top, row.lines,
                                 row.joined)
            current = None
        elif numbers >= 2 or (numbers and "model" in row.values):
            current.rows.append(Row(row.page, row.text, row.values, row.last_top, row.lines,
                                    row.joined))
        elif current.rows and set(row.values) <= {"description", "model", "origin", "hs_code",
                                                  "unit"} and current.rows[-1].page == \
                row.page and row.top - current.rows[-1].last_top < 3 * row.size:
            last = current.rows[-1]  # a wrapped description (not a footer far below)
            for key, text in row.values.items():
                last.values[key] = f"{last.values.get(key, '')} {text}".strip()
            last.last_top = row.last_top
        elif current.rows and numbers and current.rows[-1].page == row.page and \
                row.top - current.rows[-1].last_top < 2 * row.size:
            current.rows[-1].lines = 2  # figures left over right under it: not read whole
            current.rows[-1].joined = frozenset()  # (which of its cells lost them: unknown)

    for words in pages:
        lines = lines_of(words)
        n = 0
        while n < len(lines):
            line = lines[n]
            if header_of(line) is not None:
                flush()
                header, n = header_block(lines, n)
                columns = header
                current = Table(sorted(header, key=lambda c: header[c][0]), [])
                tables.append(current)
            elif current is not None and columns:
                values = _assign(line, columns)
                total = bool(TOTAL_ROW.match(line.text) or TOTAL_ROW.match(line.cells[0].text))
                label_goes_on = total and pending is not None and pending.total and \
                    line.top - pending.last.top < 2.2 * max(
                        (w.bottom - w.top for w in line.words), default=8.0)  # GRAND / TOTAL
                if pending is not None and (not total or label_goes_on) and \
                        pending.takes(line, values):
                    pending.add(line, values)
                else:
                    flush()
                    if current is not None:
                        pending = _Pending(line, values, total)
                    else:
                        _left_under_total(tables[-1].totals, line, values)
            n += 1
        flush()  # a table does not go on over a page break without its rows
    return tables


def _left_under_total(totals: Row | None, line: Line, values: dict[str, str]) -> None:
    """Figures right under a total row that it did not take: it was not read whole."""
    size = max((w.bottom - w.top for w in line.words), default=8.0)
    if totals is not None and totals.page == line.page and \
            line.top - totals.last_top < 2 * size and \
            any(re.search(r"\d", v) for k, v in values.items() if k in NUMERIC):
        totals.lines, totals.joined = 2, frozenset()


IN_WORDS = re.compile(r"\bSAY\b|大写|\bin words\b", re.IGNORECASE)


class _Pending:
    """A row being put together from the lines it is set on."""

    def __init__(self, line: Line, values: dict[str, str], total: bool) -> None:
        self.page, self.top, self.last = line.page, line.top, line
        self.texts = [line.text]
        self.values = dict(values)
        self.tops = {name: line.top for name in values}  # where each column was last set
        self.total = total
        self.broken: set[str] = set()  # figures of it broken over two lines of their cell

    def takes(self, line: Line, values: dict[str, str]) -> bool:
        size = max((w.bottom - w.top for w in self.last.words), default=8.0)
        if line.page != self.page or line.top - self.last.top > size * 2.2:
            return False
        if self.total and IN_WORDS.search(line.text):
            return False  # the amount in words under the total row: a line of its own
        if "model" in values and "model" in self.values and not self.total and \
                not self.values["model"].endswith(("-", "/")):
            return False  # a row of its own, not the rest of a model its cell broke
        for name in set(values) & set(self.values):
            # only a text (or a number) wrapped in its cell, on the line right under it
            if line.top - self.tops[name] > size * 2.2:  # CJK fonts set lines far apart
                return False
            if (name == "line_no" and not _is_number(values[name])) or (
                    self.total and not re.search(r"\d", values[name])):
                continue  # the rest of the total row's label (GRAND / TOTAL)
            if name in NUMERIC and not re.search(r"\d", values[name]) and \
                    re.search(r"[^\W\d_]{2}", self.values[name]):
                continue  # words under words: the text of a cell set in a figure's column
            if (name in NUMERIC or _is_number(values[name])) and not self._wrapped(name, values):
                return False
        return not self.total or all(_is_number(v) or WRAPPED_NUMBER.fullmatch(v)
                                     for k, v in values.items()  # 3,5 over 04. over 6
                                     if re.search(r"\d", v))  # (not: GRAND / TOTAL)

    def _wrapped(self, name: str, values: dict[str, str]) -> bool:
        """A figure broken over two lines of its cell, or the unit under a quantity."""
        first, second = (unicodedata.normalize("NFKC", t) for t in (self.values[name],
                                                                     values[name]))
        figure = bool(re.fullmatch(r"\d[\d.,]*(?:\s+[A-Za-z]{2,8}\.?)?", second))
        return (figure and (bool(re.fullmatch(r"(.*\d[.,]?)(\s+[A-Za-z]{2,8}\.?)", first)) or
                            bool(WRAPPED_NUMBER.fullmatch(first.split(" ")[-1])))) or (
            name == "quantity" and bool(re.fullmatch(r"[A-Za-z]{2,8}\.?", second))) or (
            figure and bool(re.fullmatch(r"[A-Z]{3}|US\$|[$€¥£]", first.strip())))  # EUR/406.66

    def add(self, line: Line, values: dict[str, str]) -> None:
        figures = any(k in NUMERIC - {"line_no"} for k in self.values)
        for name, text in values.items():
            if name not in self.values:
                self.values[name] = text
                if (name in NUMERIC - {"line_no"} or name == "model") and figures:
                    self.broken.add(name)  # only on a later line of a row: maybe a part
            elif name in NUMERIC:
                joined = wrap_join(self.values[name], text)
                if not joined.startswith(f"{self.values[name]} "):
                    self.broken.add(name)
                self.values[name] = joined
            else:
                self.values[name] = f"{self.values[name]} {text}"
            self.tops[name] = line.top
        self.texts.append(line.text)
        self.last = line

    def row(self) -> _Assembled:
        size = max((w.bottom - w.top for w in self.last.words), default=8.0)
        return _Assembled(self.page, "   ".join(self.texts), self.values, self.total,
                          self.top, self.last.top, size, 2 if self.broken else 1,
                          frozenset(self.broken))


@dataclass
class _Assembled:
    page: int
    text: str
    values: dict[str, str]
    total: bool
    top: float
    last_top: float
    size: float
    lines: int
    joined: frozenset[str]
