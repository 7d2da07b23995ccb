"""The reading benchmark: orders and their factory documents drawn from the layout
generator (`bench/layouts.py`), each draw checked clean and with one seeded discrepancy of
one of many kinds; the documents are rendered to PDF, read back as `gendan check` reads
them (page texts and word boxes) and put through every rule.

    .venv/bin/python bench/draws.py [--seed 1] [--draws 1000] [--jobs N] [--keep DIR]

Reported: false errors and warnings on the clean draws (targets: none, and at most 1 % of
draws with a false warning), recall of the seeded discrepancies (the rule that names them,
as an error or a warning; target 97 %), and whether every field not read or not confirmed
was reported for review. A failure names its draw: `--only N` runs that draw again,
`--keep` writes its PDFs.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.layouts import (  # noqa: E402
    FACTORIES,
    DLine,
    DOrder,
    Sheet,
    Style,
    draw_order,
    draw_style,
    order_data,
    pdf_of,
    sheets,
)

D = Decimal
FIGURES = ROOT / "bench" / "draws.json"  # the last full runs, quoted in docs/rules.md
TARGET_RECALL = 0.97
TARGET_FALSE_WARNING_SHARE = 0.01


def _first(sheets_: list[Sheet], doc_type: str) -> Sheet:
    return next(s for s in sheets_ if s.doc_type == doc_type)


Change = Callable[[list[Sheet], DOrder], Sheet]


@dataclass(frozen=True)
class Seed:
    name: str
    rules: tuple[str, ...]
    change: Change
    applies: Callable[[DOrder, list[Sheet], dict[int, Style]], bool] = \
        lambda order, s, styles: True


def _ci(s: list[Sheet]) -> Sheet:
    return _first(s, "commercial_invoice")


def _pl(s: list[Sheet]) -> Sheet:
    return _first(s, "packing_list")


def _bl(s: list[Sheet]) -> Sheet:
    return _first(s, "bill_of_lading")


def _set(get: Callable[[list[Sheet]], Sheet], name: str,
         value: Callable[[Any, DOrder], Any]) -> Change:
    def change(s: list[Sheet], order: DOrder) -> Sheet:
        sheet = get(s)
        sheet.fields[name] = value(sheet.fields[name], order)
        return sheet
    return change


def _sum(get: Callable[[list[Sheet]], Sheet], name: str, of: Callable[[DLine], Decimal],
         more: Decimal) -> Change:
    """The document states the lines' sum plus `more`."""
    def change(s: list[Sheet], order: DOrder) -> Sheet:
        sheet = get(s)
        sheet.fields[name] = sum((of(x) for x in sheet.lines), D(0)) + more
        return sheet
    return change


def _line(get: Callable[[list[Sheet]], Sheet], edit: Callable[[DLine, Sheet], None]) -> Change:
    def change(s: list[Sheet], order: DOrder) -> Sheet:
        sheet = get(s)
        edit(sheet.lines[-1], sheet)
        return sheet
    return change


def _other_digit(text: str) -> str:
    digits = [n for n, c in enumerate(text) if c.isdigit()]
    n = digits[-1]
    return f"{text[:n]}{(int(text[n]) + 3) % 10}{text[n + 1:]}"


def _quantity(line: DLine, sheet: Sheet) -> None:
    line.quantity += line.per_carton * 3
    line.cartons += 3
    line.carton_to += 3


def _pl_quantity(line: DLine, sheet: Sheet) -> None:
    _quantity(line, sheet)
    sheet.fields["packages"] += 3


def _extra(s: list[Sheet], order: DOrder) -> Sheet:
    sheet = _ci(s)
    sheet.lines.append(DLine("ZX-9090K", "Bench Grinder 250W", "250W台式砂轮机", "8460.90.00",
                             "PCS", 40, D("31.20"), 4, 10, D(100), D(120), D("0.5"), 0))
    return sheet


def _drop_line(s: list[Sheet], order: DOrder) -> Sheet:
    sheet = _ci(s)
    del sheet.lines[0]
    return sheet


def _price_kept(s: list[Sheet], order: DOrder) -> Sheet:
    sheet = _ci(s)
    first = sheet.lines[0]
    first.unit_price += D(1)
    return sheet


def _pl_model(line: DLine, sheet: Sheet) -> None:
    line.model = line.model[:-1] + ("Z" if line.model[-1] != "Z" else "Y")


def _per_carton(line: DLine, sheet: Sheet) -> None:
    line.per_carton += 2


def _overlap(s: list[Sheet], order: DOrder) -> Sheet:
    sheet = _pl(s)
    line = sheet.lines[-1]
    if len(sheet.lines) > 1:
        line.carton_from -= 3
        line.carton_to -= 3
    else:
        line.carton_to -= 3
    return sheet


def _net_above(line: DLine, sheet: Sheet) -> None:
    line.net, line.gross = line.gross, line.net


def _line_gross(line: DLine, sheet: Sheet) -> None:
    line.gross += (line.gross * D("0.08")).quantize(D("0.1"))
    sheet.fields["gross"] = sum((x.gross for x in sheet.lines), D(0))


def _hs(line: DLine, sheet: Sheet) -> None:
    line.hs = "9999.99.00"


def _after_shipment(s: list[Sheet], order: DOrder) -> Sheet:
    sheet = _ci(s)
    sheet.fields["date"] = order.on_board + dt.timedelta(days=3)
    return sheet


def _proforma(s: list[Sheet], order: DOrder) -> Sheet:
    sheet = _ci(s)
    sheet.fields["title"] = "PROFORMA INVOICE"
    return sheet


def _amount(line: DLine, sheet: Sheet) -> None:
    line.amount_said = line.amount + D(10)
    sheet.fields["total"] = sum((x.amount for x in sheet.lines), D(0))


def _factory_seller(s: list[Sheet], order: DOrder) -> Sheet:
    sheet = _ci(s)
    sheet.fields["seller"] = (FACTORIES[0][1], FACTORIES[0][0])
    return sheet


def _buyer(s: list[Sheet], order: DOrder) -> Sheet:
    sheet = _ci(s)
    sheet.fields["buyer"] = ("Pacific Garden Imports Inc.",
                             "太平洋园艺进口公司" if order.chinese_name else "")
    return sheet


def _part_carton(line: DLine, sheet: Sheet) -> None:
    line.quantity = line.per_carton * line.cartons + max(1, line.per_carton // 2)


def _marks(value: str, order: DOrder) -> str:
    return value.replace(order.po, _other_digit(order.po))


def _multi(order: DOrder, s: list[Sheet], styles: dict[int, Style]) -> bool:
    return any(x.factory is not None for x in s)


def _has(column: str) -> Callable[[DOrder, list[Sheet], dict[int, Style]], bool]:
    def applies(order: DOrder, s: list[Sheet], styles: dict[int, Style]) -> bool:
        index = next(n for n, x in enumerate(s) if x.doc_type == (
            "commercial_invoice" if column in {"hs"} else "packing_list"))
        return column in (styles[index].invoice_columns + styles[index].packing_columns)
    return applies


def _several(order: DOrder, s: list[Sheet], styles: dict[int, Style]) -> bool:
    return len(_ci(s).lines) > 1


def _packed(order: DOrder, s: list[Sheet], styles: dict[int, Style]) -> bool:
    return _pl(s).lines[-1].per_carton > 2


SEEDS = [
    Seed("invoice total changed", ("arithmetic.lines_total", "totals.amount"),
         _sum(_ci, "total", lambda x: x.amount, D(100))),
    Seed("unit price changed", ("prices.unit_price", "arithmetic.line_amount"), _price_kept),
    Seed("line amount not quantity x price", ("arithmetic.line_amount",), _line(_ci, _amount)),
    Seed("amount in words differs", ("arithmetic.amount_in_words",),
         _sum(_ci, "words", lambda x: x.amount, D(1000))),
    Seed("other currency", ("terms.currency",),
         _set(_ci, "currency", lambda v, o: "EUR" if v == "USD" else "USD")),
    Seed("other price term", ("terms.price_term",),
         _set(_ci, "term", lambda v, o: {"FOB": "FCA", "CFR": "CIF", "CIF": "CFR"}[v])),
    Seed("Incoterm names the wrong place", ("terms.named_place",),
         _set(_ci, "place", lambda v, o: "Qingdao" if o.term == "FOB" and v != "Qingdao"
              else "Shanghai" if o.term == "FOB" else "Rotterdam" if v != "Rotterdam"
              else "Antwerp")),
    Seed("buyer not the contract's", ("parties.buyer",), _buyer),
    Seed("the factory as seller", ("parties.seller",), _factory_seller),
    Seed("other order number", ("references.order_no",),
         _set(_ci, "order_no", lambda v, o: _other_digit(v))),
    Seed("other contract number", ("references.contract_no",),
         _set(_ci, "contract_no", lambda v, o: v.replace("SC-", "SC-X"))),
    Seed("other buyer's order number", ("references.customer_po",),
         _set(_ci, "po", lambda v, o: _other_digit(v))),
    Seed("model not on the order", ("models.not_on_order",), _extra),
    Seed("invoice quantity differs", ("totals.quantity", "lines.packing_vs_invoice"),
         _line(_ci, _quantity)),
    Seed("titled proforma", ("title.not_proforma",), _proforma),
    Seed("invoice port of loading", ("ports.loading",),
         _set(_ci, "loading", lambda v, o: "Shanghai" if v != "Shanghai" else "Qingdao")),
    Seed("invoice port of discharge", ("ports.discharge",),
         _set(_ci, "destination", lambda v, o: "Rotterdam" if v != "Rotterdam" else "Antwerp")),
    Seed("invoice total quantity row", ("arithmetic.quantity_total",),
         _sum(_ci, "quantity_total", lambda x: D(x.quantity), D(50))),
    Seed("a model missing from the invoice", ("models.missing", "totals.amount"), _drop_line,
         _several),
    Seed("HS code differs", ("lines.hs_code",), _line(_ci, _hs), _has("hs")),
    Seed("invoice dated after shipment", ("dates.invoice_not_after_shipment",
                                          "dates.documents_vs_shipment"), _after_shipment),
    Seed("packages total differs", ("totals.packages", "packing.lines_total"),
         _set(_pl, "packages", lambda v, o: v + 10)),
    Seed("gross weight total differs", ("totals.gross_weight", "packing.weight_totals"),
         _set(_pl, "gross", lambda v, o: v + D("35.5"))),
    Seed("net weight total differs", ("totals.net_weight", "packing.weight_totals"),
         _set(_pl, "net", lambda v, o: v - D("42.5"))),
    Seed("volume total differs", ("totals.volume", "packing.weight_totals"),
         _set(_pl, "cbm", lambda v, o: v + D("2.5")), _has("cbm")),
    Seed("net above gross on a line", ("packing.line_gross_vs_net",), _line(_pl, _net_above)),
    Seed("carton numbers overlap or fall short", ("packing.carton_numbers",), _overlap,
         _has("range")),
    Seed("pieces per carton x cartons", ("packing.cartons_times_quantity",),
         _line(_pl, _per_carton)),
    Seed("part carton that does not fit", ("packing.cartons_times_quantity",),
         _line(_pl, _part_carton), _packed),
    Seed("packing list names another invoice", ("references.invoice_no",),
         _set(_pl, "invoice_no", lambda v, o: v.replace("FI", "FX"))),
    Seed("shipping marks differ", ("marks.shipping",), _set(_pl, "marks", _marks)),
    Seed("wrong model on the packing list", ("models.not_on_order",), _line(_pl, _pl_model)),
    Seed("packing list quantity differs", ("lines.packing_vs_invoice", "totals.quantity"),
         _line(_pl, _pl_quantity)),
    Seed("a line's gross weight differs", ("packing.per_carton_weight",),
         _line(_pl, _line_gross)),
    Seed("packages in words differ", ("totals.packages_in_words",),
         _set(_pl, "packages_words", lambda v, o: sum(x.cartons for x in o.lines) + 20)),
    Seed("B/L port of loading", ("ports.loading",),
         _set(_bl, "loading", lambda v, o: "Shanghai" if v != "Shanghai" else "Qingdao")),
    Seed("B/L port of discharge", ("ports.discharge",),
         _set(_bl, "destination", lambda v, o: "Rotterdam" if v != "Rotterdam" else "Antwerp")),
    Seed("B/L packages", ("shipping.bl_vs_packing",), _set(_bl, "packages", lambda v, o: v + 5)),
    Seed("B/L gross weight", ("shipping.bl_vs_packing",),
         _set(_bl, "gross", lambda v, o: v + D(250))),
    Seed("shipped after the latest date", ("dates.shipment_by_latest",),
         _set(_bl, "on_board", lambda v, o: o.latest + dt.timedelta(days=3))),
    Seed("claused B/L", ("bl.clean",), _set(_bl, "clause", lambda v, o: "3 CARTONS TORN AND WET")),
    Seed("freight clause against the term", ("terms.freight_clause",),
         _set(_bl, "freight", lambda v, o: "FREIGHT PREPAID" if v == "FREIGHT COLLECT"
              else "FREIGHT COLLECT")),
    Seed("B/L not signed by the carrier", ("bl.signed",), _set(_bl, "signed", lambda v, o: False)),
]


@dataclass
class Draw:
    order: DOrder
    sheets: list[Sheet]
    styles: dict[int, Style]
    seed: Seed


def plan(base: int, n: int) -> Draw:
    rng = random.Random(f"{base}:{n}")
    order = draw_order(n, rng)
    per_factory = len(order.factories) > 1 and rng.random() < 0.6
    found = sheets(order, per_factory)
    styles = {k: draw_style(rng, order.currency) for k in range(len(found))}
    for k, sheet in enumerate(found):  # a factory's documents share its layout
        if sheet.factory is not None and k % 2:
            styles[k] = styles[k - 1]
    choices = [s for s in SEEDS if s.applies(order, found, styles)]
    return Draw(order, found, styles, choices[rng.randrange(len(choices))])


def workflow_of(order: DOrder) -> Any:
    from pipeline.flow import Workflow, update_adapter

    at = dt.datetime.combine(order.order_date + dt.timedelta(days=1), dt.time(9))
    raw = [{"update": "approval", "role": role, "by": by, "at": at + dt.timedelta(hours=h)}
           for h, (role, by) in enumerate([("salesperson", "王丽"), ("manager", "李强"),
                                           ("general_manager", "张伟")])]
    raw.append({"update": "inspection", "kind": "in_house", "inspector": "王质检",
                "date": order.loading_day - dt.timedelta(days=2),
                "booked_on": order.loading_day - dt.timedelta(days=20)})
    raw.append({"update": "loading", "loading_time": dt.datetime.combine(order.loading_day,
                                                                         dt.time(8, 30)),
                "equipment_model": order.lines[0].model, "truck_plate": "浙B12345",
                "driver_phone": "13957428810"})
    parsed = [update_adapter.validate_python({"order_no": order.number, **u}) for u in raw]
    return Workflow(approvals=tuple(parsed[:3]), inspection=parsed[3],  # type: ignore[arg-type]
                    loading=parsed[4])  # type: ignore[arg-type]


def read(pdf: Path, doc_type: str, models: list[str]) -> Any:
    from pipeline.compliance import extract
    from pipeline.compliance.layout import read_words
    from pipeline.pdf import open_pdf, page_texts

    texts = page_texts(open_pdf(pdf, text_pages=0)[0])
    return extract(pdf.name, doc_type, texts, [], models, read_words(pdf))


def check(draw: Draw, files: dict[int, bytes], folder: Path) -> list[dict[str, Any]]:
    from pipeline.compliance import Case, run_rules
    from pipeline.config import Settings
    from pipeline.intake.order_file import parse_order

    order = parse_order(order_data(draw.order), "draw")
    models = [i.model for i in order.items]
    documents = []
    for k, content in files.items():
        pdf = folder / f"{k}-{draw.sheets[k].doc_type}.pdf"
        pdf.write_bytes(content)
        documents.append(read(pdf, draw.sheets[k].doc_type, models))
    case = Case(order=order, workflow=workflow_of(draw.order), documents=documents,
                required=[], present={}, drafts=[], company_names=("杭州跟单贸易有限公司",
                                                                   "Hangzhou Gendan Trading Co., Ltd."),
                thresholds=Settings().approval.general_manager_threshold,
                lead_days={"in_house": 7, "customer": 7, "third_party": 14},
                handover_date=draw.order.on_board + dt.timedelta(days=4))
    return [{"rule": f.rule, "severity": f.severity, "message": f.message}
            for f in run_rules(case)]


@dataclass
class Outcome:
    n: int
    seed: str
    expected: tuple[str, ...]
    caught: bool
    clean: list[dict[str, Any]] = field(default_factory=list)
    seeded: list[dict[str, Any]] = field(default_factory=list)
    dimensions: dict[str, Any] = field(default_factory=dict)


def run_one(base: int, n: int, keep: Path | None = None) -> Outcome:
    draw = plan(base, n)
    clean = {k: pdf_of(s, draw.order, draw.styles[k]) for k, s in enumerate(draw.sheets)}
    seeded_sheets = copy.deepcopy(draw.sheets)
    changed = draw.seed.change(seeded_sheets, draw.order)
    k = next(i for i, s in enumerate(seeded_sheets) if s is changed)
    seeded = {**clean, k: pdf_of(changed, draw.order, draw.styles[k])}
    with tempfile.TemporaryDirectory(prefix=f"draw-{n}-") as tmp:
        folder = Path(tmp)
        (folder / "clean").mkdir()
        (folder / "seeded").mkdir()
        clean_findings = check(draw, clean, folder / "clean")
        seeded_draw = Draw(draw.order, seeded_sheets, draw.styles, draw.seed)
        seeded_findings = check(seeded_draw, seeded, folder / "seeded")
    if keep is not None:
        for variant, files in (("clean", clean), ("seeded", seeded)):
            target = keep / f"{base}-{n:04d}-{variant}"
            target.mkdir(parents=True, exist_ok=True)
            for i, content in files.items():
                (target / f"{i}-{draw.sheets[i].doc_type}.pdf").write_bytes(content)
    caught = any(f["rule"] in draw.seed.rules and f["severity"] != "review"
                 for f in seeded_findings)
    style = draw.styles[0]
    dimensions = {"lines": len(draw.order.lines), "factories": len(draw.order.factories),
                  "per_factory": any(s.factory is not None for s in draw.sheets),
                  "units": sorted({x.unit for x in draw.order.lines}), "lang": style.lang,
                  "numbers": style.numbers, "ruling": style.ruling, "pad_mm": style.pad_mm,
                  "font": style.font, "ports_from_to": style.ports_from_to,
                  "later_page": style.later_page, "seal": style.seal}
    return Outcome(n, draw.seed.name, draw.seed.rules, caught, clean_findings,
                   seeded_findings, dimensions)


@dataclass
class Report:
    base: int
    outcomes: list[Outcome]

    def false(self, severity: str) -> list[tuple[Outcome, dict[str, Any]]]:
        return [(o, f) for o in self.outcomes for f in o.clean if f["severity"] == severity]

    @property
    def recall(self) -> float:
        return sum(o.caught for o in self.outcomes) / len(self.outcomes)

    @property
    def warned_share(self) -> float:
        return sum(any(f["severity"] == "warning" for f in o.clean)
                   for o in self.outcomes) / len(self.outcomes)

    @property
    def met(self) -> bool:
        return (not self.false("error") and self.warned_share <= TARGET_FALSE_WARNING_SHARE
                and self.recall >= TARGET_RECALL)

    def figures(self) -> dict[str, Any]:
        return {"seed": self.base, "draws": len(self.outcomes),
                "recall": round(self.recall, 4),
                "caught": sum(o.caught for o in self.outcomes),
                "seed_kinds": len({o.seed for o in self.outcomes}),
                "false_errors": len(self.false("error")),
                "draws_with_false_error": round(sum(any(
                    f["severity"] == "error" for f in o.clean) for o in self.outcomes)
                    / len(self.outcomes), 4),
                "false_warnings": len(self.false("warning")),
                "draws_with_false_warning": round(self.warned_share, 4),
                "reviews_on_clean": len(self.false("review")),
                "clean_draws_with_review": sum(any(f["severity"] == "review" for f in o.clean)
                                               for o in self.outcomes),
                "met": self.met}

    def text(self) -> str:
        lines = []
        for o in self.outcomes:
            if not o.caught:
                lines.append(f"missed {self.base}:{o.n} {o.seed}: expected {o.expected}; found "
                             + "; ".join(f"{f['severity']} {f['rule']}: {f['message'][:160]}"
                                         for f in o.seeded))
        for severity in ("error", "warning"):
            for o, f in self.false(severity):
                lines.append(f"false {severity} {self.base}:{o.n} {o.dimensions}: {f['rule']}: "
                             f"{f['message'][:240]}")
        f = self.figures()
        lines.append(f"seed {self.base}: {f['draws']} draws; recall {f['caught']}/{f['draws']} = "
                     f"{self.recall:.1%} over {f['seed_kinds']} kinds; clean draws: "
                     f"{f['false_errors']} false errors, {f['false_warnings']} false warnings "
                     f"({self.warned_share:.1%} of draws), {f['reviews_on_clean']} reviews on "
                     f"{f['clean_draws_with_review']} draws; targets "
                     f"{'met' if self.met else 'MISSED'}")
        return "\n".join(lines)


def run(base: int, numbers: list[int], jobs: int, keep: Path | None = None) -> Report:
    if jobs <= 1:
        return Report(base, [run_one(base, n, keep) for n in numbers])
    with ProcessPoolExecutor(jobs) as pool:
        return Report(base, list(pool.map(run_one, [base] * len(numbers), numbers,
                                          [keep] * len(numbers), chunksize=4)))


def _record(run: dict[str, Any]) -> None:
    kept = json.loads(FIGURES.read_text("utf-8"))["runs"] if FIGURES.exists() else []
    runs = sorted([r for r in kept if r["seed"] != run["seed"]] + [run], key=lambda r: r["seed"])
    FIGURES.write_text(json.dumps({"runs": runs, "seed_kinds": [
        {"seed": s.name, "rules": list(s.rules)} for s in SEEDS]}, indent=1,
        ensure_ascii=False) + "\n", "utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, action="append", default=None,
                        help="Seed of the draws (repeat for several runs, one after another)")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--only", type=int, default=None, help="Run draw N only")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--record", action="store_true",
                        help=f"Write the figures to {FIGURES.relative_to(ROOT)}")
    args = parser.parse_args()
    runs = []
    for base in args.seed or [1]:
        started = time.perf_counter()
        numbers = [args.only] if args.only is not None else list(range(args.draws))
        report = run(base, numbers, args.jobs, args.keep)
        seconds = time.perf_counter() - started
        print(report.text())
        print(f"seed {base}: {len(numbers)} draws x 2 in {seconds:.0f} s", flush=True)
        runs.append({**report.figures(), "seconds": round(seconds)})
        if args.only is not None:
            continue  # one draw again: the last full run's outcomes stay
        out = ROOT / "bench" / "results" / f"draws-{base}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps({"figures": runs[-1], "outcomes": [
            asdict(o) for o in report.outcomes]}, indent=1, ensure_ascii=False, default=str),
            "utf-8")
        if args.record:  # each seed's run as it ends, in place of that seed's last one
            _record(runs[-1])
    return 0 if all(r["met"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
