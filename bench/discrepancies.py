"""The discrepancy benchmark: orders with the factory's papers in five layouts of their own
(`bench/papers.py`), each order once clean and once with one seeded discrepancy of the kinds
document examiners reject (UCP 600, ISBP 745/821) or the work manual warns about; every
order goes through a real desk (order file, approvals, inspection, loading, the factory's
PDFs dropped in the inbox) and `gendan check`. Reported: recall (the discrepancy caught by
the rule that names it), and the false alarms on the clean orders (errors, warnings and
fields not read).

    .venv/bin/python bench/discrepancies.py [--orders 60] [--jobs N] [--json] [--keep DIR]

Prints a table, writes bench/results/discrepancies.json, exits 1 when a target is missed:
recall >= 95 %, no false error, at most one false warning per clean order.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.papers import (  # noqa: E402
    CENT,
    FILE_NAMES,
    LAYOUTS,
    BenchOrder,
    Line,
    Papers,
    documents_of,
    make_order,
    order_data,
    papers,
    pdf_of,
    updates,
)

D = Decimal
FIGURES = ROOT / "bench" / "discrepancies.json"  # the last full run, quoted in docs/rules.md
TARGET_RECALL = 0.95
TARGET_FALSE_WARNINGS = 1  # per clean order


@dataclass(frozen=True)
class Seed:
    """One discrepancy: what it changes, and the rules any one of which names it."""

    name: str
    rules: tuple[str, ...]
    change: Callable[[Papers], tuple[str, ...]]  # -> the documents it changed
    applies: Callable[[BenchOrder], bool] = lambda order: True


def _invoice_total_changed(p: Papers) -> tuple[str, ...]:
    p.fields["commercial_invoice"]["total"] = p.total() + D(100)
    return ("commercial_invoice",)


def _price_changed_total_kept(p: Papers) -> tuple[str, ...]:
    first = p.lines[0]
    first.unit_price += D(1)
    first.amount += first.quantity
    if len(p.lines) > 1:  # the difference taken off the next line: the total is kept
        second = p.lines[1]
        second.amount -= first.quantity
        second.unit_price = (second.amount / second.quantity).quantize(CENT)
        second.amount = (second.unit_price * second.quantity).quantize(CENT)
    return ("commercial_invoice",)


def _line_amount(p: Papers) -> tuple[str, ...]:
    p.lines[-1].amount += D(10)
    return ("commercial_invoice",)


def _words(p: Papers) -> tuple[str, ...]:
    p.fields["commercial_invoice"]["words"] = p.total() + D(1000)
    return ("commercial_invoice",)


def _currency(p: Papers) -> tuple[str, ...]:
    f = p.fields["commercial_invoice"]
    f["currency"] = "EUR" if f["currency"] == "USD" else "USD"
    return ("commercial_invoice",)


def _term(p: Papers) -> tuple[str, ...]:
    f = p.fields["commercial_invoice"]
    f["term"] = {"FOB": "FCA", "CFR": "CIF", "CIF": "CFR"}[f["term"]]
    return ("commercial_invoice",)


def _place(p: Papers) -> tuple[str, ...]:
    f = p.fields["commercial_invoice"]
    if f["term"] == "FOB":
        f["place"] = "Shanghai" if f["place"] != "Shanghai" else "Ningbo"
    else:
        f["place"] = "Rotterdam" if f["place"] != "Rotterdam" else "Los Angeles"
    return ("commercial_invoice",)


def _buyer(p: Papers) -> tuple[str, ...]:
    p.fields["commercial_invoice"]["buyer"] = ("Pacific Garden Imports Inc.", "太平洋园艺进口公司")
    return ("commercial_invoice",)


def _seller(p: Papers) -> tuple[str, ...]:
    p.fields["commercial_invoice"]["seller"] = ("Ningbo Lvyuan Electric Appliance Co., Ltd.",
                                                "宁波绿源电器有限公司")
    return ("commercial_invoice",)


def _order_no(p: Papers) -> tuple[str, ...]:
    f = p.fields["commercial_invoice"]
    f["order_no"] = f"{f['order_no'][:-1]}{(int(f['order_no'][-1]) + 3) % 10}"
    return ("commercial_invoice",)


def _contract_no(p: Papers) -> tuple[str, ...]:
    p.fields["commercial_invoice"]["contract_no"] = p.order.contract.replace("SC-", "SC-X")
    return ("commercial_invoice",)


def _customer_po(p: Papers) -> tuple[str, ...]:
    f = p.fields["commercial_invoice"]
    f["customer_po"] = f"{f['customer_po'][:-2]}{(int(f['customer_po'][-2:]) + 11) % 100:02d}"
    return ("commercial_invoice",)


def _extra_model(p: Papers) -> tuple[str, ...]:
    first = p.lines[0]
    p.lines.append(Line("ZX-9090K", "Bench Grinder 250W", "250W台式砂轮机", "PCS", 40, D("31.20"),
                        D("1248.00"), 4, 10, 0, 0, D(0), D(0), D(0)))
    del first
    return ("commercial_invoice",)


def _quantity(p: Papers) -> tuple[str, ...]:
    line = p.lines[0]
    line.quantity += line.per_carton * 5
    line.amount = (line.unit_price * line.quantity).quantize(CENT)
    return ("commercial_invoice",)


def _packages(p: Papers) -> tuple[str, ...]:
    p.fields["packing_list"]["packages"] += 10
    return ("packing_list",)


def _gross(p: Papers) -> tuple[str, ...]:
    p.fields["packing_list"]["gross"] += D("35.5")
    return ("packing_list",)


def _net_above_gross(p: Papers) -> tuple[str, ...]:
    line = p.packing[-1]
    line.net_kg, line.gross_kg = line.gross_kg, line.net_kg
    return ("packing_list",)


def _carton_overlap(p: Papers) -> tuple[str, ...]:
    line = p.packing[-1]
    if len(p.packing) > 1:  # the last range overlaps the one before
        line.carton_from -= 3
        line.carton_to -= 3
    else:  # the range is short of the line's cartons
        line.carton_to -= 3
    return ("packing_list",)


def _per_carton(p: Papers) -> tuple[str, ...]:
    p.packing[0].per_carton += 1
    return ("packing_list",)


def _pl_invoice_no(p: Papers) -> tuple[str, ...]:
    p.fields["packing_list"]["invoice_no"] = p.invoice_no.replace("FI", "FI-7")
    return ("packing_list",)


def _marks(p: Papers) -> tuple[str, ...]:
    f = p.fields["packing_list"]
    f["marks"] = f["marks"].replace(p.order.customer_po, p.order.customer_po[:-1] + "0")
    if f["marks"] == p.fields["commercial_invoice"]["marks"]:
        f["marks"] = f["marks"].replace(p.order.customer_po, p.order.customer_po[:-1] + "1")
    return ("packing_list",)


def _pl_wrong_model(p: Papers) -> tuple[str, ...]:
    line = p.packing[0]
    line.model = line.model[:-1] + ("Z" if line.model[-1] != "Z" else "Y")
    return ("packing_list",)


def _volume(p: Papers) -> tuple[str, ...]:
    p.fields["packing_list"]["cbm"] += D("2.5")
    return ("packing_list",)


def _inspection_failed(p: Papers) -> tuple[str, ...]:
    p.fields["inspection_report"]["result"] = "FAIL"
    return ("inspection_report",)


def _warranty_model(p: Papers) -> tuple[str, ...]:
    models = p.fields["warranty_card"]["models"]
    models[0] = models[0][:-1] + ("Z" if models[0][-1] != "Z" else "Y")
    return ("warranty_card",)


def _invoice_after_shipment(p: Papers) -> tuple[str, ...]:
    p.date = p.fields["bill_of_lading"]["on_board"] + dt.timedelta(days=2)
    return ("commercial_invoice", "packing_list")


def _bl_port(p: Papers) -> tuple[str, ...]:
    f = p.fields["bill_of_lading"]
    f["loading"] = "Shanghai" if f["loading"] != "Shanghai" else "Qingdao"
    return ("bill_of_lading",)


def _bl_discharge(p: Papers) -> tuple[str, ...]:
    f = p.fields["bill_of_lading"]
    f["destination"] = "Rotterdam" if f["destination"] != "Rotterdam" else "Los Angeles"
    return ("bill_of_lading",)


def _bl_packages(p: Papers) -> tuple[str, ...]:
    p.fields["bill_of_lading"]["packages"] += 5
    return ("bill_of_lading",)


def _late_shipment(p: Papers) -> tuple[str, ...]:
    p.fields["bill_of_lading"]["on_board"] = p.order.latest_shipment + dt.timedelta(days=3)
    return ("bill_of_lading",)


def _bl_clause(p: Papers) -> tuple[str, ...]:
    p.fields["bill_of_lading"]["clause"] = "3 CARTONS TORN AND WET"
    return ("bill_of_lading",)


def _freight_clause(p: Papers) -> tuple[str, ...]:
    f = p.fields["bill_of_lading"]
    f["freight"] = "FREIGHT PREPAID" if f["freight"] == "FREIGHT COLLECT" else "FREIGHT COLLECT"
    return ("bill_of_lading",)


def _under_insured(p: Papers) -> tuple[str, ...]:
    p.fields["insurance_policy"]["insured"] = p.order.total
    return ("insurance_policy",)


def _proforma(p: Papers) -> tuple[str, ...]:
    p.fields["commercial_invoice"]["title"] = "PROFORMA INVOICE"
    return ("commercial_invoice",)


def _cif(order: BenchOrder) -> bool:
    return order.term == "CIF"


def _inspected(order: BenchOrder) -> bool:
    return order.inspection in {"third_party", "customer"}


SEEDS = [
    Seed("invoice total changed", ("arithmetic.lines_total", "totals.amount"),
         _invoice_total_changed),
    Seed("unit price changed, total kept", ("prices.unit_price",), _price_changed_total_kept),
    Seed("line amount not quantity x price", ("arithmetic.line_amount",), _line_amount),
    Seed("amount in words differs", ("arithmetic.amount_in_words",), _words),
    Seed("other currency", ("terms.currency",), _currency),
    Seed("other price term", ("terms.price_term",), _term),
    Seed("Incoterm names the wrong place", ("terms.named_place",), _place),
    Seed("buyer not the contract's", ("parties.buyer",), _buyer),
    Seed("the factory as seller", ("parties.seller",), _seller),
    Seed("other order number", ("references.order_no",), _order_no),
    Seed("other contract number", ("references.contract_no",), _contract_no),
    Seed("other buyer's order number", ("references.customer_po",), _customer_po),
    Seed("model not on the order", ("models.not_on_order",), _extra_model),
    Seed("invoice quantity differs", ("totals.quantity", "lines.packing_vs_invoice"),
         _quantity),
    Seed("packages total differs", ("totals.packages", "packing.lines_total"), _packages),
    Seed("gross weight total differs", ("totals.gross_weight", "packing.weight_totals"),
         _gross),
    Seed("net above gross on a line", ("packing.line_gross_vs_net",), _net_above_gross),
    Seed("carton numbers overlap or fall short", ("packing.carton_numbers",),
         _carton_overlap),
    Seed("pieces per carton x cartons", ("packing.cartons_times_quantity",), _per_carton),
    Seed("packing list names another invoice", ("references.invoice_no",), _pl_invoice_no),
    Seed("shipping marks differ", ("marks.shipping",), _marks),
    Seed("wrong model on the packing list", ("models.not_on_order",), _pl_wrong_model),
    Seed("volume differs", ("totals.volume", "packing.lines_total"), _volume),
    Seed("inspection failed", ("inspection.result",), _inspection_failed, _inspected),
    Seed("warranty card for another model", ("warranty.models",), _warranty_model),
    Seed("invoice dated after shipment", ("dates.invoice_not_after_shipment",
                                          "dates.documents_vs_shipment"),
         _invoice_after_shipment),
    Seed("B/L port of loading", ("ports.loading",), _bl_port),
    Seed("B/L port of discharge", ("ports.discharge",), _bl_discharge),
    Seed("B/L packages", ("shipping.bl_vs_packing",), _bl_packages),
    Seed("shipped after the latest date", ("dates.shipment_by_latest",), _late_shipment),
    Seed("claused B/L", ("bl.clean",), _bl_clause),
    Seed("freight clause against the term", ("terms.freight_clause",), _freight_clause),
    Seed("insured below 110 %", ("terms.insurance",), _under_insured, _cif),
    Seed("titled proforma", ("title.not_proforma",), _proforma),
]


def plan(n: int) -> tuple[BenchOrder, str, Seed]:
    """Order n, its layout and its seed (the first that applies, from n on)."""
    order = make_order(n, random.Random(1000 + n))
    layout = LAYOUTS[n % len(LAYOUTS)]
    for step in range(len(SEEDS)):
        seed = SEEDS[(n + step) % len(SEEDS)]
        if seed.applies(order):
            return order, layout, seed
    raise AssertionError("no seed applies")


@dataclass
class Outcome:
    n: int
    order: str
    layout: str
    seed: str
    expected: tuple[str, ...]
    caught: bool
    clean: list[dict[str, Any]] = field(default_factory=list)  # findings on the clean order
    seeded: list[dict[str, Any]] = field(default_factory=list)
    read: dict[str, str] = field(default_factory=dict)  # fields read per document (clean)
    seconds: float = 0.0


def run_order(folder: Path, order: BenchOrder, p: Papers, layout: str,
              rendered: dict[str, bytes]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One order through a real desk: order file, updates, factory PDFs, check."""
    from pipeline.config import Approval, Documents, Settings
    from pipeline.desk import Desk
    from pipeline.recipes import check_order
    from pipeline.workspace import Workspace

    workspace = Workspace(folder)
    workspace.ensure_folders()
    settings = Settings(approval=Approval(trust_inbox=True), documents=Documents(on_order=["sales_contract"], word_to_pdf=False))
    desk = Desk(workspace, settings)

    def drop(name: str, data: Any) -> None:
        target = workspace.inbox / name
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")

    drop(f"{order.number}.yaml", order_data(order))
    _expect(desk.run_once(), folder)
    for name, update in updates(order):
        drop(f"{order.number}.{name}.yaml", update)
        _expect(desk.run_once(), folder)
    for doc_type, content in rendered.items():
        drop(f"{order.number} {FILE_NAMES[doc_type]}.pdf", content)
    _expect(desk.run_once(), folder)
    on_board = p.fields["bill_of_lading"]["on_board"]
    result = check_order(desk, order.number, on=on_board + dt.timedelta(days=4),
                         archive_report=False)
    desk.store.index.close()
    read = {d.document.rsplit("/", 1)[-1]: f"{d.read_count}/{len(d.required)}"
            for d in result.documents}
    return [f.as_dict() for f in result.findings], read


def _expect(outcomes: list[Any], folder: Path) -> None:
    bad = [o for o in outcomes if o.status not in {"archived", "duplicate"}]
    if bad:
        raise RuntimeError(f"{folder}: {[(o.file, o.status, o.message) for o in bad]}")


def bench_one(n: int, keep: Path | None = None) -> Outcome:
    started = time.perf_counter()
    order, layout, seed = plan(n)
    clean = papers(order)
    docs = documents_of(order)
    rendered = {d: pdf_of(d, clean, layout) for d in docs}
    seeded = clean.copy()
    changed = seed.change(seeded)
    seeded_files = {**rendered, **{d: pdf_of(d, seeded, layout) for d in changed}}
    base = Path(tempfile.mkdtemp(prefix=f"discrepancy-{n}-"))
    try:
        clean_findings, read = run_order(base / "clean", order, clean, layout, rendered)
        seeded_findings, _ = run_order(base / "seeded", order, seeded, layout, seeded_files)
        if keep is not None:
            for variant, files in (("clean", rendered), ("seeded", seeded_files)):
                target = keep / f"{n:03d}-{layout}-{variant}"
                target.mkdir(parents=True, exist_ok=True)
                for doc_type, content in files.items():
                    (target / f"{order.number} {FILE_NAMES[doc_type]}.pdf").write_bytes(content)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    caught = any(f["rule"] in seed.rules and f["severity"] != "review"
                 for f in seeded_findings)
    return Outcome(n, order.number, layout, seed.name, seed.rules, caught, clean_findings,
                   seeded_findings, read, time.perf_counter() - started)


@dataclass
class Report:
    outcomes: list[Outcome]

    @property
    def recall(self) -> float:
        return sum(o.caught for o in self.outcomes) / len(self.outcomes)

    def false(self, severity: str) -> list[tuple[Outcome, dict[str, Any]]]:
        return [(o, f) for o in self.outcomes for f in o.clean if f["severity"] == severity]

    @property
    def max_false_warnings(self) -> int:
        return max((sum(f["severity"] == "warning" for f in o.clean) for o in self.outcomes),
                   default=0)

    @property
    def met(self) -> bool:
        return (self.recall >= TARGET_RECALL and not self.false("error")
                and self.max_false_warnings <= TARGET_FALSE_WARNINGS)

    def figures(self) -> dict[str, Any]:
        by_layout = {layout: f"{sum(o.caught for o in group)}/{len(group)}"
                     for layout in LAYOUTS
                     if (group := [o for o in self.outcomes if o.layout == layout])}
        return {"orders": len(self.outcomes), "recall": round(self.recall, 4),
                "caught": sum(o.caught for o in self.outcomes), "by_layout": by_layout,
                "seeds": len({o.seed for o in self.outcomes}),
                "false_errors": len(self.false("error")),
                "false_warnings": len(self.false("warning")),
                "max_false_warnings_per_order": self.max_false_warnings,
                "false_reviews": len(self.false("review")), "met": self.met}

    def text(self) -> str:
        lines = [f"{'#':>3}  {'layout':6} {'seed':36} {'caught':7} clean e/w/r"]
        for o in self.outcomes:
            counts = "/".join(str(sum(f["severity"] == s for f in o.clean))
                              for s in ("error", "warning", "review"))
            lines.append(f"{o.n:>3}  {o.layout:6} {o.seed:36} {'yes' if o.caught else 'MISSED':7}"
                         f" {counts}")
        for o in self.outcomes:
            if not o.caught:
                lines.append(f"missed #{o.n} {o.layout} {o.seed}: expected {o.expected}; found "
                             + "; ".join(f"{f['rule']}: {f['message']}" for f in o.seeded))
        for severity in ("error", "warning", "review"):
            for o, f in self.false(severity):
                lines.append(f"false {severity} #{o.n} {o.layout}: {f['rule']}: {f['message']}")
        figures = self.figures()
        lines.append(f"recall {figures['caught']}/{figures['orders']} = {self.recall:.1%} "
                     f"(by layout {figures['by_layout']}); on the clean orders: "
                     f"{figures['false_errors']} false errors, {figures['false_warnings']} false "
                     f"warnings (at most {figures['max_false_warnings_per_order']} per order), "
                     f"{figures['false_reviews']} fields not read; targets "
                     f"{'met' if self.met else 'MISSED'}")
        return "\n".join(lines)


def run(numbers: list[int], jobs: int, keep: Path | None = None) -> Report:
    if jobs <= 1:
        return Report([bench_one(n, keep) for n in numbers])
    with ProcessPoolExecutor(jobs) as pool:
        return Report(list(pool.map(bench_one, numbers, [keep] * len(numbers))))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, default=None,
                        help="Keep the factory PDFs of every order here")
    parser.add_argument("--record", action="store_true",
                        help=f"Write the figures to {FIGURES.relative_to(ROOT)} (docs/rules.md "
                        "quotes them: run scripts/gen_docs.py after)")
    args = parser.parse_args()
    started = time.perf_counter()
    report = run(list(range(args.orders)), args.jobs, args.keep)
    seconds = time.perf_counter() - started
    figures = {**report.figures(), "seconds": round(seconds, 1)}
    out = ROOT / "bench" / "results" / "discrepancies.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"figures": figures,
                               "outcomes": [asdict(o) for o in report.outcomes]},
                              indent=1, ensure_ascii=False, default=str), "utf-8")
    if args.record:
        seeds = sorted({(o.seed, o.expected) for o in report.outcomes})
        FIGURES.write_text(json.dumps({**figures, "seed_kinds": [
            {"seed": name, "rules": list(rules)} for name, rules in seeds]},
            indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(json.dumps(figures, ensure_ascii=False) if args.json else report.text())
    print(f"{args.orders} orders x 2 in {seconds:.0f} s; written {out.relative_to(ROOT)}")
    return 0 if report.met else 1


if __name__ == "__main__":
    sys.exit(main())
