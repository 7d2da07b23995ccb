"""A Word template as docxtpl reads it, with every place a person finds in Word: the body's
paragraphs and tables (table, row, cell) and the headers and footers. `jinja_source` gives
each part's Jinja source as docxtpl renders it (its `{%tr %}`, `{%tc %}`, `{%p %}`,
`{{r }}`, `{{p }}`, `{%cellbg %}` tags turned into plain Jinja) with a marker before every
paragraph, row and cell, so that a syntax error, an unknown variable or a failed test
render is named by its place ("table 2, row 3, cell 1", "footer, paragraph 1") rather than
by a line of XML nobody sees.

`patch` is the one way gendan turns a template's XML into Jinja: the renderer and the
check use it both, so the check sees what the render will do.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

__all__ = ["Part", "Place", "jinja_source", "patch", "place_of_line", "word_parts"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
P, TBL, TR, TC, T = (f"{{{W}}}{n}" for n in ("p", "tbl", "tr", "tc", "t"))
MARK = re.compile(r"\{#@(\d+)@#\}")

# docxtpl's first two steps (Word splits a tag over runs: `{<w:r>{`; tags inside a tag),
# done before gendan's own rewrite of `{{r }}` and `{{p }}` so that they see whole tags
_BETWEEN = re.compile(r"(?<={)(<[^>]*>)+(?=[\{%\#])|(?<=[%\}\#])(<[^>]*>)+(?=\})", re.DOTALL)
_INSIDE = re.compile(r"{%(?:(?!%}).)*|{#(?:(?!#}).)*|{{(?:(?!}}).)*", re.DOTALL)
_RUN_TAG = re.compile(r"</w:t>.*?(<w:t>|<w:t [^>]*>)", re.DOTALL)
# a rich-text run and a whole paragraph from a value: plain text is made into one
_RICH = re.compile(r"\{\{([rp])\s+((?:(?!\}\}).)+?)\s*\}\}", re.DOTALL)


@dataclass(frozen=True)
class Place:
    """Where a person finds a piece of the template in Word."""

    part: str  # "" for the body, else "header" / "footer" (numbered when there are several)
    where: str  # "paragraph 6", "table 1, row 2, cell 3", "table 1, row 2"
    text: str  # the first words there, to find it by

    def __str__(self) -> str:
        place = f"{self.part}, {self.where}" if self.part else self.where
        return f"{place} (“{self.text}”)" if self.text else place


@dataclass(frozen=True)
class Part:
    name: str  # word/document.xml, word/header1.xml ...
    label: str  # "" (the body), "header", "footer 2" ...
    xml: str


def word_parts(path: Path) -> list[Part]:
    """The body, then the headers and footers that the document uses, as XML."""
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        body = package.read("word/document.xml").decode("utf-8")
        parts = [Part("word/document.xml", "", body)]
        for kind in ("header", "footer"):
            found = sorted((n for n in names if re.fullmatch(rf"word/{kind}\d*\.xml", n)),
                           key=lambda n: int(re.sub(r"\D", "", n) or 0))
            for number, name in enumerate(found, start=1):
                label = kind if len(found) == 1 else f"{kind} {number}"
                parts.append(Part(name, label, package.read(name).decode("utf-8")))
    return parts


def _text(element: etree._Element, size: int = 40) -> str:
    text = "".join(t.text or "" for t in element.iter(T)).strip()
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= size else text[:size - 1] + "…"


def _mark(part: Part) -> tuple[str, list[Place]]:
    """The part's XML with a marker before each paragraph, table row and cell."""
    root = etree.fromstring(part.xml.encode("utf-8"))
    tables = list(root.iter(TBL))  # held, so that each table's proxy stays the same
    places: list[Place] = []
    paragraph = 0
    elements = [e for e in root.iter(P, TR, TC)]
    for element in elements:
        if element.tag == P:
            cell = next(element.iterancestors(TC), None)
            if cell is None:
                paragraph += 1
                where = f"paragraph {paragraph}"
            else:
                where = _cell_where(cell, tables)
        elif element.tag == TR:
            where = _row_where(element, tables)
        else:
            where = _cell_where(element, tables)
        places.append(Place(part.label, where, _text(element)))
        _before(element, f"\n{{#@{len(places) - 1}@#}}\n")
    return etree.tostring(root, encoding="unicode"), places


def _row_where(row: etree._Element, tables: list[etree._Element]) -> str:
    table = row.getparent()
    rows = [r for r in table if r.tag == TR] if table is not None else [row]
    number = next((n for n, t in enumerate(tables, start=1) if t is table), 0)
    return f"table {number}, row {rows.index(row) + 1}"


def _cell_where(cell: etree._Element, tables: list[etree._Element]) -> str:
    row = cell.getparent()
    assert row is not None
    cells = [c for c in row if c.tag == TC]
    return f"{_row_where(row, tables)}, cell {cells.index(cell) + 1}"


def _before(element: etree._Element, text: str) -> None:
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent = element.getparent()
        if parent is not None:
            parent.text = (parent.text or "") + text


def patch(xml: str) -> str:
    """The template's XML as Jinja, the way gendan renders it: docxtpl's patch, after
    `{{r x}}` and `{{p x}}` are given filters that make plain text a run or a paragraph
    (docxtpl expects a RichText or a sub-document there)."""
    from docxtpl import DocxTemplate

    xml = _BETWEEN.sub("", xml)
    xml = _INSIDE.sub(lambda m: _RUN_TAG.sub("", m.group(0)), xml)
    xml = _RICH.sub(lambda m: f"{{{{{m[1]} ({m[2]})|"
                    f"{'as_run' if m[1] == 'r' else 'as_paragraph'}}}}}", xml)
    patched: str = DocxTemplate.patch_xml(DocxTemplate.__new__(DocxTemplate), xml)  # no state
    return patched


def jinja_source(part: Part) -> tuple[str, list[Place]]:
    """The part as the Jinja that docxtpl renders, with markers, and the places."""
    marked, places = _mark(part)
    return patch(marked), places


def place_of_line(source: str, line: int, places: list[Place]) -> Place | None:
    """The place that line `line` (1-based) of a marked source stands in."""
    found = None
    for number, text in enumerate(source.splitlines(), start=1):
        if number > line:
            break
        for mark in MARK.finditer(text):
            found = places[int(mark.group(1))]
    return found
