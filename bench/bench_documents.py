"""Benchmark: the full document set of one order, per document and per page, with and
without LibreOffice (Word -> PDF of the Word-only contract review), for a 4-item and a
64-item order.

    .venv/bin/python bench/bench_documents.py [--repeat N]

Prints a table and writes bench/results/documents.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import Documents, Settings  # noqa: E402
from pipeline.documents import DocumentMaker  # noqa: E402
from pipeline.flow import Workflow  # noqa: E402
from pipeline.intake import read_order  # noqa: E402
from pipeline.render.convert import find_libreoffice  # noqa: E402
from pipeline.workspace import Workspace  # noqa: E402


def run(order_file: str, libreoffice: bool, repeat: int) -> dict[str, object]:
    order = read_order(ROOT / "examples" / order_file)
    settings = Settings(documents=Documents(word_to_pdf=libreoffice))
    with tempfile.TemporaryDirectory() as tmp:
        maker = DocumentMaker(Workspace(Path(tmp)), settings)
        per_doc: dict[str, list[float]] = {}
        pages: dict[str, int] = {}
        totals = []
        for n in range(repeat + 1):  # the first round warms up fonts and LibreOffice
            start_all = time.perf_counter()
            for key in maker.on_order():
                work = Path(tmp) / f"{n}-{key}"
                start = time.perf_counter()
                staged = maker.render(key, order, work, Workflow())
                if n:
                    per_doc.setdefault(key, []).append(time.perf_counter() - start)
                pages[key] = sum(len(PdfReader(s.path).pages) for s in staged
                                 if s.suffix == ".pdf")
            if n:
                totals.append(time.perf_counter() - start_all)
    total = statistics.median(totals)
    all_pages = sum(pages.values())
    return {
        "order": order_file, "items": len(order.items), "libreoffice": libreoffice,
        "documents": len(per_doc), "pages": all_pages, "total_s": round(total, 2),
        "ms_per_page": round(total * 1000 / all_pages),
        "per_document_ms": {k: round(statistics.median(v) * 1000) for k, v in per_doc.items()},
        "pages_per_document": pages,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    modes = [False, True] if find_libreoffice() else [False]
    results = [run(name, lo, args.repeat) for name in ("PO-2026-0042.yaml", "AN-2026-118.json")
               for lo in modes]
    for r in results:
        print(f"{r['order']} ({r['items']} items), LibreOffice {'on' if r['libreoffice'] else 'off'}: "
              f"{r['documents']} documents, {r['pages']} PDF pages, {r['total_s']} s, "
              f"{r['ms_per_page']} ms/page")
        print("   " + ", ".join(f"{k} {v} ms" for k, v in r["per_document_ms"].items()))  # type: ignore[attr-defined]
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "documents.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
