"""The only writer under archive/: per-customer, per-order folders with a sidecar per file.

Layout::

    archive/<customer>/customer.json                  customer code and names
    archive/<customer>/<order>/order.json             the order's current data
    archive/<customer>/<order>/originals/NAME         received files, byte for byte
    archive/<customer>/<order>/generated/NAME         documents gendan made
    .../NAME.gendan.json                              sidecar: sha256, size, type, source ...

Every write is atomic (temp file, fsync, rename). A commit writes the generated files
first and the original's sidecar last: a received file counts as archived only once its
sidecar exists, so a crash part-way leaves the inbox file to be processed again, and the
second pass reuses the same version numbers (versions are keyed by the source's sha256).
The archive is the source of truth; `entries()` reads back what the index is built from.
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import ArchiveError, NotFoundError
from .fsutil import atomic_copy, atomic_write, safe_name, sha256_file
from .models import Order

__all__ = ["SIDECAR_SUFFIX", "Archive", "OrderEntry", "StagedFile"]

SIDECAR_SUFFIX = ".gendan.json"
KIND_FOLDERS = ("originals", "generated")


@dataclass(frozen=True)
class StagedFile:
    """A file prepared in the work folder, waiting to be committed to the archive."""

    path: Path
    doc_type: str
    suffix: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderEntry:
    """What the index holds about one order, read back from the archive."""

    order: dict[str, Any]
    documents: list[dict[str, Any]]


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _dump(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _order_data(order: Order) -> dict[str, Any]:
    return order.model_dump(mode="json", exclude_computed_fields=True)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArchiveError(
            f"{path}: unreadable ({exc})", hint="Restore it from backup, then `gendan reindex`."
        ) from exc
    if not isinstance(data, dict):
        raise ArchiveError(f"{path}: expected a JSON object")
    return data


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root

    # -- where things go -------------------------------------------------------------------
    def customer_dir(self, code: str) -> Path:
        return self.root / safe_name(code)

    def order_dir(self, order: Order) -> Path:
        return self.customer_dir(order.customer.code) / safe_name(order.order_no)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # -- questions -------------------------------------------------------------------------
    def sidecars(self, order_dir: Path) -> Iterator[dict[str, Any]]:
        for kind in KIND_FOLDERS:
            folder = order_dir / kind
            if folder.is_dir():
                for sidecar in sorted(folder.glob("*" + SIDECAR_SUFFIX)):
                    yield _read_json(sidecar)

    def find_original(self, order_dir: Path, sha256: str) -> dict[str, Any] | None:
        """The sidecar of an already archived original with these bytes, if any."""
        for meta in self.sidecars(order_dir):
            if meta["kind"] == "original" and meta["sha256"] == sha256:
                return meta
        return None

    def load_order(self, order_dir: Path) -> Order:
        path = order_dir / "order.json"
        if not path.exists():
            raise NotFoundError(f"no order data in {order_dir}")
        try:
            return Order.model_validate(_read_json(path))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ArchiveError(
                f"{path}: no longer valid order data ({exc.error_count()} problem(s), first: "
                f"{'.'.join(map(str, first['loc']))}: {first['msg']})",
                hint="Restore order.json from the original order file in originals/.",
            ) from exc

    # -- writing ---------------------------------------------------------------------------
    def _version(self, order_dir: Path, doc_type: str, source_sha256: str) -> int:
        versions: dict[int, str | None] = {
            int(m["version"]): m.get("source_sha256")
            for m in self.sidecars(order_dir)
            if m["kind"] == "generated" and m["doc_type"] == doc_type
        }
        for version, source in versions.items():
            if source == source_sha256:
                return version  # the same input again (a retried commit): same slot
        return max(versions, default=0) + 1

    def _original_name(self, folder: Path, name: str, sha256: str) -> str:
        stem, suffix = os.path.splitext(safe_name(name))
        candidate, n = stem + suffix, 1
        while (folder / candidate).exists():
            if sha256_file(folder / candidate) == sha256:
                return candidate
            n += 1
            candidate = f"{stem}-{n}{suffix}"
        return candidate

    def _write_customer(self, order: Order) -> None:
        path = self.customer_dir(order.customer.code) / "customer.json"
        data = order.customer.model_dump(mode="json")
        if not path.exists() or _read_json(path) != data:
            atomic_write(path, _dump(data))

    def commit(
        self,
        order: Order,
        original: Path,
        original_sha256: str,
        original_type: str,
        staged: list[StagedFile],
        source_label: str,
    ) -> OrderEntry:
        """File one received file and the documents made from it; return the order's entry."""
        order_dir = self.order_dir(order)
        base = {"order": order.order_no, "customer": order.customer.code, "time": _now()}
        try:
            self._write_customer(order)
            for item in staged:
                version = self._version(order_dir, item.doc_type, original_sha256)
                name = f"{safe_name(order.order_no)}_{item.doc_type}_v{version}{item.suffix}"
                target = order_dir / "generated" / name
                atomic_copy(item.path, target)
                meta = {
                    **base, **item.meta, "kind": "generated", "doc_type": item.doc_type,
                    "version": version, "source": source_label, "source_sha256": original_sha256,
                }  # fmt: skip
                self._write_sidecar(target, meta)
            atomic_write(order_dir / "order.json", _dump(_order_data(order)))
            originals = order_dir / "originals"
            target = originals / self._original_name(originals, original.name, original_sha256)
            atomic_copy(original, target)
            if sha256_file(target) != original_sha256:
                raise ArchiveError(f"{target}: copy does not match the received file")
            meta = {**base, "kind": "original", "doc_type": original_type, "version": 1,
                    "source": source_label, "source_sha256": original_sha256}  # fmt: skip
            self._write_sidecar(target, meta)  # last: this marks the commit complete
        except OSError as exc:
            raise ArchiveError(
                f"could not write to the archive at {order_dir}: {exc}",
                hint="Check disk space and permissions; the inbox file was kept.",
            ) from exc
        return self.entry(order_dir)

    def _write_sidecar(self, target: Path, meta: dict[str, Any]) -> None:
        media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        data = {
            **meta,
            "file": target.name,
            "path": self.relative(target),
            "sha256": sha256_file(target),
            "size": target.stat().st_size,
            "media_type": media_type,
        }
        atomic_write(target.with_name(target.name + SIDECAR_SUFFIX), _dump(data))

    # -- reading back ----------------------------------------------------------------------
    def entry(self, order_dir: Path) -> OrderEntry:
        """The index entry of one order, derived from its folder alone."""
        order = self.load_order(order_dir)
        documents = list(self.sidecars(order_dir))
        latest: dict[str, int] = {}
        for meta in documents:
            if meta["kind"] == "generated":
                latest[meta["doc_type"]] = max(latest.get(meta["doc_type"], 0), meta["version"])
        for meta in documents:
            newest = latest.get(meta["doc_type"], meta["version"])
            meta["current"] = meta["kind"] != "generated" or meta["version"] == newest
        summary = {
            "order_no": order.order_no,
            "customer": order.customer.code,
            "customer_name_en": order.customer.name_en,
            "customer_name_zh": order.customer.name_zh,
            "folder": self.relative(order_dir),
            "currency": order.currency,
            "total_amount": f"{order.total_amount:.2f}",
            "items": len(order.items),
            "order_date": order.order_date.isoformat(),
            "delivery_date": order.delivery_date.isoformat(),
            "documents": len(documents),
            "pages": sum(m.get("pages") or 0 for m in documents if m.get("current")),
            "updated": max((m["time"] for m in documents), default=""),
        }
        return OrderEntry(summary, documents)

    def order_dirs(self) -> Iterator[Path]:
        if not self.root.is_dir():
            return
        for customer in sorted(self.root.iterdir()):
            if customer.is_dir() and not customer.name.startswith("."):
                for order_dir in sorted(customer.iterdir()):
                    if (order_dir / "order.json").is_file():
                        yield order_dir

    def entries(self) -> Iterator[OrderEntry]:
        """Every order in the archive, read from the folders (for `gendan reindex`)."""
        for order_dir in self.order_dirs():
            yield self.entry(order_dir)
