"""The warm LibreOffice: one kept running converts as the one-shot way does; it is
replaced when a document goes over its time or LibreOffice crashes; without uno the
one-shot way takes over; children use their parent's; nothing is left running."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.config import Documents, Settings
from pipeline.desk import Desk
from pipeline.errors import ConversionError
from pipeline.render.convert import docx_to_pdf, find_libreoffice
from pipeline.render.office import Office
from pipeline.render.office_helper import pipe_path
from pipeline.sandbox import Child
from pipeline.watch import InboxWatcher
from pipeline.workspace import Workspace
from tests.conftest import EXAMPLES, REPO, TRUSTING, pdf_text

pytestmark = [pytest.mark.skipif(find_libreoffice() is None, reason="needs LibreOffice"),
              pytest.mark.slow]

DOCX = REPO / "tests" / "fixtures" / "shipping_advice_libreoffice.docx"


def _running(group: int) -> list[int]:
    """The processes of process group `group` (zombies aside)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] not in {"Z", "X"} and int(fields[2]) == group:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def office() -> Iterator[Office]:
    soffice = find_libreoffice()
    assert soffice is not None
    warm = Office(soffice, timeout=120)
    yield warm
    warm.stop()


def test_a_warm_office_converts_as_the_one_shot_way_and_stays_up(
        office: Office, tmp_path: Path) -> None:
    warm = [docx_to_pdf(DOCX, tmp_path / f"warm{n}", office=office) for n in range(3)]
    cold = docx_to_pdf(DOCX, tmp_path / "cold")
    assert office.starts == 1 and office.unavailable == ""
    for pdf in warm:
        assert pdf_text(pdf) == pdf_text(cold)
    text = "".join(pdf_text(warm[0]))
    assert "Shipping Advice 装运通知" in text
    running = office.processes()
    assert running is not None
    helper, group = running
    assert group is not None and _running(group)  # LibreOffice, kept between documents
    pipe = Path(pipe_path(f"gendan_office_{helper}"))
    assert pipe.is_socket()
    office.stop()
    assert not _running(group) and not _running(helper)
    assert office.processes() is None
    assert not pipe.exists()  # nothing of it left in the temp folder


def test_without_uno_each_document_is_converted_the_one_shot_way(tmp_path: Path) -> None:
    soffice = find_libreoffice()
    assert soffice is not None
    office = Office(soffice, python=sys.executable)  # gendan's own Python has no uno
    try:
        pdf = docx_to_pdf(DOCX, tmp_path, office=office)
        assert "装运通知" in "".join(pdf_text(pdf))
        assert "No module named 'uno'" in office.unavailable
        assert sys.executable in office.unavailable
        docx_to_pdf(DOCX, tmp_path / "again", office=office)
        assert office.starts == 1  # not tried again
    finally:
        office.stop()


def test_a_document_over_its_time_fails_alone_and_the_next_has_a_fresh_office(
        office: Office, tmp_path: Path) -> None:
    docx_to_pdf(DOCX, tmp_path / "first", office=office)
    running = office.processes()
    assert running is not None and running[1] is not None
    office.timeout = 0.001
    with pytest.raises(ConversionError) as failed:
        docx_to_pdf(DOCX, tmp_path / "slow", office=office)
    assert "did not finish within 0.001 s" in str(failed.value)
    assert "[documents] libreoffice_timeout" in failed.value.hint
    assert not (tmp_path / "slow" / f"{DOCX.stem}.pdf").exists()
    assert not _running(running[1]) and not _running(running[0])  # killed, not left
    assert not Path(pipe_path(f"gendan_office_{running[0]}")).exists()
    office.timeout = 120
    pdf = docx_to_pdf(DOCX, tmp_path / "next", office=office)
    assert office.starts == 2 and pdf.stat().st_size > 0


def test_a_crashed_office_is_replaced_and_no_document_is_lost(
        office: Office, tmp_path: Path) -> None:
    docx_to_pdf(DOCX, tmp_path / "first", office=office)
    running = office.processes()
    assert running is not None and running[1] is not None
    os.killpg(running[1], signal.SIGKILL)  # LibreOffice crashes between two documents
    pdf = docx_to_pdf(DOCX, tmp_path / "during", office=office)  # the one-shot way
    assert "装运通知" in "".join(pdf_text(pdf))
    docx_to_pdf(DOCX, tmp_path / "after", office=office)
    assert office.starts == 2 and office.unavailable == ""


def _convert_in_child(office: Office, outdir: Path) -> int:
    docx_to_pdf(DOCX, outdir, office=office)
    return os.getpid()


def test_a_child_uses_its_parents_office_and_leaves_it_running(
        office: Office, tmp_path: Path) -> None:
    office.start()
    pid = Child(_convert_in_child, (office, tmp_path / "child"), seconds=120, memory_mb=0,
                what="the child").result()
    assert pid != os.getpid()
    assert (tmp_path / "child" / f"{DOCX.stem}.pdf").stat().st_size > 0
    assert office.starts == 1 and office.processes() is not None
    docx_to_pdf(DOCX, tmp_path / "parent", office=office)
    assert office.starts == 1


def _settings() -> Settings:
    return Settings(approval=TRUSTING, documents=Documents(on_order=["contract_review"]))


def _reviews(workspace: Workspace) -> list[Path]:
    return sorted(workspace.archive.glob("*/*/generated/*_contract_review_v1.pdf"))


def _record_conversions(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Each conversion the warm LibreOffice did, in `log` (children write it too)."""
    convert = Office.convert

    def recorded(self: Office, docx: Path, target: Path) -> None:
        convert(self, docx, target)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"{docx.name}\n")

    monkeypatch.setattr(Office, "convert", recorded)


def test_a_run_with_several_orders_converts_in_one_warm_office(
        workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "warm.log"
    _record_conversions(monkeypatch, log)
    desk = Desk(workspace, _settings())
    for name in ("PO-2026-0042.yaml", "HD-240317.yaml", "AN-2026-118.json"):
        shutil.copyfile(EXAMPLES / name, workspace.inbox / name)
    outcomes = desk.run_once()
    assert [o.status for o in outcomes] == ["archived"] * 3, outcomes
    assert len(_reviews(workspace)) == 3
    assert log.read_text().split() == ["contract_review.docx"] * 3  # each in the warm one
    assert desk.maker.office is None  # stopped with the run
    review = "".join(pdf_text(_reviews(workspace)[0]))
    assert "产品销售合同审核表 CONTRACT REVIEW FORM" in review and "CR-PO-2026-0042" in review


def test_a_run_with_one_order_starts_no_office(
        workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "warm.log"
    _record_conversions(monkeypatch, log)
    desk = Desk(workspace, _settings())
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", workspace.inbox / "PO-2026-0042.yaml")
    [outcome] = desk.run_once()
    assert outcome.status == "archived" and len(_reviews(workspace)) == 1
    assert not log.exists()  # one document: LibreOffice of its own, started at once


def test_the_watcher_keeps_one_office_for_its_lifetime(
        workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "warm.log"
    _record_conversions(monkeypatch, log)
    desk = Desk(workspace, _settings())
    watcher = InboxWatcher(desk)
    watcher.start()
    try:
        office = desk.maker.office
        assert office is not None
        for name in ("PO-2026-0042.yaml", "HD-240317.yaml"):
            shutil.copyfile(EXAMPLES / name, workspace.inbox / name)
            deadline = 180.0
            while len(watcher.processed) < ("HD" in name) + 1 and deadline > 0:
                watcher.stop_event.wait(0.1)
                deadline -= 0.1
        assert [o.status for o in watcher.processed] == ["archived"] * 2
        running = office.processes()
        assert running is not None and office.starts == 1
    finally:
        watcher.stop()
    assert desk.maker.office is None
    assert running[1] is not None and not _running(running[1])
    assert len(log.read_text().split()) == 2 and len(_reviews(workspace)) == 2


def test_config_check_says_whether_the_office_can_be_kept_warm() -> None:
    from pipeline.render.office import can_keep_warm

    assert "has no uno module" in can_keep_warm(sys.executable)
    assert "is not there" in can_keep_warm("/nowhere/python3")
    assert can_keep_warm("/usr/bin/python3") == ""  # Debian's python3-uno (make setup)


KILLED_OWNER = """
import os, signal, sys
from pathlib import Path
from pipeline.render.convert import docx_to_pdf, find_libreoffice
from pipeline.render.office import Office
office = Office(find_libreoffice())
docx_to_pdf(Path(sys.argv[1]), Path(sys.argv[2]), office=office)
helper, group = office.processes()
print(helper, group, office._folder, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_an_owner_killed_leaves_no_office_and_no_profile_behind(tmp_path: Path) -> None:
    import subprocess
    import time

    done = subprocess.run([sys.executable, "-c", KILLED_OWNER, str(DOCX), str(tmp_path)],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr
    helper, group, folder = done.stdout.split()
    deadline = time.monotonic() + 30
    while (_running(int(group)) or Path(folder).exists()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(int(group)) and not _running(int(helper))
    assert not Path(folder).exists()


def test_an_office_stopped_while_it_starts_leaves_nothing_behind(office: Office) -> None:
    office.start()
    running = office.processes()
    assert running is not None
    folder = office._folder
    assert folder is not None
    office.stop()  # killed at once: it is not ready, so it has nothing to finish
    assert not _running(running[0])
    assert running[1] is None or not _running(running[1])
    assert not folder.exists() and office.processes() is None


def _convert(target: str) -> str:
    return str(docx_to_pdf(DOCX, Path(target)))


def test_one_shot_conversions_at_once_each_have_a_profile_and_leave_none_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from pipeline.render import convert
    from pipeline.sandbox import run_all

    scratch, cache = tmp_path / "tmp", tmp_path / "cache"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    with convert._profile() as first, convert._profile() as second:
        assert first != second  # the one in use is not handed out again
    with convert._profile() as again:
        assert again == first  # kept, and free again
    # two children converting at once, as a document set without a warm LibreOffice does
    results = run_all(_convert, [(str(tmp_path / f"out{n}"),) for n in range(2)], at_once=2,
                      seconds=120, memory_mb=2048, what=lambda n: f"conversion {n}")
    assert all(isinstance(result, str) for result in results), results
    texts = ["".join(pdf_text(Path(str(result)))) for result in results]
    assert texts[0].strip() and texts[0] == texts[1]
    assert list(scratch.iterdir()) == []  # no profile left in the temp folder
    assert sorted(p.name for p in (cache / "gendan" / "libreoffice").iterdir()
                  if p.is_dir()) == ["0", "1"]
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/not-writable")
    with convert._profile() as temporary:
        assert temporary.parent == scratch
    assert list(scratch.iterdir()) == []  # a temporary profile is removed after its use
