"""Tables read as tables: the words of a page with their boxes, grouped into lines and
cells, a header row recognised by its labels (Chinese or English, one line or two), each
cell assigned to the column under whose header it stands, item rows until the total row,
across pages. What a line of text loses (which figure is the quantity, which the price, the
"20V" in a product name) the columns keep.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["COLUMNS", "Cell", "Line", "Row", "Table", "Word", "find_tables", "lines_of",
           "read_words"]

# column: labels it is headed by (matched on the cell's text, case and width folded)
COLUMNS: dict[str, tuple[str, ...]] = {
    "line_no": (r"no\.?", r"序号", r"#", r"item"),
    "description": (r"description( of goods)?", r"品名", r"货物名称", r"name", r"goods",
                    r"commodity", r"品名及规格", r"product"),
    "model": (r"model( no\.?)?", r"型号", r"规格型号", r"item no\.?", r"art(icle)?\.? ?no\.?",
              r"货号", r"style"),
    "hs_code": (r"hs( code)?", r"hs编码", r"海关编码", r"商品编码"),
    "origin": (r"origin", r"原产地", r"产地"),
    "quantity": (r"q'?ty", r"quantity", r"数量", r"pcs", r"total qty"),
    "unit": (r"unit", r"单位"),
    "unit_price": (r"unit price", r"单价", r"price", r"u\.? ?price"),
    "amount": (r"amount", r"金额", r"total amount", r"value", r"总价", r"total"),
    "cartons_range": (r"c/?no\.?", r"carton no\.?", r"箱号", r"ctn no\.?", r"marks? & nos?\.?"),
    "qty_per_carton": (r"pcs ?/ ?ctn", r"qty ?/ ?ctn", r"每箱数量", r"装箱数", r"每箱",
                       r"pcs per ctn"),
    "cartons": (r"ctns?", r"cartons?", r"箱数", r"件数", r"packages?", r"pkgs"),
    "net_weight_kg": (r"n\.? ?w\.?( ?\(?kgs?\)?)?", r"net weight( ?\(?kgs?\)?)?", r"净重"
                      r"( ?\(?kgs?\)?)?", r"净重kg"),
    "gross_weight_kg": (r"g\.? ?w\.?( ?\(?kgs?\)?)?", r"gross weight( ?\(?kgs?\)?)?",
                        r"毛重( ?\(?kgs?\)?)?", r"毛重kg"),
    "volume_cbm": (r"cbm", r"meas\.?( ?\(?cbm\)?)?", r"measurement", r"volume( ?\(?cbm\)?)?",
                   r"体积( ?\(?cbm\)?)?", r"体积cbm", r"m3"),
    "carton_size_cm": (r"carton size( ?\(?cm\)?)?", r"箱规", r"dimensions?"),
}
NUMERIC = {"quantity", "unit_price", "amount", "qty_per_carton", "cartons", "net_weight_kg",
           "gross_weight_kg", "volume_cbm", "line_no"}
TOTAL_ROW = re.compile(r"^\s*(total|grand total|合\s*计|总\s*计|小\s*计|sum|totals?)\b",
                       re.IGNORECASE)
_COMPILED = {name: [re.compile(rf"^{p}$", re.IGNORECASE) for p in patterns]
             for name, patterns in COLUMNS.items()}


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    page: int


@dataclass
class Cell:
    text: str
    x0: float
    x1: float

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


@dataclass
class Table:
    columns: list[str]
    rows: list[Row]
    totals: Row | None = None


def read_words(pdf: Path, max_pages: int = 20) -> list[list[Word]]:
    """The words of each page (of the first `max_pages`), with their boxes."""
    import pdfplumber

    pages: list[list[Word]] = []
    with pdfplumber.open(str(pdf)) as document:
        for number, page in enumerate(document.pages[:max_pages], start=1):
            try:
                found = page.extract_words(x_tolerance=1.5, y_tolerance=2.5,
                                           keep_blank_chars=False, use_text_flow=False)
            except Exception:  # one unreadable page does not stop the others
                found = []
            pages.append([Word(unicodedata.normalize("NFKC", str(w["text"])),
                               float(w["x0"]), float(w["x1"]), float(w["top"]),
                               float(w["bottom"]), number) for w in found])
            page.close()
    return pages


def _cells(words: list[Word], gap: float) -> list[Cell]:
    cells: list[Cell] = []
    for word in sorted(words, key=lambda w: w.x0):
        if cells and word.x0 - cells[-1].x1 <= gap:
            cells[-1] = Cell(f"{cells[-1].text} {word.text}", cells[-1].x0, word.x1)
        else:
            cells.append(Cell(word.text, word.x0, word.x1))
    return cells


def lines_of(words: list[Word], tolerance: float = 3.0) -> list[Line]:
    """Words grouped into lines (by their top), each split into cells at wide gaps."""
    lines: list[Line] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        if lines and abs(word.top - lines[-1].top) <= tolerance:
            lines[-1].words.append(word)
        else:
            lines.append(Line(word.page, word.top, [word]))
    for line in lines:
        size = max((w.bottom - w.top for w in line.words), default=8.0)
        line.words.sort(key=lambda w: w.x0)
        line.cells = _cells(line.words, max(4.0, size * 0.9))
    return lines


def _column(text: str) -> str | None:
    cleaned = re.sub(r"\s+", " ", text.strip().strip(":：*").strip())
    for name, patterns in _COMPILED.items():
        if any(p.match(cleaned) for p in patterns):
            return name
    # a bilingual header cell: 数量 Qty -> try its parts
    for part in re.split(r"\s+(?=[A-Za-z])|(?<=[A-Za-z.)])\s+(?=[^\x00-\x7f])", cleaned):
        for name, patterns in _COMPILED.items():
            if part != cleaned and any(p.match(part.strip()) for p in patterns):
                return name
    return None


Extent = tuple[float, float]


def _labels(line: Line) -> dict[str, Extent]:
    found: dict[str, Extent] = {}
    for cell in line.cells:
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


def _merge(header: dict[str, Extent], line: Line) -> bool:
    """Add a further header line (the English under the Chinese, a label set between);
    False when the line is not one."""
    if any(_is_number(c.text) for c in line.cells):
        return False
    for cell in line.cells:
        name = _column(cell.text)
        same = next((k for k, (x0, x1) in header.items() if x0 <= cell.center <= x1 or
                     cell.x0 <= (x0 + x1) / 2 <= cell.x1), None)
        if same is not None:  # the rest of a header already read: widen it
            x0, x1 = header[same]
            header[same] = (min(x0, cell.x0), max(x1, cell.x1))
        elif name is not None and name not in header:
            header[name] = (cell.x0, cell.x1)
    return True


def _distance(cell: Cell, extent: Extent) -> float:
    """0 when the cell and the header overlap, else the gap between them."""
    return max(0.0, extent[0] - cell.x1, cell.x0 - extent[1])


def _assign(line: Line, columns: dict[str, Extent]) -> dict[str, str]:
    """Each cell of a data line to the column whose header it stands under (the most
    overlap, else the nearest): right-aligned figures under a left-aligned header too."""
    values: dict[str, str] = {}
    for cell in line.cells:
        name = min(columns, key=lambda c, cell=cell: (  # type: ignore[misc]
            _distance(cell, columns[c]),
            max(cell.x0, columns[c][0]) - min(cell.x1, columns[c][1])))
        values[name] = f"{values[name]} {cell.text}" if name in values else cell.text
    return values


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d.,' ]*\d(\s*(kgs?|cbm|pcs|sets|%))?", text.strip(),
                             re.IGNORECASE))


def find_tables(pages: list[list[Word]]) -> list[Table]:
    """Every item table in the document: from its header to its total row, across pages
    (a page without the header repeated continues the table above it)."""
    tables: list[Table] = []
    current: Table | None = None
    columns: dict[str, Extent] = {}
    for words in pages:
        lines = lines_of(words)
        n = 0
        while n < len(lines):
            line = lines[n]
            header = _header(line)
            if header is not None:
                while n + 1 < len(lines) and lines[n + 1].top - line.top < 24 and \
                        _merge(header, lines[n + 1]):
                    n += 1  # a header over two or three lines
                columns = header
                current = Table(sorted(header, key=lambda c: header[c][0]), [])
                tables.append(current)
            elif current is not None and columns:
                values = _assign(line, columns)
                numbers = sum(_is_number(values.get(c, "")) for c in NUMERIC - {"line_no"})
                if TOTAL_ROW.match(line.text) or TOTAL_ROW.match(line.cells[0].text):
                    current.totals = Row(line.page, line.text, values)
                    current = None
                elif numbers >= 2 or (numbers and "model" in values):
                    current.rows.append(Row(line.page, line.text, values))
                elif current.rows and set(values) <= {"description", "model", "origin",
                                                      "hs_code", "unit"}:
                    last = current.rows[-1]  # a wrapped description
                    for key, text in values.items():
                        last.values[key] = f"{last.values.get(key, '')} {text}".strip()
            n += 1
    return tables
