"""A full disk, a read-only archive, a file that hangs or eats memory, and a crash of our
own: the run stops (or the file is set aside) cleanly, with one line, and nothing is lost."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import faults
from pipeline.cli import cli
from pipeline.config import Limits, Settings, Watch
from pipeline.desk import Desk
from pipeline.errors import DiskFullError
from pipeline.verify import verify
from pipeline.watch import InboxWatcher
from pipeline.workspace import Workspace
from tests.conftest import CORPUS, EXAMPLES, QUICK, TRUSTING

TOML = '[documents]\non_order = ["quotation"]\nword_to_pdf = false\n'


@pytest.fixture
def disarmed() -> Iterator[None]:
    yield
    faults.arm("")


def _inbox(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "inbox").iterdir() if p.is_file())


def _drop_three(root: Path) -> None:
    text = (EXAMPLES / "HD-240317.yaml").read_text(encoding="utf-8")
    (root / "inbox" / "HD-999.yaml").write_text(text.replace("HD-240317", "HD-999"),
                                                encoding="utf-8")
    for n, name in enumerate(("minimal-document.pdf", "pdflatex-4-pages.pdf")):
        shutil.copyfile(CORPUS / name, root / "inbox" / f"PO-2026-0042_manual-{n}.pdf")


@pytest.mark.parametrize(("kind", "words"), [("enospc", "No space left on device"),
                                             ("erofs", "Read-only file system")])
def test_a_full_disk_stops_the_run_with_one_line_and_keeps_the_inbox(
    with_order: Desk, disarmed: None, kind: str, words: str
) -> None:
    root = with_order.workspace.root
    (root / "gendan.toml").write_text(TOML, encoding="utf-8")
    _drop_three(root)
    before = _inbox(root)
    faults.arm(f"{kind}@3")
    result = CliRunner().invoke(cli, ["-w", str(root), "run"])
    faults.arm("")
    assert result.exit_code == 6, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("gendan: error")]
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.output
    assert _inbox(root) == before  # nothing taken, nothing set aside
    assert not list((root / "archive").rglob(".tmp-*"))
    desk = Desk(Workspace(root), QUICK)
    assert verify(desk.store, desk.parking) == []
    result = CliRunner().invoke(cli, ["-w", str(root), "run"])
    archived = [line for line in result.output.splitlines() if line.split()[1:2] == ["archived"]]
    assert result.exit_code == 0 and len(archived) == 3, result.output
    assert verify(desk.store, desk.parking) == []


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, check=False)
    return done.returncode == 0


@pytest.mark.timeout(120)
def test_a_real_full_disk(tmp_path: Path, order_archive: Path) -> None:
    """On a small tmpfs: the run fills it, stops with exit 6, and once there is room the
    next run files the rest."""
    mount = tmp_path / "small"
    if not _mount_tmpfs(mount, "20m"):
        pytest.skip("cannot mount a tmpfs here (needs root): the full disk is covered by "
                    "the fault seam in the test above")
    try:
        root = mount / "ws"
        shutil.copytree(order_archive, root)
        (root / "gendan.toml").write_text(TOML, encoding="utf-8")
        for n in range(40):
            shutil.copyfile(CORPUS / "pdflatex-outline.pdf",
                            root / "inbox" / f"PO-2026-0042_manual-{n}.pdf")
        used = shutil.disk_usage(mount).used
        subprocess.run(["mount", "-o", f"remount,size={(used >> 10) + 400}k", str(mount)],
                       check=True)  # room for a few files only
        result = CliRunner().invoke(cli, ["-w", str(root), "run"])
        assert result.exit_code == 6, result.output
        assert ("No space left on device" in result.output or "disk is full" in result.output) \
            and "Traceback" not in result.output
        assert _inbox(root)  # what was not filed is still there
        assert not [p for p in (root / "archive").rglob(".tmp-*")]
        subprocess.run(["mount", "-o", "remount,size=20m", str(mount)], check=True)
        result = CliRunner().invoke(cli, ["-w", str(root), "run"])
        assert result.exit_code == 0, result.output
        assert _inbox(root) == []
        desk = Desk(Workspace(root), QUICK)
        assert verify(desk.store, desk.parking) == []
        desk.store.index.close()
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.timeout(60)
def test_the_watcher_pauses_on_a_full_disk_and_goes_on(with_order: Desk,
                                                       disarmed: None) -> None:
    desk = with_order
    desk.settings = Settings(approval=TRUSTING, documents=QUICK.documents,
                             watch=Watch(stable_seconds=0.1, rescan_seconds=0.3,
                                         pause_seconds=0.3))
    watcher = InboxWatcher(desk)
    faults.arm("enospc@1")
    watcher.start()
    try:
        shutil.copyfile(CORPUS / "minimal-document.pdf",
                        desk.workspace.inbox / "PO-2026-0042_manual.pdf")
        deadline = time.monotonic() + 20
        while watcher.paused < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert watcher.paused >= 2  # it paused, and tried again
        faults.arm("")
        stamped = desk.workspace.archive / "ACME" / "PO-2026-0042" / "stamped" / \
            "PO-2026-0042_user_manual_v1.pdf"
        while not stamped.exists() and time.monotonic() < deadline + 20:
            time.sleep(0.05)
        assert stamped.exists()
    finally:
        watcher.stop()


def _slow_inspect(*args: object) -> None:
    time.sleep(30)


def _greedy_inspect(*args: object) -> None:
    hoard = []
    while True:
        hoard.append(bytearray(64 << 20))


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("task", "reason"), [(_slow_inspect, "still not done after 1 s"),
                                               (_greedy_inspect, "MB of memory")])
def test_a_file_that_hangs_or_eats_memory_is_refused(
    with_order: Desk, monkeypatch: pytest.MonkeyPatch, task: object, reason: str
) -> None:
    desk = with_order
    # each case meets its own limit first: the other is far (a busy machine must not make
    # the memory case run out of time instead)
    seconds = 1 if task is _slow_inspect else 30
    desk.settings = Settings(approval=TRUSTING, documents=QUICK.documents,
                             limits=Limits(seconds_per_file=seconds, memory_mb=300))
    monkeypatch.setattr("pipeline.pdf.untrusted._inspected", task)  # (read ahead or not)
    shutil.copyfile(CORPUS / "minimal-document.pdf", desk.workspace.inbox / "PO-2026-0042_x.pdf")
    started = time.monotonic()
    [outcome] = desk.run_once()
    assert outcome.status == "rejected" and reason in outcome.message, outcome
    assert time.monotonic() - started < 20
    assert (desk.workspace.rejected / "PO-2026-0042_x.pdf").is_file()


def test_a_crash_of_ours_sets_the_file_aside_once_with_the_traceback(
    with_order: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = with_order

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("pipeline.recipes.orders.update_arrived", broken)
    (desk.workspace.inbox / "signs.yaml").write_text(
        "update: approval\norder_no: PO-2026-0042\nrole: salesperson\nby: 王丽\n"
        "at: 2026-11-03T09:00\n", encoding="utf-8")
    shutil.copyfile(CORPUS / "minimal-document.pdf",
                    desk.workspace.inbox / "PO-2026-0042_manual.pdf")
    outcomes = {o.file: o for o in desk.run_once()}
    assert outcomes["signs.yaml"].status == "failed"
    assert outcomes["PO-2026-0042_manual.pdf"].status == "archived"
    note = (desk.workspace.failed / "signs.yaml.error.txt").read_text(encoding="utf-8")
    assert "Traceback" in note and "ZeroDivisionError: a bug" in note and "report" in note
    assert desk.run_once() == []  # set aside once: not retried for ever


def test_the_desk_raises_only_disk_full(with_order: Desk, disarmed: None) -> None:
    desk = with_order
    (desk.workspace.inbox / "x.yaml").write_text("order_no: [\n", encoding="utf-8")
    faults.arm("enospc@1")
    with pytest.raises(DiskFullError):
        desk.run_once()
    faults.arm("")
    [outcome] = desk.run_once()
    assert outcome.status == "rejected"


def test_a_busy_order_is_retried_not_rejected(with_order: Desk) -> None:
    desk = with_order
    desk.store.lock_timeout = 0.2
    (desk.workspace.inbox / "signs.yaml").write_text(
        "update: approval\norder_no: PO-2026-0042\nrole: salesperson\nby: 王丽\n"
        "at: 2026-11-03T09:00\n", encoding="utf-8")
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        other = Desk(desk.workspace, QUICK)
        with other.store.open("PO-2026-0042"):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    outcome = desk.process(desk.workspace.inbox / "signs.yaml")
    release.set()
    thread.join()
    assert outcome.status == "retry" and "locked by another gendan" in outcome.message
    [outcome] = desk.run_once()
    assert outcome.status == "archived"


@pytest.mark.timeout(120)
def test_a_read_only_archive_reads_and_refuses_writes_in_one_line(
        tmp_path: Path, order_archive: Path) -> None:
    """On a read-only mount: the questions answer as before (no lock is needed where
    nothing can write), and what would write stops with one line and exit 6."""
    mount = tmp_path / "ro"
    if not _mount_tmpfs(mount, "64m"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        root = mount / "ws"
        shutil.copytree(order_archive, root)
        shutil.copyfile(CORPUS / "pdflatex-outline.pdf",
                        root / "inbox" / "PO-2026-0042_manual.pdf")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        for command, code in ((["orders"], 0), (["find", "HT-2020"], 0), (["due"], None),
                              (["history", "PO-2026-0042"], 0), (["show", "HD-240317"], 0),
                              (["verify"], 0), (["export", "ACME", "-o",
                                                 str(tmp_path / "out.zip")], 0),
                              (["check", "PO-2026-0042"], 6), (["reindex"], 6),
                              (["run"], 6), (["handover", "HD-240317", "--preview", "-o",
                                              str(tmp_path / "p.pdf")], 6)):
            result = CliRunner().invoke(cli, ["-w", str(root), *command])
            assert result.exception is None or isinstance(result.exception, SystemExit), \
                (command, result.exception)
            assert "Traceback" not in result.output and "damaged" not in result.output, \
                (command, result.output)
            if code is not None:
                assert result.exit_code == code, (command, result.output)
            if code == 6:
                assert "cannot be written" in result.output or "No space" in \
                    result.output or "Read-only" in result.output, (command, result.output)
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_at_the_index_commit_stops_the_run(
        with_order: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite says the disk is full while the index is written: the run stops with the
    full-disk line and exit 6; the file is not set aside as gendan's own failure, and
    the next run, with room, leaves a clean archive."""
    import sqlite3

    from pipeline.index.catalogue import Catalogue

    root = with_order.workspace.root
    (root / "gendan.toml").write_text(TOML, encoding="utf-8")
    shutil.copyfile(CORPUS / "minimal-document.pdf", root / "inbox" / "PO-2026-0042_warranty.pdf")
    real = Catalogue.put_rows

    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Catalogue, "put_rows", full)
    result = CliRunner().invoke(cli, ["-w", str(root), "run"])
    assert result.exit_code == 6, result.output
    assert "cannot be written: database or disk is full" in result.output
    assert "Traceback" not in result.output
    assert not (root / "inbox" / "_failed").exists() or not list(
        (root / "inbox" / "_failed").iterdir())
    monkeypatch.setattr(Catalogue, "put_rows", real)
    result = CliRunner().invoke(cli, ["-w", str(root), "run"])
    assert result.exit_code == 0, result.output
    desk = Desk(Workspace(root), QUICK)
    assert verify(desk.store, desk.parking) == []
    assert CliRunner().invoke(cli, ["-w", str(root), "find", "--type", "warranty_card"]
                              ).exit_code == 0
