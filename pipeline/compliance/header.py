"""A table's header row: the labels its cells give (Chinese or English, one line or two or
three, labels set so close that their texts run together), each the extent of its column."""

from __future__ import annotations

import re

from .cells import Cell, Line
from .columns import column_of as _column
from .columns import is_figure as _is_number
from .page_words import Word

__all__ = ["Extent", "header_block", "header_of"]

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


def header_of(line: Line) -> dict[str, Extent] | None:
    """The columns a header line names, each with the extent of its header cell."""
    found = _labels(line)
    useful = set(found) & {"quantity", "unit_price", "amount", "cartons", "model",
                           "gross_weight_kg", "net_weight_kg", "description", "cartons_range"}
    return found if len(found) >= 3 and len(useful) >= 2 else None


LABEL = re.compile(r"[:：](?:\s|$)")  # 唛头: OZTOOLS, a field of the document (not a header)


def header_block(lines: list[Line], n: int) -> tuple[dict[str, Extent], int]:
    """The columns of the header at line `n`, read with the header lines above and below
    it (a header over two or three lines, its cells wrapped or set at different heights:
    每箱数 / 量, Pcs/ / Ctn, 品名 / Description): the pieces standing over each other are
    one header cell. Returns the columns and the last line of the header."""
    def headerish(line: Line) -> bool:  # (a label with its colon is the document's: 唛头:)
        return line.page == lines[n].page and all(
            not _is_number(c.text) and len(c.text) <= 24 and not LABEL.search(c.text)
            for c in line.cells)

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
