"""Benchmark: one order through the pipeline (validate -> quotation PDF, contract PDF and
.docx -> archive -> index), per order and per quotation page, against bare WeasyPrint on
the same two HTML templates and data in the same run.

    .venv/bin/python bench/bench_order.py [--repeat N]

Prints a table and writes bench/results/order.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from weasyprint import HTML

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import Documents, Settings  # noqa: E402
from pipeline.desk import Desk  # noqa: E402
from pipeline.doctypes import GENERATED  # noqa: E402
from pipeline.fsutil import order_key  # noqa: E402
from pipeline.intake.order_file import parse_order  # noqa: E402
from pipeline.render import document_context  # noqa: E402
from pipeline.render.html import asset_fetcher, html_environment  # noqa: E402
from pipeline.workspace import Workspace  # noqa: E402


def order_with(count: int, number: int) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "examples" / "PO-2026-0042.yaml").read_text())
    base = data["items"]
    data = copy.deepcopy(data)
    data["order_no"] = f"BENCH-{count}-{number}"
    data["items"] = [
        {**base[n % len(base)], "model": f"{base[n % len(base)]['model']}-{n}"} for n in range(count)
    ]
    return data


def bare_weasyprint(data: dict[str, Any], workspace: Workspace, target: Path) -> int:
    """The same two HTML templates (quotation, contract) straight through WeasyPrint."""
    order = parse_order(data, "bench")
    pages = []
    for key in ("quotation", "sales_contract"):
        ctx = document_context(GENERATED[key], order, Settings(),
                               seal=workspace.template_dirs[-1] / "assets" / "seal.png")
        html = html_environment(workspace.template_dirs).get_template(GENERATED[key].html)
        base = str(workspace.template_dirs[-1]) + "/"
        fetcher = asset_fetcher([d / "assets" for d in workspace.template_dirs])
        document = HTML(string=html.render(ctx), base_url=base, url_fetcher=fetcher).render()
        document.write_pdf(target)
        pages.append(len(document.pages))
    return pages[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Workspace(Path(tmp) / "ws")
        workspace.ensure_folders()
        # the quotation and the contract (PDF + Word): bench_documents.py times the whole set
        desk = Desk(workspace, Settings(documents=Documents(on_order=["quotation",
                                                                      "sales_contract"])))
        desk.process(_drop(workspace, order_with(2, 0)))  # warm-up: fonts, imports
        for count in (4, 64, 300):
            pipeline_s, bare_s, pages = [], [], 0
            for n in range(args.repeat):
                path = _drop(workspace, order_with(count, n + 1))
                start = time.perf_counter()
                outcome = desk.process(path)
                pipeline_s.append(time.perf_counter() - start)
                assert outcome.status == "archived", outcome
                card = desk.store.index.card(order_key(f"BENCH-{count}-{n + 1}"))
                assert card is not None
                docs = card[1]
                pages = next(d["pages"] for d in docs if d["doc_type"] == "quotation")
                start = time.perf_counter()
                bare_pages = bare_weasyprint(order_with(count, n + 1), workspace,
                                             Path(tmp) / "bare.pdf")
                bare_s.append(time.perf_counter() - start)
                assert bare_pages == pages
            p, b = statistics.median(pipeline_s), statistics.median(bare_s)
            rows.append({
                "items": count, "pages": pages, "pipeline_ms": round(p * 1000),
                "bare_weasyprint_ms": round(b * 1000), "pipeline_ms_per_page": round(p * 1000 / pages),
                "bare_ms_per_page": round(b * 1000 / pages), "overhead_ms": round((p - b) * 1000),
            })
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'items':>5} {'pages':>5} {'pipeline ms':>11} {'bare WP ms':>10} "
          f"{'ms/page':>7} {'bare/page':>9} {'overhead ms':>11}")
    for r in rows:
        print(f"{r['items']:>5} {r['pages']:>5} {r['pipeline_ms']:>11} {r['bare_weasyprint_ms']:>10} "
              f"{r['pipeline_ms_per_page']:>7} {r['bare_ms_per_page']:>9} {r['overhead_ms']:>11}")
    print(f"peak RSS {peak_mb:.0f} MB (median of {args.repeat} runs each)")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "order.json").write_text(json.dumps({"rows": rows, "peak_rss_mb": round(peak_mb)},
                                               indent=2))


def _drop(workspace: Workspace, data: dict[str, Any]) -> Path:
    path = workspace.inbox / f"{data['order_no']}.json"  # JSON: no YAML aliases for shared items
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    return path


if __name__ == "__main__":
    main()
