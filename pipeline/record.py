"""One order's record, opened under its lock: what is archived, its history, its versions,
and the one commit path by which anything is added.

A file counts as archived once the commit's marker is written: the sidecar that carries
the event (the original's, or for documents made from the archive, the last made one's).
Sidecars of an unfinished commit are leftovers: ignored here, and moved aside by
recovery. A retried commit gets the same version numbers (versions are keyed by the
source's sha256), so what a crash left half-done is redone, not duplicated.
"""

from __future__ import annotations

import contextlib
import json
import logging
import mimetypes
import os
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import ArchiveError, DiskFullError, IncompleteFileError, NotFoundError
from .filing import Arrival, Filing, StagedFile
from .flow import Event, Workflow, fold
from .fsutil import (
    DISK_FULL,
    atomic_copy,
    atomic_write,
    fsync_dir,
    remove,
    safe_name,
)
from .index import without_bulky
from .kept import KeptTexts
from .models import Order
from .sidecars import SIDECAR_SUFFIX, OrderRef, RecordStore, dump_json, read_json
from .summary import summarise

__all__ = ["OrderRecord"]


def _media_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


class OrderRecord(KeptTexts):
    store: RecordStore

    def __init__(self, store: RecordStore, key: str, ref: OrderRef, *, registered: bool) -> None:
        self.store = store
        self.key = key
        self.ref = ref
        self.registered = registered
        self.folder = store.folder(ref)
        self._written: list[tuple[str, dict[str, Any]]] | None = None  # in a commit

    # -- what is archived ------------------------------------------------------------------
    @cached_property
    def _sidecars(self) -> list[tuple[str, dict[str, Any]]]:
        return self.store.listing(self.folder, self.key)

    @cached_property
    def _committed_sources(self) -> set[str]:
        return {m["source_sha256"] for _, m in self._sidecars if "event" in m}

    @cached_property
    def documents(self) -> list[dict[str, Any]]:
        """Every committed file's sidecar (a copy), each with `current` (its newest
        version)."""
        documents = [m for _, m in self._sidecars
                     if m.get("source_sha256") in self._committed_sources]
        latest: dict[tuple[str, str, str], int] = {}
        for meta in documents:
            key = (meta["kind"], meta["doc_type"], meta.get("variant", ""))
            latest[key] = max(latest.get(key, 0), meta["version"])
        return sorted(({**meta, "current": meta["doc_type"] == "order_update" or meta["version"]
                        == latest[(meta["kind"], meta["doc_type"], meta.get("variant", ""))]}
                       for meta in documents), key=lambda m: m["path"])

    def leftovers(self) -> list[Path]:
        """Sidecars of commits that did not finish."""
        return [Path(p) for p, m in self._sidecars if m.get("source_sha256") not in
                self._committed_sources]

    @cached_property
    def events(self) -> list[Event]:  # one that does not parse is left out (verify names it)
        found = []
        for meta in (m for m in self.documents if "event" in m):
            try:
                found.append(self.store.event(meta["event"]))
            except ValueError:  # pydantic's ValidationError is one
                logging.getLogger(__name__).warning("%s: event left out", meta["path"])
        return sorted(found, key=lambda e: e.seq)

    @cached_property
    def workflow(self) -> Workflow:
        return fold(self.events)

    def exists(self) -> bool:
        return any(m["doc_type"] == "order_data" and m["kind"] == "original"
                   for m in self.documents)

    @cached_property
    def order(self) -> Order:
        """The order's current data: the latest committed order file's."""
        latest = self._latest_order_data()
        if latest is None:
            raise NotFoundError(f"order {self.ref.order_no} has no order data archived yet",
                                hint="Drop the order file into the inbox.")
        return Order.model_validate(latest)

    def _latest_order_data(self) -> dict[str, Any] | None:
        versions = [m for m in self.documents if m["kind"] == "original"
                    and m["doc_type"] == "order_data" and "order_data" in m]
        if not versions:
            return None
        data: dict[str, Any] = max(versions, key=lambda m: m["version"])["order_data"]
        return data

    def current(self, doc_type: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self.documents if m["current"]
                and (doc_type is None or m["doc_type"] == doc_type)]

    def original(self, sha256: str) -> dict[str, Any] | None:
        """The committed original with these bytes, if any."""
        return next((m for m in self.documents if m["kind"] == "original"
                     and m["sha256"] == sha256), None)

    def is_this_arrival(self, meta: dict[str, Any], arrival: Arrival) -> bool:
        """True when `arrival` is the very file already committed (a crash came between the
        commit and the inbox clean-up), not the same bytes dropped again."""
        seen = [meta.get("arrival"), *(d.get("arrival") for d in meta.get("duplicates", []))]
        return list(arrival.identity) in seen

    def next_version(self, kind: str, doc_type: str, source_sha256: str,
                     variant: str = "") -> int:
        versions = {int(m["version"]): m.get("source_sha256") for m in self.documents
                    if m["kind"] == kind and m["doc_type"] == doc_type
                    and m.get("variant", "") == variant}
        for version, source in versions.items():
            if source == source_sha256:
                return version
        return max(versions, default=0) + 1

    def made_from(self, source_sha256: str) -> list[dict[str, Any]]:
        """What a commit made from this source (a digest of what it was made from) holds in
        the archive: empty until it is committed."""
        if source_sha256 not in self._committed_sources:
            return []
        return [m for m in self.documents if m["source_sha256"] == source_sha256]

    def summary(self) -> dict[str, Any]:
        """The order's row in the index."""
        return summarise(self.order, self.workflow, self.documents, key=self.key,
                         policy=self.store.policy,
                         folder=self.ref.folder, order_no=self.ref.order_no,
                         customer=self.ref.customer)

    def _reload(self, added: list[tuple[str, dict[str, Any]]] | None = None) -> None:
        """Forget what was read; with `added` (the sidecars a commit just wrote, as read
        back), the sidecars already listed are kept and these added, not listed again."""
        listed = self.__dict__.get("_sidecars")
        for name in ("_sidecars", "_committed_sources", "documents", "events", "workflow",
                     "order"):
            self.__dict__.pop(name, None)
        if listed is not None and added is not None:
            new = {path for path, _ in added}
            now = [(p, m) for p, m in listed if p not in new] + added
            self.__dict__["_sidecars"] = now
            self.store.remember(self.folder, self.key, now)
        else:
            self.store.forget_listing(self.folder)

    # -- changing it -----------------------------------------------------------------------
    def commit(self, filing: Filing) -> list[dict[str, Any]]:
        """File `filing` (see the store's module docstring for the order of the steps);
        returns the sidecars it added."""
        store = self.store
        if filing.arrival is None and (made := self.made_from(filing.source_sha256)):
            return made  # made from the archive, the same before: the archive holds it
        event = filing.event.model_copy(update={"seq": len(self.events) + 1})
        base = {"order": self.ref.order_no, "customer": self.ref.customer,
                "time": store.clock.now().isoformat()}
        placed: list[Path] = []
        texts: dict[str, tuple[tuple[str, ...], str]] = {}  # sha256 -> texts, reader: to keep
        if filing.arrival is not None and filing.texts is not None:
            texts[filing.arrival.sha256] = (filing.texts, filing.texts_reader)
        claimed = not self.registered
        self._written = []
        try:
            store.journal_begin(self.key, self.ref, filing.source)
            if claimed:
                store.claim(self.key, self.ref)
                self.registered = True
            if filing.order is not None:
                self._write_customer(filing.order)
            staged = list(filing.staged)
            last = staged.pop() if filing.arrival is None else None
            folders = set()
            for item in staged:
                path, placed_meta = self._place(item, base, filing, placed)
                folders.add(path.parent)
                if item.texts is not None:
                    texts[placed_meta["sha256"]] = (item.texts, item.texts_reader)
            if filing.arrival is not None:
                target, meta = self._place_arrival(filing, base, event, placed)
            else:
                assert last is not None, "a filing without an arrival makes something"
                target, meta = self._place(last, base, filing, placed, event)
                if last.texts is not None:
                    texts[meta["sha256"]] = (last.texts, last.texts_reader)
            for folder in folders - {target.parent}:
                fsync_dir(folder)
            self._write_sidecar(target, meta)  # the commit marker
        except OSError as exc:
            self._undo(placed, claimed)
            raise _archive_error(exc, self.folder) from exc
        except BaseException:
            self.store.forget_listing(self.folder)  # what it placed is left to recovery
            raise
        finally:
            written, self._written = self._written, None
        self._reload(written)
        self._keep_texts(texts)
        try:
            self.derive()
            store.journal_end(self.key)  # (the shared copy pushed) before the inbox file goes
            if filing.arrival is not None:
                remove(filing.arrival.path)
                remove(_note(filing.arrival.path))
        except OSError as exc:
            raise _archive_error(exc, self.folder) from exc
        filed = [m for m in self.documents if m["source_sha256"] == filing.source_sha256]
        return sorted(filed, key=lambda m: (m["kind"] != "original", m["file"]))

    def record_duplicate(self, meta: dict[str, Any], arrival: Arrival) -> None:
        """Note on the archived original that the same bytes arrived again."""
        path = self.store.root / (meta["path"] + SIDECAR_SUFFIX)
        data = read_json(path)
        seen = {"source": arrival.label, "time": self.store.clock.now().isoformat(),
                "arrival": list(arrival.identity)}
        data["duplicates"] = [*data.get("duplicates", []), seen]
        with self.changing("duplicate"):
            atomic_write(path, dump_json(data), mode=self.store.file_mode)
            self._reload()
            self.derive()
        remove(arrival.path)
        remove(_note(arrival.path))

    def finish_arrival(self, arrival: Arrival) -> None:
        """The arrival was committed before a crash: bring the index up to date and clear
        the inbox."""
        with self.changing("finish"):
            self.derive()
        remove(arrival.path)
        remove(_note(arrival.path))

    @contextlib.contextmanager
    def changing(self, what: str, *, durable: bool = True) -> Iterator[None]:
        """Around every write to the order's folder: the journal names the order while it
        changes (recovery looks at these orders only), and a full disk is one clear error."""
        self.store.journal_begin(self.key, self.ref, what, durable=durable)
        try:
            yield
        except OSError as exc:
            raise _archive_error(exc, self.folder) from exc
        self.store.journal_end(self.key)

    def derive(self) -> None:
        """What is rebuilt from the sidecars: order.json and the index entry."""
        data = self._latest_order_data()
        if data is None:
            return
        path = self.folder / "order.json"
        text = dump_json(data)
        try:
            unchanged = path.read_bytes() == text
        except FileNotFoundError:
            unchanged = False
        if not unchanged:
            atomic_write(path, text, mode=self.store.file_mode, durable=False)
        self.store.index.record(self.key, self.summary(), self.indexed(), self.text_loader())

    def indexed(self) -> list[dict[str, Any]]:
        """The documents as the index holds them: a file that is gone or whose size is not
        the sidecar's is marked, so that `show` never lists it as if it were there."""
        rows = []
        root = str(self.store.root)
        for meta in self.documents:
            row = without_bulky(dict(meta))
            try:
                size = os.stat(f"{root}/{meta['path']}").st_size
            except FileNotFoundError:
                row["missing"] = True
            else:
                if size != meta.get("size"):
                    row["damaged"] = True
            rows.append(row)
        return rows

    def _place(self, item: StagedFile, base: dict[str, Any], filing: Filing, placed: list[Path],
               event: Event | None = None) -> tuple[Path, dict[str, Any]]:
        version = item.version or self.next_version(item.kind, item.doc_type,
                                                    filing.source_sha256, item.variant)
        part = f"_{item.variant}" if item.variant else ""
        name = f"{safe_name(self.ref.order_no)}_{item.doc_type}{part}_v{version}{item.suffix}"
        target = self.folder / item.kind / name
        placed.append(target)
        digest = atomic_copy(item.path, target, mode=self.store.file_mode, sync_dir=False)
        meta = {**base, **item.meta, "kind": item.kind, "doc_type": item.doc_type,
                "version": version, "source": filing.source,
                "source_sha256": filing.source_sha256, "sha256": digest}
        if item.variant:
            meta["variant"] = item.variant
        if event is not None:
            meta["event"] = event.model_dump(mode="json")
            return target, meta
        placed.append(target.with_name(target.name + SIDECAR_SUFFIX))
        self._write_sidecar(target, meta, sync_dir=False)
        return target, meta

    def _place_arrival(self, filing: Filing, base: dict[str, Any], event: Event,
                       placed: list[Path]) -> tuple[Path, dict[str, Any]]:
        arrival = filing.arrival
        assert arrival is not None
        originals = self.folder / "originals"
        target = originals / self._original_name(arrival)
        placed.append(target)
        digest = atomic_copy(arrival.path, target, mode=self.store.file_mode, sync_dir=False)
        if digest != arrival.sha256:
            raise IncompleteFileError(f"{arrival.label} changed while it was being filed",
                                      hint="It is tried again once it stops changing.")
        meta = {**base, **filing.meta, "kind": "original", "doc_type": filing.doc_type,
                "version": filing.version, "source": filing.source,
                "source_sha256": arrival.sha256, "sha256": digest,
                "received_name": arrival.name, "arrival": list(arrival.identity),
                "event": event.model_dump(mode="json")}
        if filing.order is not None:
            meta["order_data"] = filing.order.model_dump(mode="json",
                                                         exclude_computed_fields=True)
        return target, meta

    def _original_name(self, arrival: Arrival) -> str:
        taken = {m["file"]: m["sha256"] for m in self.documents if m["kind"] == "original"}
        return arrival.free_name(taken)

    def _write_customer(self, order: Order) -> None:
        path = self.folder.parent / "customer.json"
        data = dump_json(order.customer.model_dump(mode="json"))
        with contextlib.suppress(FileNotFoundError):
            if path.read_bytes() == data:
                return
        atomic_write(path, data, mode=self.store.file_mode, durable=False)

    def _write_sidecar(self, target: Path, meta: dict[str, Any], *, sync_dir: bool = True
                       ) -> None:
        data = {**meta, "file": target.name, "path": self.store.relative(target),
                "size": target.stat().st_size, "media_type": _media_type(target.name)}
        sidecar, text = target.with_name(target.name + SIDECAR_SUFFIX), dump_json(data)
        atomic_write(sidecar, text, mode=self.store.file_mode, sync_dir=sync_dir)
        if self._written is not None:  # as listing the folder would read it back
            self._written.append((str(sidecar), json.loads(text)))

    def caching(self) -> contextlib.AbstractContextManager[None]:
        """Around writes of derived files outside a commit (the page texts)."""
        return self.changing("cache", durable=False)

    def _undo(self, placed: list[Path], claimed: bool) -> None:
        """After a commit failed before its marker: remove what it placed, the order's
        registry entry if this commit made it, and the journal entry. Nothing of it was
        committed and the inbox file is where it was; removing frees what a full disk
        needs (no temp file is written to do it)."""
        for path in reversed(placed):
            with contextlib.suppress(OSError):
                path.unlink()
        self.store.forget_listing(self.folder)  # (what could not be removed is listed)
        if claimed:
            self.registered = False
        self.store.undo_entries(self.key, claimed)


def _note(path: Path) -> Path:
    return path.with_name(path.name + ".reason.txt")


def _archive_error(exc: OSError, folder: Path) -> ArchiveError:
    if exc.errno in DISK_FULL:
        return DiskFullError(f"the archive cannot be written: {exc.strerror} ({folder})",
                             hint="Free some space (or make the archive writable) and run "
                             "again; the inbox files were left where they were.")
    return ArchiveError(f"could not write to the archive at {folder}: {exc}",
                        hint="Check permissions; the inbox file was kept.")

