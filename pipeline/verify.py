"""`gendan verify`: what is out of place in the archive (`repair` says what is done about
it, and the recovery every `run` and `watch` starts with uses the same findings).

verify: every archived file against its sidecar (sha256, size), sidecars without files
and files without sidecars, leftovers of unfinished commits and temp files, histories
that do not parse, order.json and the registry against the sidecars, the index against
the archive, interrupted commits, scratch folders of dead processes, and in the inbox:
notes without their file and parked files that are in fact filed.

repair: rebuilds what is derived (order.json, the registry, the index), removes temp
files and scratch of dead processes, and moves everything else that is out of place to
archive/.quarantine/<time>/ with a report. It never deletes an original, and never
touches an order another process is working on (it takes the order's lock, or skips it).

recover: the same, limited to what an interrupted run can leave behind (the journal names
the orders whose commit did not finish), so that it costs nothing on a clean archive.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import ArchiveError
from .flow import Event
from .fsutil import TEMP_PREFIX, sha256_file
from .inbox import orphan_notes
from .store import (
    KIND_FOLDERS,
    SIDECAR_SUFFIX,
    OrderStore,
    dump_json,
    order_key,
    pid_alive,
    read_json,
    well_formed,
)

__all__ = ["Problem", "folder_key", "locked", "loose_temp_files", "order_problems",
           "parked_but_filed", "temp_of_dead", "verify", "with_key"]


@dataclass(frozen=True)
class Problem:
    kind: str  # what is wrong, a short fixed name
    path: str  # the file or folder, relative to the archive (or the inbox)
    detail: str
    repair: str  # what --repair does: rebuild, remove, discard, quarantine, report
    key: str = ""  # the order's key, when the problem is an order's

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "path": self.path, "detail": self.detail,
                "repair": self.repair}


def _temp_files(folder: Path) -> Iterator[Path]:
    for root, _, files in os.walk(folder):
        for name in files:
            if name.startswith(TEMP_PREFIX):
                yield Path(root) / name


def temp_of_dead(path: Path) -> bool:
    pid = path.name[len(TEMP_PREFIX):].split("-", 1)[0]
    return not pid_alive(pid)


def order_problems(store: OrderStore, folder: Path, deep: bool) -> list[Problem]:
    """What is out of place in one order folder (read under its lock by the caller)."""
    rel = store.relative(folder)
    problems: list[Problem] = []
    sidecars: list[tuple[Path, dict[str, Any]]] = []
    for kind in KIND_FOLDERS:
        kind_folder = folder / kind
        if not kind_folder.is_dir():
            continue
        for entry in sorted(kind_folder.iterdir()):
            if entry.name.startswith(TEMP_PREFIX):
                continue
            if entry.name.endswith(SIDECAR_SUFFIX):
                try:
                    meta = read_json(entry)
                except ArchiveError as exc:
                    problems.append(Problem("unreadable sidecar", store.relative(entry),
                                            exc.message, "quarantine"))
                    continue
                if well_formed(meta):
                    sidecars.append((entry, meta))
                else:
                    problems.append(Problem("record out of shape", store.relative(entry),
                                            "lacks what a sidecar must have (kind, type, "
                                            "version, path, checksums)", "quarantine"))
            elif not entry.with_name(entry.name + SIDECAR_SUFFIX).exists():
                problems.append(Problem("file without sidecar", store.relative(entry),
                                        "not recorded by any commit", "quarantine"))
    committed = {m.get("source_sha256") for _, m in sidecars if "event" in m}
    latest_order: tuple[int, Any] | None = None
    for path, meta in sidecars:
        target = path.with_name(path.name[: -len(SIDECAR_SUFFIX)])
        where = store.relative(path)
        if meta.get("source_sha256") not in committed:
            problems.append(Problem("unfinished commit", where, "left by an interrupted run",
                                    "quarantine"))
            continue
        if "event" in meta:
            try:
                Event.model_validate(meta["event"])
            except ValidationError as exc:
                problems.append(Problem("history does not parse", where,
                                        f"{exc.error_count()} problem(s) in its event; left "
                                        "out of the history", "quarantine"))
                continue
        if meta.get("doc_type") == "order_data" and "order_data" in meta and \
                (latest_order is None or meta["version"] > latest_order[0]):
            latest_order = (meta["version"], meta["order_data"])
        if not target.exists():
            problems.append(Problem("sidecar without file", where, "the file is missing",
                                    "report" if "event" in meta else "quarantine"))
            continue
        size = target.stat().st_size
        if size != meta.get("size"):
            problems.append(Problem("damaged file", store.relative(target),
                                    f"{size} bytes, the sidecar says {meta.get('size')}",
                                    "report"))
        elif deep and sha256_file(target) != meta.get("sha256"):
            problems.append(Problem("damaged file", store.relative(target),
                                    "sha256 differs from the sidecar", "report"))
    customer_temps = [p for p in folder.parent.glob(TEMP_PREFIX + "*") if p.is_file()]
    for path in [*_temp_files(folder), *customer_temps]:
        problems.append(Problem("temp file", store.relative(path), "a write that did not "
                                "finish", "remove" if temp_of_dead(path) else "none"))
    if latest_order is not None:
        try:
            current = (folder / "order.json").read_bytes()
        except FileNotFoundError:
            current = b""
        if current != dump_json(latest_order[1]):
            problems.append(Problem("order.json out of date", f"{rel}/order.json",
                                    "differs from the latest order file's data", "rebuild"))
        problems += _registry_problems(store, folder, latest_order[1])
    elif sidecars:
        problems.append(Problem("order without order data", rel,
                                "no committed order file", "report"))
    return problems


def _registry_problems(store: OrderStore, folder: Path, data: dict[str, Any]) -> list[Problem]:
    order_no = str(data.get("order_no", ""))
    ref = store.locate(order_no)
    rel = store.relative(folder)
    key = order_key(order_no)
    if ref is None:
        return [Problem("not in the registry", rel, f"order {order_no} cannot be found by its "
                        "number", "rebuild", key)]
    if ref.folder != rel:
        return [Problem("second folder", rel, f"order {order_no} is registered in "
                        f"{ref.folder}; this folder holds it too", "report", key)]
    return []


def _index_problems(store: OrderStore, folder: Path, key: str) -> list[Problem]:
    from .record import OrderRecord

    ref = store.locate(key)
    if ref is None or store.folder(ref) != folder:
        return []
    record = OrderRecord(store, key, ref, registered=True)
    if not record.exists():
        return []
    expected = json.loads(json.dumps({"order": record.summary(), "documents": record.indexed()},
                                     default=str))
    card = store.index.card(key)
    found = json.loads(json.dumps({"order": card[0], "documents": card[1]}, default=str)) \
        if card else None
    if found != expected:
        what = "missing" if card is None else "differs from the archive"
        return [Problem("index out of date", store.relative(folder), f"the index entry is "
                        f"{what}", "rebuild", key)]
    return []


def _indexed_texts(store: OrderStore) -> set[str] | None:
    """The contents whose page texts the index holds (None: no index to ask)."""
    try:
        return store.index.catalogue.known_texts() if store.index.exists() else None
    except Exception:  # a damaged index is its own finding (_index_problems)
        return None


def _text_problems(store: OrderStore, folder: Path, known: set[str] | None) -> list[Problem]:
    """A PDF whose page texts are neither kept beside it nor in the index is not found by
    `gendan find` (a run killed between the file and its text)."""
    found = []
    for _, meta in store.sidecars(folder):
        kept = folder / ".text" / f"{meta['sha256']}.json"
        if meta["kind"] in {"original", "generated"} and meta["path"].lower().endswith(
                ".pdf") and meta.get("pages") and not kept.is_file() \
                and (known is None or meta["sha256"] not in known):
            found.append(Problem("page text missing", meta["path"], "not found by `gendan "
                                 "find` until its text is read again", "read again"))
    return found


def verify(store: OrderStore, inbox_folders: list[Path], *, deep: bool = True) -> list[Problem]:
    """Everything out of place in the archive (and the inbox's notes)."""
    problems: list[Problem] = []
    keys: set[str] = set()
    store.pull_all()
    known = _indexed_texts(store)
    for folder in store.order_folders():
        key = folder_key(folder)
        with locked(store, key) as held:
            if not held:
                continue
            found = order_problems(store, folder, deep)
            if key:
                keys.add(key)
                found += _text_problems(store, folder, known)
                found += _index_problems(store, folder, key)
            problems += [p if p.key else with_key(p, key) for p in found]
    problems += _global_problems(store, keys, inbox_folders)
    if store.remote is not None:
        problems += [Problem(kind, path, detail, "discard shared" if kind == "not in a manifest"
                             else "restore shared") for kind, path, detail
                     in store.remote.damage(deep)]
    return problems


def with_key(problem: Problem, key: str) -> Problem:
    return Problem(problem.kind, problem.path, problem.detail, problem.repair, key)


def folder_key(folder: Path) -> str:
    """The order key of a folder, from its latest order data (empty if it has none)."""
    best: tuple[int, str] | None = None
    where = folder / "originals"
    if where.is_dir():
        for path in where.glob("*" + SIDECAR_SUFFIX):
            with contextlib.suppress(ArchiveError, FileNotFoundError):
                meta = read_json(path)
                if meta.get("doc_type") == "order_data" and "order_data" in meta and \
                        (best is None or meta["version"] > best[0]):
                    best = (meta["version"], str(meta["order_data"].get("order_no", "")))
    return order_key(best[1]) if best else ""


@contextlib.contextmanager
def locked(store: OrderStore, key: str) -> Iterator[bool]:
    if not key or not os.access(store.root, os.W_OK):  # read-only: no writer to wait for
        yield True
        return
    lock = store.try_lock(key)
    if lock is None:
        yield False
        return
    try:
        store.pull(key)
        yield True
    finally:
        lock.release()


def _global_problems(store: OrderStore, keys: set[str], inbox_folders: list[Path]
                     ) -> list[Problem]:
    problems = []
    for ref in store.refs():
        key = order_key(ref.order_no)
        if key not in keys and not _commit_in_flight(store, key):
            problems.append(Problem("stale registry entry", f".orders/{key}.json",
                                    f"order {ref.order_no} has no committed order data in "
                                    f"{ref.folder}", "remove", key))
    for key in set(store.index.cards) - keys:
        problems.append(Problem("index entry without order", f".index/cards/{key}",
                                "the archive has no such order", "rebuild", key))
    for key, data in store.journal():
        if not store.writer_alive(data):
            problems.append(Problem("interrupted commit", f".journal/{key}.json",
                                    f"{data.get('what', 'a commit')} did not finish", "rebuild",
                                    key))
    for folder in store.stale_work():
        problems.append(Problem("scratch of a dead process", store.relative(folder),
                                "left by a run that was stopped", "remove"))
    problems += loose_temp_files(store, inbox_folders)
    for note in orphan_notes(inbox_folders):
        problems.append(Problem("note without its file", str(note), "the file it explains "
                                "is gone", "remove"))
    problems += parked_but_filed(store, inbox_folders)
    return problems


def loose_temp_files(store: OrderStore, inbox_folders: list[Path]) -> list[Problem]:
    """Temp files of dead processes outside the order folders: index, registry, journal,
    caches, the archive's own and customers' folders, and the inbox's parking folders."""
    problems = []
    for special in (".index", ".orders", ".journal", ".counters", ".cache/.tmp", ".remote"):
        for path in _temp_files(store.root / special):
            if temp_of_dead(path):
                problems.append(Problem("temp file", store.relative(path),
                                        "a write that did not finish", "remove"))
    # a customer's or an order's folder made for a write that did not finish
    for path in [*store.root.glob(TEMP_PREFIX + "*"), *store.root.glob("*/" + TEMP_PREFIX + "*")]:
        if not path.parent.name.startswith(".") and temp_of_dead(path):
            problems.append(Problem("temp file", store.relative(path),
                                    "a write that did not finish", "remove"))
    for folder in inbox_folders:
        if folder.is_dir():
            for path in folder.glob(TEMP_PREFIX + "*"):
                if temp_of_dead(path):
                    problems.append(Problem("temp file", str(path),
                                            "a note that was not finished", "remove"))
    return problems


def _commit_in_flight(store: OrderStore, key: str) -> bool:
    return any(k == key and store.writer_alive(d) for k, d in store.journal())


def parked_but_filed(store: OrderStore, inbox_folders: list[Path]) -> list[Problem]:
    """Files waiting in _unmatched/ or _waiting/ that a commit already filed (a crash came
    between the commit and the clean-up): recognised by content and by the file itself."""
    problems: list[Problem] = []
    if not store.index.exists():
        return problems
    for folder in inbox_folders:
        if not folder.is_dir() or folder.name not in {"_unmatched", "_waiting"}:
            continue
        for path in folder.iterdir():
            if path.name.endswith((".reason.txt", ".error.txt")) or not path.is_file() or \
                    path.is_symlink():
                continue
            info = path.lstat()
            identity = [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns]
            rows = store.index.catalogue.query(
                "SELECT row FROM documents WHERE sha256 = ? AND kind = 'original'",
                (sha256_file(path),))
            if any(json.loads(r["row"]).get("arrival") == identity for r in rows):
                problems.append(Problem("parked and filed", str(path), "archived already; "
                                        "the parked copy is left over", "remove"))
    return problems
