"""Benchmark: where a merchandiser waits, as whole commands, each beside the bare library or
the floor doing the same work in the same run (interleaved where repeated), with its goal.

    start-up          gendan --help, gendan orders (empty)   vs  python -c pass
    factory files     gendan run on 75 factory PDFs           vs  a script: read, sha256, copy,
                                                                  pypdf open + write
    one order grows   300 factory files into one order: ms a file, first 50 vs last 50
    stamping          1,000-page manual, stamp_pdf            vs  pypdf clone + write
    quotation         gendan run making the quotation only    vs  a script: WeasyPrint on the
                                                                  same HTML
    document set      gendan run, 4 and 64 items (no LibreOffice), 4 items with it; 4 items
                      in a resident process (the watcher's, the page's)
    check, hand-over  first and second run of each command
    Word -> PDF       the contract review in a warm LibreOffice  vs  one started for it;
                      gendan run with 3 orders                   vs  warm_libreoffice = false
    big order         2,000 items filed with the document set  vs  bare WeasyPrint, same HTML
    watcher memory    gendan watch filing an order and 75 factory PDFs: its tree's peak
    scale             10,000 orders: reindex, find / show / orders / due; the page with
                      10,000 open orders and 20 readers (bench/table_scale.py)

    .venv/bin/python bench/bench_table.py [STEP ...]

Prints the table and writes bench/results/table.json. Takes about fifteen minutes (the
steps big_order and scale most of it)."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import table_scale  # noqa: E402
from bench_factory import make_manual, variants  # noqa: E402

from pipeline.example_config import EXAMPLE_CONFIG  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
GENDAN = str(ROOT / ".venv" / "bin" / "gendan")
EXAMPLES = ROOT / "examples"
ENV = {**os.environ, "GENDAN_TODAY": "2026-11-20"}
ROWS: list[dict[str, Any]] = []


def timed(command: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # check says 1 for errors found
        sys.exit(f"bench_table: {' '.join(command)} failed ({done.returncode}):\n"
                 f"{done.stderr[-2000:]}")
    return elapsed


def interleaved(arms: dict[str, list[str]], repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in arms}
    for _ in range(repeat):
        for name, command in arms.items():
            times[name].append(timed(command))
    return {k: statistics.median(v) for k, v in times.items()}


def row(what: str, now: float, unit: str, floor: float | None, floor_what: str, goal: str,
        met: bool) -> None:
    ROWS.append({"what": what, "now": round(now, 3), "unit": unit,
                 "floor": None if floor is None else round(floor, 3), "floor_what": floor_what,
                 "ratio": round(now / floor, 2) if floor else None, "goal": goal, "met": met})


def workspace(root: Path, *, on_order: list[str] | None = None, word: bool = False) -> Path:
    subprocess.run([GENDAN, "init", str(root)], check=True, capture_output=True)
    extra = f"on_order = {json.dumps(on_order)}\n" if on_order is not None else ""
    (root / "gendan.toml").write_text(EXAMPLE_CONFIG.replace(
        "[documents]\n", f"[documents]\n{extra}word_to_pdf = {'true' if word else 'false'}\n")
        .replace("[approval]\n", "[approval]\ntrust_inbox = true\n"),  # unsigned examples
        encoding="utf-8")
    return root


def start_up(tmp: Path) -> None:
    empty = workspace(tmp / "empty")
    t = interleaved({"help": [GENDAN, "--help"], "orders": [GENDAN, "-w", str(empty), "orders"],
                     "python": [PY, "-c", "pass"]}, 7)
    for name in ("help", "orders"):
        row(f"start-up: gendan {'--help' if name == 'help' else 'orders'}", t[name], "s",
            t["python"], "python -c pass", "<= 0.25 s", t[name] <= 0.25)


FLOOR_SCRIPT = """
import hashlib, shutil, sys
from pathlib import Path
from pypdf import PdfReader, PdfWriter
src, out = Path(sys.argv[1]), Path(sys.argv[2])
for path in sorted(src.iterdir()):
    data = path.read_bytes()
    hashlib.sha256(data).hexdigest()
    shutil.copyfile(path, out / path.name)
    writer = PdfWriter(clone_from=PdfReader(path, strict=False))
    with (out / (path.name + ".rewritten.pdf")).open("wb") as handle:
        writer.write(handle)
"""


def factory(tmp: Path) -> None:
    ws = workspace(tmp / "factory", on_order=["quotation"])
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", ws / "inbox" / "order.yaml")
    timed([GENDAN, "-w", str(ws), "run"])
    staging, out = tmp / "staging", tmp / "floor-out"
    staging.mkdir()
    out.mkdir()
    files = variants(5)
    for name, data in files:
        (staging / name).write_bytes(data)
    floor = timed([PY, "-c", FLOOR_SCRIPT, str(staging), str(out)])
    for name, _ in files:
        shutil.copyfile(staging / name, ws / "inbox" / name)
    now = timed([GENDAN, "-w", str(ws), "run"])
    rate = len(files) / now
    row(f"gendan run on {len(files)} factory PDFs, files/s", rate, "files/s",
        len(files) / floor, "read+sha256+copy+pypdf open/write",
        "<= 3x the floor", now <= 3 * floor)


def one_order(tmp: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    from pipeline.config import load_settings
    from pipeline.desk import Desk
    from pipeline.workspace import Workspace

    ws = workspace(tmp / "grows", on_order=["quotation"])
    desk = Desk(Workspace(ws), load_settings(ws / "gendan.toml"))
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", ws / "inbox" / "order.yaml")
    desk.run_once()
    source = ROOT / "tests" / "corpus" / "minimal-document.pdf"
    times = []
    for n in range(300):
        writer = PdfWriter(clone_from=PdfReader(source))
        writer.add_metadata({"/Subject": f"copy {n}"})
        path = ws / "inbox" / f"PO-2026-0042_packing-list-{n:04d}.pdf"
        writer.write(path)
        start = time.perf_counter()
        assert desk.process(path).status == "archived"
        times.append(time.perf_counter() - start)
    first, last = statistics.median(times[:50]) * 1000, statistics.median(times[-50:]) * 1000
    row("300 factory files into one order: ms a file, last 50 (first 50 as floor)", last, "ms",
        first, "the first 50 files", "<= 1.15x", last <= 1.15 * first)


def stamping(tmp: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    from pipeline.pdf import StampSpec, open_pdf, stamp_pdf

    manual = make_manual(tmp / "manual.pdf", 1000)
    specs = [StampSpec(text="{customer} 存档 ARCHIVED\n{order} · {type_zh}\n{page}/{pages}")]
    variables = {"order": "PO-2026-0042", "customer": "ACME", "type_zh": "使用说明书"}
    ours, bare = [], []
    for _ in range(3):
        start = time.perf_counter()
        stamp_pdf(open_pdf(manual)[0], tmp / "stamped.pdf", specs, variables)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        PdfWriter(clone_from=PdfReader(manual)).write(tmp / "clone.pdf")
        bare.append(time.perf_counter() - start)
    rate, floor = 1000 / statistics.median(ours), 1000 / statistics.median(bare)
    size = (tmp / "stamped.pdf").stat().st_size / manual.stat().st_size
    row("stamping a 1,000-page manual, pages/s", rate, "pages/s", floor,
        "pypdf clone + write", ">= 400 pages/s", rate >= 400)
    row("stamped size / original", size, "x", 1.0, "the original", "<= 1.1x", size <= 1.1)


BARE_SCRIPT = """
import sys
from weasyprint import HTML
HTML(filename=sys.argv[1], base_url=sys.argv[2]).write_pdf(sys.argv[3])
"""


def quotation(tmp: Path) -> None:
    import yaml

    from pipeline.config import Settings
    from pipeline.doctypes import GENERATED
    from pipeline.intake.order_file import parse_order
    from pipeline.render import document_context
    from pipeline.render.html import html_environment
    from pipeline.workspace import BUNDLED_TEMPLATES

    template = workspace(tmp / "quote-template", on_order=["quotation"])
    data = yaml.safe_load((EXAMPLES / "PO-2026-0042.yaml").read_text(encoding="utf-8"))
    order = parse_order(data, "bench")
    kind = GENERATED["quotation"]
    html = html_environment([BUNDLED_TEMPLATES]).get_template(kind.html).render(
        document_context(kind, order, Settings(),
                         seal=BUNDLED_TEMPLATES / "assets" / "seal.png"))
    page = tmp / "quotation.html"
    page.write_text(html, encoding="utf-8")
    arms: dict[str, list[float]] = {"gendan": [], "bare": []}
    for n in range(3):
        ws = tmp / f"quote-{n}"
        shutil.copytree(template, ws)
        shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", ws / "inbox" / "PO-2026-0042.yaml")
        arms["gendan"].append(timed([GENDAN, "-w", str(ws), "run"]))
        arms["bare"].append(timed([PY, "-c", BARE_SCRIPT, str(page),
                                   str(BUNDLED_TEMPLATES) + "/", str(tmp / "bare.pdf")]))
    now, bare = statistics.median(arms["gendan"]), statistics.median(arms["bare"])
    row("quotation (4 items) as gendan run", now, "s", bare, "WeasyPrint script, same HTML",
        "<= 1.15x", now <= 1.15 * bare)


def document_set(tmp: Path) -> None:
    for name, items, word, goal in (("PO-2026-0042.yaml", 4, False, 1.5),
                                    ("AN-2026-118.json", 64, False, 6.0),
                                    ("PO-2026-0042.yaml", 4, True, 3.0)):
        ws = workspace(tmp / f"set-{items}-{word}", word=word)
        shutil.copyfile(EXAMPLES / name, ws / "inbox" / name)
        now = timed([GENDAN, "-w", str(ws), "run"])
        row(f"document set as gendan run, {items} items"
            + (", with LibreOffice" if word else ""), now, "s", None, "", f"<= {goal:g} s",
            now <= goal)
    ws = tmp / "set-4-False"
    for command, goals in (("check", (1.5, 0.5)), ("handover", (1.0, 1.0))):
        args = [GENDAN, "-w", str(ws), command, "PO-2026-0042", "--date", "2027-01-20"]
        if command == "handover":
            args += ["--force", "--by", "bench", "--reason", "bench"]
        first, second = timed(args), timed(args)
        row(f"gendan {command}, first run", first, "s", None, "", f"<= {goals[0]:g} s",
            first <= goals[0])
        row(f"gendan {command}, second run", second, "s", None, "", f"<= {goals[1]:g} s",
            second <= goals[1])
    resident(tmp)


def resident(tmp: Path) -> None:
    """The document set of a second order in a process that made one before (the watcher,
    the page): what a merchandiser waits for once gendan runs."""
    from pipeline.config import load_settings
    from pipeline.desk import Desk
    from pipeline.workspace import Workspace

    ws = workspace(tmp / "resident")
    desk = Desk(Workspace(ws), load_settings(ws / "gendan.toml"))
    text = (EXAMPLES / "PO-2026-0042.yaml").read_text(encoding="utf-8")
    times = []
    for n in range(4):
        (ws / "inbox" / f"PO-{n}.yaml").write_text(
            text.replace("2026-0042", f"2026-9{n:03d}"), encoding="utf-8")
        start = time.perf_counter()
        desk.run_once()
        times.append(time.perf_counter() - start)
    now = statistics.median(times[1:])
    row("document set, 4 items, in a resident process", now, "s", None, "", "<= 0.8 s",
        now <= 0.8)


def word(tmp: Path) -> None:
    """A Word document to PDF: one LibreOffice kept warm against one started for it."""
    from pipeline.render.convert import docx_to_pdf, find_libreoffice
    from pipeline.render.office import Office

    soffice = find_libreoffice()
    if soffice is None:
        sys.exit("bench_table: LibreOffice is not installed (make setup installs it)")
    made = workspace(tmp / "review", on_order=["contract_review"])
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", made / "inbox" / "PO-2026-0042.yaml")
    timed([GENDAN, "-w", str(made), "run"])
    [docx] = made.glob("archive/*/*/generated/*_contract_review_v1.docx")
    office = Office(soffice)
    try:
        docx_to_pdf(docx, tmp / "first", office=office)  # started, and its first document
        if office.unavailable:
            sys.exit(f"bench_table: the warm LibreOffice is not available: "
                     f"{office.unavailable}")
        arms: dict[str, list[float]] = {"warm": [], "cold": []}
        for n in range(5):
            for arm in arms:
                start = time.perf_counter()
                docx_to_pdf(docx, tmp / f"{arm}{n}", office=office if arm == "warm" else None)
                arms[arm].append(time.perf_counter() - start)
    finally:
        office.stop()
    warm, cold = statistics.median(arms["warm"]), statistics.median(arms["cold"])
    row("contract review .docx -> PDF, warm LibreOffice, s", warm, "s", cold,
        "a LibreOffice started for it", "<= 0.3 s", warm <= 0.3)
    runs: dict[str, list[float]] = {"true": [], "false": []}
    for n in range(2):
        for warm_setting in runs:
            ws = workspace(tmp / f"three-{warm_setting}-{n}", on_order=["contract_review"],
                           word=True)
            config = ws / "gendan.toml"
            config.write_text(config.read_text(encoding="utf-8").replace(
                "[documents]\n", f"[documents]\nwarm_libreoffice = {warm_setting}\n"),
                encoding="utf-8")
            for name in ("PO-2026-0042.yaml", "HD-240317.yaml", "AN-2026-118.json"):
                shutil.copyfile(EXAMPLES / name, ws / "inbox" / name)
            runs[warm_setting].append(timed([GENDAN, "-w", str(ws), "run"]))
    now, cold_run = statistics.median(runs["true"]), statistics.median(runs["false"])
    row("gendan run, 3 orders, contract review with LibreOffice, s", now, "s", cold_run,
        "warm_libreoffice = false", "< the floor", now < cold_run)


def scale(tmp: Path) -> None:
    table_scale.scale(tmp, row, PY)


def big_order(tmp: Path) -> None:
    table_scale.big_order(tmp, row, GENDAN, workspace, timed)


def watcher_memory(tmp: Path) -> None:
    table_scale.watcher_memory(tmp, row, GENDAN, workspace, variants(5))


def main() -> None:
    # gendan's byte-code, as an installed gendan has it (where PYTHONDONTWRITEBYTECODE is
    # set, nothing else writes it, and every command would compile its modules again)
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "pipeline")], check=True)
    with tempfile.TemporaryDirectory(prefix="gendan-bench-table-") as name:
        tmp = Path(name)
        steps = (start_up, factory, one_order, stamping, quotation, document_set, word,
                 big_order, watcher_memory, scale)
        if sys.argv[1:]:  # some steps only: bench_table.py word quotation
            steps = tuple(step for step in steps if step.__name__ in sys.argv[1:])
        for step in steps:
            folder = tmp / step.__name__
            folder.mkdir()
            step(folder)
    width = max(len(r["what"]) for r in ROWS)
    print(f"{'what':<{width}}  {'now':>9}  {'floor / bare':>12}  {'ratio':>6}  goal")
    for r in ROWS:
        floor = "" if r["floor"] is None else f"{r['floor']:g}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:g}x"
        print(f"{r['what']:<{width}}  {r['now']:>9g}  {floor:>12}  {ratio:>6}  {r['goal']}"
              f"  {'met' if r['met'] else 'NOT MET'}"
              + (f"  (floor: {r['floor_what']})" if r["floor_what"] else ""))
    if not sys.argv[1:]:  # the whole table only
        out = ROOT / "bench" / "results" / "table.json"
        out.write_text(json.dumps(ROWS, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
