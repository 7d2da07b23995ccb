"""The TinyDB part of the index: one small database file per order (its "card": the order
row and its documents), sharded over 256 folders by a hash of the order's key.

Filing a document rewrites only its order's card, never a file the size of the archive.
TinyDB rewrites its JSON in place; here the storage writes a temp file and renames it,
so a reader in another process sees the old card or the new one, never a torn file. The
order's lock (held by the store around every commit) makes each card single-writer.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage

from ..errors import IndexError_
from ..fsutil import atomic_write, remove

__all__ = ["Cards"]


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces the file atomically instead of rewriting it in place."""

    def __init__(self, path: str, mode: int | None = None) -> None:
        self.path = Path(path)
        self.mode = mode

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
        text = _dump(data)
        atomic_write(self.path, text.encode("utf-8"), mode=self.mode, durable=False)

    def close(self) -> None:
        pass


class Cards:
    """Per-order TinyDB files under `folder`: tables `order` (one row) and `documents`."""

    def __init__(self, folder: Path, *, file_mode: int | None = None) -> None:
        self.folder = folder
        self.file_mode = file_mode
        self._made: set[Path] = set()  # shard folders known to exist
        self._texts: dict[str, dict[str, tuple[dict[str, Any], bytes]]] = {}  # key: path: JSON

    def path(self, key: str) -> Path:
        shard = hashlib.sha1(key.encode("utf-8")).hexdigest()[:2]
        return self.folder / shard / f"{key}.json"

    @contextmanager
    def _open(self, path: Path) -> Iterator[TinyDB]:
        """A TinyDB whose writes are cached and flushed once, atomically, on exit."""
        db = TinyDB(str(path), storage=CachingMiddleware(AtomicJSONStorage),  # type: ignore[no-untyped-call]
                     mode=self.file_mode)
        try:
            yield db
        finally:
            db.close()

    def write(self, key: str, order: dict[str, Any], documents: list[dict[str, Any]]) -> None:
        """Replace the order's card: the file TinyDB would write for tables `order` (one
        row) and `documents`, each document's JSON made again only if it changed since this
        process last wrote the card (an order that grows is not serialised whole again)."""
        path = self.path(key)
        if path.parent not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        before = self._texts.pop(key, {})
        texts: dict[str, tuple[dict[str, Any], bytes]] = {}
        for row in documents:
            known = before.get(row["path"])
            texts[row["path"]] = known if known is not None and known[0] == row else \
                (row, _dump(row).encode("utf-8"))
        dumped = [texts[row["path"]][1] for row in documents]  # (document n is dumped[n - 1])
        text = b",".join(b'"%d":%s' % (n, dumped[n - 1]) for n in _id_order(len(dumped)))
        atomic_write(path, b'{"documents":{' + text + b'},"order":{"1":' +
                     _dump(order).encode("utf-8") + b"}}", mode=self.file_mode, durable=False)
        self._texts[key] = texts
        if len(self._texts) > 64:  # the cards written last
            del self._texts[next(iter(self._texts))]

    def read(self, key: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        path = self.path(key)
        if not path.is_file():
            return None
        with self._open(path) as db:
            rows = db.table("order").all()
            documents = [dict(d) for d in db.table("documents").all()]
        if not rows:
            return None
        return dict(rows[0]), sorted(documents, key=lambda d: d["path"])

    def forget(self, key: str) -> None:
        remove(self.path(key))

    def __iter__(self) -> Iterator[str]:
        """The keys of every order that has a card."""
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*/*.json")):
            yield path.stem


@functools.lru_cache(maxsize=8)
def _id_order(count: int) -> list[int]:
    """The document ids 1..count in the order TinyDB writes them (keys sorted as text)."""
    return sorted(range(1, count + 1), key=str)


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
