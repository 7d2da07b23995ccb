"""The index in PostgreSQL, for an office that outgrows one machine (`[store] url`).

The catalogue keeps the tables, columns and SQL of the SQLite catalogue (`catalogue.py`):
the statements are written once, in SQLite's words, and said here in PostgreSQL's (`?`
parameters, `json_extract`, `COLLATE NOCASE`, `LIKE` without case). The full-text part
differs: PostgreSQL's parsers know no Chinese (Debian's server has no zhparser, pg_jieba
or pg_bigm), so each page keeps a `tsvector` made here from the same tokens as the SQLite
index (`tokens.py`: character bigrams for Chinese, model numbers joined), written as
lexemes with their positions, so a word of two or more characters is a phrase of its
bigrams (`<->`), found through a GIN index, and no text parser stands in between. The
cards (one order's row and documents) are a table of JSON.

One connection per process and thread (a forked child never uses its parent's).
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import IndexError_
from .catalogue import Catalogue
from .tokens import terms

__all__ = ["PgCards", "PgCatalogue", "Postgres", "pg_sql"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    key TEXT PRIMARY KEY, order_no TEXT NOT NULL, customer TEXT NOT NULL,
    customer_name TEXT, status TEXT, currency TEXT, total_amount TEXT, order_date TEXT,
    delivery_date TEXT, shipment_date TEXT, next_due TEXT, models TEXT, row TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orders_customer ON orders(lower(customer));
CREATE INDEX IF NOT EXISTS orders_status ON orders(status);
CREATE INDEX IF NOT EXISTS orders_newest ON orders(order_date, order_no);
CREATE INDEX IF NOT EXISTS orders_amounts ON orders(currency, total_amount);
CREATE TABLE IF NOT EXISTS documents (
    path TEXT PRIMARY KEY, key TEXT NOT NULL, order_no TEXT NOT NULL, customer TEXT NOT NULL,
    kind TEXT, doc_type TEXT, version INTEGER, current INTEGER, sha256 TEXT, pages INTEGER,
    date TEXT, row TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_key ON documents(key);
CREATE INDEX IF NOT EXISTS documents_customer ON documents(lower(customer), doc_type);
CREATE INDEX IF NOT EXISTS documents_order ON documents(lower(order_no));
CREATE INDEX IF NOT EXISTS documents_type ON documents(doc_type, date);
CREATE INDEX IF NOT EXISTS documents_sha ON documents(sha256);
CREATE INDEX IF NOT EXISTS documents_recent ON documents(((row::jsonb ->> 'time')))
    WHERE kind = 'original';
CREATE TABLE IF NOT EXISTS models (key TEXT NOT NULL, model TEXT NOT NULL, joined TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS models_joined ON models(joined);
CREATE INDEX IF NOT EXISTS models_key ON models(key);
CREATE TABLE IF NOT EXISTS due_steps (
    key TEXT NOT NULL, order_no TEXT NOT NULL, customer TEXT NOT NULL, salesperson TEXT,
    kind TEXT, what TEXT, date TEXT NOT NULL, action TEXT);
CREATE INDEX IF NOT EXISTS due_steps_date ON due_steps(date, order_no, kind);
CREATE INDEX IF NOT EXISTS due_steps_key ON due_steps(key);
CREATE INDEX IF NOT EXISTS due_steps_customer ON due_steps(lower(customer), date);
CREATE TABLE IF NOT EXISTS generation (n BIGINT NOT NULL);
INSERT INTO generation (n) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM generation);
CREATE TABLE IF NOT EXISTS texts (sha256 TEXT PRIMARY KEY, pages INTEGER);
CREATE TABLE IF NOT EXISTS page_text (
    id BIGSERIAL PRIMARY KEY, sha256 TEXT NOT NULL, page INTEGER NOT NULL, text TEXT,
    words TEXT, chars TEXT, tsv TSVECTOR NOT NULL);
CREATE INDEX IF NOT EXISTS page_text_sha ON page_text(sha256);
CREATE INDEX IF NOT EXISTS page_text_tsv ON page_text USING GIN (tsv);
CREATE TABLE IF NOT EXISTS cards (key TEXT PRIMARY KEY, card TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS registry (
    key TEXT PRIMARY KEY, order_no TEXT NOT NULL, customer TEXT NOT NULL, folder TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (key TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, last BIGINT NOT NULL);
"""

MAX_POSITION = 16383  # PostgreSQL's last position in a tsvector


# -- SQLite's words in PostgreSQL's --------------------------------------------------------
_JSON = re.compile(r"json_extract\(([\w.]+), '\$\.(\w+)'\)")
_NOCASE = re.compile(r"([\w.]+) = \? COLLATE NOCASE")


def pg_sql(sql: str) -> str:
    """A statement of the SQLite catalogue as PostgreSQL takes it."""
    sql = _JSON.sub(r"(\1::jsonb ->> '\2')", sql)
    sql = _NOCASE.sub(r"lower(\1) = lower(?)", sql)
    sql = sql.replace(" LIKE ", " ILIKE ").replace(" CROSS JOIN ", " JOIN ")
    return sql.replace("%", "%%").replace("?", "%s")


class Row(tuple):  # type: ignore[type-arg]
    """A result row read by position or by name, like sqlite3.Row."""

    names: tuple[str, ...] = ()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names.index(key))
        return tuple.__getitem__(self, key)

    def keys(self) -> tuple[str, ...]:
        return self.names


def _row_factory(cursor: Any) -> Any:
    names = tuple(c.name for c in cursor.description or ())

    def make(values: Sequence[Any]) -> Row:
        row = Row(values)
        row.names = names
        return row
    return make


class Connection:
    """A psycopg connection that takes the catalogue's SQLite statements."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    @property
    def in_transaction(self) -> bool:
        import psycopg

        return bool(self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE)

    def execute(self, sql: str, params: Iterable[Any] = ()) -> Any:
        return self.raw.execute(pg_sql(sql), list(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            with self.raw.cursor() as cursor:
                cursor.executemany(pg_sql(sql), rows)


_MADE: set[tuple[str, str]] = set()  # databases and schemas this process has seen made


class Postgres:
    """Connections to one database (and schema), one per process and thread; the schema
    made once, under a lock, by whoever comes first."""

    def __init__(self, url: str, schema: str = "") -> None:
        self.url = url
        self.schema = schema
        self._local = threading.local()

    def connect(self, **options: Any) -> Any:
        """A new connection of one's own (the store's locks each hold one)."""
        import psycopg

        if self.schema:
            options.setdefault("options", f"-c search_path={self.schema}")
        try:
            return psycopg.connect(self.url, autocommit=True, row_factory=_row_factory,
                                   **options)
        except psycopg.OperationalError as exc:
            raise IndexError_(f"the database {_safe(self.url)} cannot be reached: "
                              f"{str(exc).strip().splitlines()[0]}",
                              hint="Check [store] url in gendan.toml and that the server "
                              "runs.") from exc

    def db(self) -> Connection:
        held = getattr(self._local, "held", None)
        if held is None or held[0] != os.getpid() or held[1].raw.closed:
            held = (os.getpid(), Connection(self.connect()))
            self._local.held = held
            if (self.url, self.schema) not in _MADE:
                self._make_schema(held[1])
        connection: Connection = held[1]
        return connection

    def _make_schema(self, db: Connection) -> None:
        with db.raw.transaction():
            if self.schema:
                db.raw.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            db.raw.execute("SELECT pg_advisory_xact_lock(7368327)")  # 'gendan' schema lock
            for statement in SCHEMA.split(";\n"):
                if statement.strip():
                    db.raw.execute(statement)
        _MADE.add((self.url, self.schema))

    def close(self) -> None:
        held = getattr(self._local, "held", None)
        if held is not None and held[0] == os.getpid():
            held[1].raw.close()
        self._local.held = None


def _safe(url: str) -> str:
    """The URL without its password."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


class PgCatalogue(Catalogue):
    """The catalogue's rows in PostgreSQL; the same questions, the same answers."""

    def __init__(self, pg: Postgres) -> None:
        super().__init__(_nowhere())
        self.pg = pg
        self._stats: tuple[float, dict[str, float], float] | None = None

    def exists(self) -> bool:
        return True

    def where(self) -> str:
        return _safe(self.pg.url)

    def close(self) -> None:
        self.pg.close()

    def version(self) -> tuple[int, ...]:
        return (1, self.generation())

    def begin(self) -> Any:
        db = self.pg.db()
        db.raw.execute("BEGIN")
        return db

    def commit(self, db: Any) -> None:
        from .. import faults

        db.execute("UPDATE generation SET n = n + 1")
        faults.step("commit index")
        db.raw.execute("COMMIT")

    def rollback(self, db: Any) -> None:
        if db.in_transaction:
            db.raw.execute("ROLLBACK")

    def generation_for_update(self, db: Any) -> tuple[int, int]:
        row = db.execute("SELECT n FROM generation FOR UPDATE").fetchone()
        return 1, int(row[0]) if row else 0

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        db = self.begin()
        try:
            yield db
            self.commit(db)
        except BaseException:
            self.rollback(db)
            raise

    def _add_page(self, db: Any, sha: str, number: int, text: str, words: str,
                  chars: str) -> None:
        db.execute("INSERT INTO page_text (sha256, page, text, words, chars, tsv) "
                   "VALUES (?, ?, ?, ?, ?, ?::tsvector)",
                   (sha, number, text.replace("\x00", ""), words, chars, lexemes(words, chars)))

    def _drop_pages(self, db: Any, sha: str) -> None:
        db.execute("DELETE FROM page_text WHERE sha256 = ?", (sha,))

    def text_search(self, text: str, limit: int = 200) -> tuple[str, list[Any], str]:
        """The newest pages first: walked newest first while the words are on many pages
        (the first `limit` come soon), through the GIN index when they are on few (a walk
        would pass most pages by). Where the line lies follows from the table's
        statistics: a share f of N pages, walking reads limit/f rows, the index f*N."""
        query = tsquery(text)
        share = 1.0
        frequencies, pages = self._frequencies()
        for term in terms(text):  # as if independent: a phrase counts as rarer than it is
            for token in ([term] if term.isascii() or len(term) == 1 else
                          [term[i:i + 2] for i in range(len(term) - 1)]):
                share *= frequencies.get(token, 0.0)
        dense = pages > 0 and share * share * pages >= limit
        return ("FROM page_text p JOIN documents d ON d.sha256 = p.sha256 WHERE "
                + ("p.tsv @@ ?::tsquery" if query else "FALSE"),
                [query] if query else [], "p.id DESC" if dense else "p.id + 0 DESC")

    def _frequencies(self) -> tuple[dict[str, float], float]:
        """The share of pages each common token is on, and the pages (PostgreSQL's
        statistics of the table, read again every ten minutes)."""
        import time

        now = time.monotonic()
        if self._stats is None or now - self._stats[0] > 600:
            row = self.pg.db().execute(
                "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, "
                "c.reltuples FROM pg_class c LEFT JOIN pg_stats s ON s.tablename = 'page_text' "
                "AND s.attname = 'tsv' AND s.schemaname = current_schema() "
                "WHERE c.oid = 'page_text'::regclass").fetchone()
            elems, freqs, pages = (row or (None, None, 0))
            table = dict(zip(elems or [], freqs or [], strict=False))
            self._stats = (now, table, max(0.0, float(pages or 0)))
        return self._stats[1], self._stats[2]

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        import psycopg

        try:
            return list(self.pg.db().execute(sql, params))
        except psycopg.Error as exc:
            raise IndexError_(f"the search index could not answer ({exc})",
                              hint="Run `gendan reindex` if this persists.") from exc

    def known_texts(self) -> set[str]:
        return {r[0] for r in self.query("SELECT sha256 FROM texts")}


def _nowhere() -> Any:
    from pathlib import Path

    return Path(os.devnull)


def lexemes(words: str, chars: str) -> str:
    """A page's tokens as a tsvector literal: each token at its position (the bigrams of a
    Chinese word follow each other, so the word is found as their phrase)."""
    tokens = [*words.split(), *chars.split()]
    return " ".join(f"'{token}':{min(position, MAX_POSITION)}"
                    for position, token in enumerate(tokens, start=1) if "'" not in token
                    and "\\" not in token)


def tsquery(text: str) -> str:
    """The search as a tsquery: every term on the page, a Chinese word as the phrase of its
    bigrams (empty when nothing is left to look for)."""
    parts = []
    for term in terms(text):
        if "'" in term or "\\" in term:
            continue
        if term.isascii() or len(term) == 1:
            parts.append(f"'{term}'")
        else:
            parts.append("(" + " <-> ".join(f"'{term[i:i + 2]}'"
                                            for i in range(len(term) - 1)) + ")")
    return " & ".join(parts)


class PgCards:
    """One order's card (its row and documents) as a row of JSON."""

    def __init__(self, pg: Postgres) -> None:
        self.pg = pg

    def write(self, key: str, order: dict[str, Any], documents: list[dict[str, Any]]) -> None:
        card = json.dumps({"order": order, "documents": documents}, ensure_ascii=False,
                          sort_keys=True, default=str)
        self.pg.db().execute("INSERT INTO cards (key, card) VALUES (?, ?) ON CONFLICT (key) "
                             "DO UPDATE SET card = excluded.card", (key, card))

    def read(self, key: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        found = self.pg.db().execute("SELECT card FROM cards WHERE key = ?", (key,)).fetchone()
        if found is None:
            return None
        card = json.loads(found[0])
        return card["order"], sorted(card["documents"], key=lambda d: d["path"])

    def forget(self, key: str) -> None:
        self.pg.db().execute("DELETE FROM cards WHERE key = ?", (key,))

    def __iter__(self) -> Iterator[str]:
        rows = self.pg.db().execute("SELECT key FROM cards ORDER BY key").fetchall()
        yield from (r[0] for r in rows)
