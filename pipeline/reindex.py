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
from collections.abc import Callable, Iterator
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
    by_sha = {m["sha256"]: m for m in documents if m.get("sha256")}
    restored = 0
    for sha in found.rows.shas:
        if sha in known:
            continue
        kept = folder / ".text" / f"{sha}.json"
        try:
            found.texts[sha] = kept.read_bytes()
        except FileNotFoundError:
            if _read_again(record, by_sha[sha]):
                with contextlib.suppress(OSError):
                    found.texts[sha] = kept.read_bytes()
                    restored += 1
        except OSError:
            pass
    if restored:
        found.notes.append(f"{relative}: the page texts of {restored} PDF(s) were not kept; "
                           "read again for the search")
    return found


TextReader = Callable[[Path, int], tuple[list[str], str]]  # a PDF, its pages -> texts, reader
_READER: TextReader | None = None  # set by `reindex` for its run (its workers are forked)


def _read_again(record: OrderRecord, meta: dict[str, Any]) -> bool:
    """Keep the page texts of an archived PDF whose kept copy is gone, as filing keeps
    them (its original, or a document gendan made); whether it could."""
    if _READER is None or meta["kind"] not in {"original", "generated"} or not meta[
            "file"].lower().endswith(".pdf") or meta.get("missing") or meta.get("damaged") \
            or not meta.get("pages"):
        return False
    try:
        texts, reader = _READER(record.store.root / meta["path"], int(meta["pages"]))
    except Exception:  # an unreadable file stays unsearchable; `gendan verify` tells
        return False
    with contextlib.suppress(OSError):
        record.write_text(meta["sha256"], texts, reader)
        return True
    return False


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
    worker = store.fresh()
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


def reindex(store: OrderStore, jobs: int | None = None, *,
            reader: TextReader | None = None) -> tuple[int, list[str]]:
    """Rebuild the whole index; returns the number of orders and notes for the user.
    `jobs`: reading processes beside this one (0: read here; default: by the cores).
    `reader`: reads again the page texts of a PDF whose kept copy is gone (and which the
    index does not hold either)."""
    global _READER
    _READER = reader
    try:
        return _reindex(store, jobs)
    finally:
        _READER = None


def _reindex(store: OrderStore, jobs: int | None) -> tuple[int, list[str]]:
    notes: list[str] = []
    counters: dict[str, int] = {}
    store.pull_all()  # an archive with a shared copy: every order of it brought here first
    folders = list(store.order_folders())
    stamps: dict[str, tuple[Path, tuple[int, ...]]] = {}
    # readers beside this process, which writes: reading waits on the disk as much as on
    # the processor, so one more than the cores (none on one core, or a small archive)
    cores = os.cpu_count() or 1
    workers = (min(8, cores + 1) if cores > 1 and len(folders) >= PARALLEL_FROM else 0) \
        if jobs is None else jobs
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
