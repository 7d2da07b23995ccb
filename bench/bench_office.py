"""Benchmark: the office's page at ten thousand open orders (`gendan serve`).

The office's workspace (tests/office.py) with 10,000 more open orders in its index, each
with two to four steps due between 60 days ago and 60 days ahead, for 200 customers. The
server runs as `gendan serve` (its own process); 20 readers ask at once, for a while, for
the Today page (first page and a later one), the customers, a customer, an order, and a
search; and, as the floor, a static file through the same server under the same load.

    .venv/bin/python bench/bench_office.py [--orders 10000] [--seconds 20]

Goal: every page p95 <= 300 ms, the server <= 300 MB. Writes bench/results/office.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.office import make_office  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "office.json"
STEPS = [("approval", "contract review: waiting for the manager"),
         ("factory_confirmation", "the factory has not confirmed the delivery date"),
         ("inspection", "inspection not booked"), ("loading", "loading not booked"),
         ("payment", "balance due")]


def fill(ws: Path, orders: int, seed: int = 1) -> None:
    """`orders` open orders in the workspace's index (catalogue rows, as filing writes)."""
    from pipeline.index.catalogue import Catalogue, rows_of
    from pipeline.store import order_key

    rng = random.Random(seed)
    today = dt.date.today()
    catalogue = Catalogue(ws / "archive" / ".index" / "catalogue.sqlite")
    db = catalogue.begin()
    for n in range(orders):
        order_no = f"PO-{2016 + n % 10}-{n:05d}"
        customer = f"C{n % 200:03d}"
        due = []
        for kind, what in rng.sample(STEPS, rng.randint(2, 4)):
            day = today + dt.timedelta(days=rng.randint(-60, 60))
            due.append({"kind": kind, "what": what, "date": day.isoformat(),
                        "action": f"gendan show {order_no}"})
        due.sort(key=lambda d: d["date"])
        row = {"order_no": order_no, "customer": customer,
               "customer_name": f"Customer {customer} Ltd.", "status": "confirmed",
               "currency": "USD", "total_amount": f"{rng.randint(1000, 900000)}.00",
               "order_date": (today - dt.timedelta(days=rng.randint(0, 3650))).isoformat(),
               "delivery_date": (today + dt.timedelta(days=rng.randint(0, 90))).isoformat(),
               "salesperson": rng.choice(["Li Na", "Wang Wei", "Zhang Min"]),
               "models": [f"HT-{rng.randint(1000, 9999)}"], "due": due,
               "next_due": due[0]["date"], "next_what": due[0]["what"]}
        catalogue.put_rows(db, rows_of(order_key(order_no), row, []), None)
        if n % 1000 == 999:
            catalogue.commit(db)
            db = catalogue.begin()
    catalogue.commit(db)
    catalogue.close()


def serve(ws: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gendan"), "-w", str(ws), "serve",
                               "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(600):
        try:
            if httpx.get(f"{base}/static/gendan.css", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return server, base


def memory_mb(pid: int) -> dict[str, float]:
    """The server's peak resident memory, and that of its whole tree now."""
    def status(p: int, key: str) -> float:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True,
                              check=False).stdout.split()
    return {"server_peak_mb": round(status(pid, "VmHWM:")),
            "tree_now_mb": round(status(pid, "VmRSS:") + sum(status(int(c), "VmRSS:")
                                                             for c in children))}


def load(base: str, seconds: float, readers: int = 20) -> dict[str, list[float]]:
    import httpx

    urls = ["/", "/?page=5", "/customers", "/customers/C042", "/orders/HD-240317",
            "/search?q=%E6%8A%A5%E4%BB%B7", "/static/gendan.css"]
    times: dict[str, list[float]] = {u: [] for u in urls}
    errors: list[str] = []
    stop = threading.Event()

    def reader(n: int) -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            i = n
            while not stop.is_set():
                url = urls[i % len(urls)]
                i += 1
                t0 = time.perf_counter()
                reply = client.get(url)
                times[url].append((time.perf_counter() - t0) * 1000)
                if reply.status_code != 200:
                    errors.append(f"{url}: {reply.status_code}")

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(readers)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"errors under load: {errors[:5]}")
    return times


def p(values: list[float], q: float) -> float:
    return round(sorted(values)[int(q * (len(values) - 1))], 1) if values else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gendan-bench-office-") as tmp:
        ws = make_office(Path(tmp) / "ws")
        started = time.perf_counter()
        fill(ws, args.orders)
        filled = time.perf_counter() - started
        server, base = serve(ws)
        try:
            import httpx

            sizes = {u: len(httpx.get(base + u, timeout=120).content)
                     for u in ("/", "/customers")}
            times = load(base, args.seconds)
            memory = memory_mb(server.pid)
        finally:
            server.terminate()
            server.wait(30)
    pages = {u: {"p50_ms": p(v, 0.5), "p95_ms": p(v, 0.95), "requests": len(v)}
             for u, v in times.items()}
    worst = max(v["p95_ms"] for u, v in pages.items() if not u.startswith("/static"))
    result = {"orders": args.orders, "readers": 20, "seconds": args.seconds,
              "filled_s": round(filled, 1), "html_bytes": sizes, "pages": pages, **memory,
              "goal_p95_ms": 300, "goal_mb": 300,
              "met": worst <= 300 and memory["server_peak_mb"] <= 300}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n", "utf-8")
    print(f"{args.orders} open orders, 20 readers for {args.seconds:.0f} s "
          f"(floor: a static file through the same server):")
    for url, v in pages.items():
        print(f"  {url:<32} p50 {v['p50_ms']:>7} ms  p95 {v['p95_ms']:>7} ms  "
              f"({v['requests']} requests)")
    print(f"  Today page {sizes['/']:,} bytes; customers {sizes['/customers']:,} bytes")
    print(f"  server peak {memory['server_peak_mb']} MB, its tree now "
          f"{memory['tree_now_mb']} MB (goal <= 300 MB); "
          f"{'met' if result['met'] else 'NOT met'}")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
