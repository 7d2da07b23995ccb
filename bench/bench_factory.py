"""Benchmark: factory PDFs through identify + stamp + archive + index, against a floor
(read + sha256 + copy + pypdf open/write of the same files) in the same run; stamping
speed on a 500-page PDF; stamped/original size ratios.

    .venv/bin/python bench/bench_factory.py [--copies N]

Prints a table and writes bench/results/factory.json.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader, PdfWriter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "tests" / "corpus"

from pipeline.config import Settings  # noqa: E402
from pipeline.desk import Desk  # noqa: E402
from pipeline.pdf import StampSpec, open_pdf, stamp_pdf  # noqa: E402
from pipeline.workspace import Workspace  # noqa: E402

SKIP = {"libreoffice-writer-password.pdf"}  # rejected by design


def variants(copies: int) -> list[tuple[str, bytes]]:
    """Distinct PDFs (metadata differs) made from the corpus, as a factory would send."""
    files = []
    for n in range(copies):
        for source in sorted(CORPUS.glob("*.pdf")):
            if source.name in SKIP:
                continue
            writer = PdfWriter(clone_from=source)
            writer.add_metadata({"/Subject": f"copy {n}"})
            buffer = io.BytesIO()
            writer.write(buffer)
            files.append((f"PO-2026-0042_{n:02d}_{source.name}", buffer.getvalue()))
    return files


def make_manual(path: Path, pages: int) -> Path:
    """A manual with its own text on every page, as a factory's would be."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path), pagesize=A4)
    for page in range(1, pages + 1):
        canvas.setFont("Helvetica-Bold", 14)
        canvas.drawString(72, 770, f"Chapter {page // 20 + 1}. Operating instructions, page {page}")
        canvas.setFont("Helvetica", 10)
        for line in range(48):
            canvas.drawString(72, 740 - line * 14, f"{page}.{line} Keep the appliance dry; "
                              f"check the cord before use; model HT-2020 section {line}.")
        canvas.showPage()
    canvas.save()
    return path


def floor(folder: Path, out: Path) -> float:
    start = time.perf_counter()
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        hashlib.sha256(data).hexdigest()
        shutil.copyfile(path, out / path.name)
        writer = PdfWriter(clone_from=PdfReader(path, strict=False))
        with (out / f"{path.name}.rewritten.pdf").open("wb") as handle:
            writer.write(handle)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        ws = Workspace(tmpdir / "ws")
        ws.ensure_folders()
        desk = Desk(ws, Settings())
        shutil.copyfile(ROOT / "examples" / "PO-2026-0042.yaml", ws.inbox / "order.yaml")
        desk.run_once()
        files = variants(args.copies)
        staging = tmpdir / "staging"
        staging.mkdir()
        for name, data in files:
            (staging / name).write_bytes(data)
        pages = sum(len(PdfReader(staging / n).pages) for n, _ in files)
        floor_out = tmpdir / "floor"
        floor_out.mkdir()
        floor_s = floor(staging, floor_out)
        for name, _ in files:
            shutil.copyfile(staging / name, ws.inbox / name)
        start = time.perf_counter()
        outcomes = desk.run_once()
        pipeline_s = time.perf_counter() - start
        assert all(o.status == "archived" for o in outcomes), [o for o in outcomes
                                                               if o.status != "archived"]
        results["factory"] = {
            "files": len(files), "pages": pages,
            "pipeline_s": round(pipeline_s, 2), "floor_s": round(floor_s, 2),
            "pipeline_files_per_s": round(len(files) / pipeline_s, 1),
            "pipeline_pages_per_s": round(pages / pipeline_s, 1),
            "floor_files_per_s": round(len(files) / floor_s, 1),
            "floor_pages_per_s": round(pages / floor_s, 1),
        }
        # stamping a 500-page manual, text stamp with page n/N on every page plus the seal
        manual = make_manual(tmpdir / "manual.pdf", 500)
        specs = [StampSpec(text="{customer} 存档 ARCHIVED\n{order} · {type_zh}\n{page}/{pages}"),
                 StampSpec(image=ROOT / "templates" / "assets" / "seal.png", width_mm=36,
                           position="bottom-right", pages="last")]
        variables = {"order": "PO-2026-0042", "customer": "ACME", "type_zh": "使用说明书"}
        reader, _ = open_pdf(manual)
        start = time.perf_counter()
        stamp_pdf(reader, tmpdir / "manual-stamped.pdf", specs, variables)
        stamp_s = time.perf_counter() - start
        results["stamp_500_pages"] = {
            "seconds": round(stamp_s, 2), "pages_per_s": round(500 / stamp_s, 1),
            "size_ratio": round((tmpdir / "manual-stamped.pdf").stat().st_size
                                / manual.stat().st_size, 3),
        }
        ratios, added, over_clone = {}, {}, {}
        if not any(CORPUS.glob("*.pdf")):
            sys.exit(f"bench_factory: no PDFs in {CORPUS}: the benchmark needs tests/corpus")
        for source_pdf in sorted(CORPUS.glob("*.pdf")):
            if source_pdf.name in SKIP:
                continue
            reader, _ = open_pdf(source_pdf)
            out = tmpdir / f"s-{source_pdf.name}"
            stamp_pdf(reader, out, specs, variables)
            ratios[source_pdf.name] = round(out.stat().st_size / source_pdf.stat().st_size, 2)
            archive_only = tmpdir / f"a-{source_pdf.name}"  # what every factory file gets
            stamp_pdf(open_pdf(source_pdf)[0], archive_only, specs[:1], variables)
            clone = io.BytesIO()  # the floor: pypdf's own rewrite of the file
            PdfWriter(clone_from=PdfReader(source_pdf)).write(clone)
            added[source_pdf.name] = round((archive_only.stat().st_size
                                            - source_pdf.stat().st_size) / 1024, 1)
            over_clone[source_pdf.name] = round((archive_only.stat().st_size
                                                 - len(clone.getvalue())) / 1024, 1)
        results["size_ratio_per_file"] = ratios
        results["added_kb_per_file"] = added
        results["added_kb_over_bare_rewrite"] = over_clone
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    f = results["factory"]
    assert isinstance(f, dict)
    print(f"factory PDFs: {f['files']} files, {f['pages']} pages")
    print(f"  pipeline (identify+stamp+archive+index): {f['pipeline_s']} s = "
          f"{f['pipeline_files_per_s']} files/s, {f['pipeline_pages_per_s']} pages/s")
    print(f"  floor (read+sha256+copy+pypdf open/write): {f['floor_s']} s = "
          f"{f['floor_files_per_s']} files/s, {f['floor_pages_per_s']} pages/s")
    s = results["stamp_500_pages"]
    assert isinstance(s, dict)
    print(f"stamping 500 pages: {s['seconds']} s = {s['pages_per_s']} pages/s, "
          f"size x{s['size_ratio']}")
    print(f"  (goal: >= 20 files/s and within 3x of the floor: now "
          f"{f['floor_files_per_s'] / f['pipeline_files_per_s']:.1f}x)")
    print("  (goal: >= 400 pages/s, size <= 1.1x)")
    print("stamped (archive stamp and seal)/original size:", ", ".join(f"{k} x{v}" for k, v in ratios.items()))
    print(f"archive stamp added per small file: up to {max(added.values())} KB, up to "
          f"{max(over_clone.values())} KB over pypdf's bare rewrite of the same file "
          "(goal <= 15 KB): " +
          ", ".join(f"{k} +{v} KB" for k, v in added.items()))
    print(f"peak RSS {results['peak_rss_mb']} MB")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "factory.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
