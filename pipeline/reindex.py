"""`gendan reindex`: the index rebuilt from the archive's folders alone, one order at a
time (streamed: memory does not grow with the archive), each read under its lock. The
registry entry of an order found without one is written again; a folder holding an order
number registered elsewhere is reported, not indexed twice."""

from __future__ import annotations

from collections.abc import Iterator

from .index import Entry
from .record import OrderRecord
from .store import OrderRef, OrderStore
from .verify import folder_key

__all__ = ["reindex"]


def _entries(store: OrderStore, notes: list[str], counters: dict[str, int]
             ) -> Iterator[Entry]:
    for folder in store.order_folders():
        key = folder_key(folder)
        if not key:
            notes.append(f"{store.relative(folder)}: no committed order data; not indexed")
            continue
        with store.lock(key, f"order {key}"):
            ref = store.locate(key)
            relative = store.relative(folder)
            if ref is not None and ref.folder != relative:
                if (store.folder(ref) / "originals").is_dir():
                    notes.append(f"{relative}: order {ref.order_no} is filed in {ref.folder}; "
                                 "this second folder is not indexed (`gendan verify`)")
                    continue
                ref = None
            record = OrderRecord(store, key, ref or OrderRef("", "", relative), registered=True)
            if ref is None:
                data = record.order
                ref = OrderRef(data.order_no, data.customer.code, relative)
                store.claim(key, ref)
                notes.append(f"{relative}: registry entry of {ref.order_no} written again")
                record = OrderRecord(store, key, ref, registered=True)
            documents = record.indexed()
            for meta in documents:
                for counter, seq in (meta.get("numbers") or {}).items():
                    counters[counter] = max(counters.get(counter, 0), int(seq))
            for row in documents:
                if row.get("missing") or row.get("damaged"):
                    what = "missing" if row.get("missing") else "damaged (size differs)"
                    notes.append(f"{row['path']}: {what}; run `gendan verify`")
            yield key, record.summary(), documents, record.text


def reindex(store: OrderStore) -> tuple[int, list[str]]:
    """Rebuild the whole index; returns the number of orders and notes for the user."""
    notes: list[str] = []
    counters: dict[str, int] = {}
    count = store.index.rebuild(_entries(store, notes, counters))
    for key, seen in counters.items():  # a lost counter never gives a number twice
        store.raise_counter(key, seen)
    return count, notes
