"""Write docs/order-schema.md from the order model, so the reference cannot drift.

`make docs` runs it; a test fails when the committed file differs from what it writes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pipeline.models import CURRENCIES, Order

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TARGET = DOCS / "order-schema.md"
VARIABLES = DOCS / "variables.md"

VARIABLES_HEADER = """\
# Template variables

What every document template (HTML and Word) can use. Generated from
`pipeline/render/context.py` (`scripts/gen_docs.py`), so it cannot drift;
`gendan templates check` reports any other top-level name as an unknown variable.

Filters: `money` (12,345.60), `qty` (1,200), `date_zh` (2026年11月27日), `date_en`
(27 Nov 2026), `words_en` / `words_zh` (amount in words: `amount|words_zh(currency)`).
HTML is autoescaped and rendered in a Jinja sandbox; so are Word templates (docxtpl).
In Word, the seal is `{{ seal }}` (an image, empty while not sealed); a table row repeats
with `{%tr for item in items %}` ... `{%tr endfor %}`.

`order.*` is described in [order-schema.md](order-schema.md); `company.*` are the
`[company]` settings of gendan.toml.

## Your own templates

A template in the workspace's `templates/` named after a document type is that type's
template: `packing_list.docx` makes the packing list's Word document (and its PDF, by
LibreOffice, unless `packing_list.html` is there too), `packing_list.xlsx` a workbook
beside it. `gendan templates list` lists any other template as *not used*, with the line
of `[doctypes.NAME]` settings that makes a document type of it (its titles, which
template, `on_order = true` to make it when an order or a revision arrives,
`needs_approval = true` to keep it DRAFT until the review is approved).

**Word (docxtpl).** Everything docxtpl offers works, and `gendan templates check` reads it
as docxtpl will: `{%tr for ... %}` rows, `{%tc for ... %}` columns, `{%p if ... %}`
paragraphs, `{%cellbg colour %}` cell colours, headers and footers, `{{r x }}` (a run:
plain text is made into one) and `{{p x }}` (a paragraph), `{{ seal }}` and `{{ logo }}`
(pictures), `{{ item.picture }}` (a product's picture, where the item names one:
`picture: assets/products/HT-2020.png`), `{{p subdoc("terms.docx") }}` (another Word file
of the templates folder, e.g. the office's general terms), `{_{ ... }_}` for literal
braces. A problem is named by the paragraph, or table, row and cell, a person finds in
Word ("table 1, row 2, cell 2", "footer, paragraph 1").

**Excel (openpyxl).** A cell holds Jinja; a cell that is one `{{ ... }}` gets the value
itself, so numbers stay numbers (with the cell's number format) and dates stay dates. One
row per sheet repeats: the cell that starts with `{%tr for item in items %}`. The
template's formulas follow the rows: `=D6*E6` in the item row becomes `=D7*E7` in the
next, `=SUM(F6:F6)` or `=SUM(F6)` under it adds every item row, and cells further down
move with them. Text from an order is never taken for a formula. (openpyxl is the reader
and writer already used for the Excel order form; the templating libraries for xlsx on
PyPI are small and little kept, and a repeating row is all a packing list or proforma
needs.)

**Your own names.** A template written with its own names (`{{ customer_name }}`,
`{% for i in lines %}{{ i.qty }}`) works unchanged once they are mapped in gendan.toml:

```toml
[templates."order_tpl.docx".variables]
customer_name = "order.customer.name_en"      # any gendan variable below ...
issued = "document.date|date_en"              # ... or expression, with the filters
total_price = "totals.amount"
lines = "items"                               # a list
"lines[].qty" = "quantity"                    # each element's field: its own names,
"lines[].desc" = "name_en ~ ' ' ~ name_zh"    # `item` and every variable above
```

`gendan templates map order_tpl.docx` prints such a block with gendan's closest name
beside each of the template's, to check and paste in; `gendan templates check` then knows
the mapped names and reports the rest. The same mapping works for HTML and Excel
templates.
"""

HEADER = """\
# Order data

An order file is YAML (`.yaml`/`.yml`), JSON (`.json`) or Excel (`.xlsx`). This page is
generated from the data model (`scripts/gen_docs.py`); the same names are the variables
templates see under `order.` (and `items` for the line items).

- Dates are written `YYYY-MM-DD`. Amounts and quantities are exact decimals.
- Unknown fields are errors (a misspelt field is never silently ignored).
- Each line's `amount` is `quantity x unit_price` rounded to cents; totals are computed.
- With `packing`, `qty_per_carton x cartons` must equal `quantity`, and net weight must not
  exceed gross weight.
- Currencies: {currencies}.

**Excel**: sheet `Order` holds the fields in column A as dotted names (`customer.code`,
`customer.name_en`, ...) with values in column B; sheet `Items` has one header row of item
field names (`name_en`, `model`, `quantity`, `unit_price`, `packing.cartons`, ...) and one
row per item. Errors name the sheet and cell.

A commented example: `examples/PO-2026-0042.yaml`. An order under a letter of credit, from
five factories, in three units and with a part carton: `tests/fixtures/orders/PO-2026-0107.yaml`.
The fields it adds, in short:

```yaml
letter_of_credit:
  number: LC-DXB-2026-0117
  amount: 60000.00
  tolerance_percent: 5          # the amount may be drawn up to 5 % more
  expiry_date: 2027-02-28
  latest_shipment_date: 2027-01-31
  presentation_days: 21         # documents at the bank within 21 days of shipment
  goods: HOUSEHOLD ELECTRIC APPLIANCES AS PER CONTRACT NO. SC-HDX-2026-101
  documents:                    # each document the credit asks for, originals + copies
    - {{ document: commercial_invoice, originals: 3, copies: 2 }}
    - {{ document: 提单, originals: 3, copies: 3, wording: "full set of clean on board B/L" }}
items:
  - {{ model: EK-17, manufacturer: 慈溪华达电器厂, hs_code: "8516.71.00", origin: China,
      quantity: 1150, unit: PCS, unit_price: 9.80, factory_price: 52.00,   # CNY
      packing: {{ qty_per_carton: 6, cartons: 192, last_carton_qty: 4,      # 191 x 6 + 4
                 net_weight_kg: 1380, gross_weight_kg: 1536, volume_cbm: 11.52 }} }}
```
"""


def _type(info: Any) -> str:
    text = str(info.annotation).replace("typing.", "").replace("pipeline.models.", "")
    text = text.replace("pipeline.credit.", "")
    text = re.sub(r"Annotated\[([\w.]+), [^\]]*\]", r"\1", text)  # validators aside
    text = re.sub(r"Optional\[(.*)\]$", r"\1 or None", text)
    text = text.replace("<class '", "").replace("'>", "").replace("decimal.", "")
    text = text.replace("pipeline.render.context.", "")
    text = text.replace("datetime.", "").replace(" | ", " or ")
    return text.replace("Literal[", "one of [").replace("'", "")


def _rows(model: type[BaseModel], prefix: str, out: list[str], nested: list[Any]) -> None:
    for name, info in model.model_fields.items():
        required = "yes" if info.is_required() else "no"
        out.append(f"| `{prefix}{name}` | {_type(info)} | {required} | {info.description or ''} |")
        annotation = info.annotation
        for candidate in getattr(annotation, "__args__", (annotation,)):
            inner = getattr(candidate, "__args__", (candidate,))
            for kind in inner:
                if isinstance(kind, type) and issubclass(kind, BaseModel):
                    suffix = "[]." if "list" in str(annotation) else "."
                    nested.append((kind, f"{prefix}{name}{suffix}"))
    for name, info in model.model_computed_fields.items():
        out.append(f"| `{prefix}{name}` | computed | - | {info.description or ''} |")


def render_variables() -> str:
    from pipeline.render.context import TemplateContext

    out = [VARIABLES_HEADER, "| variable | type | meaning |", "|---|---|---|"]
    queue: list[Any] = [(TemplateContext, "")]
    while queue:
        model, prefix = queue.pop(0)
        for name, info in model.model_fields.items():
            meaning = (info.description or "").replace("|", "\\|")
            out.append(f"| `{prefix}{name}` | {_type(info)} | {meaning} |")
            annotation = info.annotation
            for kind in getattr(annotation, "__args__", (annotation,)):
                if isinstance(kind, type) and issubclass(kind, BaseModel):
                    suffix = "[]." if "list" in str(annotation) else "."
                    queue.append((kind, f"{prefix}{name}{suffix}"))
    return "\n".join(out) + "\n"


def render_rules() -> str:
    from pipeline.compliance import RULES

    out = ["# Compliance rules", "",
           "The checks `gendan check` and `gendan handover` run (generated from the rule "
           "registry by `scripts/gen_docs.py`). Severity: `error` stops the hand-over unless "
           "forced; `warning` and `review` are reported for a person to look at.", "",
           "| id | severity | check | reference |", "|---|---|---|---|"]
    for rule in RULES.values():
        out.append(f"| `{rule.id}` | {rule.severity} | {rule.title} | {rule.reference} |")
    out += ["", *draws_section(), "", *benchmark_section()]
    return "\n".join(out) + "\n"


def draws_section() -> list[str]:
    """The figures of the last full runs of the reading benchmark (bench/draws.json)."""
    path = ROOT / "bench" / "draws.json"
    if not path.exists():
        return []
    figures = json.loads(path.read_text(encoding="utf-8"))
    out = [
        "## A check that does not cry wolf: layouts it was not built with", "",
        "A finding is only as strong as the reading behind it. Every value read keeps how it "
        "was read (its label, its column and row, the text it came from) and what confirms "
        "it: the row's own arithmetic (quantity x price = amount; pieces per carton x "
        "cartons, the last carton a part one; a carton range holding the row's cartons), its "
        "column adding up to the total row, the same figure read twice (under a label and in "
        "the total row, in figures and in words), the order's own figure for that line. An "
        "error or a warning is raised only from confirmed readings; anything else is a "
        "`review` that names what was read and where. A factory's own invoice and packing "
        "list are checked against that factory's lines (known by its letterhead, its seller "
        "or the models it lists), the order's totals over all the factories' documents "
        "together. Without `--date` the check assumes the later of today and the order's "
        "planned invoice or shipment date.", "",
        "The reading benchmark (`bench/draws.py`, `make bench`; a fixed-seed sample of 60 "
        "draws, 30 of them in `make test` and all in `make soak`) draws every document from "
        "a seeded generator "
        "(`bench/layouts.py`) over independent dimensions: language (English, Chinese, "
        "bilingual) and the wording of every label, with or without a colon; ports as labels "
        "or *From ... to ...*; column order and optional columns (line number, description, "
        "unit, HS code, carton numbers, volume); units beside the quantity or in their own "
        "column; ruled, row-ruled or unruled tables; the gap between columns down to about "
        "one character; four fonts and three sizes; numbers as 1,234.50, 1.234,50, "
        "1 234,50, 1234.50 or in full-width digits, a currency before amounts, two or three "
        "decimals; a running header and footer; a red seal over the seller; the total row's "
        "wording, totals on a later page, packages in words; orders of one to seven lines "
        "from one to three factories, each sending its own invoice and packing list or one "
        "set for the order, in PCS, SETS, PAIRS and CARTONS with part cartons, long model "
        "numbers and descriptions that wrap, buyers with or without a Chinese name. Each "
        "draw is checked clean and with one seeded discrepancy of "
        f"{len(figures['seed_kinds'])} kinds. A run prints its seed; `--only N` repeats a "
        "draw.", "",
        "| seed | draws | false errors | clean draws with a false warning | recall | "
        "clean draws with a review |", "|---|---|---|---|---|---|"]
    for run in figures["runs"]:
        out.append(f"| {run['seed']} | {run['draws']} | {run['false_errors']} | "
                   f"{run['draws_with_false_warning']:.1%} | {run['caught']}/{run['draws']} = "
                   f"{run['recall']:.1%} | {run['clean_draws_with_review']} |")
    met = all(run.get("met") for run in figures["runs"])
    out += ["", "Targets: no false error, at most 1 % of clean draws with a false warning, "
            "recall at least 97 %, at three seeds of 1,000 draws; "
            + ("met by every run above. " if met else "not met by every run above. ")
            + "What could not be read or confirmed is a review (the reviews above are its "
            "price: most are figures a narrow cell broke over two lines, or a cell whose "
            "text ran into the next column).", "", *_seed_table(figures["seed_kinds"])]
    return out


def _seed_table(kinds: list[dict[str, Any]]) -> list[str]:
    return ["| seeded discrepancy | caught by |", "|---|---|",
            *(f"| {kind['seed']} | {', '.join(f'`{r}`' for r in kind['rules'])} |"
              for kind in kinds)]


def benchmark_section() -> list[str]:
    """The figures of the last full discrepancy benchmark (bench/discrepancies.json)."""
    figures = json.loads((ROOT / "bench" / "discrepancies.json").read_text(encoding="utf-8"))
    layouts = ", ".join(f"{k} {v}" for k, v in figures["by_layout"].items())
    out = [
        "## How many discrepancies the check finds", "",
        "The discrepancy benchmark (`bench/discrepancies.py`, run in full by `make bench`, a "
        "sample of it in `make test`) draws orders with the factory's papers (commercial "
        "invoice, packing list, bill of lading, insurance policy, export declaration, "
        "inspection report, warranty card, manual, transport contract) in five layouts of its "
        "own: English only with ruled tables, Chinese only (names, ports, currency and the "
        "amount in 大写), bilingual with headers over two lines, one cell per line (no rules, "
        "every column of a row at its own height), and a long table with the totals on a "
        "later page in 1.234,50 numbers. Each order goes through a real desk twice: once "
        "clean, once with one seeded discrepancy, and `gendan check` runs without any "
        "extraction profile.", "",
        f"Last full run: **{figures['caught']} of {figures['orders']}** seeded discrepancies "
        f"caught by the rule that names them (recall {figures['recall']:.1%}; by layout: "
        f"{layouts}), {figures['seeds']} kinds of discrepancy. On the {figures['orders']} "
        f"clean orders: {figures['false_errors']} false errors, {figures['false_warnings']} "
        f"false warnings (at most {figures['max_false_warnings_per_order']} on one order), "
        f"{figures['false_reviews']} required fields not read. Targets: recall at least 95 %, "
        "no false error, at most one false warning per clean order "
        "(`tests/test_discrepancies.py` holds them).", "", *_seed_table(figures["seed_kinds"])]
    return out


SETTINGS_HEADER = """\
# Settings (gendan.toml)

Every key is optional: what is left out takes the default shown here, and an unknown key is
an error naming it. `gendan init` writes a commented file; `gendan config check` shows what
is in use. Generated from `pipeline/config.py` (`scripts/gen_docs.py`).

Paths to images and templates are relative to the templates folder (the workspace's
`templates/` first, then the bundled one) and must stay inside it. The limits are explained
in [limits.md](limits.md).

## What the hand-over needs, by price term

`[handover] required` lists what every hand-over needs; `inspected` is added when the
customer or a third party inspects, `legal_inspection` when the goods are subject to legal
commodity inspection, `by_price_term` per Incoterm, and `customers.CODE.add` / `remove`
per customer. The defaults by term:

{terms}

Change them in gendan.toml, for example:

```toml
[handover.by_price_term]
FOB = ["bill_of_lading", "customs_declaration", "certificate_of_origin"]

[handover.customers.MUELLER]
add = ["certificate_of_origin"]
```
"""


def _default(info: Any) -> str:
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "(section)"
    text = repr(value) if not isinstance(value, (list, dict)) else str(value)
    text = text.replace("|", "\\|")
    return text if len(text) <= 60 else text[:57] + "..."


def render_settings() -> str:
    from pipeline.config import BY_PRICE_TERM, Settings

    terms = "\n".join(["| term | adds |", "|---|---|"] + [
        f"| {term} | {', '.join(docs) or '—'} |" for term, docs in BY_PRICE_TERM.items()])
    out = [SETTINGS_HEADER.format(terms=terms)]
    for name, info in Settings.model_fields.items():
        kind = info.annotation
        model = next((k for k in getattr(kind, "__args__", (kind,)) if isinstance(k, type)
                      and issubclass(k, BaseModel)), None)
        if model is None:
            out.append(f"## `{name}`\n\n{info.description or ''} Default: "
                       f"`{_default(info)}`.\n")
            continue
        out.append(f"## `[{name}]`\n")
        if model.__doc__ and not model.__doc__.startswith("!!!"):
            out.append(model.__doc__.strip().splitlines()[0] + "\n")
        out.append("| key | default | meaning |\n|---|---|---|")
        for key, field in model.model_fields.items():
            meaning = (field.description or "").replace("|", "\\|")
            out.append(f"| `{key}` | `{_default(field)}` | {meaning} |")
        out.append("")
    return "\n".join(out) + "\n"


def render() -> str:
    out = [HEADER.format(currencies=", ".join(sorted(CURRENCIES))), ""]
    out += ["| field | type | required | meaning |", "|---|---|---|---|"]
    queue: list[Any] = [(Order, "")]
    while queue:
        model, prefix = queue.pop(0)
        nested: list[Any] = []
        _rows(model, prefix, out, nested)
        queue.extend(nested)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    outputs = {TARGET: render(), VARIABLES: render_variables(),
               DOCS / "rules.md": render_rules(), DOCS / "settings.md": render_settings()}
    if "--check" in sys.argv:
        stale = [p.name for p, text in outputs.items()
                 if not p.exists() or p.read_text(encoding="utf-8") != text]
        sys.exit(1 if stale else 0)
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
