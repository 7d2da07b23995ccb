"""Tables read as tables: the words of a page with their boxes, grouped into lines and
cells, a header row recognised by its labels (Chinese or English, one line or two), each
cell assigned to the column under whose header it stands, item rows until the total row,
across pages. What a line of text loses (which figure is the quantity, which the price, the
"20V" in a product name) the columns keep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .columns import COLUMNS, NUMERIC, TOTAL_ROW
from .columns import column_of as _column
from .page_words import (
    WORDS_VERSION,
    WRAPPED_NUMBER,
    Word,
    joined,
    read_words,
    reading_order,
    words_from_rows,
    words_to_rows,
    wrap_join,
)

__all__ = ["COLUMNS", "WORDS_VERSION", "Cell", "Line", "Row", "Table", "Word", "find_tables",
           "lines_of", "read_words", "words_from_rows", "words_to_rows"]



@dataclass
class Cell:
    text: str
    x0: float
    x1: float
    words: tuple[Word, ...] = ()

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Line:
    page: int
    top: float
    words: list[Word]
    cells: list[Cell] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


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


def _cells(words: list[Word], gap: float) -> list[Cell]:
    cells: list[Cell] = []
    for word in sorted(words, key=lambda w: w.x0):
        if cells and word.x0 - cells[-1].x1 <= gap:
            cells[-1] = Cell(f"{cells[-1].text} {word.text}", cells[-1].x0, word.x1,
                             (*cells[-1].words, word))
        else:
            cells.append(Cell(word.text, word.x0, word.x1, (word,)))
    return cells


def lines_of(words: list[Word], tolerance: float = 3.0) -> list[Line]:
    """Words grouped into lines (by their top), each split into cells at wide gaps."""
    lines: list[Line] = []
    rows: dict[int, list[Word]] = {}
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        if word.row >= 0:
            rows.setdefault(word.row, []).append(word)
        elif lines and abs(word.top - lines[-1].top) <= tolerance:
            lines[-1].words.append(word)
        else:
            lines.append(Line(word.page, word.top, [word]))
    for line in lines:
        size = max((w.bottom - w.top for w in line.words), default=8.0)
        line.words.sort(key=lambda w: w.x0)
        line.cells = _cells(line.words, max(4.0, size * 0.9))
    for members in rows.values():  # a ruled row: one line, a cell per ruled cell
        by_cell: dict[int, list[Word]] = {}
        for word in members:
            by_cell.setdefault(word.cell, []).append(word)
        cells = [Cell(joined(reading_order(ws)), min(w.x0 for w in ws),
                      max(w.x1 for w in ws), tuple(sorted(ws, key=lambda w: w.x0))
                      if max(w.top for w in ws) - min(w.top for w in ws) <= 3.0 else ())
                 for ws in by_cell.values()]
        cells.sort(key=lambda c: c.x0)
        ordered = [w for c in sorted(by_cell, key=lambda c: min(w.x0 for w in by_cell[c]))
                   for w in reading_order(by_cell[c])]
        lines.append(Line(members[0].page, min(w.top for w in members), ordered, cells))
    lines.sort(key=lambda line: line.top)
    return lines


Extent = tuple[float, float]


def _header_cells(cell: Cell) -> list[Cell]:
    """Two headers run together ("货号 Item No. 箱号 Carton", "Packages N.W."), split where a
    Chinese label follows an English one and each side names a different column, or, in a
    cell that names no column as a whole, into the labels it holds (`_labels_in`)."""
    words = cell.words
    for n in range(1, len(words)):
        if words[n].text[:1] >= "\u4e00" and words[n - 1].text.isascii():
            left, right = words[:n], words[n:]
            first = _column(" ".join(w.text for w in left))
            second = _column(" ".join(w.text for w in right))
            if first and second and first != second:
                return [_cell(left), *_header_cells(_cell(right))]
    one_language = len({w.text.isascii() for w in words}) == 1  # 箱号 Ctn: one label, twice
    return _labels_in(cell) if one_language and _column(cell.text, parts=False) is None \
        else [cell]


def _cell(words: tuple[Word, ...] | list[Word]) -> Cell:
    return Cell(" ".join(w.text for w in words), words[0].x0, words[-1].x1, tuple(words))


def _labels_in(cell: Cell) -> list[Cell]:
    """A header cell cut into the fewest pieces that name the most of its words as column
    labels: "Qty/ Cartons Net Weight Gross" (labels set close, the rest of two of them on
    the line below) is "Qty/", "Cartons", "Net Weight", "Gross"; "Carton No." stays whole."""
    words = cell.words
    best: list[tuple[int, int, list[tuple[int, int]]] | None] = [(0, 0, [])]
    for end in range(1, len(words) + 1):
        found: tuple[int, int, list[tuple[int, int]]] | None = None
        for start in range(end):
            before = best[start]
            if before is None:
                continue
            named = _column(" ".join(w.text for w in words[start:end]), parts=False)
            option = (before[0] + (end - start if named else 0), before[1] - 1,
                      [*before[2], (start, end)])
            if found is None or option[:2] > found[:2]:
                found = option
        best.append(found)
    last = best[-1]
    if last is None or not last[0] or len(last[2]) < 2:
        return [cell]
    return [_cell(words[a:b]) for a, b in last[2]]


def _labels(line: Line) -> dict[str, Extent]:
    found: dict[str, Extent] = {}
    for cell in (part for whole in line.cells for part in _header_cells(whole)):
        name = _column(cell.text)
        if name and name not in found:
            found[name] = (cell.x0, cell.x1)
    return found


def _header(line: Line) -> dict[str, Extent] | None:
    """The columns a header line names, each with the extent of its header cell."""
    found = _labels(line)
    useful = set(found) & {"quantity", "unit_price", "amount", "cartons", "model",
                           "gross_weight_kg", "net_weight_kg", "description", "cartons_range"}
    return found if len(found) >= 3 and len(useful) >= 2 else None


def _header_block(lines: list[Line], n: int) -> tuple[dict[str, Extent], int]:
    """The columns of the header at line `n`, read with the header lines above and below
    it (a header over two or three lines, its cells wrapped or set at different heights:
    每箱数 / 量, Pcs/ / Ctn, 品名 / Description): the pieces standing over each other are
    one header cell. Returns the columns and the last line of the header."""
    def headerish(line: Line) -> bool:
        return line.page == lines[n].page and all(
            not _is_number(c.text) and len(c.text) <= 24 for c in line.cells)

    first, last = n, n
    while first > 0 and lines[n].top - lines[first - 1].top < 20 and headerish(lines[first - 1]):
        first -= 1
    while last + 1 < len(lines) and lines[last + 1].top - lines[last].top < 16 and \
            headerish(lines[last + 1]):
        last += 1
    groups: list[list[tuple[float, Cell]]] = []
    for line in lines[first:last + 1]:
        for cell in (part for whole in line.cells for part in _header_cells(whole)):
            group = next((g for g in groups if any(c.x0 <= cell.center <= c.x1 or
                                                   cell.x0 <= c.center <= cell.x1
                                                   for _, c in g)), None)
            if group is None:
                groups.append([(line.top, cell)])
            else:
                group.append((line.top, cell))
    header: dict[str, Extent] = {}
    for group in groups:
        pieces = [c.text for _, c in sorted(group, key=lambda g: (g[0], g[1].x0))]
        chinese = "".join(p for p in pieces if not p.isascii())
        english = " ".join(p for p in pieces if p.isascii())
        names = [_column(text) for text in (chinese, english, " ".join(pieces), *pieces) if text]
        name = next((found for found in names if found), None)
        if name is not None and name not in header:
            header[name] = (min(c.x0 for _, c in group), max(c.x1 for _, c in group))
    return header, last


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


AFFIX = r"(?:[A-Z]{3}\s?|US\$\s?|[$€¥£]\s?)?"  # USD 1,234.50 / $1,234.50 / € 12,50


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(rf"{AFFIX}[-+]?[\d.,' ]*\d(\s*(kgs?|cbm|m3|pcs|sets|pairs?|ctns?|"
                             r"cartons?|units?|%|usd|eur))?", text.strip(), re.IGNORECASE))


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
            if _header(line) is not None:
                flush()
                header, n = _header_block(lines, n)
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
            n += 1
        flush()  # a table does not go on over a page break without its rows
    return tables


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
        if "model" in values and "model" in self.values and not self.total and \
                not self.values["model"].endswith(("-", "/")):
            return False  # a row of its own, not the rest of a model its cell broke
        for name in set(values) & set(self.values):
            # only a text (or a number) wrapped in its cell, on the line right under it
            if line.top - self.tops[name] > size * 2.2:  # CJK fonts set lines far apart
                return False
            if (name == "line_no" or (self.total and name not in NUMERIC)) and \
                    not _is_number(values[name]):
                continue  # the rest of the total row's label (GRAND / TOTAL)
            if (name in NUMERIC or _is_number(values[name])) and not self._wrapped(name, values):
                return False
        return not self.total or all(_is_number(v) for k, v in values.items()
                                     if k in NUMERIC - {"line_no"} or _is_number(v))

    def _wrapped(self, name: str, values: dict[str, str]) -> bool:
        """A figure broken over two lines of its cell, or the unit under a quantity."""
        first, second = self.values[name], values[name]
        figure = bool(re.fullmatch(r"\d[\d.,]*(?:\s+[A-Za-z]{2,8}\.?)?", second))
        return (figure and (bool(re.fullmatch(r"(.*\d[.,]?)(\s+[A-Za-z]{2,8}\.?)", first)) or
                            bool(WRAPPED_NUMBER.fullmatch(first.split(" ")[-1])))) or (
            name == "quantity" and bool(re.fullmatch(r"[A-Za-z]{2,8}\.?", second))) or (
            figure and bool(re.fullmatch(r"[A-Z]{3}|US\$|[$€¥£]", first.strip())))  # EUR/406.66

    def add(self, line: Line, values: dict[str, str]) -> None:
        for name, text in values.items():
            if name not in self.values:
                self.values[name] = text
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
