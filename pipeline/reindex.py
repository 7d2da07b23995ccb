"""`gendan reindex`: the index rebuilt from the archive's folders alone.

Each order folder is read under the order's lock, its card written and its catalogue rows
made ready, by worker processes when there are several cores (a bounded number of orders
ahead: memory does not grow with the archive); this process writes the rows, in batched
transactions, and the page texts not indexed yet. A registry entry of an order found
without one is written again; a folder holding an order number registered elsewhere is
reported, not indexed twice.

An order is written to the catalogue a little after it was read; if it changed in between
(another gendan filed something), its folders' modification times say so, and it is read
and written again, under its lock, at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .index import Rows, TextLoader
from .record import OrderRecord
from .store import KIND_FOLDERS, OrderRef, OrderStore
from .verify import folder_key

__all__ = ["reindex"]

PARALLEL_FROM = 200  # orders: below this, one process is quicker
CHUNK = 8  # orders a worker reads at a time
AHEAD = 6  # chunks read ahead of the writer, at most


@dataclass
class Read:
    """What one order folder gave: its rows (or none), the page texts the index lacks (as
    kept, JSON), notes, counters and the stamp of its folders."""

    folder: Path
    key: str = ""
    rows: Rows | None = None
    texts: dict[str, bytes] = field(default_factory=dict)
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


def _read(store: OrderStore, folder: Path, key: str, known: set[str]) -> Read:
    """Read one order folder (its lock held by the caller): write its card, make its rows."""
    relative = store.relative(folder)
    found = Read(folder, key, stamp=_stamp(folder))
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
        if meta.get("missing") or meta.get("damaged"):
            what = "missing" if meta.get("missing") else "damaged (size differs)"
            found.notes.append(f"{meta['path']}: {what}; run `gendan verify`")
    found.rows = store.index.prepare(key, record.summary(), documents)
    for sha in found.rows.shas:
        if sha not in known:
            with contextlib.suppress(OSError):
                found.texts[sha] = (folder / ".text" / f"{sha}.json").read_bytes()
    return found


def _read_locked(store: OrderStore, folder: Path, known: set[str]) -> Read:
    key = folder_key(folder)
    if not key:
        return Read(folder, notes=[f"{store.relative(folder)}: no committed order data; "
                                   "not indexed"])
    with store.lock(key, f"order {key}"):
        return _read(store, folder, key, known)


_WORKER: tuple[OrderStore, set[str]] | None = None


def _start(store: OrderStore, known: set[str]) -> None:
    global _WORKER
    worker = OrderStore(store.root, policy=store.policy, file_mode=store.file_mode)
    worker.sidecar_cache = 0  # each sidecar is read once
    _WORKER = (worker, known)


def _read_chunk(folders: list[Path]) -> list[Read]:
    assert _WORKER is not None
    store, known = _WORKER
    return [_read_locked(store, folder, known) for folder in folders]


def _reads(store: OrderStore, folders: list[Path], jobs: int, known: set[str]
           ) -> Iterator[Read | None]:
    """Each folder read; None when the reader is about to wait (for an order's lock or a
    worker): the index commits first, as whoever holds that lock may be waiting on it."""
    if jobs < 1:
        for folder in folders:
            key = folder_key(folder)
            if not key:
                yield _read_locked(store, folder, known)
                continue
            held = store.try_lock(key)
            if held is None:
                yield None
            with contextlib.ExitStack() as stack:
                if held is None:
                    stack.enter_context(store.lock(key, f"order {key}"))
                else:
                    stack.callback(held.release)
                found = _read(store, folder, key, known)
            yield found
        return
    import multiprocessing

    chunks = deque(folders[n:n + CHUNK] for n in range(0, len(folders), CHUNK))
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_start, initargs=(store, known)) as pool:
        pending: deque[Any] = deque()
        while chunks or pending:
            while chunks and len(pending) < AHEAD * jobs:
                pending.append(pool.apply_async(_read_chunk, (chunks.popleft(),)))
            head = pending.popleft()
            if not head.ready():
                yield None
            yield from head.get()


def _loader(texts: dict[str, bytes]) -> TextLoader:
    def load(sha: str) -> dict[str, Any] | None:
        raw = texts.get(sha)
        if raw is None:
            return None
        try:
            kept: dict[str, Any] = json.loads(raw)
        except ValueError:
            return None
        return kept if isinstance(kept.get("pages"), list) else None
    return load


def reindex(store: OrderStore, jobs: int | None = None) -> tuple[int, list[str]]:
    """Rebuild the whole index; returns the number of orders and notes for the user.
    `jobs`: reading processes beside this one (0: read here; default: by the cores)."""
    notes: list[str] = []
    counters: dict[str, int] = {}
    folders = list(store.order_folders())
    stamps: dict[str, tuple[Path, tuple[int, ...]]] = {}
    # readers beside this process, which writes: reading waits on the disk as much as on
    # the processor, so one more than the cores (none on one core, or a small archive)
    cores = os.cpu_count() or 1
    workers = (min(8, cores + 1) if cores > 1 and len(folders) >= PARALLEL_FROM else 0) \
        if jobs is None else jobs
    store.index.catalogue.clear_rows()
    known = store.index.catalogue.known_texts()
    previous, store.sidecar_cache = store.sidecar_cache, 0

    def entries() -> Iterator[tuple[Rows, TextLoader] | None]:
        for found in _reads(store, folders, workers, known):
            if found is None:
                yield None
                continue
            notes.extend(found.notes)
            for name, seq in found.counters.items():
                counters[name] = max(counters.get(name, 0), seq)
            if found.rows is None:
                continue
            stamps[found.key] = (found.folder, found.stamp)
            yield found.rows, _loader(found.texts)

    try:
        count = store.index.rebuild(entries())
    finally:
        store.sidecar_cache = previous
    for key, (folder, stamp) in stamps.items():  # changed while the index was written
        if _stamp(folder) != stamp:
            with store.lock(key, f"order {key}"):
                ref = store.locate(key)
                if ref is not None:
                    OrderRecord(store, key, ref, registered=True).derive()
    for key, seen in counters.items():  # a lost counter never gives a number twice
        store.raise_counter(key, seen)
    return count, notes
