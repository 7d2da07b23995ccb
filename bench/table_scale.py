"""The rows of bench_table.py at an office's real size (issue: fast at ten thousand orders):

    scale            bench_archive.py (10,000 orders, 130,000 documents): reindex against
                     its floor, find / show / orders / due as commands against
                     `python -c pass`; bench_office.py (10,000 open orders, 20 readers):
                     every page's p95 against a static file, the server's memory
    big order        a 2,000-item order filed with its document set, against bare
                     WeasyPrint drawing the same documents' HTML, two at once
    watcher memory   `gendan watch` filing an order and 75 factory PDFs: its whole process
                     tree's peak resident memory
"""

from __future__ import annotations

import copy
import json
import multiprocessing
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
Row = Callable[..., None]


def scale(tmp: Path, row: Row, py: str) -> None:
    subprocess.run([py, str(ROOT / "bench" / "bench_archive.py"), "--orders", "10000"],
                   check=True, capture_output=True)
    r = json.loads((RESULTS / "archive.json").read_text(encoding="utf-8"))
    row("reindex of 10,000 orders (130,000 documents), s", r["reindex_s"], "s",
        r["reindex_floor_s"], "walk + parse every sidecar", "<= 2x the floor",
        r["reindex_s"] <= 2 * r["reindex_floor_s"])
    row("reindex peak memory, MB", r["reindex_mb"], "MB", None, "", "<= 300 MB",
        r["reindex_mb"] <= 300)
    for key, what in (("show_s", "gendan show"), ("find_s", "gendan find WORD --customer"),
                      ("find_all_s", "gendan find WORD"), ("orders_s", "gendan orders"),
                      ("due_s", "gendan due")):
        row(f"{what} at 10,000 orders, s", r[key], "s", r["python_floor_s"], "python -c pass",
            "<= 0.15 s", r[key] <= 0.15)
    subprocess.run([py, str(ROOT / "bench" / "bench_office.py"), "--seconds", "15"],
                   check=False, capture_output=True)
    o = json.loads((RESULTS / "office.json").read_text(encoding="utf-8"))
    floor = o["pages"]["/static/gendan.css"]["p95_ms"]
    for url, page in o["pages"].items():
        if not url.startswith("/static"):
            row(f"page {url} at 10,000 open orders, 20 readers, p95 ms", page["p95_ms"], "ms",
                floor, "a static file, same load", "<= 300 ms", page["p95_ms"] <= 300)
    row("the page's server under that load, peak MB", o["server_peak_mb"], "MB", None, "",
        "<= 300 MB", o["server_peak_mb"] <= 300)


def big_order(tmp: Path, row: Row, gendan: str, make_workspace: Callable[..., Path],
              timed: Callable[[list[str]], float]) -> None:
    import yaml

    ws = make_workspace(tmp / "big")
    data = yaml.safe_load((ROOT / "examples" / "PO-2026-0042.yaml").read_text("utf-8"))
    data["items"] = [{**copy.deepcopy(data["items"][n % len(data["items"])]),
                      "model": f"{data['items'][n % len(data['items'])]['model']}-{n:04d}"}
                     for n in range(2000)]
    data.pop("expected_costs", None)
    (ws / "inbox" / "PO-2026-2000.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                                    encoding="utf-8")
    now = timed([gendan, "-w", str(ws), "run"])
    jobs = _html_jobs(ws, data)
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pages = sum(pool.map(_bare, jobs))
    floor = time.perf_counter() - started
    row(f"2,000-item order filed with its document set ({pages} pages), s", now, "s", floor,
        "bare WeasyPrint, same HTML, two at once", "<= 10 s", now <= 10)


def _html_jobs(ws: Path, data: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """The HTML of every document the workspace makes when an order arrives (one
    production order per factory), as gendan renders it: (html, base, asset folders)."""
    from pipeline.config import load_settings
    from pipeline.desk import Desk
    from pipeline.intake.order_file import parse_order
    from pipeline.render import document_context
    from pipeline.render.html import html_environment
    from pipeline.workspace import Workspace

    desk = Desk(Workspace(ws), load_settings(ws / "gendan.toml"))
    maker, order = desk.maker, parse_order(data, "bench")
    dirs = desk.workspace.template_dirs
    seal = maker.template_file(desk.settings.company.seal)
    jobs = []
    for key in maker.on_order():
        doc = maker.types.get(key)
        if doc is None or not doc.html or doc.needs:
            continue
        for factory in maker._parts(doc, order, ""):
            context = document_context(doc, order, desk.settings, seal=seal, factory=factory)
            html = html_environment(dirs).get_template(doc.html).render(context)
            jobs.append((html, str(dirs[-1]) + "/", [str(d / "assets") for d in dirs]))
    return jobs


def _bare(job: tuple[str, str, list[str]]) -> int:
    from weasyprint import HTML

    from pipeline.render.html import asset_fetcher

    html, base, assets = job
    document = HTML(string=html, base_url=base,
                    url_fetcher=asset_fetcher([Path(a) for a in assets])).render()
    document.write_pdf(Path("/dev/null"))
    return len(document.pages)


def watcher_memory(tmp: Path, row: Row, gendan: str, make_workspace: Callable[..., Path],
                   files: list[tuple[str, bytes]]) -> None:
    import shutil

    ws = make_workspace(tmp / "watched")
    watcher = subprocess.Popen([gendan, "-w", str(ws), "watch"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    peak, started = 0.0, time.perf_counter()
    try:
        time.sleep(2)
        shutil.copyfile(ROOT / "examples" / "PO-2026-0042.yaml",
                        ws / "inbox" / "PO-2026-0042.yaml")
        for name, data in files:
            (ws / "inbox" / name).write_bytes(data)
        while time.perf_counter() - started < 600:
            peak = max(peak, _tree_mb(watcher.pid))
            if not any(p.is_file() for p in (ws / "inbox").iterdir()) and \
                    len(list((ws / "archive").glob("*/*/stamped/*.pdf"))) >= len(files):
                break
            time.sleep(0.1)
    finally:
        watcher.terminate()
        watcher.wait(60)
    row(f"gendan watch filing an order and {len(files)} factory PDFs: tree peak MB", peak,
        "MB", None, "", "<= 300 MB", peak <= 300)


def _tree_mb(pid: int) -> float:
    """The resident memory of a process and all its descendants now, MB."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        todo += [int(c) for c in children]
    return total


if __name__ == "__main__":
    sys.exit("run bench/bench_table.py scale big_order watcher_memory")
