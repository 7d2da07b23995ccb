"""The choice of OCR engine: RapidOCR (PP-OCRv4, as gendan reads scans) against Tesseract
(Debian's tesseract-ocr with chi_sim and eng) on the same scans of drawn factory documents
at 200 dpi, upright: character errors line by line (spaces not counted) and seconds a
page, one page at a time on this machine.

    .venv/bin/python bench/ocr_engines.py [--pages 8]

Tesseract is not a dependency of gendan: without it, only RapidOCR is measured.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.layouts import draw_order, draw_style, pdf_of, sheets  # noqa: E402
from bench.ocr import Scan, _layout_text, _line_errors, scanned  # noqa: E402


def main() -> int:
    from PIL import Image
    from rapidfuzz.distance import Levenshtein

    from pipeline.pdf.ocr import engine, read_picture

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    tesseract = shutil.which("tesseract")
    engine()  # loaded once, as in a filing process
    totals = {"rapidocr": [0, 0, 0.0], "tesseract": [0, 0, 0.0]}
    for n in range(args.pages):
        rng = random.Random(f"engines:{args.seed}:{n}")
        order = draw_order(n, rng)
        sheet = rng.choice([s for s in sheets(order, False)
                            if s.doc_type in {"commercial_invoice", "packing_list"}])
        with tempfile.TemporaryDirectory() as tmp:
            pdf = Path(tmp) / "document.pdf"
            pdf.write_bytes(pdf_of(sheet, order, draw_style(rng, order.currency)))
            truth = _layout_text(pdf)
            picture = scanned(pdf.read_bytes(), Scan(200, 0, 0.0, False, "white", 85), rng)
            started = time.perf_counter()
            page = read_picture(Image.open(io.BytesIO(picture)), 200)
            seconds = time.perf_counter() - started
            errors, chars = _line_errors(truth, page.text, Levenshtein.distance)
            totals["rapidocr"] = [totals["rapidocr"][0] + errors,
                                  totals["rapidocr"][1] + chars,
                                  totals["rapidocr"][2] + seconds]
            if tesseract:
                image = Path(tmp) / "scan.jpg"
                image.write_bytes(picture)
                started = time.perf_counter()
                done = subprocess.run([tesseract, str(image), "-", "-l", "chi_sim+eng",
                                       "--psm", "6"], capture_output=True, check=False)
                seconds = time.perf_counter() - started
                errors, chars = _line_errors(truth, done.stdout.decode("utf-8", "replace"),
                                             Levenshtein.distance)
                totals["tesseract"] = [totals["tesseract"][0] + errors,
                                       totals["tesseract"][1] + chars,
                                       totals["tesseract"][2] + seconds]
    result = {name: {"cer": round(e / max(1, c), 4), "seconds_per_page": round(s / args.pages,
                                                                                  2)}
              for name, (e, c, s) in totals.items() if c}
    print(json.dumps({"pages": args.pages, **result}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
