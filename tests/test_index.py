"""The index: incremental equals rebuilt, one order's card per write, safe across processes."""

from __future__ import annotations

import json
import multiprocessing
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline.desk import Desk
from pipeline.index import Index
from pipeline.reindex import reindex
from tests.conftest import copy_example, drop


def _fill(desk: Desk, order_data: dict[str, Any]) -> None:
    for name in ("PO-2026-0042.yaml", "HD-240317.yaml", "AN-2026-118.json"):
        copy_example(desk.workspace, name)
    desk.run_once()
    order_data["items"][0]["quantity"] = 604
    order_data["items"][0]["packing"]["cartons"] = 151
    drop(desk.workspace, "PO-2026-0042 rev.yaml", order_data)
    desk.run_once()


def test_reindex_gives_the_same_index_as_the_incremental_path(
    blank_desk: Desk, order_data: dict[str, Any]
) -> None:
    desk = blank_desk
    _fill(desk, order_data)
    incremental = desk.store.index.snapshot()
    assert len(incremental["cards"]) == 3 and len(incremental["catalogue"]["orders"]) == 3
    # 2 originals + 2 revisions x (quotation, contract)
    assert len(incremental["cards"]["po-2026-0042"]["documents"]) == 6
    desk.store.index.close()
    shutil.rmtree(desk.workspace.archive / ".index")
    assert reindex(desk.store) == (3, [])
    assert desk.store.index.snapshot() == incremental
    # read by a worker process while this one writes (as on a large archive): the same
    desk.store.index.close()
    shutil.rmtree(desk.workspace.archive / ".index")
    assert reindex(desk.store, jobs=1) == (3, [])
    assert desk.store.index.snapshot() == incremental
    assert len(desk.store.index.find(text="报价")) == 0  # blank documents: no text


def test_reindex_keeps_search_working(with_order: Desk) -> None:
    before = [h.as_dict() for h in with_order.store.index.find(text="报价")]
    assert {h["order"] for h in before} == {"PO-2026-0042", "HD-240317"}
    with_order.store.index.close()
    shutil.rmtree(with_order.workspace.archive / ".index")
    assert reindex(with_order.store, jobs=1)[0] == 2
    assert [h.as_dict() for h in with_order.store.index.find(text="报价")] == before


def test_reindex_reads_again_the_texts_whose_kept_copy_is_gone(
        with_order: Desk, tmp_path: Path) -> None:
    """The kept page texts are a cache beside the sidecars: an index and a cache both lost
    are rebuilt by `gendan reindex`, and the search finds a two-character word again."""
    from pipeline.pdf.search import search_texts

    before = [h.as_dict() for h in with_order.store.index.find(text="报价")]
    archive = with_order.workspace.archive
    with_order.store.index.close()
    shutil.rmtree(archive / ".index")
    kept = sorted(archive.glob("*/*/.text/*.json"))
    assert kept
    moved = tmp_path / "kept"
    moved.mkdir()
    for path in kept:
        shutil.move(path, moved / path.name)
    count, notes = reindex(with_order.store, jobs=1, reader=search_texts)
    assert count == 2
    assert any("read again for the search" in note for note in notes), notes
    assert sorted(archive.glob("*/*/.text/*.json")) == kept  # every one kept again
    again = [h.as_dict() for h in with_order.store.index.find(text="报价")]
    assert {h["order"] for h in again} == {h["order"] for h in before} == {
        "PO-2026-0042", "HD-240317"}


def test_reindex_drops_what_is_no_longer_in_the_archive(
    blank_desk: Desk, order_data: dict[str, Any]
) -> None:
    desk = blank_desk
    _fill(desk, order_data)
    shutil.rmtree(desk.workspace.archive / "MUELLER")
    count, _ = reindex(desk.store)
    assert count == 2
    snapshot = desk.store.index.snapshot()
    assert "hd-240317" not in snapshot["cards"]
    assert {o["order_no"] for o in snapshot["catalogue"]["orders"]} == {"PO-2026-0042",
                                                                       "AN-2026-118"}
    assert not any(d["customer"] == "MUELLER" for d in snapshot["catalogue"]["documents"])


def test_filing_one_order_rewrites_only_its_own_card(
    blank_desk: Desk, order_data: dict[str, Any]
) -> None:
    desk = blank_desk
    _fill(desk, order_data)
    cards = desk.workspace.archive / ".index" / "cards"
    before = {p: p.stat().st_mtime_ns for p in cards.rglob("*.json")}
    order_data["items"][0]["unit_price"] = "40.00"
    drop(desk.workspace, "PO-2026-0042 rev2.yaml", order_data)
    desk.run_once()
    changed = {p.name for p in cards.rglob("*.json") if p.stat().st_mtime_ns != before[p]}
    assert changed == {"po-2026-0042.json"}


def test_index_files_are_plain_json_without_temp_leftovers(
    blank_desk: Desk, order_data: dict[str, Any]
) -> None:
    desk = blank_desk
    _fill(desk, order_data)
    index_dir = desk.workspace.archive / ".index"
    for path in index_dir.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
    assert not list(index_dir.rglob(".tmp-*"))


def _writer(folder: str, worker: int, rounds: int) -> None:
    index = Index(Path(folder))
    for n in range(rounds):
        key = f"w{worker}-{n}"
        order = {"order_no": key.upper(), "customer": f"C{n % 3}", "status": "received"}
        docs = [{"path": f"C{n % 3}/{key}/{k}", "kind": "generated", "doc_type": "quotation",
                 "version": k + 1, "current": True, "sha256": f"{key}{k}", "file": str(k)}
                for k in range(5)]
        index.record(key, order, docs)


def _reader(folder: str, rounds: int, queue: Any) -> None:
    torn = 0
    for n in range(rounds):
        index = Index(Path(folder))
        try:
            index.orders()
            index.card(f"w0-{n % 40}")
        except Exception:
            torn += 1
        index.close()
    queue.put(torn)


@pytest.mark.slow
def test_writers_and_readers_in_other_processes(tmp_path: Path) -> None:
    folder = str(tmp_path / "index")
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    writers = [ctx.Process(target=_writer, args=(folder, w, 40)) for w in range(3)]
    reader = ctx.Process(target=_reader, args=(folder, 300, queue))
    for proc in [*writers, reader]:
        proc.start()
    for proc in [*writers, reader]:
        proc.join(120)
        assert proc.exitcode == 0
    assert queue.get(timeout=5) == 0  # no reader ever saw a torn file
    index = Index(Path(folder))
    assert len(index.orders()) == 120  # no writer lost another's update
    assert sum(len(index.card(f"w{w}-{n}")[1]) for w in range(3) for n in range(40)) == 600


def test_the_due_steps_have_a_table_of_their_own_filled_for_an_older_index(
        tmp_path: Path) -> None:
    """The Today page reads the open orders' steps from their own table, in date order; an
    index made before that table existed gets it filled from its orders when opened."""
    import sqlite3

    index = Index(tmp_path / ".index")
    due = [{"kind": "inspection", "what": "inspection not booked", "date": "2027-01-05",
            "action": "book it"},
           {"kind": "approval", "what": "waiting for the manager", "date": "2026-12-01",
            "action": "approve"}]
    for n, status in enumerate(["confirmed", "registered", "in_production"]):
        index.record(f"po-{n}", {"order_no": f"PO-{n}", "customer": "ACME", "status": status,
                                 "salesperson": "王丽", "due": due}, [])
    expect = [("PO-0", "approval"), ("PO-2", "approval"), ("PO-0", "inspection"),
              ("PO-2", "inspection")]  # the registered order has nothing on the agenda
    steps = index.due_steps("2027-12-31", 10)
    assert [(s["order_no"], s["kind"]) for s in steps] == expect
    assert steps[0]["salesperson"] == "王丽"
    assert index.due_steps("2026-12-31", 10)[-1]["order_no"] == "PO-2"
    counts = {c["kind"]: c for c in index.due_counts("2027-12-31", "2026-12-02")}
    assert (counts["approval"]["count"], counts["approval"]["overdue"]) == (2, 2)
    assert (counts["inspection"]["count"], counts["inspection"]["overdue"]) == (2, 0)
    index.close()
    with sqlite3.connect(tmp_path / ".index" / "catalogue.sqlite") as db:  # as it was made
        db.execute("DELETE FROM due_steps")
        db.execute("PRAGMA user_version = 0")
    again = Index(tmp_path / ".index")
    assert [(s["order_no"], s["kind"]) for s in again.due_steps("2027-12-31", 10)] == expect
    again.close()


def test_an_order_written_by_difference_reads_as_one_written_whole(tmp_path: Path) -> None:
    """Seeded edits of growing orders (documents added, changed, gone), some written by
    another writer between two of this one's: the cards and the catalogue end as a fresh
    index writing each order whole says, after every step."""
    import random

    rng = random.Random(29)
    ours, theirs = Index(tmp_path / "ours"), Index(tmp_path / "ours")
    orders: dict[str, dict[str, dict[str, Any]]] = {"a": {}, "b": {}, "c": {}}
    for step in range(120):
        key = rng.choice(sorted(orders))
        docs = orders[key]
        for _ in range(rng.randint(1, 4)):
            what = rng.random()
            if what < 0.55 or not docs:
                path = f"C/{key}/originals/{key}_{len(docs) + rng.randint(0, 10 ** 6)}.pdf"
                docs[path] = {"path": path, "kind": "original", "doc_type": "packing_list",
                              "version": 1, "current": True, "sha256": f"{path}-sha",
                              "time": f"2026-12-{rng.randint(1, 28):02d}", "file": "x"}
            elif what < 0.85:
                path = rng.choice(sorted(docs))
                docs[path] = {**docs[path], "current": rng.random() < 0.5,
                              "duplicates": [{"source": f"again {step}"}]}
            else:
                del docs[rng.choice(sorted(docs))]
        order = {"order_no": key.upper(), "customer": "C", "status": "received",
                 "models": [f"M-{step % 3}"]}
        writer = theirs if rng.random() < 0.2 else ours
        writer.record(key, order, [dict(d) for d in docs.values()])
        whole = Index(tmp_path / f"whole-{step}")
        for other, other_docs in orders.items():
            if other_docs or other == key:
                card = (ours if other != key else writer).card(other)
                if card is not None:
                    whole.record(other, card[0], [dict(d) for d in other_docs.values()])
        assert ours.snapshot() == whole.snapshot(), step
        assert ours.card(key) == (order, sorted(docs.values(), key=lambda d: d["path"]))
        whole.close()
        shutil.rmtree(tmp_path / f"whole-{step}")
