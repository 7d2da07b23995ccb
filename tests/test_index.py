"""The TinyDB index: incremental equals rebuilt, small writes, safe across processes."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

from pipeline.index import Index
from pipeline.process import Desk
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
    desk: Desk, order_data: dict[str, Any]
) -> None:
    _fill(desk, order_data)
    incremental = desk.index.snapshot()
    assert len(incremental["orders"]) == 3
    # 2 originals + 2 revisions x (quotation PDF, contract PDF and .docx)
    assert len(incremental["customers"]["ACME"]) == 8
    index_dir = desk.workspace.archive / ".index"
    for path in index_dir.rglob("*.json"):
        path.unlink()
    assert desk.reindex() == 3
    assert desk.index.snapshot() == incremental


def test_reindex_drops_what_is_no_longer_in_the_archive(
    desk: Desk, order_data: dict[str, Any]
) -> None:
    _fill(desk, order_data)
    import shutil

    shutil.rmtree(desk.workspace.archive / "MUELLER")
    desk.reindex()
    snapshot = desk.index.snapshot()
    assert "MUELLER" not in snapshot["customers"]
    assert {o["order_no"] for o in snapshot["orders"]} == {"PO-2026-0042", "AN-2026-118"}


def test_filing_one_order_rewrites_only_its_customer_and_the_catalogue(
    desk: Desk, order_data: dict[str, Any]
) -> None:
    _fill(desk, order_data)
    index_dir = desk.workspace.archive / ".index"
    before = {p: p.stat().st_mtime_ns for p in index_dir.rglob("*.json")}
    order_data["items"][0]["unit_price"] = "40.00"
    drop(desk.workspace, "PO-2026-0042 rev2.yaml", order_data)
    desk.run_once()
    changed = {p.name for p in index_dir.rglob("*.json") if p.stat().st_mtime_ns != before[p]}
    assert changed == {"ACME.json", "catalogue.json"}


def test_index_files_are_plain_json_without_temp_leftovers(
    desk: Desk, order_data: dict[str, Any]
) -> None:
    _fill(desk, order_data)
    index_dir = desk.workspace.archive / ".index"
    for path in index_dir.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
    assert not list(index_dir.rglob(".tmp-*"))


def _writer(folder: str, worker: int, rounds: int) -> None:
    index = Index(Path(folder))
    for n in range(rounds):
        order = {"order_no": f"W{worker}-{n}", "customer": f"C{n % 3}"}
        docs = [
            {"order": order["order_no"], "path": f"C{n % 3}/W{worker}-{n}/{k}"} for k in range(5)
        ]
        index.record(order, docs)


def _reader(folder: str, rounds: int, queue: Any) -> None:
    torn = 0
    for _ in range(rounds):
        try:
            Index(Path(folder)).orders()
        except Exception:
            torn += 1
    queue.put(torn)


def test_writers_and_readers_in_other_processes(tmp_path: Path) -> None:
    folder = str(tmp_path / "index")
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    writers = [ctx.Process(target=_writer, args=(folder, w, 40)) for w in range(3)]
    reader = ctx.Process(target=_reader, args=(folder, 400, queue))
    for proc in [*writers, reader]:
        proc.start()
    for proc in [*writers, reader]:
        proc.join(120)
        assert proc.exitcode == 0
    assert queue.get(timeout=5) == 0  # no reader ever saw a torn file
    index = Index(Path(folder))
    assert len(index.orders()) == 120  # no writer lost another's update
    assert sum(len(index.documents(f"C{c}")) for c in range(3)) == 600
