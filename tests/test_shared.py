"""One store suite, three backends: the tests of the archive, the index, retrieval and
verify run here against the workspace on one machine, against PostgreSQL (a server of the
tests' own) and against PostgreSQL with the archive's shared copy in S3 (moto's server),
with the same assertions; then what only a shared backend must show."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from pipeline.desk import Desk
from pipeline.errors import BusyError
from pipeline.reindex import reindex
from pipeline.shared import SharedStore, share_archive
from pipeline.workspace import Workspace
from tests.conftest import QUICK, copy_example, drop
from tests.test_index import (  # noqa: F401  (run here against both backends)
    test_reindex_drops_what_is_no_longer_in_the_archive,
    test_reindex_gives_the_same_index_as_the_incremental_path,
    test_reindex_keeps_search_working,
)
from tests.test_retrieval import (  # noqa: F401
    test_chinese_two_character_words_are_found_with_page_and_snippet,
    test_export_then_import_gives_the_same_archive,
    test_filters_narrow_the_search,
    test_history_of_a_revised_order,
    test_model_numbers_match_with_or_without_separators,
    test_old_versions_only_when_asked,
    test_orders_filter_and_total_per_currency,
    test_show_is_case_insensitive_and_speaks_json,
)
from tests.test_store import (  # noqa: F401
    test_a_parked_file_filed_later_is_listed_in_the_run,
    test_a_revision_with_another_customer_code_is_refused_not_filed_twice,
    test_a_second_customer_cannot_take_an_order_number,
    test_hand_over_events_are_in_the_history,
    test_order_numbers_are_found_in_any_case,
    test_original_names_that_need_cleaning_keep_their_extension,
    test_the_history_is_rebuilt_from_the_archive_alone,
)
from tests.test_verify import (  # noqa: F401
    test_a_fresh_archive_verifies_clean,
    test_an_unfinished_commit_is_moved_aside_and_the_index_rebuilt,
    test_each_kind_of_damage_is_found_and_repaired_without_losing_an_original,
)


@pytest.fixture(params=["workspace", "postgresql", "postgresql+s3"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param.startswith("postgresql"):
        request.getfixturevalue("shared_store")
    if request.param.endswith("s3"):
        request.getfixturevalue("shared_archive")
    return str(request.param)


@pytest.fixture
def desk(workspace: Workspace, backend: str) -> Desk:
    return Desk(workspace, QUICK)


@pytest.fixture
def with_order(tmp_path: Path, order_archive: Path, backend: str) -> Desk:
    """The example orders' archive, copied; on PostgreSQL its registry and index are
    written by `reindex` from the files (as after `gendan migrate`)."""
    root = tmp_path / "ws"
    shutil.copytree(order_archive, root)
    desk = Desk(Workspace(root), QUICK)
    if backend.startswith("postgresql"):
        assert isinstance(desk.store, SharedStore)
        assert desk.store.locate("PO-2026-0042") is None
        reindex(desk.store, jobs=0)
        shutil.rmtree(root / "archive" / ".orders")  # the copy's own: not read any more
    if backend.endswith("s3"):  # as after `gendan migrate --archive`
        assert share_archive(desk.store, os.environ["GENDAN_ARCHIVE_URL"],
                             os.environ["GENDAN_ARCHIVE_ENDPOINT"])[1] == []
    return desk


# -- what only the shared backend shows ----------------------------------------------------
def test_nothing_of_the_registry_or_index_is_kept_in_files(shared_store: str,
                                                           desk: Desk) -> None:
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    assert [o.status for o in desk.run_once()] == ["archived"]
    archive = desk.workspace.archive
    assert not (archive / ".orders").exists()
    assert not (archive / ".journal").exists() or not any((archive / ".journal").iterdir())
    assert not (archive / ".index" / "catalogue.sqlite").exists()
    assert not (archive / ".locks").exists()
    hits = desk.store.index.find(text="报价")
    assert {h.order_no for h in hits} == {"PO-2026-0042"}
    assert desk.store.index.find(text="报") and not desk.store.index.find(text="报关单号码")


def test_an_order_lock_is_held_across_processes_and_freed_when_its_holder_dies(
        shared_store: str, workspace: Workspace) -> None:
    store = Desk(workspace, QUICK).store
    ready = multiprocessing.Event()
    holder = multiprocessing.get_context("fork").Process(
        target=_hold, args=(workspace, "po-1", ready))
    holder.start()
    try:
        assert ready.wait(20)
        assert store.try_lock("po-1") is None
        store.lock_timeout = 0.3
        started = time.monotonic()
        with pytest.raises(BusyError, match="locked by another gendan process"), \
                store.lock("po-1", "order PO-1"):
            raise AssertionError("the lock was had while another process held it")
        assert time.monotonic() - started < 5
        assert holder.pid is not None
        os.kill(holder.pid, signal.SIGKILL)  # no release: the server sees the connection go
        holder.join(10)
        deadline = time.monotonic() + 10
        while (held := store.try_lock("po-1")) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert held is not None
        held.release()
    finally:
        holder.kill()
        holder.join(5)


def _hold(workspace: Workspace, name: str, ready: Any) -> None:
    store = Desk(workspace, QUICK).store
    with store.lock(name, name):
        ready.set()
        time.sleep(60)


def test_counters_never_give_a_number_twice_across_processes(shared_store: str,
                                                            workspace: Workspace) -> None:
    with multiprocessing.get_context("fork").Pool(4) as pool:
        numbers = pool.map(_next_numbers, [str(workspace.root)] * 4)
    flat = [n for part in numbers for n in part]
    assert sorted(flat) == list(range(1, 101))


def _next_numbers(root: str) -> list[int]:
    store = Desk(Workspace(Path(root)), QUICK).store
    return [store.next_in_series("QT-2026") for _ in range(25)]


def test_two_workers_on_one_inbox_file_each_file_once(shared_store: str,
                                                     workspace: Workspace) -> None:
    """Two processes (standing for two machines) run over one inbox at once: each order
    is filed once, by one of them, and the index holds each once."""
    for number in range(6):
        drop(workspace, f"order-{number}.yaml", _order(number))
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        runs = pool.map(_run, [str(workspace.root)] * 2)
    archived = sorted(name for run in runs for name, status in run if status == "archived")
    assert archived == sorted(f"order-{n}.yaml" for n in range(6))
    desk = Desk(workspace, QUICK)
    assert sorted(o["order_no"] for o in desk.store.index.orders()) == \
        sorted(f"PO-SH-{n}" for n in range(6))
    from pipeline.verify import verify

    assert [p for p in verify(desk.store, [])] == []


def _run(root: str) -> list[tuple[str, str]]:
    desk = Desk(Workspace(Path(root)), QUICK)
    return [(Path(o.file).name, o.status) for o in desk.run_once()]


def _order(number: int) -> dict[str, Any]:
    import yaml

    from tests.conftest import EXAMPLES

    data: dict[str, Any] = yaml.safe_load((EXAMPLES / "PO-2026-0042.yaml").read_text("utf-8"))
    data["order_no"] = f"PO-SH-{number}"
    return data


# -- the queue and its workers ---------------------------------------------------------------
def _worker(root: str, lease: float) -> None:
    from pipeline.worker import queue_of, work
    from tests.fakes import BlankMaker

    workspace = Workspace(Path(root))
    desk = Desk(workspace, QUICK, maker=BlankMaker(workspace, QUICK))
    work(desk, queue_of(desk, lease_seconds=lease), once=True)


def _filed(workspace: Workspace) -> dict[str, int]:
    """Each order's number of order files kept among its originals."""
    desk = Desk(workspace, QUICK)
    return {o["order_no"]: sum(1 for d in desk.store.index.card(o["key"])[1]
                               if d["kind"] == "original")
            for o in desk.store.index.orders()}


def test_workers_share_the_queue_and_file_each_file_once(shared_store: str,
                                                        workspace: Workspace) -> None:
    for number in range(8):
        drop(workspace, f"order-{number}.yaml", _order(number))
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_worker, args=(str(workspace.root), 30))
               for _ in range(3)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
        assert process.exitcode == 0
    assert _filed(workspace) == {f"PO-SH-{n}": 1 for n in range(8)}
    from pipeline.worker import queue_of

    queue = queue_of(Desk(workspace, QUICK))
    assert queue.counts() == {"done": 8}
    assert {j["worker"] for j in queue.listing(("done",))} != {None}


@pytest.mark.slow
def test_workers_killed_at_random_lose_nothing_and_file_nothing_twice(
        shared_store: str, workspace: Workspace) -> None:
    """Two workers file 40 files; one of them is killed (SIGKILL) at a random moment, six
    times, and another started: every file is filed once, the queue ends with every job
    done, `verify` finds nothing."""
    import random

    from pipeline.verify import verify
    from pipeline.worker import queue_of

    rng = random.Random(29)
    for number in range(40):
        drop(workspace, f"order-{number}.yaml", _order(number))
    context = multiprocessing.get_context("fork")

    def start() -> Any:
        process = context.Process(target=_worker, args=(str(workspace.root), 2))
        process.start()
        return process

    workers = [start(), start()]
    kills = 0
    deadline = time.monotonic() + 180
    while kills < 6 and time.monotonic() < deadline:
        time.sleep(rng.uniform(0.05, 0.5))
        alive = [p for p in workers if p.is_alive()]
        if not alive:
            break
        os.kill(rng.choice(alive).pid or 0, signal.SIGKILL)
        kills += 1
        workers = [p for p in workers if p.is_alive()] + [start()]
    for process in workers:
        process.join(120)
    time.sleep(2.5)  # the leases of the killed workers' jobs run out
    _worker(str(workspace.root), 2)
    desk = Desk(workspace, QUICK)
    assert kills == 6
    assert not desk.pending()
    assert _filed(workspace) == {f"PO-SH-{n}": 1 for n in range(40)}
    counts = queue_of(desk).counts()
    assert set(counts) == {"done"}, counts
    desk.recover()
    assert verify(desk.store, desk.parking) == []


def test_a_workspace_migrated_to_postgresql_gives_the_same_orders_search_and_export(
        tmp_path: Path, order_archive: Path, pg_server: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli
    from tests.pgserver import drop_database

    root = tmp_path / "ws"
    shutil.copytree(order_archive, root)
    desk = Desk(Workspace(root), QUICK)
    seq = desk.store.next_in_series("QT-2026")  # a number used, not in the archive
    runner = CliRunner()

    def gendan(*args: str) -> Any:
        return runner.invoke(cli, ["-w", str(root), *args], catch_exceptions=False)

    before = {name: gendan(*args).output for name, args in
              {"orders": ("orders",), "find": ("find", "报价"), "show": ("show", "po-2026-0042")}
              .items()}
    assert gendan("export", "ACME", "MUELLER", "-o", str(tmp_path / "before")).exit_code == 0
    bad = gendan("migrate", "--to", "mysql://x")
    assert bad.exit_code != 0 and "is not a PostgreSQL URL" in bad.output
    url = pg_server.new_database()
    try:
        done = gendan("migrate", "--to", url)
        assert done.exit_code == 0, done.output
        assert "migrated 2 order(s)" in done.output and "verified" in done.output
        monkeypatch.setenv("GENDAN_STORE_URL", url)
        shutil.rmtree(root / "archive" / ".index")
        shutil.rmtree(root / "archive" / ".orders")
        shutil.rmtree(root / "archive" / ".counters")
        after = {name: gendan(*args).output for name, args in
                 {"orders": ("orders",), "find": ("find", "报价"),
                  "show": ("show", "po-2026-0042")}.items()}
        assert after == before
        assert Desk(Workspace(root), QUICK).store.next_in_series("QT-2026") == seq + 1
        assert gendan("export", "ACME", "MUELLER", "-o", str(tmp_path / "after")).exit_code == 0
        manifests = [json.loads((tmp_path / side / "manifest.json").read_text("utf-8"))
                     for side in ("before", "after")]
        for manifest in manifests:
            del manifest["exported"]  # the time of the export
        assert manifests[0] == manifests[1] and manifests[0]["files"]
    finally:
        drop_database(pg_server, url)


def test_a_job_that_keeps_failing_stops_and_is_listed_with_its_reason(
        shared_store: str, workspace: Workspace) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.worker import queue_of, work

    desk = Desk(workspace, QUICK)
    queue = queue_of(desk, attempts=2)
    assert queue.put("render", {"path": "x"}, unique_key="render:x")
    assert not queue.put("render", {"path": "x"}, unique_key="render:x")  # once
    assert work(desk, queue, once=True) == 0
    [job] = queue.listing(("failed",))
    assert job["attempts"] == 2 and "unknown kind 'render'" in job["error"]
    runner = CliRunner()
    listed = runner.invoke(cli, ["-w", str(workspace.root), "jobs"], catch_exceptions=False)
    assert "failed" in listed.output and "unknown kind 'render'" in listed.output
    again = runner.invoke(cli, ["-w", str(workspace.root), "jobs", "--retry", str(job["id"])],
                          catch_exceptions=False)
    assert again.exit_code == 0 and queue.counts() == {"todo": 1}
    wrong = runner.invoke(cli, ["-w", str(workspace.root), "jobs", "--retry", "999"])
    assert wrong.exit_code != 0 and "not one that stopped being tried" in wrong.output


def test_a_worker_without_a_database_says_what_to_set(workspace: Workspace) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli

    done = CliRunner().invoke(cli, ["-w", str(workspace.root), "worker", "--once"])
    assert done.exit_code != 0 and "[store] url" in done.output


def test_the_page_reads_and_files_through_the_shared_backend(
        root: Path, pg_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The office's workspace migrated to PostgreSQL: the page shows what it showed, an
    upload is filed through it, and a job that stopped being tried is on Today."""
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from pipeline.cli import cli
    from pipeline.jobs import Queue
    from pipeline.web import create_app
    from tests.conftest import EXAMPLES
    from tests.pgserver import drop_database
    from tests.test_web import csrf, sign_in
    from tests.test_web import test_pages_read_the_archive as pages_read_the_archive

    url = pg_server.new_database()
    try:
        done = CliRunner().invoke(cli, ["-w", str(root), "migrate", "--to", url])
        assert done.exit_code == 0, done.output
        monkeypatch.setenv("GENDAN_STORE_URL", url)
        shutil.rmtree(root / "archive" / ".index")
        shutil.rmtree(root / "archive" / ".orders")
        client = TestClient(create_app(root), base_url="http://localhost",
                            follow_redirects=False)
        pages_read_the_archive(client)
        desk = Desk(Workspace(root), QUICK)
        assert isinstance(desk.store, SharedStore)
        queue = Queue(desk.store.pg, attempts=1)
        queue.put("ocr", {"path": "scan-7.jpg"}, unique_key="ocr:scan-7")
        from pipeline.worker import work

        work(desk, queue, once=True)
        today = client.get("/").text
        assert "Jobs that stopped being tried" in today and "scan-7.jpg" in today
        assert "unknown kind" in today
        sign_in(client, "wang.li")
        token = csrf(client, "/upload")
        factory = EXAMPLES / "factory" / "PO-2026-0042_warranty-card.pdf"
        reply = client.post("/upload", data={"csrf": token},
                            files=[("files", (factory.name, factory.read_bytes(),
                                              "application/pdf"))])
        assert reply.status_code == 200 and '<tr class="archived">' in reply.text
        card = desk.store.index.card("po-2026-0042")
        assert card is not None and any(d["doc_type"] == "warranty_card" for d in card[1])
        assert not (root / "archive" / ".orders").exists()
    finally:
        drop_database(pg_server, url)
