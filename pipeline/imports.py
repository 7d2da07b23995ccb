"""`gendan import`: an export from another archive, taken as untrusted input.

    open (a zip file or a folder; links refused) -> the manifest, every field validated ->
    every member streamed into a staging folder, never whole in memory, each within the
    size limit and checked against its size and sha256 -> every record parsed (sidecars,
    events, order data) and every path confined to its order's own folder -> every
    approval passes the rules of one that arrives -> only then, order by order under its
    lock, the files are moved into the archive (the files first, their sidecars last)

Anything wrong before the last step refuses the whole import with one line naming the
member and the field, and nothing enters the archive. A file the archive holds already
with the same content is skipped (importing twice files nothing the second time); one
with other content is a conflict, named, and that order is left as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InputError, OrderConflictError
from .fsutil import fsync_dir, move, order_key, sha256_file
from .record import OrderRecord
from .store import SIDECAR_SUFFIX, OrderRef, OrderStore
from .transfer import FORMAT, Decisions, undecided

__all__ = ["Decisions", "ImportResult", "import_orders"]

MANIFEST_LIMIT = 64 * 1024 * 1024
MEMBER_LIMIT = 512 * 1024 * 1024  # one file of an export (a factory's long manual fits)
EXTRAS = {"manifest.json", "manifest.csv", "manifest.xlsx"}
BOOKS = {"books", "masters"}  # the workspace's folders an export may bring files into
# what reading a damaged zip member raises (a bad header, a broken deflate stream, an
# unknown method, an encrypted member)
DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError,
           NotImplementedError, RuntimeError)
HINT = "Nothing was imported. Import what `gendan export` wrote, as it wrote it."


@dataclass
class ImportResult:
    orders: list[str] = field(default_factory=list)
    filed: int = 0  # files written
    skipped: int = 0  # files the archive held already, the same
    conflicts: list[str] = field(default_factory=list)




class _Entry(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    path: str = Field(min_length=1, max_length=1000)
    size: int = Field(ge=0, le=MEMBER_LIMIT)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class _Order(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    order_no: str = Field(min_length=1, max_length=200)
    customer: str = Field(min_length=1, max_length=200)
    folder: str = Field(min_length=3, max_length=500)


class _Manifest(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    format: str
    orders: list[_Order] = Field(max_length=100_000)
    files: list[_Entry] = Field(max_length=2_000_000)
    workspace_files: list[_Entry] = Field(default_factory=list, max_length=1_000_000)


def _refuse(where: str, what: str) -> InputError:
    return InputError(f"{where}: {what}", hint=HINT)


class _Source:
    """The export: a zip file or a folder, read member by member; links are refused."""

    def __init__(self, path: Path) -> None:
        self.path, self.where = path, path.name
        self.zip: zipfile.ZipFile | None = None
        if path.is_symlink():
            raise _refuse(self.where, "is a link; give the export itself")
        if path.is_file():
            try:
                self.zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise _refuse(self.where, f"not a gendan export: not a zip file ({exc})") \
                    from exc
        elif not path.is_dir():
            raise _refuse(self.where, "neither a zip file nor a folder")

    def names(self) -> set[str]:
        if self.zip is not None:
            found = set()
            for info in self.zip.infolist():
                if info.is_dir():
                    continue
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise _refuse(self.where, f"{info.filename} is a link")
                found.add(info.filename)
            return found
        found = set()
        for folder, dirs, files in os.walk(self.path, followlinks=False):
            for name in [*files, *dirs]:
                full = Path(folder) / name
                if full.is_symlink():
                    raise _refuse(self.where, f"{full.relative_to(self.path)} is a link")
            found |= {(Path(folder) / n).relative_to(self.path).as_posix() for n in files}
        return found

    def chunks(self, name: str) -> Iterator[bytes]:
        if self.zip is not None:
            with self.zip.open(name) as handle:
                yield from iter(lambda: handle.read(1 << 20), b"")
            return
        with (self.path / name).open("rb") as handle:
            yield from iter(lambda: handle.read(1 << 20), b"")

    def read(self, name: str, limit: int) -> bytes:
        data = bytearray()
        for chunk in self.chunks(name):
            data += chunk
            if len(data) > limit:
                raise _refuse(self.where, f"{name} is larger than {limit} bytes")
        return bytes(data)

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _manifest(source: _Source) -> _Manifest:
    try:
        raw = json.loads(source.read("manifest.json", MANIFEST_LIMIT))
    except KeyError as exc:
        raise _refuse(source.where, "has no manifest.json: not a gendan export") from exc
    except FileNotFoundError as exc:
        raise _refuse(source.where, "has no manifest.json: not a gendan export") from exc
    except (ValueError, OSError, *DAMAGED) as exc:
        raise _refuse(source.where, f"manifest.json does not read ({exc})") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        found = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
        raise _refuse(source.where, f"not a gendan export (format {found!r})")
    try:
        return _Manifest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        place = ".".join(str(p) for p in first["loc"])
        raise _refuse(source.where, f"manifest.json {place}: {first['msg']} (found "
                      f"{str(first.get('input'))[:60]!r})") from exc


def _confined(store: OrderStore, manifest: _Manifest, where: str) -> dict[str, OrderRef]:
    """Each order's folder is the one this archive gives (or gave) it, and every file lies
    in the folder of an order the manifest lists."""
    refs: dict[str, OrderRef] = {}
    taken = {r.folder: r.order_no for r in store.refs()}
    for entry in manifest.orders:
        here = store.locate(entry.order_no)
        expected = here.folder if here is not None else \
            store.new_ref(entry.order_no, entry.customer).folder
        if entry.folder != expected:
            raise _refuse(where, f"order {entry.order_no} is to go into {entry.folder}, but "
                          f"its folder here is {expected}")
        if here is None and taken.get(entry.folder, entry.order_no) != entry.order_no:
            raise _refuse(where, f"{entry.folder} holds order {taken[entry.folder]} here")
        refs[entry.folder] = here or OrderRef(entry.order_no, entry.customer, entry.folder)
    for item in manifest.files:
        path = PurePosixPath(item.path)
        if path.is_absolute() or ".." in path.parts or "\\" in item.path or \
                len(path.parts) < 3 or "/".join(path.parts[:2]) not in refs:
            raise _refuse(where, f"{item.path} is not inside the folder of an order it lists")
    for item in manifest.workspace_files:
        path = PurePosixPath(item.path)
        if path.is_absolute() or ".." in path.parts or "\\" in item.path or \
                len(path.parts) < 3 or path.parts[0] not in BOOKS:
            raise _refuse(where, f"{item.path} is not a file of the office's books (books/, "
                          "masters/)")
    return refs


def _stage(source: _Source, manifest: _Manifest, staging: Path) -> dict[str, Path]:
    """Every listed member streamed into `staging` and checked; nothing else in it."""
    listed = {f"archive/{item.path}": item for item in manifest.files}
    listed |= {f"workspace/{item.path}": item for item in manifest.workspace_files}
    if len(listed) != len(manifest.files) + len(manifest.workspace_files):
        raise _refuse(source.where, "manifest.json lists a file twice")
    unexpected = source.names() - set(listed) - EXTRAS
    if unexpected:
        raise _refuse(source.where, f"{sorted(unexpected)[0]} is not in the manifest (changed "
                      "after it was written); export it again")
    staged: dict[str, Path] = {}
    for number, (name, item) in enumerate(listed.items()):
        target = staging / f"{number:07d}"
        digest, size = hashlib.sha256(), 0
        try:
            with target.open("wb") as out:
                for chunk in source.chunks(name):
                    size += len(chunk)
                    if size > item.size:
                        raise _refuse(source.where, f"{item.path} is larger than the "
                                      f"{item.size} bytes the manifest says")
                    digest.update(chunk)
                    out.write(chunk)
        except (KeyError, FileNotFoundError) as exc:
            raise _refuse(source.where, f"{item.path} is missing; export it again") from exc
        except (OSError, *DAMAGED) as exc:
            if isinstance(exc, OSError) and exc.errno in {28, 30}:  # full or read-only
                raise
            raise _refuse(source.where, f"{item.path} does not read ({exc})") from exc
        if size != item.size or digest.hexdigest() != item.sha256:
            raise _refuse(source.where, f"{item.path} does not match its size and sha256 in "
                          "the manifest (changed or damaged); export it again")
        staged[name] = target
    return staged


def _records(staged: dict[str, Path], where: str) -> None:
    """Every sidecar reads, its event parses and its order data is an order."""
    from .flow import Event
    from .models import Order

    for path, file in staged.items():
        if not path.endswith(SIDECAR_SUFFIX):
            continue
        try:
            meta = json.loads(file.read_bytes())
            if not isinstance(meta, dict):
                raise ValueError("not a JSON object")
            if meta.get("event") is not None:
                Event.model_validate(meta["event"])
            if meta.get("doc_type") == "order_data" and "order_data" in meta:
                Order.model_validate(meta["order_data"])
        except (ValueError, ValidationError) as exc:
            message = str(exc).splitlines()[0][:160]
            raise _refuse(where, f"{path}: its record does not parse ({message})") from exc
        described = meta.get("path")
        if described is not None and described != path[: -len(SIDECAR_SUFFIX)]:
            raise _refuse(where, f"{path} describes {described}, another file")


def import_orders(store: OrderStore, path: Path, decisions: Decisions) -> ImportResult:
    """Import the export at `path` (see the module's docstring)."""
    source = _Source(path)
    result = ImportResult()
    try:
        manifest = _manifest(source)
        refs = _confined(store, manifest, source.where)
        with store.work_folder() as staging:
            everything = _stage(source, manifest, staging)
            staged = {p.removeprefix("archive/"): f for p, f in everything.items()
                      if p.startswith("archive/")}
            _records(staged, source.where)
            by_order = {folder: {p: f for p, f in staged.items()
                                 if p.startswith(folder + "/")} for folder in refs}
            for folder, ref in refs.items():
                files = {p: f.read_bytes() for p, f in by_order[folder].items()
                         if p.endswith(SIDECAR_SUFFIX)}
                new = [(p, b"") for p in by_order[folder] if not (store.root / p).exists()]
                if new and (why := undecided(store, ref, files, new, decisions)):
                    raise _refuse(source.where, f"order {ref.order_no}: {why}")
            for folder, ref in refs.items():
                _file_order(store, ref, by_order[folder], result)
            _file_books(store.root.parent, {p.removeprefix("workspace/"): f
                                            for p, f in everything.items()
                                            if p.startswith("workspace/")}, result)
    finally:
        source.close()
    return result


def _file_books(workspace: Path, files: dict[str, Path], result: ImportResult) -> None:
    """The office's books that came with the orders: a file that is not here is written,
    the same one is skipped, another one is a conflict and left as it is here."""
    for relative, staged in sorted(files.items()):
        target = workspace / relative
        if target.is_file():
            if sha256_file(target) == sha256_file(staged):
                result.skipped += 1
            else:
                result.conflicts.append(f"{relative} differs from this workspace's")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with staged.open("rb") as handle:
            os.fsync(handle.fileno())
        move(staged, target)
        fsync_dir(target.parent)
        result.filed += 1


def _file_order(store: OrderStore, ref: OrderRef, files: dict[str, Path],
                result: ImportResult) -> None:
    key = order_key(ref.order_no)
    with store.lock(key, f"order {ref.order_no}"):
        here = store.locate(ref.order_no)
        if here is not None and here.folder != ref.folder:
            raise OrderConflictError(
                f"order {ref.order_no} is filed here in {here.folder}, the export has it in "
                f"{ref.folder}", hint="Order numbers are unique in a workspace; nothing of "
                "this order was imported.")
        clashes = [p for p, staged in files.items() if (store.root / p).is_file()
                   and sha256_file(store.root / p) != sha256_file(staged)]
        if clashes:
            result.conflicts.append(f"{ref.order_no}: {clashes[0]} differs from the archive's")
            return
        new = [(p, f) for p, f in files.items() if not (store.root / p).exists()]
        result.skipped += len(files) - len(new)
        if not new:
            return
        store.journal_begin(key, ref, "import")
        if here is None:
            store.claim(key, ref)
        folders = set()
        # the files first, their sidecars (the commit markers) last
        for relative, staged in sorted(new, key=lambda n: n[0].endswith(SIDECAR_SUFFIX)):
            target = store.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if store.file_mode is not None:
                os.chmod(staged, store.file_mode)
            with staged.open("rb") as handle:
                os.fsync(handle.fileno())
            move(staged, target)
            folders.add(target.parent)
        for folder in folders:
            fsync_dir(folder)
        OrderRecord(store, key, ref, registered=True).derive()
        store.journal_end(key)
        result.filed += len(new)
        result.orders.append(ref.order_no)
