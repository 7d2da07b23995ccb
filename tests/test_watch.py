"""The watcher for real: watchdog events, a worker thread, files written slowly, moved in,
and dropped by the hundred. Waits poll the archive with a deadline (no fixed sleeps)."""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from pipeline.config import Settings, Watch
from pipeline.desk import Desk
from pipeline.store import SIDECAR_SUFFIX
from pipeline.watch import InboxWatcher, wait_until_stable
from tests.conftest import CORPUS, TRUSTING

ORDER_DIR = Path("ACME") / "PO-2026-0042"


def _wait_for(condition: Callable[[], bool], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the watcher")


def _pdf_bytes(tag: str) -> bytes:
    writer = PdfWriter(clone_from=CORPUS / "minimal-document.pdf")
    writer.add_metadata({"/Title": tag})  # distinct bytes per file
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _originals(desk: Desk) -> list[Path]:
    folder = desk.workspace.archive / ORDER_DIR / "originals"
    return sorted(p for p in folder.glob("*.pdf")) if folder.is_dir() else []


@pytest.fixture
def watching(with_order: Desk) -> Iterator[InboxWatcher]:
    desk = with_order
    desk.settings = Settings(approval=TRUSTING, watch=Watch(stable_seconds=0.6, rescan_seconds=1.0,
                                         retry_seconds=0.2))
    watcher = InboxWatcher(desk)
    watcher.start()
    yield watcher
    watcher.stop()


def test_a_file_written_slowly_is_taken_once_complete(watching: InboxWatcher) -> None:
    desk = watching.desk
    data = (CORPUS / "pdflatex-4-pages.pdf").read_bytes()
    path = desk.workspace.inbox / "PO-2026-0042_packing-list.pdf"
    with path.open("wb") as handle:
        for n in range(6):
            handle.write(data[n * len(data) // 6 : (n + 1) * len(data) // 6])
            handle.flush()
            time.sleep(0.2)
    _wait_for(lambda: not path.exists() and len(_originals(desk)) == 1
              and bool(watching.processed))
    assert _originals(desk)[0].read_bytes() == data
    assert [o.status for o in watching.processed] == ["archived"]


def test_a_file_moved_in_is_processed(watching: InboxWatcher, tmp_path: Path) -> None:
    desk = watching.desk
    outside = tmp_path / "PO-2026-0042_warranty.pdf"
    outside.write_bytes(_pdf_bytes("moved"))
    os.replace(outside, desk.workspace.inbox / outside.name)
    _wait_for(lambda: len(_originals(desk)) == 1 and bool(watching.processed))
    assert watching.processed[0].status == "archived"


@pytest.mark.slow
def test_two_hundred_files_dropped_at_once_are_each_archived_once(
    watching: InboxWatcher, tmp_path: Path
) -> None:
    desk = watching.desk
    staging = tmp_path / "staging"
    staging.mkdir()
    for n in range(200):
        (staging / f"PO-2026-0042_batch-{n:03d}.pdf").write_bytes(_pdf_bytes(f"file {n}"))
    for path in staging.iterdir():
        os.replace(path, desk.workspace.inbox / path.name)
    _wait_for(lambda: len(_originals(desk)) == 200, timeout=300)
    _wait_for(lambda: not list(desk.pending()))
    # a file's outcome is reported just after its commit: under load, a moment later
    _wait_for(lambda: len(watching.processed) >= 200)
    statuses = [o.status for o in watching.processed]
    assert statuses.count("archived") == 200 and len(statuses) == 200
    names = sorted(p.name for p in _originals(desk))
    assert names == [f"PO-2026-0042_batch-{n:03d}.pdf" for n in range(200)]
    sidecars = [p.with_name(p.name + SIDECAR_SUFFIX) for p in _originals(desk)]
    assert all("duplicates" not in p.read_text() for p in sidecars)
    stamped = list((desk.workspace.archive / ORDER_DIR / "stamped").glob("*.pdf"))
    assert len(stamped) == 200
    assert len(PdfReader(stamped[0]).pages) == 1


def test_stop_finishes_and_ends_the_threads(with_order: Desk) -> None:
    watcher = InboxWatcher(with_order)
    watcher.start()
    watcher.stop()
    assert not any(t.is_alive() for t in watcher._threads)


def test_wait_until_stable(tmp_path: Path) -> None:
    stop = threading.Event()
    path = tmp_path / "x.pdf"
    assert wait_until_stable(path, 0.1, stop) is False  # gone
    path.write_bytes(b"%PDF-1.4")
    start = time.monotonic()
    assert wait_until_stable(path, 0.3, stop) is True
    assert time.monotonic() - start >= 0.3


def test_gendan_watch_stops_cleanly_on_sigterm(with_order: Desk) -> None:
    import signal
    import subprocess
    import sys

    ws = with_order.workspace
    (ws.root / "gendan.toml").write_text("[watch]\nstable_seconds = 0.3\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "-w", str(ws.root), "watch"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("watching ")
    summary = proc.stdout.readline()  # what is due, at start-up (and once a day)
    assert "step(s) due today" in summary and "overdue" in summary
    (ws.inbox / "PO-2026-0042_warranty-card.pdf").write_bytes(_pdf_bytes("sigterm"))
    line = proc.stdout.readline()
    while line.startswith("  "):  # the summary's lines
        line = proc.stdout.readline()
    assert line.startswith("archived") and "PO-2026-0042_warranty_card_v1.pdf" in line
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert proc.stdout.read().strip().endswith("stopped")
