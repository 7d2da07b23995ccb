"""The only module that imports TinyDB: a look-up index rebuilt from the archive at will.

One small catalogue of orders (`archive/.index/catalogue.json`) and one document file per
customer (`archive/.index/customers/<customer>.json`), so filing a document rewrites that
customer's file, never an index the size of the whole archive. TinyDB rewrites its JSON in
place; here the storage writes a temp file and renames it, so a reader in another process
sees the old index or the new one, never a torn file. Writers take a file lock; each
update is one batched write per file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from tinydb import Query, TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage

from .errors import IndexError_
from .fsutil import atomic_write, safe_name

__all__ = ["Index"]


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces the file atomically instead of rewriting it in place."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            data: dict[str, dict[str, Any]] = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return None
        except ValueError as exc:
            raise IndexError_(
                f"index file {self.path} is damaged ({exc})",
                hint="Run `gendan reindex` to rebuild it from the archive.",
            ) from exc
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        atomic_write(self.path, text.encode("utf-8"))

    def close(self) -> None:
        pass


class Index:
    def __init__(self, folder: Path, *, lock_timeout: float = 60) -> None:
        self.folder = folder
        self.catalogue_path = folder / "catalogue.json"
        self._lock = FileLock(str(folder / ".lock"), timeout=lock_timeout)

    def _customer_path(self, customer: str) -> Path:
        return self.folder / "customers" / f"{safe_name(customer)}.json"

    @contextmanager
    def _open(self, path: Path) -> Iterator[TinyDB]:
        """A TinyDB whose writes are cached and flushed once, atomically, on exit."""
        path.parent.mkdir(parents=True, exist_ok=True)
        db = TinyDB(str(path), storage=CachingMiddleware(AtomicJSONStorage))  # type: ignore[no-untyped-call]
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            with self._lock:
                yield
        except Timeout as exc:
            raise IndexError_(
                f"the index at {self.folder} is locked by another gendan process",
                hint="Wait for it to finish, or remove the .lock file if none is running.",
            ) from exc

    # -- writing ---------------------------------------------------------------------------
    def record(self, order: dict[str, Any], documents: list[dict[str, Any]]) -> None:
        """Replace what the index holds about one order (one write per file touched)."""
        with self._writing():
            self._put(order, documents)

    def _put(self, order: dict[str, Any], documents: list[dict[str, Any]]) -> None:
        q = Query()
        with self._open(self._customer_path(order["customer"])) as db:
            docs = db.table("documents")
            docs.remove(q.order == order["order_no"])
            docs.insert_multiple(documents)
        with self._open(self.catalogue_path) as db:
            db.table("orders").upsert(order, q.order_no == order["order_no"])

    def rebuild(self, entries: Iterable[tuple[dict[str, Any], list[dict[str, Any]]]]) -> int:
        """Throw the index away and build it from `entries`; returns the number of orders."""
        with self._writing():
            by_customer: dict[str, list[dict[str, Any]]] = {}
            orders = []
            for order, documents in entries:
                orders.append(order)
                by_customer.setdefault(order["customer"], []).extend(documents)
            stale = set(self.folder.glob("customers/*.json"))
            for customer, documents in by_customer.items():
                path = self._customer_path(customer)
                stale.discard(path)
                with self._open(path) as db:
                    db.drop_tables()
                    db.table("documents").insert_multiple(documents)
            for path in stale:
                path.unlink()
            with self._open(self.catalogue_path) as db:
                db.drop_tables()
                db.table("orders").insert_multiple(orders)
            return len(orders)

    # -- reading ---------------------------------------------------------------------------
    def orders(self) -> list[dict[str, Any]]:
        with self._open(self.catalogue_path) as db:
            rows = [dict(row) for row in db.table("orders").all()]
        return sorted(rows, key=lambda r: (r["customer"], r["order_no"]))

    def order(self, order_no: str) -> dict[str, Any] | None:
        with self._open(self.catalogue_path) as db:
            row = db.table("orders").get(Query().order_no == order_no)
        return dict(row) if isinstance(row, dict) else None

    def documents(self, customer: str, order_no: str | None = None) -> list[dict[str, Any]]:
        path = self._customer_path(customer)
        if not path.exists():
            return []
        with self._open(path) as db:
            table = db.table("documents")
            rows = table.all() if order_no is None else table.search(Query().order == order_no)
        return sorted((dict(r) for r in rows), key=lambda r: r["path"])

    def snapshot(self) -> dict[str, Any]:
        """The whole index as plain data, independent of TinyDB's ids (for comparisons)."""
        customers = {}
        for path in sorted(self.folder.glob("customers/*.json")):
            with self._open(path) as db:
                rows = db.table("documents").all()
            customers[path.stem] = sorted((dict(r) for r in rows), key=lambda r: r["path"])
        return {"orders": self.orders(), "customers": customers}
