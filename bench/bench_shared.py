"""Benchmark of the shared backend (PostgreSQL from the Debian packages, a server of the
benchmark's own in a temporary folder):

1. factory PDFs filed by 1, 2 and 4 workers (processes, standing for machines) from one
   shared inbox, against `gendan run` on the workspace alone, in the same run;
2. workers killed (SIGKILL) at random moments while 200 files are filed: lost, filed
   twice, what `verify` says;
3. look-up and search at 1,000,000 documents in PostgreSQL (rows written with COPY, one
   page of text each drawn from a vocabulary of Chinese and English words): an order's
   look-up, its card, and two-character Chinese searches (p50/p95), beside the floor of
   one primary-key SELECT in the same database;
4. the workspace of part 1 migrated to PostgreSQL with its archive in S3 (moto's server),
   exported again from another machine that holds nothing of the archive: the same
   manifest; the copy to S3 and the other machine's pull beside the bare copy of the same
   bytes with fsspec.

    .venv/bin/python bench/bench_shared.py [--files 120] [--kills 200] [--documents 1000000]

Prints a table and writes bench/results/shared.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from pipeline.config import Documents, Settings  # noqa: E402
from pipeline.desk import Desk  # noqa: E402
from pipeline.workspace import Workspace  # noqa: E402
from tests.conftest import TRUSTING  # noqa: E402
from tests.fakes import BlankMaker  # noqa: E402
from tests.pgserver import PgServer  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
SKIP = {"libreoffice-writer-password.pdf"}
SETTINGS = Settings(approval=TRUSTING, documents=Documents(on_order=["quotation"],
                                                           word_to_pdf=False))
ORDERS = 8


def _order(number: int) -> str:
    data = yaml.safe_load((ROOT / "examples" / "PO-2026-0042.yaml").read_text("utf-8"))
    data["order_no"] = f"PO-SH-{number:04d}"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _desk(root: Path) -> Desk:
    workspace = Workspace(root)
    return Desk(workspace, SETTINGS, maker=BlankMaker(workspace, SETTINGS))


def _base(folder: Path) -> Path:
    """A workspace with ORDERS orders filed (on the workspace backend)."""
    root = folder / "base"
    desk = _desk(root)
    desk.workspace.ensure_folders()
    for n in range(ORDERS):
        (desk.workspace.inbox / f"order-{n}.yaml").write_text(_order(n), "utf-8")
    assert all(o.status == "archived" for o in desk.run_once())
    desk.store.index.close()
    return root


def _factory_files(count: int) -> list[tuple[str, bytes]]:
    """The factory benchmark's distinct corpus PDFs, spread over the orders by name."""
    from bench.bench_factory import variants

    corpus = len([p for p in CORPUS.glob("*.pdf") if p.name not in SKIP])
    made = variants(-(-count // corpus))[:count]
    return [(f"PO-SH-{n % ORDERS:04d}_{n:03d}_{name.split('_', 2)[-1]}", data)
            for n, (name, data) in enumerate(made)]


def _worker(root: str, lease: float) -> None:
    from pipeline.worker import queue_of, work

    desk = Desk(Workspace(Path(root)), SETTINGS)
    work(desk, queue_of(desk, lease_seconds=lease), once=True)


def _copy(base: Path, target: Path, url: str) -> Path:
    shutil.copytree(base, target)
    if url:
        from pipeline.reindex import reindex
        from pipeline.shared import SharedStore

        reindex(SharedStore(target / "archive", url), jobs=0)
    return target


def throughput(server: PgServer, folder: Path, base: Path, count: int) -> dict[str, Any]:
    files = _factory_files(count)
    results: dict[str, Any] = {}
    for workers in (0, 1, 2, 4):
        url = server.new_database() if workers else ""
        os.environ.pop("GENDAN_STORE_URL", None)
        root = _copy(base, folder / f"run-{workers}", url)
        if url:
            os.environ["GENDAN_STORE_URL"] = url
        for name, data in files:
            (root / "inbox" / name).write_bytes(data)
        start = time.perf_counter()
        if workers == 0:
            outcomes = Desk(Workspace(root), SETTINGS).run_once()
            assert all(o.status == "archived" for o in outcomes), outcomes[:3]
        else:
            context = multiprocessing.get_context("fork")
            processes = [context.Process(target=_worker, args=(str(root), 60))
                         for _ in range(workers)]
            for p in processes:
                p.start()
            for p in processes:
                p.join()
        seconds = time.perf_counter() - start
        left = [p for p in (root / "inbox").iterdir() if p.is_file()]
        assert not left, left[:3]
        results["workspace, gendan run" if workers == 0 else f"{workers} worker(s)"] = {
            "files": len(files), "seconds": round(seconds, 2),
            "files_per_s": round(len(files) / seconds, 1)}
        os.environ.pop("GENDAN_STORE_URL", None)
    return results


def kills(server: PgServer, folder: Path, count: int, seed: int = 29) -> dict[str, Any]:
    from pipeline.verify import verify
    from pipeline.worker import queue_of

    rng = random.Random(seed)
    url = server.new_database()
    os.environ["GENDAN_STORE_URL"] = url
    root = folder / "kills"
    desk = _desk(root)
    desk.workspace.ensure_folders()
    for n in range(count):
        (desk.workspace.inbox / f"order-{n}.yaml").write_text(_order(1000 + n), "utf-8")
    context = multiprocessing.get_context("fork")

    def start() -> Any:
        process = context.Process(target=_blank_worker, args=(str(root),))
        process.start()
        return process

    workers, killed, began = [start(), start()], 0, time.perf_counter()
    while any(p.is_alive() for p in workers):
        time.sleep(rng.uniform(0.1, 1.5))
        alive = [p for p in workers if p.is_alive()]
        if not alive:
            break
        os.kill(rng.choice(alive).pid or 0, signal.SIGKILL)
        killed += 1
        workers = [p for p in workers if p.is_alive()] + [start()]
    time.sleep(2.5)
    _blank_worker(str(root))
    seconds = time.perf_counter() - began
    desk = _desk(root)
    filed: dict[str, int] = {}
    for order in desk.store.index.orders():
        card = desk.store.index.card(order["key"])
        filed[order["order_no"]] = sum(1 for d in (card[1] if card else [])
                                       if d["kind"] == "original")
    desk.recover()
    problems = verify(desk.store, desk.parking)
    os.environ.pop("GENDAN_STORE_URL", None)
    return {"files": count, "kills": killed, "seconds": round(seconds, 1),
            "lost": count - len(filed) + len([p for p in desk.pending()]),
            "filed_twice": sum(1 for n in filed.values() if n > 1),
            "verify_problems": len(problems), "queue": queue_of(desk).counts()}


def _blank_worker(root: str) -> None:
    from pipeline.worker import queue_of, work

    desk = _desk(Path(root))
    work(desk, queue_of(desk, lease_seconds=2), once=True)


# -- a million documents ---------------------------------------------------------------------
COMMON = ("报价合同发票装箱毛重净重体积数量单价金额型号工厂验货出货包装纸箱托盘标签说明保修质检海关编码"
          "运输提单目的港口付款信用定金尾款交期样品颜色尺寸材料电压功率插头认证检验报告客户订单确认日期"
          "签字盖章产品规格总计件数箱号唛头")
EN = ("packing list invoice carton pallet gross net weight volume quantity price amount model "
      "factory inspection shipment label manual warranty customs code freight port payment "
      "deposit balance delivery sample colour size material voltage power plug report order "
      "date signature").split()


def vocabulary(seed: int = 5, size: int = 3000) -> list[str]:
    """Chinese two-character words drawn from the trade's common characters."""
    rng = random.Random(seed)
    words = {COMMON[i:i + 2] for i in range(0, len(COMMON) - 1, 2)}
    while len(words) < size:
        words.add(rng.choice(COMMON) + rng.choice(COMMON))
    return sorted(words)


def _page(rng: random.Random, words: list[str], weights: list[float]) -> str:
    """A page's text: Chinese words by a Zipf law (a few on most pages, most on few),
    English words and a model number."""
    chosen = rng.choices(words, weights, k=36) + rng.choices(EN, k=24)
    rng.shuffle(chosen)
    return " ".join([*chosen, f"HT-{rng.randint(1000, 9999)}", str(rng.randint(1, 99999))])


PAGES = 5000  # distinct page texts, each document one of them (its own row in the index)


def _pages() -> list[tuple[str, str, str, str]]:
    from pipeline.index.pg import lexemes
    from pipeline.index.tokens import index_columns

    rng = random.Random(11)
    words = vocabulary()
    weights = [1 / rank for rank in range(1, len(words) + 1)]
    pages = []
    for _ in range(PAGES):
        text = _page(rng, words, weights)
        tokens = index_columns(text)
        pages.append((text, *tokens, lexemes(*tokens)))
    return pages


def million(server: PgServer, documents: int, queries: int = 200) -> dict[str, Any]:
    import psycopg

    from pipeline.index import Index

    url = server.new_database()
    index = Index(Path("/nonexistent"), url=url)
    index.orders()  # the schema made
    per_order = 10
    with psycopg.connect(url, autocommit=True) as db:
        made = time.perf_counter()
        db.execute("DROP INDEX page_text_tsv")
        pages = _pages()
        with db.cursor() as cursor:
            with cursor.copy("COPY page_text (sha256, text, words, chars, tsv, page) "
                             "FROM STDIN") as copy:
                for n in range(documents):
                    copy.write_row((f"{n:064x}", *pages[n % PAGES], 1))
            with cursor.copy("COPY documents (path, key, order_no, customer, kind, doc_type, "
                             "version, current, sha256, pages, date, row) FROM STDIN") as copy:
                for n in range(documents):
                    order = n // per_order
                    path = f"C{order % 500:03d}/PO-{order:07d}/originals/doc-{n}.pdf"
                    row = {"path": path, "file": f"doc-{n}.pdf", "kind": "original",
                           "doc_type": "packing_list", "version": 1, "current": True,
                           "time": f"2026-{1 + n % 12:02d}-01T00:00:00"}
                    copy.write_row((path, f"po-{order:07d}", f"PO-{order:07d}",
                                    f"C{order % 500:03d}", "original", "packing_list", 1, 1,
                                    f"{n:064x}", 1, row["time"][:10], json.dumps(row)))
            with cursor.copy("COPY cards (key, card) FROM STDIN") as copy:
                for order in range(documents // per_order):
                    copy.write_row((f"po-{order:07d}", json.dumps(
                        {"order": {"order_no": f"PO-{order:07d}"}, "documents": []})))
        db.execute("CREATE INDEX page_text_tsv ON page_text USING GIN (tsv)")
        db.execute("ANALYZE")
        load_s = time.perf_counter() - made
        size = db.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        rng = random.Random(7)
        keys = [f"po-{rng.randrange(documents // per_order):07d}" for _ in range(queries)]
        floor = _timed(lambda k: db.execute("SELECT card FROM cards WHERE key = %s",
                                            (k,)).fetchone(), keys)
    lookup = _timed(lambda k: index.card(k), keys)
    by_order = _timed(lambda k: index.find(order=k.upper()), keys[:50])
    vocab = vocabulary()
    words = rng.choices(vocab, [1 / rank for rank in range(1, len(vocab) + 1)], k=queries)
    _timed(lambda w: index.find(text=w), words[:10])  # warm
    search = _timed(lambda w: index.find(text=w), words)
    hits = len(index.find(text=words[0]))
    index.close()
    return {"documents": documents, "load_s": round(load_s, 1),
            "database_mb": round(size / 1e6), "floor_primary_key_ms": floor,
            "card_lookup_ms": lookup, "documents_of_an_order_ms": by_order,
            "two_character_search_ms": search, "hits_a_search": hits}


def migrated(server: PgServer, folder: Path) -> dict[str, Any]:
    """Part 4 on the workspace `gendan run` filed in part 1."""
    import fsspec
    from click.testing import CliRunner

    from pipeline.cli import cli
    from tests.conftest import new_bucket, start_s3_server
    from tests.pgserver import use_database

    source = folder / "run-0"
    s3, endpoint = start_s3_server()
    runner = CliRunner()

    def gendan(root: Path, *args: str) -> str:
        done = runner.invoke(cli, ["-w", str(root), *args], catch_exceptions=False)
        assert done.exit_code == 0, done.output
        return str(done.output)

    try:
        os.environ.pop("GENDAN_STORE_URL", None)
        orders = [f"PO-SH-{n:04d}" for n in range(ORDERS)]
        gendan(source, "export", *orders, "-o", str(folder / "before"))
        url, bucket = server.new_database(), new_bucket(endpoint)
        start = time.perf_counter()
        gendan(source, "migrate", "--to", url, "--archive", bucket, "--endpoint", endpoint)
        migrate_s = time.perf_counter() - start
        other = folder / "other"
        Workspace(other).ensure_folders()
        use_database(other, url)
        (other / "gendan.toml").write_text(
            (other / "gendan.toml").read_text("utf-8")
            + f'archive_url = "{bucket}"\narchive_endpoint = "{endpoint}"\n', "utf-8")
        start = time.perf_counter()
        gendan(other, "export", *orders, "-o", str(folder / "after"))
        export_s = time.perf_counter() - start
        manifests = [json.loads((folder / side / "manifest.json").read_text("utf-8"))
                     for side in ("before", "after")]
        for manifest in manifests:
            del manifest["exported"]
        files = [p for p in (source / "archive").rglob("*")
                 if p.is_file() and p.relative_to(source / "archive").parts[0][0] != "."]
        size = sum(p.stat().st_size for p in files)
        fs = fsspec.filesystem("s3", endpoint_url=endpoint, skip_instance_cache=True)
        bare = new_bucket(endpoint).removeprefix("s3://")
        start = time.perf_counter()
        for path in files:
            fs.put_file(str(path), f"{bare}/{path.relative_to(source).as_posix()}")
        put_s = time.perf_counter() - start
        start = time.perf_counter()
        for path in files:
            fs.cat_file(f"{bare}/{path.relative_to(source).as_posix()}")
        get_s = time.perf_counter() - start
        checked = runner.invoke(cli, ["-w", str(other), "verify"])
    finally:
        s3.stop()
    return {"orders": ORDERS, "files": len(files), "mb": round(size / 1e6, 1),
            "same_manifest": manifests[0] == manifests[1],
            "manifest_files": len(manifests[0]["files"]),
            "verify_clean": checked.exit_code == 0,
            "migrate_s": round(migrate_s, 2), "bare_put_s": round(put_s, 2),
            "export_from_other_machine_s": round(export_s, 2),
            "bare_get_s": round(get_s, 2)}


def _timed(call: Any, items: list[Any]) -> dict[str, float]:
    times = []
    for item in items:
        start = time.perf_counter()
        call(item)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50": round(statistics.median(times), 2),
            "p95": round(times[int(len(times) * 0.95) - 1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=120)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--parts", default="throughput,kills,million,migrate",
                        help="which parts to run (comma-separated)")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    server = PgServer().start()
    results: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            if "throughput" in parts:
                results["throughput"] = throughput(server, folder, _base(folder), args.files)
                print(json.dumps(results["throughput"], indent=1), flush=True)
                if "migrate" in parts:
                    results["migrate"] = migrated(server, folder)
                    print(json.dumps(results["migrate"], indent=1), flush=True)
            if "kills" in parts:
                results["kills"] = kills(server, folder, args.kills)
                print(json.dumps(results["kills"], indent=1), flush=True)
        if "million" in parts:
            results["million"] = million(server, args.documents)
            print(json.dumps(results["million"], indent=1), flush=True)
    finally:
        server.stop()
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / "shared.json"  # the parts not run this time kept from the last run
    kept = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    path.write_text(json.dumps({**kept, **results}, indent=1), "utf-8")


if __name__ == "__main__":
    main()
