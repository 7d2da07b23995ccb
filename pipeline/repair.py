"""Repairs: what `gendan verify --repair` and the start-up recovery do about each problem.

Derived files (order.json, the registry, the index) are rebuilt; temp files and scratch of
dead processes removed; what an interrupted commit made is discarded (its cause is still
in the inbox and is filed again); anything else out of place is moved to
archive/.quarantine/<time>/ with a report. An original is never deleted, and an order is
repaired only under its lock.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path

from .fsutil import TEMP_PREFIX, move, remove
from .inbox import orphan_notes
from .record import OrderRecord
from .store import SIDECAR_SUFFIX, OrderRef, OrderStore, read_json
from .verify import (
    Problem,
    _indexed_texts,
    _text_problems,
    folder_key,
    locked,
    loose_temp_files,
    order_problems,
    parked_but_filed,
    temp_of_dead,
    with_key,
)

__all__ = ["recover", "repair"]


TextReader = Callable[[Path, int], tuple[list[str], str]]  # a PDF, its pages -> texts, reader


def repair(store: OrderStore, problems: list[Problem], *,
           read_text: TextReader | None = None) -> list[str]:
    """Carry out each problem's repair, an order's under its lock; returns what was done.
    `read_text` reads a PDF's page texts again (for "page text missing")."""
    done: list[str] = []
    quarantine = store.quarantine / store.clock.now().strftime("%Y%m%d-%H%M%S")
    by_key: dict[str, list[Problem]] = {}
    for problem in problems:
        by_key.setdefault(problem.key, []).append(problem)
    for key, items in sorted(by_key.items()):
        if not key:
            done += _repair_items(store, items, quarantine)
            continue
        with store.lock(key, f"order {key}"):
            done += _repair_items(store, items, quarantine)
            done += _read_again(store, key, [p for p in items if p.repair == "read again"],
                                read_text)
            if any(p.repair in {"rebuild", "quarantine", "discard", "read again"}
                   for p in items):
                done += _rebuild_order(store, key)
            if any(p.kind == "interrupted commit" for p in items):
                store.journal_end(key)
    return done


def _repair_items(store: OrderStore, items: list[Problem], quarantine: Path) -> list[str]:
    done = []
    for problem in items:
        if problem.repair == "quarantine":
            _quarantine(store, store.root / problem.path, quarantine, problem)
            done.append(f"quarantined {problem.path} ({problem.kind})")
        elif problem.repair == "discard":
            sidecar = store.root / problem.path
            remove(sidecar.with_name(sidecar.name[: -len(SIDECAR_SUFFIX)]))
            remove(sidecar)
            done.append(f"discarded {problem.path} ({problem.kind})")
        elif problem.repair == "restore shared" and store.remote is not None:
            if store.remote.restore(problem.path):
                done.append(f"wrote {problem.path} back to the shared copy ({problem.kind})")
        elif problem.repair == "discard shared" and store.remote is not None:
            store.remote.discard(problem.path)
            done.append(f"deleted {problem.path} from the shared copy ({problem.kind})")
        elif problem.repair == "remove":
            target = Path(problem.path)
            target = target if target.is_absolute() else store.root / target
            if target.is_dir():
                shutil.rmtree(target, ignore_errors=True)
            else:
                remove(target)
                for suffix in (".reason.txt", ".error.txt"):  # a parked file's note goes too
                    if problem.kind == "parked and filed":
                        remove(target.with_name(target.name + suffix))
            done.append(f"removed {problem.path} ({problem.kind})")
    return done


def _quarantine(store: OrderStore, path: Path, quarantine: Path, problem: Problem) -> None:
    target = quarantine / store.relative(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        move(path, target)
    report = quarantine / "report.txt"
    with report.open("a", encoding="utf-8") as handle:
        handle.write(f"{problem.path}\t{problem.kind}\t{problem.detail}\n")
    if path.name.endswith(SIDECAR_SUFFIX):
        subject = path.with_name(path.name[: -len(SIDECAR_SUFFIX)])
        if subject.exists():
            _quarantine(store, subject, quarantine, problem)


def _read_again(store: OrderStore, key: str, items: list[Problem],
                read_text: TextReader | None) -> list[str]:
    """The page texts of archived PDFs read again and kept (the index is then rebuilt)."""
    ref = store.locate(key)
    if not items or read_text is None or ref is None:
        return []
    record = OrderRecord(store, key, ref, registered=True)
    done = []
    for problem in items:
        meta = next((m for m in record.documents if m["path"] == problem.path), None)
        if meta is None:
            continue
        try:
            texts, reader = read_text(store.root / problem.path, int(meta["pages"]))
        except Exception:  # an unreadable file stays unsearchable, and is reported again
            continue
        record.write_text(meta["sha256"], texts, reader)
        done.append(f"read the page texts of {problem.path} again")
    return done


def _rebuild_order(store: OrderStore, key: str) -> list[str]:
    """order.json, the registry entry and the index entry of one order, from its folder
    (the caller holds the order's lock)."""
    ref = store.locate(key)
    folder = store.folder(ref) if ref is not None else None
    if folder is None or folder_key(folder) != key:
        folder = next((f for f in store.order_folders() if folder_key(f) == key), None)
    if folder is None:
        if ref is not None:
            store.unclaim(key)
        store.index.forget(key)
        return [f"removed the registry and index entries of {key} (no such order archived)"]
    if ref is None or store.folder(ref) != folder:
        data = read_json(sorted((folder / "originals").glob("*" + SIDECAR_SUFFIX))[0])
        ref = OrderRef(str(data["order"]), str(data["customer"]), store.relative(folder))
        store.claim(key, ref)
    record = OrderRecord(store, key, ref, registered=True)
    if not record.exists():
        store.unclaim(key)
        store.index.forget(key)
        return [f"removed the registry and index entries of {key} (no committed order data)"]
    record.derive()
    return [f"rebuilt order.json, registry and index entry of {ref.order_no}"]


def _discardable(problem: Problem) -> Problem:
    """After an interrupted commit, what it made (documents, stamped copies) is discarded:
    the file that caused it is still in the inbox and is filed again. A copy of an
    original is never discarded, only moved aside."""
    made = problem.path.split("/")[-2:-1] in (["generated"], ["stamped"], ["handover"])
    if problem.kind == "unfinished commit" and made:
        return Problem(problem.kind, problem.path, problem.detail, "discard", problem.key)
    return problem


def recover(store: OrderStore, inbox_folders: list[Path], *,
            read_text: TextReader | None = None) -> list[str]:
    """Clean up after an interrupted run (cheap when nothing was interrupted); with
    `read_text`, the page texts a killed run did not keep are read again."""
    problems: list[Problem] = []
    journal = list(store.journal())
    known = _indexed_texts(store) if journal and read_text is not None else None
    for key, data in journal:
        if store.writer_alive(data):
            continue
        folder = store.root / str(data.get("folder", ""))
        with locked(store, key) as held:
            if not held:
                continue
            if folder.is_dir() and data.get("folder"):
                problems += [_discardable(with_key(p, key))
                             for p in order_problems(store, folder, False)
                             if p.repair in {"quarantine", "remove"}]
                if read_text is not None:
                    problems += [with_key(p, key) for p in _text_problems(store, folder, known)]
            elif folder.parent.is_dir() and data.get("folder"):
                problems += [Problem("temp file", store.relative(p), "", "remove", key)
                             for p in folder.parent.glob(TEMP_PREFIX + "*") if temp_of_dead(p)]
            problems.append(Problem("interrupted commit", f".journal/{key}.json",
                                    str(data.get("what", "")), "rebuild", key))
    for folder in store.stale_work():
        problems.append(Problem("scratch of a dead process", store.relative(folder), "",
                                "remove"))
    problems += loose_temp_files(store, inbox_folders)
    for note in orphan_notes(inbox_folders):
        problems.append(Problem("note without its file", str(note), "", "remove"))
    problems += parked_but_filed(store, inbox_folders)
    return repair(store, problems, read_text=read_text) if problems else []
