"""The order store: the only writer under archive/ and the one owner of every order's
record (its folder, sidecars, history and index entry).

    archive/<customer>/<order>/originals|generated|stamped|handover/NAME
    archive/<customer>/<order>/.../NAME.gendan.json   sidecar: sha256, size, type, version...
    archive/<customer>/<order>/order.json             derived: the latest order data
    archive/<customer>/<order>/.text/<sha256>.json    derived: page texts, read once
    archive/<customer>/customer.json                  the customer's code and names
    archive/.orders/<key>.json      the order's registry entry: number, customer, folder
    archive/.locks/<key>.lock       one lock per order; intake.lock for the inbox
    archive/.journal/<key>.json     an order with a commit in flight
    archive/.work/<pid>-*/          scratch folders of running processes
    archive/.quarantine/<time>/     what recovery or `verify --repair` moved aside
    archive/.index/                 the index (derived, `gendan reindex` rebuilds it)

An order is found one way: its number, case-insensitively, through the registry entry
written (under the order's lock) when the order first arrives. The customer folder is
decided then; a later file naming another customer for the number is refused.

One lock per order is held across every read-modify-write (updates, revisions, factory
files, check, hand-over), and every change goes through `OrderRecord.commit`, which
writes in one order: journal -> files -> sidecars -> the event (the commit marker, last)
-> derived files -> index -> the inbox file is removed -> journal cleared. The event
lives in the sidecar of the file that caused it, so the order's history is rebuilt from
the archive alone. `shared.SharedStore` keeps the registry, locks, journal, counters and
index in PostgreSQL instead; nothing above this module changes.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock

from .clock import Clock, SystemClock
from .errors import ArchiveError, NotFoundError, OrderConflictError
from .fsutil import atomic_write, order_key, pid_alive, remove, safe_name, writer_tag
from .index import Index
from .listings import KIND_FOLDERS, Listing, Listings
from .locks import Turn, hold, try_hold
from .sidecars import SIDECAR_SUFFIX, OrderRef, dump_json, read_json, well_formed
from .summary import Policy

if TYPE_CHECKING:
    from .flow import Event
    from .remote import RemoteArchive

__all__ = ["KIND_FOLDERS", "SIDECAR_SUFFIX", "OrderRef", "OrderStore", "dump_json",
           "order_key", "pid_alive", "read_json", "well_formed"]

log = logging.getLogger(__name__)

SIDECAR_CACHE = 20_000  # sidecars kept parsed in a long-running process


class OrderStore:
    """The archive of one workspace."""

    def __init__(self, root: Path, *, clock: Clock | None = None, index: Index | None = None,
                 file_mode: int | None = None, lock_timeout: float = 600,
                 policy: Policy | None = None, remote: RemoteArchive | None = None) -> None:
        self.root = root
        self.remote = remote  # the archive's shared copy (remote.py), if it has one
        self.policy = policy or Policy()  # for the warnings and deadlines in each order's row
        self.clock = clock or SystemClock()
        self.file_mode = file_mode
        self.index = index or Index(root / ".index", file_mode=file_mode)
        self.lock_timeout = lock_timeout
        self.sidecar_cache = SIDECAR_CACHE  # parsed sidecars kept (0 on a one-pass rebuild)
        self._events: OrderedDict[int, tuple[dict[str, Any], Event]] = OrderedDict()
        self._sidecars: OrderedDict[str, tuple[tuple[int, int, int], dict[str, Any], bool]] = \
            OrderedDict()
        self._turns: dict[str, Turn | None] = {}  # the locks held, and their turns
        self._listings = Listings()

    # -- places ----------------------------------------------------------------------------
    @property
    def work(self) -> Path:
        return self.root / ".work"

    @property
    def quarantine(self) -> Path:
        return self.root / ".quarantine"

    def folder(self, ref: OrderRef) -> Path:
        return self.root / ref.folder

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _registry(self, key: str) -> Path:
        return self.root / ".orders" / f"{key}.json"

    def _journal(self, key: str) -> Path:
        return self.root / ".journal" / f"{key}.json"

    # -- finding orders --------------------------------------------------------------------
    def locate(self, order_no: str) -> OrderRef | None:
        """The order filed under this number (any case), or None."""
        try:
            data = read_json(self._registry(order_key(order_no)))
        except FileNotFoundError:
            return None
        return OrderRef(data["order_no"], data["customer"], data["folder"])

    def require(self, order_no: str) -> OrderRef:
        ref = self.locate(order_no)
        if ref is None:
            raise NotFoundError(f"order {order_no} is not in the archive",
                                hint="Check the number with `gendan orders`; run `gendan "
                                "reindex` if the archive holds it.")
        return ref

    def refs(self) -> Iterator[OrderRef]:
        folder = self.root / ".orders"
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("*.json")):
            with contextlib.suppress(FileNotFoundError):
                data = read_json(path)
                yield OrderRef(data["order_no"], data["customer"], data["folder"])

    def new_ref(self, order_no: str, customer: str) -> OrderRef:
        return OrderRef(order_no, customer, f"{safe_name(customer)}/{safe_name(order_no)}")

    def claim(self, key: str, ref: OrderRef) -> None:
        """Register a new order (under its lock, inside its first commit)."""
        atomic_write(self._registry(key), dump_json(ref.as_dict()), mode=self.file_mode)

    def unclaim(self, key: str) -> None:
        remove(self._registry(key))

    def undo_entries(self, key: str, claimed: bool) -> None:
        """After a commit failed before its marker: its registry entry (if it made it) and
        its journal entry removed, without a temp file (a full disk needs the room)."""
        paths = [self._registry(key)] if claimed else []
        for path in [*paths, self._journal(key)]:
            with contextlib.suppress(OSError):
                path.unlink()

    def fresh(self) -> OrderStore:
        """Another store of the same archive (for a worker process)."""
        return OrderStore(self.root, policy=self.policy, file_mode=self.file_mode,
                          remote=self.remote)

    # -- locks and the journal -------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, name: str, what: str) -> Iterator[None]:
        """The lock `name` (an order's key, the inbox's, a file's), held; an order's shared
        copy, if the archive has one, is pulled first."""
        with self._hold(name, what) as turn:
            self._turns[name] = turn
            try:
                self.pull(name)
                yield
            finally:
                self._turns.pop(name, None)

    def pull(self, name: str) -> None:
        """The order's shared copy (if the archive has one) brought here; under its lock."""
        if self.remote is not None and (ref := self.locate(name)) is not None:
            self.remote.pull(ref, quarantine=self.quarantine)

    def pull_all(self) -> None:
        """Every order of the shared copy brought here, each under its lock (before the
        whole archive is rebuilt, checked or copied)."""
        for manifest in self.remote.manifests() if self.remote is not None else ():
            ref = OrderRef(manifest["order_no"], manifest["customer"], manifest["folder"])
            with self._hold(str(manifest["key"]), f"order {ref.order_no}"):
                self.remote.pull(ref, quarantine=self.quarantine)  # type: ignore[union-attr]

    def _hold(self, name: str, what: str) -> contextlib.AbstractContextManager[Turn | None]:
        """The lock itself (pipeline/locks.py)."""
        return hold(self.root / ".locks" / f"{name}.lock", what, self.lock_timeout)

    def try_lock(self, name: str) -> FileLock | None:
        """The lock if it is free now, else None."""
        return try_hold(self.root / ".locks" / f"{name}.lock")

    def journal_begin(self, key: str, ref: OrderRef, what: str, *, durable: bool = True) -> None:
        """Note that this process is changing the order (recovery looks at these orders
        only); `durable=False` for caches, which a power cut may lose without harm."""
        data = {**ref.as_dict(), "what": what, "pid": os.getpid(),
                "started": self.clock.now().isoformat()}
        atomic_write(self._journal(key), dump_json(data), mode=self.file_mode,
                     durable=durable)

    def journal_end(self, key: str) -> None:
        """The change of the order ended: its shared copy pushed, the journal cleared."""
        if self.remote is not None and (ref := self.locate(key)) is not None:
            self.remote.push(ref, key)
        self._clear_journal(key)

    def _clear_journal(self, key: str) -> None:
        remove(self._journal(key))

    def writer_alive(self, data: dict[str, Any]) -> bool:  # of a journal entry
        return pid_alive(str(data.get("pid", "")))

    def journal(self) -> list[tuple[str, dict[str, Any]]]:
        folder = self.root / ".journal"
        if not folder.is_dir():
            return []
        entries = []
        for path in sorted(folder.glob("*.json")):
            try:
                entries.append((path.stem, read_json(path)))
            except (FileNotFoundError, ArchiveError):
                entries.append((path.stem, {}))
        return entries

    # -- counters (the company's own numbers) ----------------------------------------------
    def _counter(self, key: str) -> tuple[Path, int]:
        """A counter's file and its last number (0 before the first); under the lock."""
        path = self.root / ".counters" / f"{safe_name(key)}.json"
        try:
            return path, int(read_json(path).get("last", 0))
        except FileNotFoundError:
            return path, 0

    def next_in_series(self, key: str) -> int:
        """The next number of a counter; never the same twice (the counter is written
        before the number is used)."""
        with self.lock("counters", "the number counters"):
            path, last = self._counter(key)
            atomic_write(path, dump_json({"counter": key, "last": last + 1}),
                         mode=self.file_mode)
        return last + 1

    def raise_counter(self, key: str, seen: int) -> None:
        """After a rebuild: a counter is at least the highest number found in the archive."""
        with self.lock("counters", "the number counters"):
            path, last = self._counter(key)
            if seen > last:
                atomic_write(path, dump_json({"counter": key, "last": seen}),
                             mode=self.file_mode)

    # -- records ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def open(self, order_no: str, *, customer: str | None = None,
             create: bool = False) -> Iterator[Any]:
        """The order's record, under its lock. `create`: a new order of `customer` may be
        started (claimed by its first commit); `customer` must match an existing one."""
        from .record import OrderRecord

        key = order_key(order_no)
        with self.lock(key, f"order {order_no}"):
            ref = self.locate(order_no)
            registered = ref is not None
            if ref is None:
                if not create or customer is None:
                    raise NotFoundError(
                        f"order {order_no} is not in the archive",
                        hint="Check the number with `gendan orders`; run `gendan reindex` "
                        "if the archive holds it.")
                ref = self.new_ref(order_no, customer)
            elif customer is not None and ref.customer != customer:
                raise OrderConflictError(
                    f"order number {order_no} is already filed for customer {ref.customer} "
                    f"(in {ref.folder}); this file says customer {customer}",
                    hint="Order numbers are unique in a workspace: correct the order number "
                    f"or the customer code (it must stay {ref.customer}).")
            record = OrderRecord(self, key, ref, registered=registered)
            if registered and not record.exists():
                record.registered = True  # claimed by a commit that did not finish
            yield record

    def order_folders(self) -> Iterator[Path]:
        """Every order folder in the archive (the source of truth for rebuilding)."""
        if not self.root.is_dir():
            return
        for customer in sorted(self.root.iterdir()):
            if customer.name.startswith(".") or not customer.is_dir():
                continue
            for folder in sorted(customer.iterdir()):
                if folder.is_dir() and not folder.name.startswith(".") and \
                        any((folder / kind).is_dir() for kind in KIND_FOLDERS):
                    yield folder

    # -- sidecars (parsed once, re-read only when they change) -----------------------------
    def sidecar(self, path: Path) -> dict[str, Any]:
        return self._parsed(str(path), path.stat())[0]

    def _parsed(self, path: str, info: os.stat_result) -> tuple[dict[str, Any], bool]:
        """The sidecar at `path`, parsed (and whether it is well formed) once while its
        file stays the same."""
        stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        cached = self._sidecars.get(path)
        if cached is None or cached[0] != stamp:
            meta = read_json(Path(path))
            cached = (stamp, meta, well_formed(meta))
            if self.sidecar_cache:
                self._sidecars[path] = cached
                if len(self._sidecars) > self.sidecar_cache:
                    self._sidecars.popitem(last=False)
        else:
            self._sidecars.move_to_end(path)
        return cached[1], cached[2]

    def event(self, raw: dict[str, Any]) -> Event:
        """A sidecar's event, validated once while its parsed sidecar is kept (`raw` is then
        the very same dict, shared by the copies `sidecars` hands out)."""
        cached = self._events.get(id(raw))
        if cached is not None and cached[0] is raw:
            return cached[1]
        from .flow import Event  # pydantic: not for the commands that only read the index

        event = Event.model_validate(raw)
        if self.sidecar_cache:
            self._events[id(raw)] = (raw, event)
            if len(self._events) > self.sidecar_cache:
                self._events.popitem(last=False)
        return event

    # -- an order's listing, kept while no one else takes its lock (listings.py) ---------
    def listing(self, folder: Path, key: str) -> Listing:
        """The sidecars of an order folder (copies), under the order's lock."""
        found = self._listings.get(folder, self._turns.get(key))
        if found is None:
            found = list(self.sidecars(folder))
            self.remember(folder, key, found)
        return found

    def remember(self, folder: Path, key: str, listing: Listing) -> None:
        """The order's listing as it now is (the holder of its lock read or wrote it); not
        kept where other machines share the archive."""
        keep = self.remote is None and self.sidecar_cache  # (not in a one-pass rebuild)
        self._listings.put(folder, self._turns.get(key) if keep else None, listing)

    def forget_listing(self, folder: Path) -> None:
        """The order's folder changed in a way its listing does not tell: list it again."""
        self._listings.forget(folder)

    def sidecars(self, folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each sidecar of an order folder (its path) with its data (a copy): one stat a
        file, parsed only when it changed."""
        for kind in KIND_FOLDERS:
            try:
                entries = sorted((e for e in os.scandir(folder / kind)
                                  if e.name.endswith(SIDECAR_SUFFIX)), key=lambda e: e.name)
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                try:
                    meta, shaped = self._parsed(entry.path, entry.stat())
                except FileNotFoundError:
                    continue
                except ArchiveError as exc:  # verify reports it, repair quarantines it
                    log.warning("%s; left out until `gendan verify --repair`", exc.message)
                    continue
                if not shaped:
                    log.warning("%s: a record not of gendan's shape; left out until "
                                "`gendan verify --repair`", entry.path)
                    continue
                yield entry.path, dict(meta)

    # -- scratch space ---------------------------------------------------------------------
    @contextlib.contextmanager
    def work_folder(self) -> Iterator[Path]:
        """A scratch folder on the archive's file system (commits are then renames),
        named after this process so that recovery can tell a dead one's leftovers."""
        import shutil
        import tempfile

        self.work.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f"{writer_tag()}-", dir=self.work))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def stale_work(self) -> list[Path]:
        """Scratch folders of processes that are no longer running."""
        if not self.work.is_dir():
            return []
        return [p for p in self.work.iterdir() if not pid_alive(p.name.split("-", 1)[0])]

