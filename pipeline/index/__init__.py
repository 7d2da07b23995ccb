"""The index: look-ups and search over the archive, rebuilt from it at will.

Two parts, both derived from the archive's sidecars (the archive is the source of truth):

- `cards` (TinyDB): one small file per order, its order row and documents; the store
  writes the card of an order under that order's lock, so one commit rewrites one card;
- `catalogue` (SQLite): orders and documents as rows to filter and sort, and the page
  texts in FTS5 for `gendan find`.

This package is the only one that imports TinyDB or opens the SQLite file. Read
commands never create it: on a new workspace they see an empty index.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..workspace import Workspace, store_location
from .cards import Cards
from .catalogue import Catalogue, Rows, TextLoader, joined_model, rows_of
from .pg import PgCards, PgCatalogue, Postgres
from .search import Hit, OrderFilter, find_documents, list_orders, order_totals

__all__ = ["Hit", "Index", "OrderFilter", "Rows", "TextLoader", "joined_model",
           "without_bulky"]


_SHARED: dict[tuple[str, str], Index] = {}


class Index:
    def __init__(self, folder: Path, *, file_mode: int | None = None, url: str = "",
                 schema: str = "") -> None:
        """The index of the archive in `folder`; with `url`, in that PostgreSQL database
        (and `schema`) instead."""
        self.folder = folder
        self.cards: Cards | PgCards
        self.catalogue: Catalogue
        if url:
            pg = Postgres(url, schema)
            self.cards, self.catalogue = PgCards(pg), PgCatalogue(pg)
        else:
            self.cards = Cards(folder / "cards", file_mode=file_mode)
            self.catalogue = Catalogue(folder / "catalogue.sqlite")
        # what `record` last wrote of the orders it wrote last, and the catalogue's
        # generation after it: while that is still the generation, the rows are as written
        self._last: tuple[tuple[int, int], dict[str, dict[str, dict[str, Any]]]] | None = None
        self._last_lock = threading.Lock()  # the page's threads share one index

    @classmethod
    def of(cls, workspace: Workspace) -> Index:
        """The workspace's index; in PostgreSQL, one a process (its connections are kept
        by thread)."""
        url, schema = store_location(workspace.config_path)
        if not url:
            return cls(workspace.archive / ".index")
        if (url, schema) not in _SHARED:
            _SHARED[url, schema] = cls(workspace.archive / ".index", url=url, schema=schema)
        return _SHARED[url, schema]

    def exists(self) -> bool:
        return self.catalogue.exists()

    def version(self) -> tuple[int, ...]:
        """What changes whenever the catalogue does (the file it is, the writes it has
        seen): a page may keep what it read from an index of the same version."""
        if not self.exists():
            return (0, 0)
        return self.catalogue.version()

    def close(self) -> None:
        self._last = None  # the file may be another when it is opened again
        self.catalogue.close()

    # -- writing (the store calls these under the order's lock) ----------------------------
    def record(self, key: str, order: dict[str, Any], documents: list[dict[str, Any]],
               texts: TextLoader | None = None) -> None:
        """Replace what the index holds about one order. The index keeps `documents` (to
        write the next time by difference): the caller does not change them after."""
        rows = [_row(d) for d in documents]
        self.cards.write(key, order, rows)
        written = {r["path"]: r for r in rows}
        with self._last_lock:  # given back only if the write goes through
            last, self._last = self._last, None
        with self.catalogue.transaction() as db:
            generation = self.catalogue.generation_for_update(db)
            before = last[1].get(key) if last is not None and last[0] == generation else None
            if before is None:
                self.catalogue.put(db, key, order, rows, texts)
            else:  # by difference: no one else wrote to the catalogue since this did
                same = {p for p, r in written.items() if before.get(p) == r}
                # every content's text is looked for, not only the changed rows': a text
                # kept after its document was filed (a check that read it) is added now
                partial = rows_of(key, order, [r for r in rows if r["path"] not in same],
                                  contents=rows)
                self.catalogue.put_rows(db, partial, texts,
                                        changed=[p for p in before if p not in same])
        kept = last[1] if last is not None and last[0] == generation else {}
        kept[key] = written
        if len(kept) > 64:  # the orders written last
            del kept[next(iter(kept))]
        with self._last_lock:  # (a thread that wrote since leaves what it knew, or nothing)
            self._last = ((generation[0], generation[1] + 1), kept)

    def forget(self, key: str) -> None:
        self._last = None
        self.cards.forget(key)
        if self.exists():
            self.catalogue.forget(key)

    def prepare(self, key: str, order: dict[str, Any], documents: list[dict[str, Any]]) -> Rows:
        """Write the order's card and make its catalogue rows ready (for `rebuild`; under
        the order's lock, in whichever process reads it)."""
        rows = [_row(d) for d in documents]
        self.cards.write(key, order, rows)
        return rows_of(key, order, rows)

    def rebuild(self, entries: Iterable[tuple[Rows, TextLoader | None] | None],
                batch: int = 100) -> int:
        """Throw the catalogue's rows away and write them from `entries` (made by
        `prepare`), streamed, in transactions of `batch` orders; a None entry asks to commit
        now (the producer is about to wait for an order's lock, whose holder may be waiting
        to write to the index). The text of contents already indexed is kept: it is keyed
        by the content's sha256. Cards of orders not in the entries are removed."""
        self._last = None
        self.catalogue.clear_rows()
        seen: set[str] = set()
        db = None
        try:
            for entry in entries:
                if entry is None or (db is not None and len(seen) % batch == 0):
                    if db is not None:
                        self.catalogue.commit(db)
                        db = None
                    if entry is None:
                        continue
                rows, texts = entry
                db = db or self.catalogue.begin()
                self.catalogue.put_rows(db, rows, texts, new=rows.key not in seen)
                seen.add(rows.key)
            if db is not None:
                self.catalogue.commit(db)
                db = None
        finally:
            if db is not None:
                self.catalogue.rollback(db)
        for key in list(self.cards):
            if key not in seen:
                self.cards.forget(key)
        self.catalogue.drop_unused_texts()
        return len(seen)

    # -- reading ---------------------------------------------------------------------------
    def card(self, key: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        return self.cards.read(key)

    def orders(self, where: OrderFilter | None = None, newest: int | None = None
               ) -> list[dict[str, Any]]:
        """The orders that match, by customer and number (`newest`: that many, newest
        first)."""
        if not self.exists():
            return []
        return list_orders(self.catalogue, where or OrderFilter(), newest)

    def order_totals(self, where: OrderFilter | None = None
                     ) -> dict[str, tuple[Decimal, int]]:
        """Per currency: the total amount of the orders that match, and how many."""
        return order_totals(self.catalogue, where or OrderFilter()) if self.exists() else {}

    def due_rows(self, customer: str | None = None) -> list[dict[str, Any]]:
        """The open orders' due steps, and no more of their rows (quick for the agenda)."""
        if not self.exists():
            return []
        sql = ("SELECT order_no, customer, json_extract(row, '$.salesperson') AS salesperson, "
               "json_extract(row, '$.due') AS due FROM orders WHERE status NOT IN "
               "('registered', 'closed', 'cancelled')")
        params: list[Any] = []
        if customer:
            sql += " AND customer = ? COLLATE NOCASE"
            params.append(customer)
        return [{"order_no": r["order_no"], "customer": r["customer"],
                 "salesperson": r["salesperson"], "due": json.loads(r["due"] or "[]")}
                for r in self.catalogue.query(sql, params)]

    def due_steps(self, until: str, limit: int, customer: str | None = None
                  ) -> list[dict[str, Any]]:
        """The open orders' steps due by `until` (an ISO date, overdue included), the most
        urgent first, at most `limit` of them (from their own table: a page of ten
        thousand open orders reads only what it shows); `customer`: of one customer."""
        if not self.exists():
            return []
        where, params = self._due_where(until, customer)
        rows = self.catalogue.query(
            "SELECT order_no, customer, salesperson, kind, what, date, action FROM due_steps "
            f"{where} ORDER BY date, order_no, kind LIMIT ?", (*params, limit))
        return [dict(r) for r in rows]

    def due_counts(self, until: str, today: str, customer: str | None = None
                   ) -> list[dict[str, Any]]:
        """How many steps of each kind are due by `until`, overdue, due `today`, and the
        earliest date."""
        if not self.exists():
            return []
        where, params = self._due_where(until, customer)
        rows = self.catalogue.query(
            "SELECT kind, count(*) AS count, sum(CASE WHEN date < ? THEN 1 ELSE 0 END) AS overdue, "
            "sum(CASE WHEN date = ? THEN 1 ELSE 0 END) AS today, "
            f"min(date) AS first FROM due_steps {where} GROUP BY kind",
            (today, today, *params))
        return [dict(r) for r in rows]

    @staticmethod
    def _due_where(until: str, customer: str | None) -> tuple[str, tuple[str, ...]]:
        if customer:
            return "WHERE date <= ? AND customer = ? COLLATE NOCASE", (until, customer)
        return "WHERE date <= ?", (until,)

    def order_facts(self) -> list[dict[str, Any]]:
        """Every order's number, customer, status, amount and next deadline, from their
        columns (no order's whole row read: the customers' page of ten thousand orders)."""
        if not self.exists():
            return []
        rows = self.catalogue.query(
            "SELECT key, order_no, customer, customer_name, status, currency, total_amount, "
            "next_due FROM orders ORDER BY customer, order_no")
        return [dict(r) for r in rows]

    def next_whats(self, keys: list[str]) -> dict[str, str]:
        """What is due next on these orders (by key)."""
        if not self.exists() or not keys:
            return {}
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            for r in self.catalogue.query(
                    "SELECT key, json_extract(row, '$.next_what') AS what FROM orders WHERE key "
                    f"IN ({', '.join('?' * len(part))})", part):
                found[r["key"]] = r["what"] or ""
        return found

    def open_orders(self, limit: int = 500) -> list[dict[str, Any]]:
        """The newest open orders' numbers and customers (to offer as one types)."""
        if not self.exists():
            return []
        rows = self.catalogue.query(
            "SELECT order_no, customer, customer_name FROM orders WHERE status NOT IN "
            "('registered', 'closed', 'cancelled') ORDER BY order_date DESC, order_no LIMIT ?",
            (limit,))
        return [dict(r) for r in rows]

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        """The files that arrived last (the originals, newest first)."""
        if not self.exists():
            return []
        rows = self.catalogue.query(
            "SELECT row FROM documents WHERE kind = 'original' "
            "ORDER BY json_extract(row, '$.time') DESC, path LIMIT ?", (limit,))
        return [json.loads(r["row"]) for r in rows]

    def path_of(self, sha256: str) -> str | None:
        """An archived file with this content (archive-relative), if any."""
        if not self.exists():
            return None
        rows = self.catalogue.query("SELECT path FROM documents WHERE sha256 = ? LIMIT 1",
                                    (sha256,))
        return str(rows[0]["path"]) if rows else None

    def holders(self, sha256: str) -> list[str]:
        """The order numbers whose originals include this content."""
        if not self.exists():
            return []
        rows = self.catalogue.query("SELECT DISTINCT order_no FROM documents WHERE sha256 = ? "
                                    "AND kind = 'original' ORDER BY order_no", (sha256,))
        return [r["order_no"] for r in rows]

    def find(self, **query: Any) -> list[Hit]:
        if not self.exists():
            return []
        return find_documents(self.catalogue, **query)

    def snapshot(self) -> dict[str, Any]:
        """The whole index as plain data (for comparing the incremental and rebuilt index)."""
        cards = {}
        for key in self.cards:
            card = self.cards.read(key)
            if card is not None:
                cards[key] = {"order": card[0], "documents": card[1]}
        catalogue = {"orders": self.catalogue.order_rows(),
                     "documents": self.catalogue.document_rows()} if self.exists() else \
            {"orders": [], "documents": []}
        plain: dict[str, Any] = json.loads(json.dumps({"cards": cards, "catalogue": catalogue},
                                                      default=str))
        return plain


BULKY = ("order_data", "duplicates_of")  # what the index leaves out of a sidecar


def without_bulky(row: dict[str, Any]) -> dict[str, Any]:
    """`row` (changed in place) without the bulky order data the index leaves out."""
    for key in BULKY:
        row.pop(key, None)
    return row


def _row(document: dict[str, Any]) -> dict[str, Any]:
    """What the index keeps of a sidecar: all but the bulky order data (a row without it is
    kept as it is: see `record`; else a copy and two pops, several times quicker than a
    comprehension)."""
    if not any(key in document for key in BULKY):
        return document
    return without_bulky(dict(document))
