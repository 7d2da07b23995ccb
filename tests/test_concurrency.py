"""Two processes at once: two `gendan run` on one inbox; the watcher filing updates while
`check` and `handover` run on the same order; readers while it all happens; two machines
filing into the same orders through the archive's shared copy. No update is lost, no file
processed twice, no read torn. Each on the workspace's own store, on the shared backend
(PostgreSQL) and with the archive in S3."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.cli import main
from pipeline.config import Documents, Settings
from pipeline.desk import Desk
from pipeline.fsutil import sha256_file
from pipeline.recipes import check_order, hand_over
from pipeline.store import SIDECAR_SUFFIX, order_key
from pipeline.verify import verify
from pipeline.workspace import Workspace
from tests.conftest import CORPUS, EXAMPLES, GENERAL_MANAGER, TRUSTING, new_bucket

TOML = ('[documents]\non_order = ["quotation"]\nword_to_pdf = false\n\n'
        '[watch]\nstable_seconds = 0.05\nrescan_seconds = 0.2\n\n[approval]\ntrust_inbox = true\n')
SETTINGS = Settings(
        approval=TRUSTING, documents=Documents(on_order=["quotation"], word_to_pdf=False))


@pytest.fixture(params=["workspace", "postgresql", "postgresql+s3"])
def server(request: pytest.FixtureRequest) -> Any:
    """The shared backend's PostgreSQL server and S3 service (None: the workspace's own)."""
    if request.param == "workspace":
        return None
    s3 = request.getfixturevalue("s3_server") if request.param.endswith("s3") else ""
    return (request.getfixturevalue("pg_server"), s3)


def _workspace(tmp_path: Path, server: Any = None, name: str = "ws") -> Path:
    root = tmp_path / name
    (root / "inbox").mkdir(parents=True)
    (root / "archive").mkdir()
    store = ""
    if server is not None:
        store = f'\n[store]\nurl = "{server[0].new_database()}"\n'
        if server[1]:
            store += f'archive_url = "{new_bucket(server[1])}"\n' \
                     f'archive_endpoint = "{server[1]}"\n'
    (root / "gendan.toml").write_text(TOML + store, encoding="utf-8")
    return root


def _spawn(task: Callable[[], object]) -> int:
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            task()
        except SystemExit as exc:
            code = int(exc.code or 0)
        except BaseException:
            traceback.print_exc()
            code = 3
        os._exit(code)
    return pid


def _status(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _sidecars(root: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text()) for p in (root / "archive").rglob("*" + SIDECAR_SUFFIX)]


@pytest.mark.slow
def test_two_runs_at_once_process_each_file_once(tmp_path: Path, server: Any) -> None:
    root = _workspace(tmp_path, server)
    base = yaml.safe_load((EXAMPLES / "PO-2026-0042.yaml").read_text(encoding="utf-8"))
    for n in range(6):
        data = {**base, "order_no": f"T-{n}", "contract_no": None, "customer_po": None}
        (root / "inbox" / f"T-{n}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                                    encoding="utf-8")
    from pypdf import PdfWriter

    for n in range(30):
        writer = PdfWriter(clone_from=CORPUS / "minimal-document.pdf")
        writer.add_metadata({"/Title": f"file {n}"})
        with (root / "inbox" / f"T-{n % 6}_packing-list-{n}.pdf").open("wb") as handle:
            writer.write(handle)
    digests = {p.name: sha256_file(p) for p in (root / "inbox").iterdir()}
    first = _spawn(lambda: main(["-w", str(root), "run"]))
    second = _spawn(lambda: main(["-w", str(root), "run"]))
    assert (_status(first), _status(second)) == (0, 0)
    originals = [m for m in _sidecars(root) if m["kind"] == "original"]
    assert sorted(str(m["sha256"]) for m in originals) == sorted(digests.values())
    assert not any(m.get("duplicates") for m in originals)  # nobody filed a file twice
    assert not [p for p in (root / "inbox").rglob("*") if p.is_file()]
    desk = Desk(Workspace(root), SETTINGS)
    assert verify(desk.store, desk.parking) == []


@pytest.mark.slow
def test_two_machines_file_into_the_same_orders_through_the_shared_copy(
        tmp_path: Path, pg_server: Any, s3_server: str) -> None:
    """Each machine its own workspace folder (inbox, archive/), one database and bucket;
    both file factory PDFs into the same two orders at once, then each sees all of it."""
    first = _workspace(tmp_path, (pg_server, s3_server), "first")
    second = tmp_path / "second"
    shutil.copytree(first, second)
    base = yaml.safe_load((EXAMPLES / "PO-2026-0042.yaml").read_text(encoding="utf-8"))
    for n in range(2):
        data = {**base, "order_no": f"M-{n}", "contract_no": None, "customer_po": None}
        (first / "inbox" / f"M-{n}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                                     encoding="utf-8")
    assert _status(_spawn(lambda: main(["-w", str(first), "run"]))) == 0
    from pypdf import PdfWriter

    digests = set()
    for n in range(24):
        writer = PdfWriter(clone_from=CORPUS / "minimal-document.pdf")
        writer.add_metadata({"/Title": f"file {n}"})
        target = (first if n % 2 else second) / "inbox" / f"M-{n % 4 // 2}_packing-list-{n}.pdf"
        with target.open("wb") as handle:
            writer.write(handle)
        digests.add(sha256_file(target))
    runs = [_spawn(lambda root=root: main(["-w", str(root), "run"]))  # type: ignore[misc]
            for root in (first, second)]
    assert [_status(pid) for pid in runs] == [0, 0]
    for root in (first, second):
        desk = Desk(Workspace(root), SETTINGS)
        desk.store.pull_all()
        filed = {str(m["sha256"]) for m in _sidecars(root) if m["kind"] == "original"}
        assert digests <= filed, root.name  # every file of both machines, on each
        originals = [m for m in _sidecars(root) if m["kind"] == "original"]
        assert not any(m.get("duplicates") for m in originals)
        assert verify(desk.store, desk.parking) == []
        assert desk.store.remote is not None and desk.store.remote.damage() == []
        desk.store.index.close()


UPDATES = sorted((EXAMPLES / "updates").glob("PO-2026-0042.*.yaml"))


@pytest.mark.slow
def test_the_watcher_check_and_handover_on_one_order_lose_nothing(tmp_path: Path,
                                                                 server: Any) -> None:
    root = _workspace(tmp_path, server)
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", root / "inbox" / "PO-2026-0042.yaml")
    desk = Desk(Workspace(root), SETTINGS)
    desk.run_once()
    desk.store.index.close()  # no SQLite connection is carried across fork
    watcher = _spawn(lambda: main(["-w", str(root), "watch", "--poll"]))
    done = tmp_path / "writers-done"
    reader = _spawn(lambda: _read_while_writing(root, done))
    try:
        for update in UPDATES:  # the watcher files each while check and hand-over run
            shutil.copyfile(update, root / "inbox" / update.name)
            desk = Desk(Workspace(root), SETTINGS)
            check_order(desk, "PO-2026-0042")
            hand_over(desk, "PO-2026-0042", force=True,
                                  forced_by=GENERAL_MANAGER, reason="concurrency test")
            desk.store.index.close()
        deadline = time.monotonic() + 60
        while any(p.is_file() for p in (root / "inbox").iterdir()) and \
                time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        done.touch()
        os.kill(watcher, signal.SIGTERM)
        assert _status(watcher) == 0
    assert _status(reader) == 0  # no torn read
    desk = Desk(Workspace(root), SETTINGS)
    with desk.store.open("PO-2026-0042") as record:
        events = record.events
        workflow = record.workflow
    kinds = [e.kind for e in events]
    assert kinds.count("approval") == 3  # every update filed, none lost to the hand-over
    packs = list((root / "archive" / "ACME" / "PO-2026-0042" / "handover").glob(
        "*_handover_pack_*.pdf"))
    assert kinds.count("handover") == len(packs) >= 1  # a pack the same as before is not new
    assert [e.seq for e in events] == list(range(1, len(events) + 1))  # none overwritten
    assert workflow.loading is not None and workflow.inspection is not None
    assert workflow.factory_confirmation is not None
    assert verify(desk.store, desk.parking) == []


def _read_while_writing(root: Path, done: Path) -> None:
    """Reads the order's card and history over and over until the writers are `done` (and
    three times at least, however slow the backend); any exception fails the test."""
    reads = 0
    while not done.exists() or reads < 3:
        desk = Desk(Workspace(root), SETTINGS)
        card = desk.store.index.card(order_key("PO-2026-0042"))
        assert card is not None and card[0]["order_no"] == "PO-2026-0042"
        with desk.store.open("PO-2026-0042") as record:
            assert record.workflow.history[0].kind == "order"
        desk.store.index.orders()
        desk.store.index.close()
        reads += 1


@pytest.fixture(autouse=True)
def _no_leftover_children() -> None:
    yield
    with contextlib.suppress(ChildProcessError):  # no children left: nothing to reap
        while os.waitpid(-1, os.WNOHANG)[0]:
            continue
