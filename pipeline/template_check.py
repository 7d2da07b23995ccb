"""`gendan templates list|check`: what each document type is made from, and whether its
templates work: syntax, variables that do not exist, and a test render with hostile data
(`& < > " ' {{ }}`, very long Chinese text, 500 items). Problems name the template and the
line, or for Word the table cell or paragraph."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import docx
import jinja2
from jinja2 import meta
from pypdf import PdfReader

from .documents import DocumentMaker
from .errors import GendanError, TemplateError
from .flow import Workflow, update_adapter
from .models import Order
from .render.context import FILTERS, TemplateContext
from .render.html import html_environment
from .workspace import BUNDLED_TEMPLATES

__all__ = ["TemplateProblem", "check_templates", "hostile_order", "list_templates"]

HOSTILE = "& < > \" ' {{ order.order_no }} {% if %}"
KNOWN = set(TemplateContext.model_fields)


@dataclass(frozen=True)
class TemplateProblem:
    template: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.template}, {self.where}: {self.message}"


def _source(path: Path | None) -> str:
    if path is None:
        return "-"
    return "bundled" if path.parent.resolve() == BUNDLED_TEMPLATES.resolve() else str(path)


def list_templates(maker: DocumentMaker) -> list[dict[str, str]]:
    rows = []
    for key, doc in maker.types.items():
        for engine, name in (("html", doc.html), ("word", doc.word)):
            if name:
                path = maker.template_file(name)
                rows.append({"type": key, "title": f"{doc.title_zh} {doc.title_en}",
                             "engine": engine, "template": name,
                             "from": _source(path) if path else "MISSING"})
    return rows


def hostile_order(items: int = 500) -> Order:
    """An order whose every text field tries to break a template."""
    long_zh = "跟单员核对单据" * 80  # 560 characters
    item = {"name_en": f"Widget {HOSTILE}", "name_zh": long_zh[:400], "model": f"M-{HOSTILE}",
            "manufacturer": f"工厂 {HOSTILE}", "quantity": 12, "unit": "PCS",
            "unit_price": "1234.56", "remark": HOSTILE,
            "packing": {"qty_per_carton": 4, "cartons": 3, "net_weight_kg": 10,
                        "gross_weight_kg": 12, "volume_cbm": "0.5"}}
    return Order.model_validate({
        "order_no": "TEST-<&>", "order_date": "2026-11-01", "contract_no": f"SC {HOSTILE}",
        "customer": {"code": "HOSTILE", "name_en": f"Customer {HOSTILE}", "name_zh": long_zh,
                     "address_en": HOSTILE, "contact": {"name": HOSTILE}},
        "salesperson": {"name": "王丽", "name_en": HOSTILE},
        "items": [{**item, "model": f"M-{n}-{HOSTILE}",
                   "name_zh": long_zh[:400] if n == 0 else f"产品{n}号 & <配件>"}
                  for n in range(items)],
        "currency": "USD", "price_term": "CIF", "destination": HOSTILE,
        "payment_terms": HOSTILE, "prepayment_percent": 30, "commission_percent": 3,
        "delivery_date": "2027-01-15", "inspection": "third_party", "legal_inspection": True,
        "packing_spec": long_zh, "requirements": [HOSTILE, long_zh], "remarks": HOSTILE,
        "expected_costs": [{"item": HOSTILE, "amount": 100, "remark": HOSTILE}],
    })


def _full_workflow(order: Order) -> Workflow:
    at = dt.datetime(2026, 11, 2, 9)
    updates = [
        {"update": "approval", "role": "salesperson", "by": "王丽", "at": at, "remark": HOSTILE},
        {"update": "approval", "role": "manager", "by": "李强", "at": at},
        {"update": "approval", "role": "general_manager", "by": "张伟", "at": at},
    ]
    approvals = tuple(update_adapter.validate_python({"order_no": order.order_no, **u})
                      for u in updates)
    inspection = update_adapter.validate_python({
        "order_no": order.order_no, "update": "inspection", "kind": "third_party",
        "inspector": HOSTILE, "date": "2027-01-08", "booked_on": "2027-01-05"})
    loading = update_adapter.validate_python({
        "order_no": order.order_no, "update": "loading", "loading_time": "2027-01-12T08:00",
        "equipment_model": HOSTILE, "truck_plate": "浙B12345", "driver_phone": "13957428810",
        "remark": HOSTILE})
    return Workflow(approvals=approvals, inspection=inspection, loading=loading)


def _html_static(maker: DocumentMaker, name: str) -> list[TemplateProblem]:
    env = html_environment(maker.workspace.template_dirs)
    assert env.loader is not None
    try:
        source, _, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        return [TemplateProblem(name, "file", "not found in the templates folders")]
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return [TemplateProblem(name, f"line {exc.lineno}", exc.message or "syntax error")]
    problems = []
    for variable in sorted(meta.find_undeclared_variables(tree) - KNOWN):
        line = next((n for n, text in enumerate(source.splitlines(), 1)
                     if re.search(rf"\b{re.escape(variable)}\b", text)), 0)
        problems.append(TemplateProblem(name, f"line {line}", f"unknown variable "
                                        f"'{variable}' (see docs/variables.md)"))
    return problems


def _word_static(maker: DocumentMaker, name: str) -> list[TemplateProblem]:
    path = maker.template_file(name)
    if path is None:
        return [TemplateProblem(name, "file", "not found in the templates folders")]
    document = docx.Document(str(path))
    places: list[tuple[str, str]] = [(f"paragraph {n}", p.text)
                                     for n, p in enumerate(document.paragraphs, 1)]
    for t, table in enumerate(document.tables, 1):
        for r, row in enumerate(table.rows, 1):
            for c, cell in enumerate(row.cells, 1):
                places.append((f"table {t}, row {r}, cell {c}", cell.text))
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters.update(FILTERS)
    loop_names = {"loop", "seal"} | {name for _, text in places
                                     for name in re.findall(r"for\s+(\w+)\s+in", text)}
    problems = []
    for where, text in places:
        for expression in re.findall(r"\{\{(.*?)\}\}", text):
            try:
                tree = env.parse("{{" + expression + "}}")
                unknown = meta.find_undeclared_variables(tree) - KNOWN - loop_names
            except jinja2.TemplateSyntaxError as exc:
                problems.append(TemplateProblem(name, where, f"{{{{{expression}}}}}: "
                                                f"{exc.message}"))
                continue
            for variable in sorted(unknown):
                problems.append(TemplateProblem(name, where, f"unknown variable '{variable}'"))
        if text.count("{{") != text.count("}}") or text.count("{%") != text.count("%}"):
            problems.append(TemplateProblem(name, where, "a tag is not closed: "
                                            f"{text.strip()[:60]!r}"))
    return problems


def _render(maker: DocumentMaker, key: str, order: Order, workflow: Workflow,
            work: Path) -> list[TemplateProblem]:
    doc = maker.types[key]
    name = doc.html or doc.word
    try:
        staged = maker.render(key, order, work, workflow)
    except (GendanError, TemplateError) as exc:
        return [TemplateProblem(name, "test render with hostile data", str(exc))]
    problems = []
    for item in staged:
        for url in item.meta.get("missing_urls", []):
            problems.append(TemplateProblem(name, "test render", f"{url.rsplit('/', 1)[-1]} "
                                            "could not be loaded: put it in the templates' "
                                            "assets/ folder"))
        for url in item.meta.get("blocked_urls", []):
            problems.append(TemplateProblem(name, "test render", f"asks for {url[:80]}, "
                                            "which is refused: only data: URLs and files in "
                                            "the templates' assets/ folders may be used"))
        if item.suffix == ".pdf" and len(PdfReader(item.path).pages) == 0:
            problems.append(TemplateProblem(name, "test render", "the PDF has no pages"))
        if item.suffix == ".docx":
            docx.Document(str(item.path))  # the rendered file must still open as Word
    return problems


def check_templates(maker: DocumentMaker, only: str | None = None, items: int = 500,
                    render: bool = True) -> tuple[list[str], list[TemplateProblem]]:
    """Check every document type's templates (or only the type or file named); with
    `render`, also a test render with hostile data."""
    keys = [k for k, d in maker.types.items()
            if only is None or only in (k, d.html, d.word)]
    if not keys:
        raise GendanError(f"no document type or template named {only}",
                          hint="See `gendan templates list`.")
    order = hostile_order(items)
    workflow = _full_workflow(order)
    problems: list[TemplateProblem] = []
    with tempfile.TemporaryDirectory() as tmp:
        for key in keys:
            doc = maker.types[key]
            static = (_html_static(maker, doc.html) if doc.html else []) + \
                     (_word_static(maker, doc.word) if doc.word else [])
            problems.extend(static)
            if render and not any(p.where.startswith("line") and "unknown" not in p.message
                                  for p in static):
                problems.extend(_render(maker, key, order, workflow, Path(tmp) / key))
    return keys, problems

