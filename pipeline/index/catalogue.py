"""The SQLite part of the index: every order and document as rows to filter and sort, and
the text of every archived page in an FTS5 table.

Why SQLite beside TinyDB: listing 10,000 orders or finding the packing lists that name a
model must not read every card; SQLite answers from B-tree indexes, takes its own locks
across processes (WAL: readers never wait for the writer) and ships with Python. The
text is tokenised by `tokens` (bigrams for Chinese, joined model numbers), stored once
per distinct file content (by sha256), and read back for snippets.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import faults
from ..errors import DiskFullError, IndexError_
from .tokens import VERSION as TOKENS
from .tokens import index_columns, match_expression

__all__ = ["Catalogue", "Rows", "TextLoader", "rows_of"]

# the kept text of one content, by its sha256: {"pages": [...], and when they were made at
# filing, "columns": [[words, chars], ...] per page with "tokens": their version}
TextLoader = Callable[[str], "dict[str, Any] | None"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    key TEXT PRIMARY KEY, order_no TEXT NOT NULL, customer TEXT NOT NULL,
    customer_name TEXT, status TEXT, currency TEXT, total_amount TEXT, order_date TEXT,
    delivery_date TEXT, shipment_date TEXT, next_due TEXT, models TEXT, row TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orders_customer ON orders(customer);
CREATE INDEX IF NOT EXISTS orders_status ON orders(status);
CREATE INDEX IF NOT EXISTS orders_newest ON orders(order_date, order_no);
CREATE INDEX IF NOT EXISTS orders_amounts ON orders(currency, total_amount);
CREATE TABLE IF NOT EXISTS documents (
    path TEXT PRIMARY KEY, key TEXT NOT NULL, order_no TEXT NOT NULL, customer TEXT NOT NULL,
    kind TEXT, doc_type TEXT, version INTEGER, current INTEGER, sha256 TEXT, pages INTEGER,
    date TEXT, row TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_key ON documents(key);
CREATE INDEX IF NOT EXISTS documents_customer ON documents(customer, doc_type);
CREATE INDEX IF NOT EXISTS documents_type ON documents(doc_type, date);
CREATE INDEX IF NOT EXISTS documents_sha ON documents(sha256);
CREATE INDEX IF NOT EXISTS documents_recent ON documents(json_extract(row, '$.time'))
    WHERE kind = 'original';
CREATE INDEX IF NOT EXISTS documents_customer_any_case ON documents(customer COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS documents_order_any_case ON documents(order_no COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS orders_customer_any_case ON orders(customer COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS models (
    key TEXT NOT NULL, model TEXT NOT NULL, joined TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS models_joined ON models(joined);
CREATE INDEX IF NOT EXISTS models_key ON models(key);
CREATE TABLE IF NOT EXISTS due_steps (
    key TEXT NOT NULL, order_no TEXT NOT NULL, customer TEXT NOT NULL, salesperson TEXT,
    kind TEXT, what TEXT, date TEXT NOT NULL, action TEXT);
CREATE INDEX IF NOT EXISTS due_steps_date ON due_steps(date, order_no, kind);
CREATE INDEX IF NOT EXISTS due_steps_key ON due_steps(key);
CREATE INDEX IF NOT EXISTS due_steps_customer ON due_steps(customer COLLATE NOCASE, date);
CREATE TABLE IF NOT EXISTS generation (n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS texts (sha256 TEXT PRIMARY KEY, pages INTEGER);
CREATE TABLE IF NOT EXISTS page_text (
    id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, page INTEGER NOT NULL, text TEXT,
    words TEXT, chars TEXT);
CREATE INDEX IF NOT EXISTS page_text_sha ON page_text(sha256);
CREATE VIRTUAL TABLE IF NOT EXISTS pages USING fts5(
    words, chars, content='page_text', content_rowid='id', tokenize='unicode61');
"""

CLOSED = ("registered", "closed", "cancelled")  # statuses with nothing due on the agenda
# the due steps of a catalogue made before they had a table of their own (user_version 0)
DUE_STEPS_FROM_ORDERS = f"""
INSERT INTO due_steps (key, order_no, customer, salesperson, kind, what, date, action)
SELECT orders.key, orders.order_no, orders.customer, json_extract(orders.row, '$.salesperson'),
       json_extract(value, '$.kind'), json_extract(value, '$.what'),
       json_extract(value, '$.date'), json_extract(value, '$.action')
FROM orders, json_each(orders.row, '$.due')
WHERE orders.status NOT IN {CLOSED!r} AND json_extract(value, '$.date') IS NOT NULL"""

NEXT_GENERATION = "UPDATE generation SET n = n + 1"  # in every transaction that writes


def _upgrade(db: sqlite3.Connection) -> None:
    """A catalogue made by an earlier gendan brought up to date, once, under the write
    lock: 1, the due steps in their own table; 2, the generation counted by every write."""
    db.execute("BEGIN IMMEDIATE")
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version < 1:
            db.execute("DELETE FROM due_steps")
            db.execute(DUE_STEPS_FROM_ORDERS)
        db.execute("INSERT INTO generation (n) SELECT 0 WHERE NOT EXISTS "
                   "(SELECT 1 FROM generation)")
        db.execute("PRAGMA user_version = 2")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


ORDER_COLUMNS = ("key", "order_no", "customer", "customer_name", "status", "currency",
                 "total_amount", "order_date", "delivery_date", "shipment_date", "next_due")


def joined_model(model: str) -> str:
    """A model number without case, width or separators: HT-2020, ht 2020 -> ht2020."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKC", model).casefold() if ch.isalnum())


class Catalogue:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._immutable = False  # opened as it stands: the archive cannot be written

    def _connect(self) -> sqlite3.Connection:
        if self._db is not None and self._pid != os.getpid():
            self._db = None  # inherited through fork: never used again by this process
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                db = sqlite3.connect(self.path, timeout=60, isolation_level=None,
                                     check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(SCHEMA)
                if db.execute("PRAGMA user_version").fetchone()[0] < 2:
                    _upgrade(db)
            except sqlite3.DatabaseError as exc:
                db = self._read_only(exc)
            self._db = db
            self._pid = os.getpid()
        return self._db

    def _read_only(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        """An index on an archive that cannot be written (a read-only mount or folder) is
        read as it stands; anything else that fails to open is damaged."""
        if self.path.is_file() and not os.access(self.path.parent, os.W_OK):
            try:
                db = sqlite3.connect(f"{self.path.resolve().as_uri()}?immutable=1",
                                     uri=True, timeout=60, isolation_level=None,
                                     check_same_thread=False)
                self._immutable = True
                return db
            except sqlite3.DatabaseError:
                pass
        raise IndexError_(f"the search index {self.path} is damaged ({exc})",
                          hint="Run `gendan reindex` to rebuild it.") from exc

    def exists(self) -> bool:
        return self.path.is_file()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _writable(self) -> sqlite3.Connection:
        db = self._connect()
        if self._immutable:
            raise DiskFullError(f"the archive's index {self.path} cannot be written: the "
                                "archive is read-only",
                                hint="Make the archive writable, then run the command again.")
        return db

    def begin(self) -> sqlite3.Connection:
        db = self._writable()
        db.execute("BEGIN IMMEDIATE")
        return db

    def commit(self, db: sqlite3.Connection) -> None:
        try:
            db.execute(NEXT_GENERATION)
            faults.step("commit index")
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise _full(exc, self.path) from exc

    def rollback(self, db: sqlite3.Connection) -> None:
        if db.in_transaction:
            db.execute("ROLLBACK")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._writable()
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute(NEXT_GENERATION)
            faults.step("commit index")
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise _full(exc, self.path) from exc
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    # -- writing ---------------------------------------------------------------------------
    def put(self, db: sqlite3.Connection, key: str, order: dict[str, Any],
            documents: list[dict[str, Any]], texts: TextLoader | None) -> None:
        """Replace one order's rows (inside a transaction); add the text of new contents."""
        self.put_rows(db, rows_of(key, order, documents), texts)

    def put_rows(self, db: sqlite3.Connection, rows: Rows, texts: TextLoader | None, *,
                 changed: list[str] | None = None, new: bool = False) -> None:
        """Write one order's rows; with `changed`, only `rows.documents` (the new and
        changed documents) are written after the rows at the paths `changed` are deleted,
        the other documents are kept as they are. `new`: the catalogue has no rows of the
        order (a rebuild's), none to delete."""
        if changed is not None:
            self._drop(db, rows.key, documents=False)
            db.executemany("DELETE FROM documents WHERE path = ?", [(p,) for p in changed])
        elif not new:
            self._drop(db, rows.key)
        db.execute(f"INSERT INTO orders ({', '.join(ORDER_COLUMNS)}, models, row) "
                   f"VALUES ({', '.join('?' * (len(ORDER_COLUMNS) + 2))})", rows.order)
        db.executemany("INSERT INTO models (key, model, joined) VALUES (?, ?, ?)", rows.models)
        db.executemany(
            "INSERT INTO documents (path, key, order_no, customer, kind, doc_type, version, "
            "current, sha256, pages, date, row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows.documents)
        db.executemany("INSERT INTO due_steps (key, order_no, customer, salesperson, kind, what, "
                       "date, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows.due)
        if texts is None or not rows.shas:
            return
        known = {r[0] for r in db.execute(
            f"SELECT sha256 FROM texts WHERE sha256 IN ({', '.join('?' * len(rows.shas))})",
            rows.shas)}
        for sha in rows.shas:
            if sha in known:
                continue
            kept = texts(sha)
            if kept is None:
                continue
            pages: list[str] = kept["pages"]
            columns = kept.get("columns") if kept.get("tokens") == TOKENS else None
            if columns is None or len(columns) != len(pages):
                columns = [index_columns(text) for text in pages]
            db.execute("INSERT INTO texts (sha256, pages) VALUES (?, ?)", (sha, len(pages)))
            for number, (text, (words, chars)) in enumerate(zip(pages, columns, strict=True),
                                                             start=1):
                if not text.strip():
                    continue
                self._add_page(db, sha, number, text, words, chars)

    def _add_page(self, db: sqlite3.Connection, sha: str, number: int, text: str, words: str,
                  chars: str) -> None:
        cursor = db.execute("INSERT INTO page_text (sha256, page, text, words, chars) "
                            "VALUES (?, ?, ?, ?, ?)", (sha, number, text, words, chars))
        db.execute("INSERT INTO pages (rowid, words, chars) VALUES (?, ?, ?)",
                   (cursor.lastrowid, words, chars))

    def _drop_pages(self, db: sqlite3.Connection, sha: str) -> None:
        rows = db.execute("SELECT id, words, chars FROM page_text WHERE sha256 = ?",
                          (sha,)).fetchall()
        for row_id, words, chars in rows:
            db.execute("INSERT INTO pages(pages, rowid, words, chars) "
                       "VALUES ('delete', ?, ?, ?)", (row_id, words, chars))
        db.execute("DELETE FROM page_text WHERE sha256 = ?", (sha,))

    def text_search(self, text: str, limit: int = 200) -> tuple[str, list[Any], str]:
        """The FROM and WHERE of a search by the words on the pages (`p` the page, `d` its
        document), its parameters, and the order that gives the newest first."""
        return ("FROM pages JOIN page_text p ON p.id = pages.rowid "
                "JOIN documents d ON d.sha256 = p.sha256 WHERE pages.pages MATCH ?",
                [match_expression(text) or '""'], "pages.rowid DESC")

    def version(self) -> tuple[int, ...]:
        """What changes whenever the catalogue does (the file it is, the writes it has
        seen)."""
        return (self.path.stat().st_ino, self.generation())

    def where(self) -> str:
        return str(self.path)

    def generation(self) -> int:
        """How many writing transactions the catalogue has seen."""
        try:
            rows = self.query("SELECT n FROM generation")
        except IndexError_:  # an index of an earlier gendan on a read-only archive: fixed
            return -1
        return int(rows[0][0]) if rows else 0

    def generation_for_update(self, db: sqlite3.Connection) -> tuple[int, int]:
        """Inside a writing transaction (no other writer can change it before this one
        ends): the file the catalogue is and its generation."""
        row = db.execute("SELECT n FROM generation").fetchone()
        return self.path.stat().st_ino, int(row[0]) if row else 0

    def known_texts(self) -> set[str]:
        """The contents whose text is indexed already."""
        return {r[0] for r in self._connect().execute("SELECT sha256 FROM texts")}

    def _drop(self, db: sqlite3.Connection, key: str, *, documents: bool = True) -> None:
        db.execute("DELETE FROM orders WHERE key = ?", (key,))
        db.execute("DELETE FROM models WHERE key = ?", (key,))
        if documents:
            db.execute("DELETE FROM documents WHERE key = ?", (key,))
        db.execute("DELETE FROM due_steps WHERE key = ?", (key,))

    def forget(self, key: str) -> None:
        with self.transaction() as db:
            self._drop(db, key)

    def clear_rows(self) -> None:
        """Forget every order and document (the page texts, keyed by content, stay)."""
        with self.transaction() as db:
            for table in ("orders", "models", "documents", "due_steps"):
                db.execute(f"DELETE FROM {table}")

    def drop_unused_texts(self) -> int:
        """Remove the text of contents no document refers to any more."""
        with self.transaction() as db:
            unused = [r[0] for r in db.execute(
                "SELECT sha256 FROM texts WHERE sha256 NOT IN (SELECT sha256 FROM documents "
                "WHERE sha256 IS NOT NULL)")]
            for sha in unused:
                self._drop_pages(db, sha)
                db.execute("DELETE FROM texts WHERE sha256 = ?", (sha,))
            return len(unused)

    # -- reading ---------------------------------------------------------------------------
    def query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        db = self._connect()
        db.row_factory = sqlite3.Row
        try:
            return list(db.execute(sql, list(params)))
        except sqlite3.OperationalError as exc:
            raise IndexError_(f"the search index could not answer ({exc})",
                              hint="Run `gendan reindex` if this persists.") from exc

    def order_rows(self) -> list[dict[str, Any]]:
        return [json.loads(r["row"]) for r in self.query("SELECT row FROM orders ORDER BY "
                                                         "customer, order_no")]

    def document_rows(self) -> list[dict[str, Any]]:
        return [json.loads(r["row"]) for r in self.query("SELECT row FROM documents ORDER BY "
                                                         "path")]


@dataclass
class Rows:
    """One order's rows for the catalogue, made ready (in a worker, on a rebuild)."""

    key: str
    order: tuple[Any, ...]
    models: list[tuple[str, str, str]]
    documents: list[tuple[Any, ...]]
    shas: list[str]
    due: list[tuple[Any, ...]] = field(default_factory=list)  # the open order's due steps


def _full(exc: sqlite3.OperationalError, path: Path) -> Exception:
    """A disk too full (or gone read-only) for the index is the disk's fault, said in one
    line, not gendan's; anything else stays what it is."""
    text = str(exc).lower()
    if "full" in text or "readonly" in text or "disk i/o" in text:
        return DiskFullError(f"the archive's index {path} cannot be written: {exc}",
                             hint="Free some space, then run the command again: nothing "
                             "was half done (the index is rebuilt from the archive).")
    return exc


def rows_of(key: str, order: dict[str, Any], documents: list[dict[str, Any]],
            contents: list[dict[str, Any]] | None = None) -> Rows:
    """The rows of `documents`; the texts looked for are those of `contents` (by default
    the same documents: on a write by difference, every document of the order)."""
    values = [order.get(c) if c != "key" else key for c in ORDER_COLUMNS]
    return Rows(
        key, (*values, " ".join(order.get("models") or []), _dump(order)),
        [(key, m, joined_model(m)) for m in dict.fromkeys(order.get("models") or [])],
        [(d["path"], key, order["order_no"], order["customer"], d.get("kind"),
          d.get("doc_type"), d.get("version"), int(bool(d.get("current"))), d.get("sha256"),
          d.get("pages"), d.get("business_date") or str(d.get("time", ""))[:10], _dump(d))
         for d in documents],
        list(dict.fromkeys(d["sha256"] for d in (documents if contents is None else contents)
                           if d.get("sha256"))),
        [] if order.get("status") in CLOSED else
        [(key, order["order_no"], order["customer"], order.get("salesperson"), d.get("kind"),
          d.get("what"), d["date"], d.get("action")) for d in order.get("due") or []
         if d.get("date")])


def _dump(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)
