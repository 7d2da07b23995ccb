"""Benchmark: `check` and `handover` for an order with 10 documents / about 100 pages.

    .venv/bin/python bench/bench_handover.py [--repeat N]

Prints the figures and writes bench/results/handover.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_factory import make_manual  # noqa: E402
from pipeline.compliance import RULES  # noqa: E402
from pipeline.config import Approval, Settings  # noqa: E402
from pipeline.desk import Desk  # noqa: E402
from pipeline.recipes import check_order, hand_over  # noqa: E402
from pipeline.workspace import Workspace  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        ws.ensure_folders()
        desk = Desk(ws, Settings(approval=Approval(trust_inbox=True)))
        shutil.copyfile(ROOT / "examples" / "PO-2026-0042.yaml", ws.inbox / "order.yaml")
        desk.run_once()
        for update in sorted((ROOT / "examples" / "updates").glob("*.yaml")):
            shutil.copyfile(update, ws.inbox / update.name)
        desk.run_once()
        for name in ("inspection-report", "transport-contract"):
            shutil.copyfile(ROOT / "examples" / "factory" / f"PO-2026-0042_{name}.pdf",
                            ws.inbox / f"PO-2026-0042_{name}.pdf")
        make_manual(ws.inbox / "PO-2026-0042_user-manual.pdf", 72)
        make_manual(ws.inbox / "PO-2026-0042_warranty-card.pdf", 12)
        make_manual(ws.inbox / "PO-2026-0042_inspection-certificate.pdf", 4)
        desk.run_once()
        day = dt.date(2027, 1, 20)
        checks, packs = [], []
        for n in range(args.repeat):
            start = time.perf_counter()
            result = check_order(desk, "PO-2026-0042", on=day, archive_report=False)
            checks.append(time.perf_counter() - start)
            start = time.perf_counter()
            # forced: the bench order lacks a few of the documents FOB needs; the work is the same
            _, path, manifest = hand_over(desk, "PO-2026-0042", on=day + dt.timedelta(days=n),
                                          force=True, by="bench", reason="benchmark")
            packs.append(time.perf_counter() - start)
        pack = ws.archive / path
        pages = len(PdfReader(pack).pages)
        parts = sum((ws.archive / m["path"]).stat().st_size for m in manifest)
        figures = {
            "documents": len(manifest), "pack_pages": pages,
            "documents_read": len(result.documents), "rules": len(RULES),
            "check_s": round(statistics.median(checks), 2),
            "handover_s": round(statistics.median(packs), 2),
            "pack_bytes": pack.stat().st_size, "parts_bytes": parts,
        }
    print(f"order with {figures['documents']} documents, hand-over pack of "
          f"{figures['pack_pages']} pages")
    print(f"  check (read {figures['documents_read']} documents, {figures['rules']} rules): "
          f"{figures['check_s']} s")
    print(f"  handover (check + report + cover + merge + page numbers + archive): "
          f"{figures['handover_s']} s")
    print(f"  pack {figures['pack_bytes']:,} bytes from parts of {figures['parts_bytes']:,} bytes")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "handover.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
