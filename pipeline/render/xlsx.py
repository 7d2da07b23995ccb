"""Excel templates (openpyxl): a workbook the office designed, filled with an order, so a
packing list or a proforma can go out as a workbook a customer can sum.

A cell holds Jinja as a Word template does: `{{ order.order_no }}`, `Invoice {{ document.
number }}`. A cell that is one `{{ ... }}` and nothing else gets the value itself: numbers
stay numbers (with the cell's number format), dates stay dates. One row per sheet may
repeat, as docxtpl's table rows do: a cell starting with `{%tr for item in items %}` marks
it, and the row is written once for each item. The template's own formulas are kept and
follow the rows: `=D12*E12` in the item row is `=D13*E13` in the next copy, and
`=SUM(F12:F12)` (or `=SUM(F12)`) under it adds up every copy. Text from the order is never
taken for a formula (a name that starts with `=` stays text).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from ..errors import TemplateError

__all__ = ["XlsxProblem", "check_xlsx", "render_xlsx", "shift_formula", "xlsx_usage"]

ROW_TAG = re.compile(r"^\s*\{%-?\s*tr\s+for\s+(\w+)\s+in\s+(.+?)\s*-?%\}", re.DOTALL)
WHOLE = re.compile(r"^\s*\{\{(.+?)\}\}\s*$", re.DOTALL)
REF = re.compile(r"^(?P<sheet>(?:'[^']+'|[^!]+)!)?(?P<c1>\$?[A-Z]{1,3})?(?P<a1>\$?)(?P<r1>\d+)?"
                 r"(?::(?P<c2>\$?[A-Z]{1,3})?(?P<a2>\$?)(?P<r2>\d+)?)?$")
FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class XlsxProblem:
    where: str
    message: str


def _has_jinja(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


# -- formulas --------------------------------------------------------------------------------
Mover = Callable[[int, bool, bool], tuple[int, int]]  # row, absolute, in a function -> span


def shift_formula(formula: str, move: Mover) -> str:
    """`formula` with each row reference on this sheet replaced as `move` says: a single
    row, or a span (first, last) that becomes a range."""
    from openpyxl.formula.tokenizer import Token, Tokenizer

    tokens = Tokenizer(formula).items
    depth = 0
    out = []
    for token in tokens:
        if token.type == Token.FUNC:
            depth += 1 if token.subtype == Token.OPEN else -1
        if token.type == Token.OPERAND and token.subtype == Token.RANGE:
            token.value = _moved(token.value, move, depth > 0)
        out.append(token.value)
    return "=" + "".join(out)


def _moved(ref: str, move: Mover, in_function: bool) -> str:
    m = REF.match(ref)
    if m is None or m["sheet"] or (m["r1"] is None and m["r2"] is None):
        return ref  # a name, another sheet's cell, a whole column
    c1, r1, c2, r2 = m["c1"] or "", m["r1"], m["c2"], m["r2"]
    first = move(int(r1), bool(m["a1"]), False)[0] if r1 else 0
    if r2 is None:  # one cell: a span only inside a function (SUM(F12) -> SUM(F12:F14))
        start, end = move(int(r1), bool(m["a1"]), in_function)
        single = f"{c1}{m['a1']}{start}"
        return single if start == end else f"{single}:{c1}{m['a1']}{end}"
    _, last = move(int(r2), bool(m["a2"]), True)
    head = f"{c1}{m['a1']}{first}" if r1 else c1
    return f"{head}:{c2 or ''}{m['a2']}{last}"


# -- rendering -------------------------------------------------------------------------------
def render_xlsx(template: Path, context: dict[str, Any], env: jinja2.Environment,
                target: Path) -> Path:
    """Fill the workbook `template` with `context` into `target`."""
    from openpyxl import load_workbook

    workbook = load_workbook(template)
    for sheet in workbook.worksheets:
        _fill_sheet(sheet, context, env)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    return target


def _repeat_row(sheet: Any) -> tuple[int, str, str] | None:
    found = None
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and (m := ROW_TAG.match(cell.value)):
                if found is not None and found[0] != cell.row:
                    raise TemplateError(
                        f"sheet {sheet.title}, cell {cell.coordinate}: a second repeating "
                        f"row (row {found[0]} repeats already)",
                        hint="One row per sheet may repeat; put other lists on sheets of "
                        "their own.")
                found = (cell.row, m[1], m[2])
    return found


def _fill_sheet(sheet: Any, context: dict[str, Any], env: jinja2.Environment) -> None:
    repeat = _repeat_row(sheet)
    if repeat is None:
        for row in sheet.iter_rows():
            for cell in row:
                _fill(cell, context, env, sheet.title)
        return
    first, name, listed = repeat
    try:
        elements = list(env.compile_expression(listed)(**context) or [])
    except (jinja2.TemplateError, TypeError) as exc:
        raise TemplateError(f"sheet {sheet.title}, row {first}: {{%tr for {name} in "
                            f"{listed} %}}: {exc}") from exc
    count = max(len(elements), 1)
    _make_room(sheet, first, count)

    def below(row: int, absolute: bool, spans: bool) -> tuple[int, int]:
        if row == first:
            return (first, first + count - 1) if spans else (first, first)
        return (row + count - 1, row + count - 1) if row > first else (row, row)

    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            if first <= cell.row < first + count:
                continue
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.value = shift_formula(cell.value, below)
            _fill(cell, context, env, sheet.title)
    template_cells = {cell.column: (cell.value, copy.copy(cell._style)) for cell in sheet[first]}
    for offset in range(count):
        element = elements[offset] if elements else None
        loop = {"index": offset + 1, "index0": offset, "first": offset == 0,
                "last": offset == count - 1, "length": len(elements)}
        scope = {**context, name: element, "loop": loop}

        def same_row(row: int, absolute: bool, spans: bool, offset: int = offset
                     ) -> tuple[int, int]:
            moved = row if absolute and row == first else row + offset if row == first else \
                row + count - 1 if row > first else row
            return moved, moved

        for column, (source, style) in template_cells.items():
            cell = sheet.cell(row=first + offset, column=column)
            value = ROW_TAG.sub("", source, count=1) if isinstance(source, str) else source
            if offset:
                cell._style = copy.copy(style)
            if isinstance(value, str) and value.startswith("="):
                cell.value = shift_formula(value, same_row)
                continue
            cell.value = value
            if element is None and _has_jinja(value):
                cell.value = None  # no items: the row stays, empty
                continue
            _fill(cell, scope, env, sheet.title)


def _make_room(sheet: Any, first: int, count: int) -> None:
    """Rows below the repeating one moved down by count - 1, with their merges and heights."""
    if count == 1:
        return
    last_row, last_col = sheet.max_row, sheet.max_column
    from openpyxl.utils import get_column_letter

    if last_row > first:
        sheet.move_range(f"A{first + 1}:{get_column_letter(last_col)}{last_row}",
                         rows=count - 1, translate=False)
    for merged in list(sheet.merged_cells.ranges):
        if merged.min_row > first:
            merged.shift(0, count - 1)
    heights = {r: d.height for r, d in sheet.row_dimensions.items() if r > first and d.height}
    for row in heights:
        sheet.row_dimensions[row].height = None
    for row, height in heights.items():
        sheet.row_dimensions[row + count - 1].height = height
    template_height = sheet.row_dimensions[first].height
    for row in range(first + 1, first + count):
        sheet.row_dimensions[row].height = template_height


def _fill(cell: Any, scope: dict[str, Any], env: jinja2.Environment, title: str) -> None:
    value = cell.value
    if not _has_jinja(value):
        return
    try:
        if whole := WHOLE.match(value):
            result = env.compile_expression(whole[1], undefined_to_none=False)(**scope)
            if isinstance(result, jinja2.Undefined):
                str(result)  # StrictUndefined: says which name is missing
        else:
            result = env.from_string(value).render(scope)
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError) as exc:
        raise TemplateError(f"Excel template, sheet {title}, cell {cell.coordinate}: {exc}",
                            hint="`gendan templates check` names every problem; gendan's "
                            "variables are in docs/variables.md.") from exc
    _put(cell, result)


def _put(cell: Any, value: Any) -> None:
    if value is None:
        cell.value = None
    elif isinstance(value, bool | int | float | Decimal | dt.date):
        cell.value = value  # numbers stay numbers, dates dates
    else:
        text = str(value)
        cell.value = text
        if text.startswith(FORMULA_START):
            cell.data_type = "s"  # text from an order is never a formula


# -- checking --------------------------------------------------------------------------------
def _sources(path: Path) -> list[tuple[str, str]]:
    """Each cell's Jinja with its place (a repeating row's tag as a for loop)."""
    from openpyxl import load_workbook

    found: list[tuple[str, str]] = []
    workbook = load_workbook(path)
    for sheet in workbook.worksheets:
        repeat = _repeat_row(sheet)
        for row in sheet.iter_rows():
            for cell in row:
                if not _has_jinja(cell.value):
                    continue
                text = ROW_TAG.sub("", cell.value, count=1)
                if repeat is not None and cell.row == repeat[0]:
                    text = f"{{% for {repeat[1]} in {repeat[2]} %}}{text}{{% endfor %}}"
                found.append((f"sheet {sheet.title}, cell {cell.coordinate}", text))
    return found


def xlsx_usage(path: Path, env: jinja2.Environment) -> Any:
    from .jinja_vars import usage_of

    return usage_of([text for _, text in _sources(path)], env)


def check_xlsx(path: Path, env: jinja2.Environment, known: set[str],
               context: dict[str, Any] | None = None) -> list[XlsxProblem]:
    """Syntax and unknown names of every cell, then (with `context`) a test fill."""
    from .jinja_vars import usage

    problems: list[XlsxProblem] = []
    try:
        sources = _sources(path)
    except TemplateError as exc:
        return [XlsxProblem("workbook", exc.message)]
    for where, text in sources:
        try:
            tree = env.parse(text)
            env.compile(tree)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(XlsxProblem(where, exc.message or "syntax error"))
            continue
        for name in sorted(set(usage(tree).names) - known - {"loop", "range"}):
            problems.append(XlsxProblem(where, f"unknown variable '{name}'"))
    if context is not None and not problems:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            try:
                render_xlsx(path, context, env, Path(tmp) / "test.xlsx")
            except TemplateError as exc:
                problems.append(XlsxProblem("test render", exc.message))
    return problems
