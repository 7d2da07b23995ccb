"""The words of a page grouped into lines (by their top) and each line into cells (at the
wide gaps between words' boxes, or by the ruled cells a row is drawn in)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .page_words import Word, joined, reading_order

__all__ = ["Cell", "Line", "lines_of"]


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
