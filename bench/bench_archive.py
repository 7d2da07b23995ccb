"""Benchmark: the index on a large archive. An archive of 10,000 orders of 1,000 customers
(about 110,000 documents) is synthesised in the real on-disk format: one order is made by
the pipeline, then cloned with its own order number, customer, models, file contents,
sidecars and kept page texts. Measured, each beside its target and a floor (the bare
library doing the least the task needs) in the same run:

- one order looked up (its card), and one document indexed (its order's card and rows
  rewritten, its page texts added), at 1,000 orders and at 10,000: independent of size;
- `find` by metadata and by full text (Chinese words, model numbers, numbers), p95;
- `reindex` from nothing: time and peak memory;
- `gendan show` and `gendan find` as commands, wall time including start-up.

    .venv/bin/python bench/bench_archive.py [--orders 10000] [--customers 1000] [--keep DIR]

Prints a table and writes bench/results/archive.json. `--keep` keeps (and reuses) the
synthesised archive.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import Approval, Documents, Settings  # noqa: E402
from pipeline.desk import Desk  # noqa: E402
from pipeline.index import OrderFilter  # noqa: E402
from pipeline.index.tokens import VERSION as TOKENS  # noqa: E402
from pipeline.index.tokens import index_columns  # noqa: E402
from pipeline.store import SIDECAR_SUFFIX, OrderStore, dump_json, order_key  # noqa: E402
from pipeline.workspace import Workspace  # noqa: E402

SEED = "PO-2026-0042"
SEED_MODELS = ["HT-2020", "LM-1600", "HR-45", "PS-08"]
WORDS = ["毛重", "净重", "保修", "装箱单", "发票", "验货", "合格", "运输", "唛头", "体积"]
TARGETS = {"lookup_ms": 10, "index_ms": 20, "find_meta_ms": 50, "find_text_p95_ms": 200,
           "reindex_s": 60, "reindex_mb": 300, "command_s": 0.5, "due_s": 1, "ledger_s": 10}
GENDAN = str(Path(sys.executable).with_name("gendan"))


def seed_workspace(base: Path) -> Path:
    """One order made by the pipeline: order, approvals, loading, a factory document."""
    workspace = Workspace(base / "seed")
    workspace.ensure_folders()
    settings = Settings(approval=Approval(trust_inbox=True), documents=Documents(on_order=["quotation", "sales_contract"],
                                            word_to_pdf=False))
    desk = Desk(workspace, settings)
    examples = ROOT / "examples"
    shutil.copyfile(examples / f"{SEED}.yaml", workspace.inbox / f"{SEED}.yaml")
    desk.run_once()
    for name in sorted((examples / "updates").glob(f"{SEED}.[1236]-*.yaml")):
        shutil.copyfile(name, workspace.inbox / name.name)
        desk.run_once()
    shutil.copyfile(examples / "factory" / f"{SEED}_warranty-card.pdf",
                    workspace.inbox / f"{SEED}_warranty-card.pdf")
    desk.run_once()
    desk.store.index.close()
    return workspace.archive / "ACME" / SEED


def synthesise(seed: Path, archive: Path, first: int, last: int, customers: int) -> int:
    """Clone the seed order as orders first..last-1; returns the documents written."""
    sidecars = {p: json.loads(p.read_text(encoding="utf-8"))
                for p in seed.rglob(f"*{SIDECAR_SUFFIX}")}
    texts = {p.stem: json.loads(p.read_text(encoding="utf-8"))["pages"]
             for p in (seed / ".text").glob("*.json")}
    contents = {p: p.read_bytes() for p in sidecars if p.name}
    documents = 0
    for n in range(first, last):
        rng = random.Random(n)
        order_no, customer = f"BX-{n:05d}", f"C{n % customers:04d}"
        models = [f"{rng.choice('ABCDEFGHKLMNPRSTW')}{rng.choice('ABCDEFGHKLMNPRSTW')}-"
                  f"{rng.randint(10, 9999)}" for _ in SEED_MODELS]

        def swap(text: str, order_no: str = order_no, customer: str = customer,
                 models: list[str] = models) -> str:
            text = text.replace(SEED, order_no).replace("ACME/", f"{customer}/")
            text = text.replace('"ACME"', f'"{customer}"')
            for old, new in zip(SEED_MODELS, models, strict=True):
                text = text.replace(old, new)
            return text

        folder = archive / customer / order_no
        for sidecar, meta in sidecars.items():
            relative = sidecar.relative_to(seed).as_posix()[: -len(SIDECAR_SUFFIX)]
            target = folder / swap(relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = sidecar.with_name(sidecar.name[: -len(SIDECAR_SUFFIX)])
            if meta["kind"] == "original" and source.suffix in {".yaml", ".json"}:
                data = swap(source.read_text(encoding="utf-8")).encode()
            else:  # a small unique stand-in: the index never reads a PDF's bytes
                data = f"%PDF-1.4 stand-in for {target.name} of {order_no}\n".encode()
            target.write_bytes(data)
            digest = hashlib.sha256(data).hexdigest()
            new = json.loads(swap(json.dumps(meta, ensure_ascii=False)))
            if meta["sha256"] in texts:
                pages = [swap(t) + f" {rng.choice(WORDS)} {rng.randint(1000, 99999)}"
                         for t in texts[meta["sha256"]]]
                (folder / ".text").mkdir(exist_ok=True)
                (folder / ".text" / f"{digest}.json").write_bytes(dump_json({
                    "sha256": digest, "pages": pages, "tokens": TOKENS,  # as filing keeps it
                    "columns": [list(index_columns(page)) for page in pages]}))
            if new["source_sha256"] == meta["sha256"]:
                new["source_sha256"] = digest
            new["sha256"], new["size"] = digest, len(data)
            target.with_name(target.name + SIDECAR_SUFFIX).write_bytes(dump_json(new))
            documents += 1
        registry = archive / ".orders" / f"{order_key(order_no)}.json"
        registry.parent.mkdir(parents=True, exist_ok=True)
        registry.write_bytes(dump_json({"order_no": order_no, "customer": customer,
                                        "folder": f"{customer}/{order_no}"}))
    del contents
    return documents


def fix_sources(archive: Path) -> None:
    """Generated documents name the sha256 of the file that made them: point them at the
    clone's own originals (the seed's shas were replaced above)."""
    for folder in archive.glob("*/BX-*"):
        originals = {}
        for sidecar in (folder / "originals").glob(f"*{SIDECAR_SUFFIX}"):
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            originals[meta["source"]] = meta["sha256"]
        for sidecar in folder.glob(f"*/*{SIDECAR_SUFFIX}"):
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            if meta["kind"] != "original" and meta["source"] in originals:
                meta["source_sha256"] = originals[meta["source"]]
                sidecar.write_bytes(dump_json(meta))


def timed(fn: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def reindex_run(workspace: Path) -> tuple[float, float]:
    """`reindex` from nothing in a child: seconds and peak memory (MB: the writing process
    and its reading worker together)."""
    shutil.rmtree(workspace / "archive" / ".index", ignore_errors=True)
    code = (f"import resource, sys, time; sys.path.insert(0, {str(ROOT)!r})\n"
            "from pathlib import Path\nfrom pipeline.store import OrderStore\n"
            "from pipeline.reindex import reindex\nt = time.perf_counter()\n"
            f"n, _ = reindex(OrderStore(Path({str(workspace / 'archive')!r})))\n"
            "mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "readers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
            "print(n, time.perf_counter() - t, (mine + readers) / 1024)")  # both processes
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[1]), float(out[2])


def floor_walk(archive: Path) -> float:
    """The floor of a rebuild: walk the archive and parse every sidecar, nothing else."""
    started = time.perf_counter()
    for path in archive.rglob(f"*{SIDECAR_SUFFIX}"):
        json.loads(path.read_bytes())
    return time.perf_counter() - started


def in_process(archive: Path, orders: int, rng: random.Random) -> dict[str, float]:
    store = OrderStore(archive)
    index = store.index
    keys = [order_key(f"BX-{rng.randrange(orders):05d}") for _ in range(200)]
    lookup = timed(lambda: index.card(keys.pop()), 200)
    card_paths = [index.cards.path(order_key(f"BX-{rng.randrange(orders):05d}"))
                  for _ in range(200)]
    floor_lookup = timed(lambda: json.loads(card_paths.pop().read_bytes()), 200)
    # one more document on an order: its card and rows rewritten, its text added
    writes = []
    for n in rng.sample(range(orders), 30):
        key = order_key(f"BX-{n:05d}")
        card = index.card(key)
        assert card is not None
        order, docs = card
        extra = dict(docs[-1])
        extra["path"] = extra["path"] + ".extra"
        extra["sha256"] = hashlib.sha256(extra["path"].encode()).hexdigest()
        page = [f"extra page of {order['order_no']} 毛重 {n}"]
        started = time.perf_counter()
        index.record(key, order, [*docs, extra], lambda sha, page=page: {"pages": page})
        writes.append((time.perf_counter() - started) * 1000)
    customers = sorted({o.split("/")[0] for o in (p.name for p in archive.iterdir())
                        if not o.startswith(".")})
    meta = timed(lambda: index.find(customer=rng.choice(customers), doc_type="quotation"), 40)
    meta += timed(lambda: index.orders(OrderFilter(customer=rng.choice(customers))), 40)
    queries = ["毛重", "保修", "装箱单", "ht2020", "PS 08", "38.50"] + [
        f"BX-{rng.randrange(orders):05d}" for _ in range(10)]
    text = []
    for query in queries * 3:
        text += timed(lambda q=query: index.find(text=q, limit=50), 1)
    db = index.catalogue._connect()
    floor_text = timed(lambda: db.execute(
        "SELECT rowid FROM pages WHERE pages MATCH 'words:\"毛重\"' LIMIT 50").fetchall(), 20)
    index.close()
    return {"lookup_ms": statistics.median(lookup), "lookup_floor_ms":
            statistics.median(floor_lookup), "index_ms": statistics.median(writes),
            "index_p95_ms": p95(writes), "find_meta_ms": p95(meta),
            "find_text_p95_ms": p95(text), "find_text_floor_ms": statistics.median(floor_text)}


def commands(workspace: Path, orders: int) -> dict[str, float]:
    def wall(*args: str) -> float:
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run([GENDAN, "-w", str(workspace), *args], check=True,
                           capture_output=True)
            runs.append(time.perf_counter() - started)
        return statistics.median(runs)

    python = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        python.append(time.perf_counter() - started)
    def ledger() -> float:
        target = workspace / "ledger.xlsx"
        target.unlink(missing_ok=True)
        started = time.perf_counter()
        subprocess.run([GENDAN, "-w", str(workspace), "ledger", "-o", str(target)], check=True,
                       capture_output=True)
        return time.perf_counter() - started

    due = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([GENDAN, "-w", str(workspace), "due"], capture_output=True)
        due.append(time.perf_counter() - started)
    return {"show_s": wall("show", f"BX-{orders // 2:05d}"), "orders_s": wall("orders"),
            "find_s": wall("find", "毛重", "--customer", "C0001"),
            "find_all_s": wall("find", "毛重"),
            "due_s": statistics.median(due), "ledger_s": ledger(),
            "python_floor_s": statistics.median(python)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-archive-"))
    workspace = base / "ws"
    archive = workspace / "archive"
    rng = random.Random(7)
    results: dict[str, Any] = {"orders": args.orders, "customers": args.customers}
    try:
        small = max(1, args.orders // 10)
        if not (archive / ".orders").is_dir() or len(list((archive / ".orders").iterdir())) \
                != args.orders:
            shutil.rmtree(base / "seed", ignore_errors=True)
            shutil.rmtree(workspace, ignore_errors=True)
            Workspace(workspace).ensure_folders()
            seed = seed_workspace(base)
            started = time.perf_counter()
            results["documents"] = synthesise(seed, archive, 0, small, args.customers)
            fix_sources(archive)
            results["at_small"] = {"orders": small, **in_process_after_reindex(
                workspace, archive, small, rng)}
            results["documents"] += synthesise(seed, archive, small, args.orders,
                                               args.customers)
            fix_sources(archive)
            results["synthesis_s"] = time.perf_counter() - started
        else:
            results["documents"] = sum(1 for _ in archive.rglob(f"*{SIDECAR_SUFFIX}"))
        seconds, peak = reindex_run(workspace)
        results["reindex_s"], results["reindex_mb"] = seconds, peak
        results["reindex_floor_s"] = floor_walk(archive)
        results["at_full"] = {"orders": args.orders, **in_process(archive, args.orders, rng)}
        results.update(commands(workspace, args.orders))
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    report(results)
    out = ROOT / "bench" / "results" / "archive.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1), "utf-8")
    return 0


def in_process_after_reindex(workspace: Path, archive: Path, orders: int,
                             rng: random.Random) -> dict[str, float]:
    reindex_run(workspace)
    return in_process(archive, orders, rng)


def report(r: dict[str, Any]) -> None:
    full, small = r["at_full"], r.get("at_small", {})
    rows = [
        ("order lookup (card), ms", small.get("lookup_ms"), full["lookup_ms"],
         full["lookup_floor_ms"], TARGETS["lookup_ms"]),
        ("one document indexed, ms (median)", small.get("index_ms"), full["index_ms"], None,
         TARGETS["index_ms"]),
        ("find by metadata, p95 ms", small.get("find_meta_ms"), full["find_meta_ms"], None,
         TARGETS["find_meta_ms"]),
        ("find full text, p95 ms", small.get("find_text_p95_ms"), full["find_text_p95_ms"],
         full["find_text_floor_ms"], TARGETS["find_text_p95_ms"]),
        ("reindex, s", None, r["reindex_s"], r["reindex_floor_s"], TARGETS["reindex_s"]),
        ("reindex peak memory, MB", None, r["reindex_mb"], None, TARGETS["reindex_mb"]),
        ("gendan show (command), s", None, r["show_s"], r["python_floor_s"],
         TARGETS["command_s"]),
        ("gendan find (command), s", None, r["find_s"], r["python_floor_s"],
         TARGETS["command_s"]),
        ("gendan find, whole archive, s", None, r["find_all_s"], r["python_floor_s"],
         TARGETS["command_s"]),
        (f"gendan orders, {r['orders']:,} orders, s", None, r["orders_s"],
         r["python_floor_s"], TARGETS["command_s"]),
        (f"gendan due, {r['orders']:,} open orders, s", None, r["due_s"], r["python_floor_s"],
         TARGETS["due_s"]),
        (f"gendan ledger, {r['orders']:,} orders, s", None, r["ledger_s"], None,
         TARGETS["ledger_s"]),
    ]
    print(f"archive: {r['orders']:,} orders, {r['customers']:,} customers, "
          f"{r['documents']:,} documents")
    print(f"{'measure':36} {'at 10%':>9} {'at 100%':>9} {'floor':>8} {'target':>7}  met")
    for name, at_small, at_full, floor, target in rows:
        def show(v: float | None) -> str:
            return f"{v:9.2f}" if v is not None else f"{'-':>9}"
        print(f"{name:36} {show(at_small)} {show(at_full)} "
              f"{(f'{floor:8.2f}' if floor is not None else '       -')} {target:7} "
              f" {'yes' if at_full <= target else 'NO'}")


if __name__ == "__main__":
    os.environ.setdefault("GENDAN_TODAY", "2026-12-15")
    sys.exit(main())
