"""`gendan reindex`: the index rebuilt from the archive's folders alone. Orders are read
one at a time, each under its lock (memory does not grow with the archive), by worker
processes when there are several cores, while this process writes the index. A registry
entry of an order found without one is written again; a folder holding an order number
registered elsewhere is reported, not indexed twice.

An order read by a worker is written to the index a little later; if it changed in
between (another gendan filed something), its folders' modification times say so, and it
is read and written again, under its lock, at the end.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .index import Entry
from .record import OrderRecord
from .store import KIND_FOLDERS, OrderRef, OrderStore
from .verify import folder_key

__all__ = ["reindex"]

PARALLEL_FROM = 200  # orders: below this, one process is quicker


@dataclass
class Read:
    """What one order folder gave: its index entry (or none), notes, counters, stamp."""

    key: str
    entry: tuple[str, dict[str, Any], list[dict[str, Any]]] | None
    notes: list[str] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    stamp: tuple[int, ...] = ()


def _stamp(folder: Path) -> tuple[int, ...]:
    """The modification times of the order's folders: a commit changes one of them."""
    times = []
    for name in (*KIND_FOLDERS, ".text"):
        try:
            times.append((folder / name).stat().st_mtime_ns)
        except FileNotFoundError:
            times.append(0)
    return tuple(times)


def _read(store: OrderStore, folder: Path, key: str) -> Read:
    """Read one order folder under its lock (held by the caller)."""
    relative = store.relative(folder)
    found = Read(key, None, stamp=_stamp(folder))
    ref = store.locate(key)
    if ref is not None and ref.folder != relative:
        if (store.folder(ref) / "originals").is_dir():
            found.notes.append(f"{relative}: order {ref.order_no} is filed in {ref.folder}; "
                               "this second folder is not indexed (`gendan verify`)")
            return found
        ref = None
    record = OrderRecord(store, key, ref or OrderRef("", "", relative), registered=True)
    if ref is None:
        data = record.order
        ref = OrderRef(data.order_no, data.customer.code, relative)
        store.claim(key, ref)
        found.notes.append(f"{relative}: registry entry of {ref.order_no} written again")
        record = OrderRecord(store, key, ref, registered=True)
    documents = record.indexed()
    for meta in documents:
        for counter, seq in (meta.get("numbers") or {}).items():
            found.counters[counter] = max(found.counters.get(counter, 0), int(seq))
    for row in documents:
        if row.get("missing") or row.get("damaged"):
            what = "missing" if row.get("missing") else "damaged (size differs)"
            found.notes.append(f"{row['path']}: {what}; run `gendan verify`")
    found.entry = (key, record.summary(), documents)
    return found


_WORKER: OrderStore | None = None


def _start(root: Path, store: OrderStore) -> None:
    global _WORKER
    _WORKER = OrderStore(root, policy=store.policy, file_mode=store.file_mode)


def _unread(store: OrderStore, folder: Path) -> Read:
    return Read("", None, [f"{store.relative(folder)}: no committed order data; not indexed"])


def _read_in_worker(folders: list[Path]) -> list[Read]:
    assert _WORKER is not None
    found = []
    for folder in folders:
        key = folder_key(folder)
        if not key:
            found.append(_unread(_WORKER, folder))
            continue
        with _WORKER.lock(key, f"order {key}"):
            found.append(_read(_WORKER, folder, key))
    return found


def _reads(store: OrderStore, folders: list[Path], jobs: int) -> Iterator[Read | None]:
    """Each folder read; None when the reader is about to wait (for an order's lock or a
    worker): the index commits first, as whoever holds that lock may be waiting on it."""
    if jobs < 1:
        for folder in folders:
            key = folder_key(folder)
            if not key:
                yield _unread(store, folder)
                continue
            held = store.try_lock(key)
            if held is None:
                yield None
            with contextlib.ExitStack() as stack:
                if held is None:
                    stack.enter_context(store.lock(key, f"order {key}"))
                else:
                    stack.callback(held.release)
                found = _read(store, folder, key)
            yield found
        return
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_start, initargs=(store.root, store)) as pool:
        chunks = [folders[n:n + 8] for n in range(0, len(folders), 8)]
        results = pool.imap(_read_in_worker, chunks)  # in order, a chunk at a time
        while True:
            try:
                chunk = results.next(timeout=0.05)
            except multiprocessing.TimeoutError:
                yield None
                try:
                    chunk = results.next()
                except StopIteration:
                    return
            except StopIteration:
                return
            yield from chunk


def reindex(store: OrderStore, jobs: int | None = None) -> tuple[int, list[str]]:
    """Rebuild the whole index; returns the number of orders and notes for the user.
    `jobs`: reading processes beside this one (0: read here; default: by the cores)."""
    notes: list[str] = []
    counters: dict[str, int] = {}
    folders = list(store.order_folders())
    stamps: dict[str, tuple[Path, tuple[int, ...]]] = {}
    # readers beside this process, which writes: one fewer than the cores (none on one)
    cores = os.cpu_count() or 1
    workers = (max(1, cores - 1) if cores > 1 and len(folders) >= PARALLEL_FROM else 0) \
        if jobs is None else jobs

    def entries() -> Iterator[Entry | None]:
        for found in _reads(store, folders, workers):
            if found is None:
                yield None
                continue
            notes.extend(found.notes)
            for name, seq in found.counters.items():
                counters[name] = max(counters.get(name, 0), seq)
            if found.entry is None:
                continue
            key, summary, documents = found.entry
            record = OrderRecord(store, key, OrderRef(summary["order_no"], summary["customer"],
                                                      summary["folder"]), registered=True)
            stamps[key] = (store.root / summary["folder"], found.stamp)
            yield key, summary, documents, record.kept_text

    count = store.index.rebuild(entries())
    for key, (folder, stamp) in stamps.items():  # changed while the index was written
        if _stamp(folder) != stamp:
            with store.lock(key, f"order {key}"):
                ref = store.locate(key)
                if ref is not None:
                    OrderRecord(store, key, ref, registered=True).derive()
    for key, seen in counters.items():  # a lost counter never gives a number twice
        store.raise_counter(key, seen)
    return count, notes
