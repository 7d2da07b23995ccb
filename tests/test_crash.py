"""Crashes, proven: the process is killed (SIGKILL, in a forked child) before each file-system
step of every flow (the inbox's, a check, a hand-over, an import; page texts, index cards
and the index's commit included), and at random moments while `gendan run` and `gendan
watch` ingest over a hundred files. What each kill leaves is mended by one pass of `verify
--repair` (verify is clean after it); after each restart drains the inbox, every input is
archived exactly once, or rejected or parked with its reason; nothing else is in the
archive; `verify` is clean; and the index equals a fresh `reindex`."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from pipeline import faults
from pipeline.cli import cli
from pipeline.config import Documents, Settings
from pipeline.desk import Desk
from pipeline.fsutil import sha256_file
from pipeline.imports import Decisions, import_orders
from pipeline.pdf.search import search_texts
from pipeline.people import People
from pipeline.recipes import check_order, hand_over
from pipeline.reindex import reindex
from pipeline.remote import MANIFEST
from pipeline.repair import repair
from pipeline.store import SIDECAR_SUFFIX
from pipeline.transfer import export_orders, resolve
from pipeline.verify import verify
from pipeline.workspace import Workspace
from tests.conftest import (
    CORPUS,
    EXAMPLES,
    GENERAL_MANAGER,
    SOAK,
    TRUSTING,
    copy_bucket,
    new_bucket,
    use_bucket,
)
from tests.fakes import BlankMaker

FAST = Settings(approval=TRUSTING, documents=Documents(on_order=["quotation", "sales_contract"],
                                    word_to_pdf=False))
SIGNS = ("update: approval\norder_no: PO-2026-0042\nrole: salesperson\nby: 王丽\n"
         "at: 2026-11-03T09:00\n")
Action = Callable[[Desk], Any]


def _desk(root: Path) -> Desk:
    workspace = Workspace(root)
    return Desk(workspace, FAST, maker=BlankMaker(workspace, FAST))


def _run(desk: Desk) -> Any:
    return desk.run_once()


def _fork(root: Path, action: Action, fault: str = "", log: str = "") -> int:
    """Run `action` on a new desk in a child process armed with `fault`; its wait status."""
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            faults.arm(fault, log)
            action(_desk(root))
        except BaseException:
            traceback.print_exc()
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return status


def _archive_files(root: Path) -> list[str]:
    """Every file of the archive a person would see (not the index, locks or caches)."""
    archive = root / "archive"
    skip = (".index", ".locks", ".work", ".quarantine", ".journal", ".cache", ".remote")
    return sorted(p.relative_to(archive).as_posix() for p in archive.rglob("*")
                  if p.is_file() and p.relative_to(archive).parts[0] not in skip
                  and ".text" not in p.parts)


def _inbox_files(root: Path) -> list[str]:
    inbox = root / "inbox"
    return sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.is_file())


def _assert_consistent(root: Path) -> None:
    desk = _desk(root)
    try:
        assert verify(desk.store, desk.parking) == []
        incremental = desk.store.index.snapshot()
        reindex(desk.store)
        assert desk.store.index.snapshot() == incremental
        assert not list((root / "archive").rglob(".tmp-*"))
    finally:
        desk.store.index.close()


def _order(root: Path) -> None:
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", root / "inbox" / "PO-2026-0042.yaml")


def _with_order(root: Path) -> None:
    _order(root)
    desk = _desk(root)
    desk.run_once()
    desk.store.index.close()


def _drop(name: str, data: bytes | str) -> Callable[[Path], None]:
    def put(root: Path) -> None:
        target = root / "inbox" / name
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")
    return put


def _revised() -> str:
    data = yaml.safe_load((EXAMPLES / "PO-2026-0042.yaml").read_text(encoding="utf-8"))
    data["items"][0]["unit_price"] = "39.00"
    return yaml.safe_dump(data, allow_unicode=True)


def _check(desk: Desk) -> Any:
    return check_order(desk, "PO-2026-0042")


def _hand_over(desk: Desk) -> Any:
    return hand_over(desk, "PO-2026-0042", force=True, forced_by=GENERAL_MANAGER, reason="test")


def _unless(doc_type: str, action: Action) -> Action:
    """What a person does after the restart: run the command again unless it had finished
    (its document is archived)."""
    def again(desk: Desk) -> Any:
        with desk.store.open("PO-2026-0042") as record:
            done = record.current(doc_type)
        return None if done else action(desk)
    return again


def _exported(root: Path) -> None:
    """A colleague's export of the order with a factory file, beside the workspace."""
    source = root.parent / "colleague"
    if not (root.parent / "export.zip").exists():
        _prepare(source, [_order, _drop("PO-2026-0042_packing-list.pdf", PDF)])
        desk = _desk(source)
        desk.run_once()
        export_orders(desk.store, resolve(desk.store, ["PO-2026-0042"]),
                      root.parent / "export.zip", current=False, exported="2026-11-03T09:00")
        desk.store.index.close()


def _import(desk: Desk) -> Any:
    root = desk.workspace.root
    decisions = Decisions(People(root), {}, trust_inbox=True)
    return import_orders(desk.store, root.parent / "export.zip", decisions)


PDF = (CORPUS / "pdflatex-4-pages.pdf").read_bytes()
FLOWS: dict[str, tuple[list[Callable[[Path], None]], Action, Action]] = {
    # name: (set-up steps, the action killed, what a person does after the restart)
    "order": ([_order], _run, _run),
    "revision": ([_with_order, _drop("PO-2026-0042 rev.yaml", _revised())], _run, _run),
    "update": ([_with_order, _drop("signs.yaml", SIGNS)], _run, _run),
    "factory file": ([_with_order, _drop("PO-2026-0042_packing-list.pdf", PDF)], _run, _run),
    "duplicate": ([_with_order, _drop("PO-2026-0042_manual.pdf", PDF), lambda r: _run(_desk(r)),
                   _drop("copy of the manual.pdf", PDF)], _run, _run),
    "rejected": ([_drop("broken.yaml", "order_no: [\n")], _run, _run),
    "unmatched": ([_drop("scan.pdf", PDF)], _run, _run),
    "parked, then filed": ([_drop("PO-2026-0042_warranty.pdf", PDF),
                            lambda r: _run(_desk(r)), _order], _run, _run),
    "check": ([_with_order], _check, _unless("compliance_report", _check)),
    "hand-over": ([_with_order], _hand_over, _unless("handover_pack", _hand_over)),
    # after the restart the operator imports the same export again
    "import": ([_exported], _import, _import),
}


def _prepare(root: Path, steps: list[Callable[[Path], None]]) -> None:
    _desk(root).workspace.ensure_folders()
    for step in steps:
        step(root)


@dataclass(frozen=True)
class Backend:
    """The shared backend's PostgreSQL server, and its S3 service when the archive has a
    shared copy there."""

    server: Any
    s3: str = ""


@pytest.fixture(params=["workspace", "postgresql", "postgresql+s3"])
def backend(request: pytest.FixtureRequest) -> Backend | None:
    """None: the workspace's own."""
    if request.param == "workspace":
        return None
    s3 = request.getfixturevalue("s3_server") if request.param.endswith("s3") else ""
    return Backend(request.getfixturevalue("pg_server"), s3)


def _copy(source: Path, target: Path, backend: Backend | None) -> None:
    """A copy of a workspace; on the shared backend with a copy of its database (and of
    its bucket)."""
    shutil.copytree(source, target)
    if backend is not None:
        from tests.pgserver import use_database

        bucket = _settings(source).get("archive_url", "")
        use_database(target, backend.server.clone(_settings(source)["url"]))
        if backend.s3:
            use_bucket(target, copy_bucket(backend.s3, bucket) if bucket else
                       new_bucket(backend.s3), backend.s3)


def _other_machine(root: Path, target: Path) -> None:
    """The workspace as another machine sees it: the same inbox, settings, database and
    bucket, and an archive folder of its own (empty)."""
    shutil.copytree(root, target, ignore=lambda folder, names:
                    names if Path(folder) == root / "archive" else [])


def _settings(root: Path) -> dict[str, str]:
    import tomllib

    return dict(tomllib.loads((root / "gendan.toml").read_text(encoding="utf-8"))["store"])


@pytest.mark.slow
@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_a_kill_before_each_step_loses_and_duplicates_nothing(tmp_path: Path, flow: str,
                                                             backend: Any) -> None:
    steps, action, again = FLOWS[flow]
    template = tmp_path / "template"
    if backend is not None:
        from tests.pgserver import use_database

        template.mkdir()
        use_database(template, backend.server.new_database())
        if backend.s3:
            use_bucket(template, new_bucket(backend.s3), backend.s3)
    _prepare(template, steps)
    reference = tmp_path / "reference"
    _copy(template, reference, backend)
    log = tmp_path / "steps.log"
    assert _fork(reference, action, log=str(log)) == 0
    count = len(log.read_text().splitlines())
    expected_archive, expected_inbox = _archive_files(reference), _inbox_files(reference)
    assert count >= 3, f"{flow}: only {count} steps"
    for n in _kill_points(flow, count, backend):
        root = tmp_path / f"kill-{n}"
        _copy(template, root, backend)
        status = _fork(root, action, fault=f"kill@{n}")
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (flow, n)
        _repairs_in_one_pass(root, tmp_path / f"repair-{n}", (flow, n), backend)
        if backend is not None and backend.s3:  # another machine takes over
            _other_machine(root, tmp_path / f"other-{n}")
            shutil.rmtree(root)
            (tmp_path / f"other-{n}").rename(root)
        desk = _desk(root)
        desk.run_once()  # the restart: recovery, then the inbox drained
        if again is not _run:
            again(desk)
        desk.store.pull_all()  # (another machine's copy holds what it needed: all of it now)
        desk.store.index.close()
        assert _archive_files(root) == expected_archive, (flow, n)
        assert [f for f in _inbox_files(root) if not f.endswith(".txt")] == \
            [f for f in expected_inbox if not f.endswith(".txt")], (flow, n)
        _assert_consistent(root)
        if backend is not None and backend.s3:
            _assert_shared_copy(root)
        shutil.rmtree(root)
    print(f"\n{flow}: killed before each of {count} steps; nothing lost or duplicated")


SAMPLED = {"postgresql": 4, "postgresql+s3": 2}  # kill points a flow (`make soak`: every one)
RANDOM_KILLS = 20 if SOAK else 8  # kills at random moments of `run` / `watch`


def _kill_points(flow: str, count: int, backend: Backend | None) -> list[int]:
    """Every step of the flow on the workspace's own backend; on the shared backend (the
    same steps, each three times slower, eight with the archive in S3) a seeded draw of
    them, unless the tests soak (GENDAN_SOAK, `make soak`): every step there too."""
    if backend is None or SOAK:
        return list(range(1, count + 1))
    sampled = SAMPLED["postgresql+s3" if backend.s3 else "postgresql"]
    return sorted(random.Random(flow).sample(range(1, count + 1), min(sampled, count)))


def _assert_shared_copy(root: Path) -> None:
    """The shared copy holds what this machine's archive holds (each file in the object
    its order's manifest names), and checks clean."""
    desk = _desk(root)
    try:
        remote = desk.store.remote
        assert remote is not None
        assert remote.damage() == []
        named: dict[str, str] = {}  # the file here -> the object that holds it
        for manifest in remote.manifests():
            folder = manifest["folder"]
            for relative, entry in manifest["files"].items():
                named[f"{folder}/{relative}"] = f"{folder}/{entry.get('object', relative)}"
            if manifest.get("customer_file"):
                named[f"{Path(folder).parent.as_posix()}/customer.json"] = \
                    manifest["customer_file"]["object"]
        here = {p.relative_to(root / "archive").as_posix()
                for p in (root / "archive").rglob("*") if p.is_file()
                and not p.relative_to(root / "archive").parts[0].startswith(".")}
        assert set(named) == here
        objects = {p for p in remote.objects() if not p.endswith(MANIFEST)}
        assert set(named.values()) <= objects
        assert all("/customer.json~" in p for p in objects - set(named.values()))
    finally:
        desk.store.index.close()


def _repairs_in_one_pass(killed: Path, copy: Path, where: tuple[str, int],
                        backend: Backend | None = None) -> None:
    """`verify --repair` on a copy of what the kill left: clean after one pass."""
    _copy(killed, copy, backend)
    desk = _desk(copy)
    try:
        problems = verify(desk.store, desk.parking)
        repair(desk.store, problems, read_text=search_texts)
        assert verify(desk.store, desk.parking) == [], where
        assert not list((copy / "archive").rglob(".tmp-*")), where
    finally:
        desk.store.index.close()
    shutil.rmtree(copy)


def _corpus_inputs(root: Path, rng: random.Random) -> dict[str, str]:
    """Over a hundred files of every kind; name -> what must become of it."""
    inbox = root / "inbox"
    expect: dict[str, str] = {}
    base = yaml.safe_load((EXAMPLES / "PO-2026-0042.yaml").read_text(encoding="utf-8"))
    for n in range(12):
        data = {**base, "order_no": f"K-{n:03d}", "contract_no": f"SC-K-{n:03d}",
                "customer_po": None, "customer": {**base["customer"], "code": f"C{n % 3}"}}
        (inbox / f"K-{n:03d}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                               encoding="utf-8")
        expect[f"K-{n:03d}.yaml"] = "archived"
        (inbox / f"K-{n:03d}.sign.yaml").write_text(SIGNS.replace("PO-2026-0042", f"K-{n:03d}"),
                                                    encoding="utf-8")
        expect[f"K-{n:03d}.sign.yaml"] = "archived"
    sources = sorted(p for p in CORPUS.glob("*.pdf") if "password" not in p.name)
    types = ["packing-list", "invoice", "warranty", "manual", "inspection-report"]
    for n in range(60):
        from pypdf import PdfWriter

        writer = PdfWriter(clone_from=sources[n % len(sources)])
        writer.add_metadata({"/Title": f"copy {n}"})
        name = f"K-{n % 12:03d}_{types[n % len(types)]}-{n}.pdf"
        with (inbox / name).open("wb") as handle:
            writer.write(handle)
        expect[name] = "archived"
    for n in range(10):  # the same bytes again, under another name
        name = f"again-{n}.pdf"
        first = f"K-{n:03d}_{types[n % len(types)]}-{n}.pdf"
        shutil.copyfile(inbox / first, inbox / f"K-{n:03d} {name}")
        expect[f"K-{n:03d} {name}"] = "duplicate"
    bad = {"broken.yaml": b"order_no: [\n", "empty.pdf": b"", "note.txt": b"hello",
           "fake.pdf": b"not a pdf at all", "nan.yaml": b"update: approval\norder_no: K-000\n",
           "password.pdf": (CORPUS / "libreoffice-writer-password.pdf").read_bytes()}
    for name, data in bad.items():
        (inbox / name).write_bytes(data)
        expect[name] = "rejected"
    names = list(expect)
    rng.shuffle(names)
    for n, name in enumerate(names):  # a random arrival order
        os.utime(inbox / name, ns=(10**18 + n * 10**6, 10**18 + n * 10**6))
    return expect


def _originals(root: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sidecar in (root / "archive").rglob("originals/*" + SIDECAR_SUFFIX):
        path = sidecar.with_name(sidecar.name[: -len(SIDECAR_SUFFIX)])
        counts[sha256_file(path)] = counts.get(sha256_file(path), 0) + 1
    return counts


def _check_inputs(root: Path, expect: dict[str, str], digests: dict[str, str]) -> dict[str, int]:
    originals = _originals(root)
    figures = {"inputs": len(expect), "lost": 0, "duplicated": 0, "orphans": 0}
    rejected = root / "inbox" / "_rejected"
    for name, fate in expect.items():
        sha = digests[name]
        if fate == "rejected":
            kept = [p for p in rejected.iterdir() if not p.name.endswith(".error.txt")
                    and sha256_file(p) == sha] if rejected.is_dir() else []
            ok = len(kept) == 1 and kept[0].with_name(kept[0].name + ".error.txt").exists()
            figures["lost"] += not ok
            if not ok:
                print(f"lost: {name} ({fate}): {kept}")
        else:
            figures["lost"] += originals.get(sha, 0) == 0
            figures["duplicated"] += originals.get(sha, 0) > 1
            if originals.get(sha, 0) != 1:
                print(f"{name} ({fate}): archived {originals.get(sha, 0)} times")
    left = [f for f in _inbox_files(root) if not f.startswith("_rejected/")]
    figures["orphans"] = len(left)
    return figures


def _random_kills(tmp_path: Path, command: list[str], kills_wanted: int) -> None:
    from pipeline.cli import main

    rng = random.Random(20261128)
    root = tmp_path / "ws"
    (root / "inbox").mkdir(parents=True)
    (root / "archive").mkdir()
    (root / "gendan.toml").write_text(
        '[documents]\non_order = ["quotation"]\nword_to_pdf = false\n\n'
        '[watch]\nstable_seconds = 0.05\nrescan_seconds = 0.3\nretries = 1\n\n'
        '[approval]\ntrust_inbox = true\n', encoding="utf-8")
    expect = _corpus_inputs(root, rng)
    digests = {name: sha256_file(root / "inbox" / name) for name in expect}

    def child() -> None:
        with contextlib.suppress(SystemExit):
            main(["-w", str(root), *command])

    kills = rounds = 0
    while kills < kills_wanted and rounds < kills_wanted * 4:
        rounds += 1
        pid = os.fork()
        if pid == 0:
            try:
                child()
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.05, 0.8))
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            kills += 1
    # the last restart, left to finish
    desk = Desk(Workspace(root), Settings(
        approval=TRUSTING, documents=Documents(on_order=["quotation"],
                                                              word_to_pdf=False)))
    desk.run_once()
    desk.store.index.close()
    figures = _check_inputs(root, expect, digests)
    print(f"\n{' '.join(command)}: {kills} kills over {rounds} starts; " +
          ", ".join(f"{k} {v}" for k, v in figures.items()))
    assert kills >= kills_wanted
    assert figures == {"inputs": len(expect), "lost": 0, "duplicated": 0, "orphans": 0}
    _assert_consistent(root)


@pytest.mark.slow
def test_random_kills_while_run_ingests(tmp_path: Path) -> None:
    _random_kills(tmp_path, ["run"], RANDOM_KILLS)


@pytest.mark.slow
def test_random_kills_while_watch_ingests(tmp_path: Path) -> None:
    _random_kills(tmp_path, ["watch", "--poll"], RANDOM_KILLS)


@pytest.mark.slow
def test_a_kill_before_a_page_text_is_kept_is_mended_by_the_next_run(tmp_path: Path) -> None:
    """Killed between a factory file's commit and the keeping of its page text: the next
    run reads the text again, so `gendan find` finds the file and verify is clean."""
    root = tmp_path / "ws"

    def real(root: Path) -> Desk:
        return Desk(Workspace(root), FAST)

    workspace = Workspace(root)
    workspace.ensure_folders()
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", workspace.inbox / "PO-2026-0042.yaml")
    real(root).run_once()
    shutil.copyfile(CORPUS / "crazyones-pdfa.pdf", workspace.inbox / "PO-2026-0042_manual.pdf")
    log = tmp_path / "steps.log"
    reference = tmp_path / "reference"
    shutil.copytree(root, reference)
    pid = os.fork()
    if pid == 0:
        faults.arm("", str(log))
        real(reference).run_once()
        os._exit(0)
    os.waitpid(pid, 0)
    steps = log.read_text().splitlines()
    text_step = next(int(step.split()[0]) for step in steps  # "11 write <sha256>.json"
                     if step.split()[1] == "write" and len(step.split()[-1]) == 69)
    pid = os.fork()
    if pid == 0:
        faults.arm(f"kill@{text_step}")
        real(root).run_once()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status)
    desk = real(root)
    desk.run_once()  # the restart: recovery reads the text again
    desk.store.index.close()
    found = CliRunner().invoke(cli, ["-w", str(root), "find", "crazy"])
    assert "PO-2026-0042_manual" in found.output, found.output
    _assert_consistent(root)
