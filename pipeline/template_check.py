"""`gendan templates list|check`: what each document type is made from, and whether its
templates work: syntax, variables that do not exist, and a test render with hostile data
(`& < > " ' {{ }}`, very long Chinese text, 500 items). Problems name the template and the
line, or for Word the table cell or paragraph."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import docx
import jinja2
from jinja2 import meta
from lxml import etree
from pypdf import PdfReader

from .documents import DocumentMaker
from .errors import GendanError, TemplateError
from .flow import Workflow, update_adapter
from .models import Order
from .render.context import TemplateContext
from .render.html import html_environment
from .workspace import BUNDLED_TEMPLATES

__all__ = ["TemplateProblem", "check_templates", "draft_for", "hostile_order", "list_templates",
           "settings_line", "template_usage", "unused_templates"]

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


ENGINES = {".html": "html", ".docx": "word", ".xlsx": "excel"}


def list_templates(maker: DocumentMaker) -> list[dict[str, str]]:
    """Each document type's templates, then the workspace's templates no type uses (with
    the line of settings that would use one)."""
    rows = []
    for key, doc in maker.types.items():
        for engine, name in (("html", doc.html), ("word", doc.word), ("excel", doc.excel)):
            if name:
                path = maker.template_file(name)
                rows.append({"type": key, "title": f"{doc.title_zh} {doc.title_en}",
                             "engine": engine, "template": name,
                             "from": _source(path) if path else "MISSING", "use": ""})
    for name, path in unused_templates(maker).items():
        rows.append({"type": "-", "title": "not used", "engine": ENGINES[path.suffix.lower()],
                     "template": name, "from": str(path), "use": settings_line(name)})
    return rows


def unused_templates(maker: DocumentMaker) -> dict[str, Path]:
    """The workspace's own templates (at the top of templates/) that no document type
    uses; base.html, partials/ and assets/ are parts of others."""
    own = maker.workspace.own_templates
    if not own.is_dir() or own.resolve() == BUNDLED_TEMPLATES.resolve():
        return {}
    used = {n for d in maker.types.values() for n in (d.html, d.word, d.excel) if n}
    used |= {"base.html"}
    return {p.name: p for p in sorted(own.iterdir())
            if p.is_file() and p.suffix.lower() in ENGINES and p.name not in used
            and not p.name.startswith(("~$", "."))}


def settings_line(name: str) -> str:
    """The gendan.toml lines that make a document type of template `name`."""
    key = re.sub(r"\W+", "_", Path(name).stem).strip("_").lower() or "own_document"
    engine = ENGINES.get(Path(name).suffix.lower(), "html")
    title = key.replace("_", " ").title()
    return (f'[doctypes.{key}] title_en = "{title}", title_zh = "{title}", '
            f'{engine} = "{name}", on_order = true   # made when an order (or a revision) '
            "arrives; `needs_approval = true` keeps it DRAFT until approved")


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


def _known(maker: DocumentMaker, name: str) -> set[str]:
    from .render.mapping import mapped_names

    return KNOWN | mapped_names(maker.variables(name))


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
    for variable in sorted(meta.find_undeclared_variables(tree) - _known(maker, name)):
        line = next((n for n, text in enumerate(source.splitlines(), 1)
                     if re.search(rf"\b{re.escape(variable)}\b", text)), 0)
        problems.append(TemplateProblem(name, f"line {line}", f"unknown variable "
                                        f"'{variable}' (see docs/variables.md)"))
    return problems


def _test_context(maker: DocumentMaker, key: str, name: str, order: Order,
                  workflow: Workflow, document: object | None = None) -> dict[str, object]:
    """What template `name` sees for document type `key` (a type of its own for a
    template not used yet): gendan's context, Word's pictures, the template's own names."""
    from .doctypes import DocType
    from .render import document_context
    from .render.docx import word_context, word_environment
    from .render.mapping import apply_mapping

    doc = maker.types.get(key) or DocType(key, key, key)
    settings = maker.settings
    seal = maker.template_file(settings.company.seal)
    context = document_context(doc, order, settings, seal=seal, workflow=workflow)
    if document is not None:
        context = word_context(document, context, maker.workspace.template_dirs)
    variables = maker.variables(name)
    return apply_mapping(context, variables, name, word_environment()) if variables \
        else context


def _word_check(maker: DocumentMaker, key: str, name: str, order: Order | None,
                workflow: Workflow | None) -> list[TemplateProblem]:
    from .render.docx import word_environment, word_template
    from .render.docx_check import check_word

    path = maker.template_file(name)
    if path is None:
        return [TemplateProblem(name, "file", "not found in the templates folders")]
    context = None
    try:
        if order is not None and workflow is not None:
            document = word_template(path)
            document.render_init()
            document.current_rendering_part = document.docx._part
            context = _test_context(maker, key, name, order, workflow, document)
        found = check_word(path, word_environment(), _known(maker, name), context)
    except (TemplateError, GendanError) as exc:
        return [TemplateProblem(name, "variables", str(exc))]
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        return [TemplateProblem(name, "file", f"not a Word document (.docx) gendan can "
                                f"read: {exc}")]
    return [TemplateProblem(name, p.where, p.message) for p in found]


def _excel_check(maker: DocumentMaker, key: str, name: str, order: Order | None,
                 workflow: Workflow | None) -> list[TemplateProblem]:
    from .render.mapping import expression_env
    from .render.xlsx import check_xlsx

    path = maker.template_file(name)
    if path is None:
        return [TemplateProblem(name, "file", "not found in the templates folders")]
    try:
        context = _test_context(maker, key, name, order, workflow) \
            if order is not None and workflow is not None else None
        found = check_xlsx(path, expression_env(), _known(maker, name), context)
    except (TemplateError, GendanError) as exc:
        return [TemplateProblem(name, "variables", str(exc))]
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        return [TemplateProblem(name, "file", f"not an Excel workbook (.xlsx) gendan can "
                                f"read: {exc}")]
    return [TemplateProblem(name, p.where, p.message) for p in found]


def _render(maker: DocumentMaker, key: str, order: Order, workflow: Workflow,
            work: Path, checked: set[str]) -> list[TemplateProblem]:
    doc = maker.types[key]
    names = [n for n in (doc.html, doc.word, doc.excel) if n]
    try:
        staged = maker.render(key, order, work, workflow)
    except (GendanError, TemplateError) as exc:
        text = str(exc)
        name = next((n for n in names if n in text), names[0])
        if name in checked and doc.html != name:
            return []  # the Word or Excel check has drawn it already, at its place
        return [TemplateProblem(name, "test render with hostile data", text)]
    name = names[0]
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
    """Check every document type's templates (or only the type or file named, a template
    no type uses yet included); with `render`, also a test render with hostile data."""
    keys = [k for k, d in maker.types.items()
            if only is None or only in (k, d.html, d.word, d.excel)]
    unused = unused_templates(maker)
    extra = [only] if only in unused else []  # a template not used is checked when named
    if not keys and not extra:
        raise GendanError(f"no document type or template named {only}",
                          hint="`gendan templates list` shows the types and the templates "
                          "(a template of your own is used by a document type named after "
                          "it, e.g. templates/packing_list.docx, or by a [doctypes.NAME] "
                          "entry in gendan.toml).")
    order = hostile_order(items)
    workflow = _full_workflow(order)
    problems: list[TemplateProblem] = []
    with tempfile.TemporaryDirectory() as tmp:
        for key in keys:
            doc = maker.types[key]
            test = (order, workflow) if render else (None, None)
            static = (_html_static(maker, doc.html) if doc.html else []) + \
                     (_word_check(maker, key, doc.word, *test) if doc.word else []) + \
                     (_excel_check(maker, key, doc.excel, *test) if doc.excel else [])
            problems.extend(static)
            if render and not any(p.where.startswith("line") and "unknown" not in p.message
                                  for p in static):
                checked = {p.template for p in static}
                problems.extend(_render(maker, key, order, workflow, Path(tmp) / key, checked))
        for name in extra:
            key = Path(name).stem
            test = (order, workflow) if render else (None, None)
            check = {".html": lambda n, *_: _html_static(maker, n), ".docx": _word_check,
                     ".xlsx": _excel_check}[unused[name].suffix.lower()]
            problems.extend(check(maker, key, name, *test) if unused[name].suffix != ".html"
                            else _html_static(maker, name))
    return keys + extra, problems


def template_usage(maker: DocumentMaker, name: str) -> dict[str, int]:
    """The paths template `name` reads (its own names and gendan's)."""
    from .render.docx import word_environment
    from .render.jinja_vars import usage

    path = maker.template_file(name)
    if path is None:
        raise GendanError(f"no template {name} in the templates folders",
                          hint="Give the file's name in templates/, e.g. order_tpl.docx.")
    suffix = path.suffix.lower()
    env = word_environment()
    try:
        if suffix == ".docx":
            from .render.docx_check import word_usage

            return word_usage(path, env).paths
        if suffix == ".xlsx":
            from .render.xlsx import xlsx_usage

            return dict(xlsx_usage(path, env).paths)
        html = html_environment(maker.workspace.template_dirs)
        return usage(html.parse(path.read_text(encoding="utf-8"))).paths
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{name}: {exc.message} (line {exc.lineno})",
                            hint=f"`gendan templates check {name}` names the place.") from exc


def draft_for(maker: DocumentMaker, name: str) -> str:
    """`gendan templates map NAME`: the template's names beside gendan's closest ones."""
    from .config import Company
    from .models import LineItem
    from .render.context import TemplateContext
    from .render.mapping import draft_mapping, gendan_paths

    used = template_usage(maker, name)
    schema: Literal["serialization"] = "serialization"  # computed fields (an amount) too
    paths = [p for p in gendan_paths(TemplateContext.model_json_schema(mode=schema))
             if p not in {"order", "company", "items"}]
    paths += [f"order.{p}" for p in gendan_paths(Order.model_json_schema(mode=schema))
              if not p.startswith("items")]
    paths += ["items"] + [f"items[].{p}" for p in
                          gendan_paths(LineItem.model_json_schema(mode=schema))]
    paths += [f"company.{p}" for p in gendan_paths(Company.model_json_schema())]
    return draft_mapping(name, used, KNOWN, paths, maker.variables(name))
