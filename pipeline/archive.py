"""The only writer under archive/: per-customer, per-order folders with a sidecar per file.

Layout::

    archive/<customer>/customer.json                  customer code and names
    archive/<customer>/<order>/order.json             the order's current data
    archive/<customer>/<order>/originals/NAME         received files, byte for byte
    archive/<customer>/<order>/generated/NAME         documents gendan made
    archive/<customer>/<order>/stamped/NAME           stamped PDF copies of received files
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
from .flow import Workflow
from .fsutil import atomic_copy, atomic_write, safe_name, sha256_file
from .models import Order

__all__ = ["SIDECAR_SUFFIX", "Archive", "OrderEntry", "Received", "StagedFile"]

SIDECAR_SUFFIX = ".gendan.json"
KIND_FOLDERS = ("originals", "generated", "stamped", "handover")


@dataclass(frozen=True)
class StagedFile:
    """A file prepared in the work folder, waiting to be committed to the archive."""

    path: Path
    doc_type: str
    suffix: str
    meta: dict[str, Any] = field(default_factory=dict)
    kind: str = "generated"  # the folder: generated/ or stamped/
    version: int = 0  # 0: the next free version of this kind and type


@dataclass(frozen=True)
class Received:
    """The file that arrived, and where it belongs."""

    path: Path
    sha256: str
    doc_type: str
    label: str  # where it came from, e.g. inbox/PO-2026-0042_packing-list.pdf
    order_no: str
    customer: str
    version: int = 1
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
        self._cache: dict[Path, tuple[tuple[int, int, int], dict[str, Any]]] = {}

    # -- where things go -------------------------------------------------------------------
    def customer_dir(self, code: str) -> Path:
        return self.root / safe_name(code)

    def order_dir(self, order: Order) -> Path:
        return self.customer_dir(order.customer.code) / safe_name(order.order_no)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # -- questions -------------------------------------------------------------------------
    def sidecars(self, order_dir: Path) -> Iterator[dict[str, Any]]:
        """Every sidecar of one order (parsed once, then only re-read when it changes)."""
        for kind in KIND_FOLDERS:
            folder = order_dir / kind
            if folder.is_dir():
                for sidecar in sorted(folder.glob("*" + SIDECAR_SUFFIX)):
                    yield dict(self._sidecar(sidecar))

    def _sidecar(self, path: Path) -> dict[str, Any]:
        info = path.stat()
        key = (info.st_mtime_ns, info.st_size, info.st_ino)
        cached = self._cache.get(path)
        if cached is None or cached[0] != key:
            cached = (key, _read_json(path))
            self._cache[path] = cached
        return cached[1]

    def find_original(self, order_dir: Path, sha256: str) -> dict[str, Any] | None:
        """The sidecar of an already archived original with these bytes, if any."""
        for meta in self.sidecars(order_dir):
            if meta["kind"] == "original" and meta["sha256"] == sha256:
                return meta
        return None

    def load_workflow(self, order_dir: Path) -> Workflow:
        path = order_dir / "workflow.json"
        if not path.exists():
            return Workflow()
        try:
            return Workflow.model_validate(_read_json(path))
        except ValidationError as exc:
            raise ArchiveError(f"{path}: not a valid workflow ({exc.error_count()} problem(s))",
                               hint="Restore it from backup; the update files are in "
                               "originals/.") from exc

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
    def next_version(self, order_dir: Path, kind: str, doc_type: str, source_sha256: str) -> int:
        """The version a new file of this kind and type gets; the same source (a retried
        commit) gets the same version again."""
        versions: dict[int, str | None] = {
            int(m["version"]): m.get("source_sha256")
            for m in self.sidecars(order_dir)
            if m["kind"] == kind and m["doc_type"] == doc_type
        }
        for version, source in versions.items():
            if source == source_sha256:
                return version
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
        order_dir: Path,
        received: Received,
        staged: list[StagedFile],
        order: Order | None = None,
        workflow: Workflow | None = None,
    ) -> OrderEntry:
        """File one received file and what was made from it; return the order's entry.

        With `order` (order data arriving), the order's current data is replaced too.
        """
        base = {"order": received.order_no, "customer": received.customer, "time": _now()}
        try:
            self._file_staged(order_dir, staged, base, received.label, received.sha256)
            if order is not None:
                self._write_customer(order)
                atomic_write(order_dir / "order.json", _dump(_order_data(order)))
            if workflow is not None:
                atomic_write(order_dir / "workflow.json",
                             _dump(workflow.model_dump(mode="json")))
            originals = order_dir / "originals"
            name = self._original_name(originals, received.path.name, received.sha256)
            target = originals / name
            atomic_copy(received.path, target)
            if sha256_file(target) != received.sha256:
                raise ArchiveError(f"{target}: copy does not match the received file")
            meta = {
                **base, **received.meta, "kind": "original", "doc_type": received.doc_type,
                "version": received.version, "source": received.label,
                "source_sha256": received.sha256, "received_name": received.path.name,
            }
            self._write_sidecar(target, meta)  # last: this marks the commit complete
        except OSError as exc:
            raise ArchiveError(
                f"could not write to the archive at {order_dir}: {exc}",
                hint="Check disk space and permissions; the inbox file was kept.",
            ) from exc
        return self.entry(order_dir)

    def add_made(self, order_dir: Path, staged: list[StagedFile], source: str,
                 source_sha256: str, workflow: Workflow | None = None) -> OrderEntry:
        """File documents made from the archive itself (a check report, a hand-over pack)."""
        order = self.load_order(order_dir)
        base = {"order": order.order_no, "customer": order.customer.code, "time": _now()}
        try:
            self._file_staged(order_dir, staged, base, source, source_sha256)
            if workflow is not None:
                atomic_write(order_dir / "workflow.json",
                             _dump(workflow.model_dump(mode="json")))
        except OSError as exc:
            raise ArchiveError(f"could not write to the archive at {order_dir}: {exc}",
                               hint="Check disk space and permissions.") from exc
        return self.entry(order_dir)

    def _file_staged(self, order_dir: Path, staged: list[StagedFile], base: dict[str, Any],
                     source: str, source_sha256: str) -> None:
        """Copy each staged file into its folder under its versioned name, with a sidecar."""
        for item in staged:
            version = item.version or self.next_version(order_dir, item.kind, item.doc_type,
                                                        source_sha256)
            name = f"{safe_name(base['order'])}_{item.doc_type}_v{version}{item.suffix}"
            target = order_dir / item.kind / name
            atomic_copy(item.path, target)
            self._write_sidecar(target, {**base, **item.meta, "kind": item.kind,
                                         "doc_type": item.doc_type, "version": version,
                                         "source": source, "source_sha256": source_sha256})

    def record_duplicate(self, order_dir: Path, sha256: str, label: str) -> dict[str, Any]:
        """Note on the archived original that the same bytes arrived again."""
        for sidecar in sorted((order_dir / "originals").glob("*" + SIDECAR_SUFFIX)):
            meta = _read_json(sidecar)
            if meta["sha256"] == sha256:
                seen = {"source": label, "time": _now()}
                meta["duplicates"] = [*meta.get("duplicates", []), seen]
                atomic_write(sidecar, _dump(meta))
                return meta
        raise NotFoundError(f"no archived original with sha256 {sha256[:12]} in {order_dir}")

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
        latest: dict[tuple[str, str], int] = {}
        for meta in documents:
            key = (meta["kind"], meta["doc_type"])
            latest[key] = max(latest.get(key, 0), meta["version"])
        for meta in documents:
            newest = meta["version"] == latest[(meta["kind"], meta["doc_type"])]
            meta["current"] = newest or meta["doc_type"] == "order_update"  # events, not versions
        summary = {
            "order_no": order.order_no,
            "contract_no": order.contract_number,
            "customer_po": order.customer_po,
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
            "pages": sum(m.get("pages") or 0 for m in documents
                         if m.get("current") and m["kind"] != "original"),
            "updated": max((m["time"] for m in documents), default=""),
            "status": self.load_workflow(order_dir).status,
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
