"""The archive's shared copy: S3-compatible object storage (`[store] archive_url =
"s3://bucket/prefix"`) or a path every machine mounts, through fsspec.

Each machine works on its own copy (the workspace's archive/); per order folder the shared
copy holds the files and a manifest, `.gendan-manifest.json` (a serial, every file's sha256
and size), written last: the commit marker. Pulled under the order's lock before it is read
(`OrderStore.lock`), pushed when its change ends (`OrderStore.journal_end`), every fetched
file checked against the manifest before it takes its place. This machine's last view of
each order (serial, each file's sha256 with its size and time) is kept in
archive/.remote/<folder>.json. The rules, and why: docs/shared.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import faults
from .errors import ArchiveError, ConfigError
from .fsutil import TEMP_PREFIX, atomic_write, fsync_dir, sha256_file, writer_tag
from .sidecars import SIDECAR_SUFFIX, OrderRef, dump_json

__all__ = ["MANIFEST", "RemoteArchive"]

MANIFEST = ".gendan-manifest.json"
CUSTOMER_FILE = "customer.json"
FORMAT = 1

class RemoteArchive:
    """The shared copy of an archive whose working copy is the folder `root`."""

    def __init__(self, url: str, root: Path, *, endpoint: str = "",
                 file_mode: int | None = None) -> None:
        import fsspec

        self.local = not url.startswith(("s3://", "s3a://"))
        options: dict[str, Any] = ({"auto_mkdir": True} if self.local else  # a mounted folder
                                   {"use_listings_cache": False, "skip_instance_cache": True}
                                   | ({"endpoint_url": endpoint} if endpoint else {}))
        self._options, self._pid = options, os.getpid()
        try:
            self._fs, base = fsspec.core.url_to_fs(url, **options)
        except (ImportError, ValueError) as exc:
            raise ConfigError(f"archive_url {url!r} cannot be opened: {exc}",
                              hint="Write s3://bucket/prefix (with s3fs installed) or a "
                              "folder every machine mounts.") from exc
        self.url, self.base = url, base.rstrip("/")
        self.root, self.file_mode = root, file_mode

    @property
    def fs(self) -> Any:
        """The storage's file system; made again in a forked child (s3fs's is not
        fork-safe)."""
        if self._pid != os.getpid():
            import fsspec
            self._fs, self._pid = fsspec.core.url_to_fs(self.url, **self._options)[0], os.getpid()
        return self._fs

    # -- places ----------------------------------------------------------------------------
    def _object(self, relative: str) -> str:
        return f"{self.base}/{relative}"

    def _state_path(self, folder: str) -> Path:
        return self.root / ".remote" / f"{folder}.json"

    def _state(self, folder: str) -> dict[str, Any]:
        try:
            data = json.loads(self._state_path(folder).read_bytes())
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save_state(self, folder: str, serial: int, files: dict[str, list[Any]], *,
                    pushing: bool = False) -> None:
        data: dict[str, Any] = {"serial": serial, "files": files}
        if pushing:
            data["pushing"] = True
        atomic_write(self._state_path(folder), dump_json(data), durable=pushing)

    # -- the manifest ----------------------------------------------------------------------
    def manifest(self, folder: str) -> dict[str, Any] | None:
        """The order folder's manifest in the shared copy, or None if it has none."""
        name = self._object(f"{folder}/{MANIFEST}")
        try:
            data = json.loads(self._call("read", name, self.fs.cat_file, name))
        except FileNotFoundError:
            return None
        except ValueError as exc:
            raise ArchiveError(f"{self.url}/{folder}/{MANIFEST} is not a manifest of gendan's "
                               f"({exc})", hint="Run `gendan verify` to see what the shared "
                               "copy holds.") from exc
        if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
            raise ArchiveError(f"{self.url}/{folder}/{MANIFEST} is not a manifest of gendan's",
                               hint="Run `gendan verify` to see what the shared copy holds.")
        return data

    def manifests(self) -> Iterator[dict[str, Any]]:
        """Every order's manifest in the shared copy."""
        names = self._call("list", self.base, self.fs.glob, f"{self.base}/*/*/{MANIFEST}")
        for name in sorted(names):
            folder = str(name)[len(self.base) + 1: -len(MANIFEST) - 1]
            found = self.manifest(folder)
            if found is not None:
                yield found

    def objects(self, folder: str = "") -> dict[str, int]:
        """The shared copy's objects (under an order folder), relative, with their sizes."""
        where = self._object(folder) if folder else self.base
        try:
            found = self._call("list", where, self.fs.find, where, detail=True)
        except FileNotFoundError:
            return {}
        return {str(name)[len(self.base) + 1:]: int(info.get("size") or 0)
                for name, info in found.items() if info.get("type", "file") == "file"}

    # -- this machine's copy ---------------------------------------------------------------
    def _listing(self, folder: Path) -> dict[str, os.stat_result]:
        """The files of an order folder here (temp files of writers left out)."""
        found: dict[str, os.stat_result] = {}
        for base, dirs, files in os.walk(folder):
            dirs.sort()
            for name in files:
                if name.startswith(TEMP_PREFIX):
                    continue
                path = os.path.join(base, name)
                found[os.path.relpath(path, folder).replace(os.sep, "/")] = os.stat(path)
        return found

    @staticmethod
    def _digest(path: Path, info: os.stat_result, known: list[Any] | None) -> str:
        """The file's sha256: the one noted when it had this size and time, else read."""
        if known and known[1] == info.st_size and known[2] == info.st_mtime_ns:
            return str(known[0])
        return sha256_file(path)

    # -- pull ------------------------------------------------------------------------------
    def pull(self, ref: OrderRef, *, quarantine: Path | None = None) -> bool:
        """Bring this machine's copy of the order to the shared one (under the order's
        lock); True if anything was fetched or set aside."""
        remote = self.manifest(ref.folder)
        state = self._state(ref.folder)
        local = self.root / ref.folder
        if remote is None or (state.get("serial") == remote.get("serial") and local.is_dir()):
            return False
        known = state.get("files", {})
        here = self._listing(local) if local.is_dir() else {}
        files: dict[str, list[Any]] = {}
        for relative, entry in sorted(remote["files"].items()):
            path = local / relative
            info = here.get(relative)
            if info is None or info.st_size != entry["size"] or \
                    self._digest(path, info, known.get(relative)) != entry["sha256"]:
                self._fetch(_named(ref.folder, relative, entry), path, entry)
                info = path.stat()
            files[relative] = [entry["sha256"], info.st_size, info.st_mtime_ns]
        customer = remote.get("customer_file")
        if customer and not (local.parent / CUSTOMER_FILE).is_file():
            self._fetch(customer["object"], local.parent / CUSTOMER_FILE, customer)
        extra = sorted(set(here) - set(remote["files"]))
        if extra:
            self._set_aside(ref, local, extra, quarantine or self.root / ".quarantine")
        self._save_state(ref.folder, int(remote["serial"]), files)
        return True

    def _fetch(self, relative: str, target: Path, entry: dict[str, Any]) -> None:
        """An object copied to `target`, taking its place only once its sha256 and size
        are the manifest's."""
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f"{TEMP_PREFIX}{writer_tag()}-{target.name}")
        name = self._object(relative)
        try:
            faults.step(f"fetch {target.name}")
            self._call("read", name, self.fs.get_file, name, str(temp))
            if temp.stat().st_size != entry["size"] or sha256_file(temp) != entry["sha256"]:
                raise ArchiveError(
                    f"{self.url}/{relative} does not match its manifest (sha256 "
                    f"{str(entry['sha256'])[:12]}..., {entry['size']} bytes): the shared copy "
                    "is damaged", hint="Run `gendan verify` on a machine that holds a good "
                    "copy of the order; `gendan verify --repair` writes it back.")
            if self.file_mode is not None:
                os.chmod(temp, self.file_mode)
            with temp.open("rb") as handle:
                os.fsync(handle.fileno())
            faults.step(f"rename {target.name}")
            os.replace(temp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        fsync_dir(target.parent)

    def _set_aside(self, ref: OrderRef, local: Path, extra: list[str], quarantine: Path
                   ) -> None:
        """Files here that the shared copy does not name: a commit of this machine that
        never reached it. Moved aside, never deleted (an original may be among them)."""
        from datetime import UTC, datetime

        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        aside = quarantine / stamp
        for relative in extra:
            target = aside / ref.folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            faults.step(f"set aside {Path(relative).name}")
            shutil.move(str(local / relative), target)
        with (aside / "report.txt").open("a", encoding="utf-8") as report:
            for relative in extra:
                report.write(f"{ref.folder}/{relative}\tnot in the shared archive\tthis "
                             "machine's copy held it; the shared copy's manifest does not "
                             "name it (a commit that never reached the shared copy)\n")

    # -- push ------------------------------------------------------------------------------
    def push(self, ref: OrderRef, key: str) -> bool:
        """Bring the shared copy of the order to this machine's (under the order's lock,
        after a change); True if anything was written."""
        local = self.root / ref.folder
        remote = self.manifest(ref.folder)
        state = self._state(ref.folder)
        if remote is not None and state.get("serial") != remote.get("serial"):
            raise ArchiveError(
                f"order folder {ref.folder} was changed in the shared archive {self.url} "
                f"(serial {remote.get('serial')}) since this machine read it (serial "
                f"{state.get('serial', 'none')})", hint="Another machine wrote the order "
                "without its lock: check that every machine has the same [store] url; the "
                "next change of the order takes the shared copy's.")
        known = state.get("files", {})
        here = self._listing(local) if local.is_dir() else {}
        files = {relative: [self._digest(local / relative, info, known.get(relative)),
                            info.st_size, info.st_mtime_ns]
                 for relative, info in here.items()}
        before = remote["files"] if remote else {}
        changed = [r for r in files if before.get(r, {}).get("sha256") != files[r][0]]
        customer = self._customer_entry(local.parent / CUSTOMER_FILE, ref, remote)
        serial = int(remote["serial"]) if remote else 0
        if remote is not None and not changed and set(before) == set(files) and \
                customer == remote.get("customer_file"):
            if state.get("pushing"):  # a push of this machine stopped before its manifest
                self._discard_stale(ref.folder, remote["files"])
            self._save_state(ref.folder, serial, files)
            return False
        self._save_state(ref.folder, int(state.get("serial") or 0), known, pushing=True)
        # Objects the manifest names are never written over: a file that changed (a
        # sidecar, order.json) goes to a new object, named after its content.
        named = {_named("", r, e) for r, e in before.items()}
        entries: dict[str, dict[str, Any]] = {r: e for r, e in before.items()
                                              if r in files and r not in changed}
        for relative in changed:
            sha256, size = str(files[relative][0]), files[relative][1]
            entries[relative] = {"sha256": sha256, "size": size}
            if f"/{relative}" in named:
                entries[relative]["object"] = f"{relative}~{sha256[:16]}"
        # the files first, their sidecars after, the manifest (the marker) last
        for relative in sorted(changed, key=lambda r: (r.endswith(SIDECAR_SUFFIX), r)):
            self._put(local / relative, _named(ref.folder, relative, entries[relative]))
        if customer and (remote is None or customer != remote.get("customer_file")):
            self._put(local.parent / CUSTOMER_FILE, customer["object"])
        manifest = {"format": FORMAT, **ref.as_dict(), "key": key, "serial": serial + 1,
                    "writer": writer_tag(), "files": dict(sorted(entries.items())),
                    "customer_file": customer}
        name = self._object(f"{ref.folder}/{MANIFEST}")
        faults.step(f"manifest {ref.folder}")
        if self.local:  # a mounted folder: whole or not at all, as an object store's is
            self._call("write", name, atomic_write, Path(name), dump_json(manifest))
        else:
            self._call("write", name, self.fs.pipe_file, name, dump_json(manifest))
        self._save_state(ref.folder, serial + 1, files)
        self._discard_stale(ref.folder, entries)
        return True

    def _discard_stale(self, folder: str, entries: dict[str, Any]) -> None:
        """The order's objects its manifest does not name, deleted."""
        named = {_named(folder, r, e) for r, e in entries.items()}
        stale = [self._object(r) for r in self.objects(folder)
                 if r not in named and not r.endswith(MANIFEST)]
        if stale:
            faults.step(f"delete {len(stale)} in {folder}")
            self._call("delete", stale[0], self.fs.rm, stale)

    def _customer_entry(self, path: Path, ref: OrderRef, remote: dict[str, Any] | None
                        ) -> dict[str, Any] | None:
        """The customer's file as the manifest names it: an object of its own per
        content (the customer's orders, each under its own lock, may name others)."""
        try:
            sha256, size = sha256_file(path), path.stat().st_size
        except FileNotFoundError:
            return (remote or {}).get("customer_file")
        customer = Path(ref.folder).parent.as_posix()
        return {"sha256": sha256, "size": size,
                "object": f"{customer}/{CUSTOMER_FILE}~{sha256[:16]}"}

    def _put(self, source: Path, relative: str) -> None:
        name = self._object(relative)
        faults.step(f"upload {source.name}")
        self._call("write", name, self.fs.put_file, str(source), name)

    # -- reads without the lock ------------------------------------------------------------
    def fetch(self, relative: str) -> Path | None:
        """An archived file (archive-relative path) brought here if this machine lacks
        it, checked against its order's manifest; None if the shared copy has no such
        file."""
        parts = relative.split("/")
        if len(parts) < 4 or any(p in {"", ".", ".."} or p.startswith(".") for p in parts):
            return None
        folder, rest = "/".join(parts[:2]), "/".join(parts[2:])
        manifest = self.manifest(folder)
        entry = (manifest or {}).get("files", {}).get(rest)
        if entry is None:
            return None
        target = self.root / relative
        self._fetch(_named(folder, rest, entry), target, entry)
        return target

    # -- checks ----------------------------------------------------------------------------
    def damage(self, deep: bool = True) -> list[tuple[str, str, str]]:
        """What is wrong in the shared copy, as (kind, object, detail): a file its
        manifest names that is missing, of another size or (deep) another sha256; an
        object no manifest names."""
        found: list[tuple[str, str, str]] = []
        objects = self.objects()
        named: set[str] = set()
        for manifest in self.manifests():
            folder = str(manifest.get("folder", ""))
            named.add(f"{folder}/{MANIFEST}")
            entries = [(_named(folder, r, e), e) for r, e in manifest["files"].items()]
            if manifest.get("customer_file"):
                entries.append((manifest["customer_file"]["object"], manifest["customer_file"]))
            for relative, entry in entries:
                named.add(relative)
                size = objects.get(relative)
                if size is None:
                    found.append(("missing in the shared copy", relative,
                                  "its manifest names it"))
                elif size != entry["size"]:
                    found.append(("damaged in the shared copy", relative,
                                  f"{size} bytes, its manifest says {entry['size']}"))
                elif deep and self._sha256(relative) != entry["sha256"]:
                    found.append(("damaged in the shared copy", relative,
                                  "its sha256 is not its manifest's"))
        for relative in sorted(set(objects) - named):
            if Path(relative).name.startswith(f"{CUSTOMER_FILE}~"):
                continue  # a customer's file as it was: small, and other orders may name it
            found.append(("not in a manifest", relative,
                          "left by a push that did not finish"))
        return found

    def _sha256(self, relative: str) -> str:
        import hashlib

        digest = hashlib.sha256()
        name = self._object(relative)
        with self._call("read", name, self.fs.open, name, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        return digest.hexdigest()

    def restore(self, name: str) -> bool:
        """Write an object back from this machine's copy, if that copy is the one its
        manifest names; True if done."""
        parts = name.split("/")
        manifest = self.manifest("/".join(parts[:2])) if len(parts) > 2 else None
        folder = "/".join(parts[:2])
        for relative, entry in (manifest or {}).get("files", {}).items():
            local = self.root / folder / relative
            if _named(folder, relative, entry) == name and local.is_file() and \
                    sha256_file(local) == entry["sha256"]:
                self._put(local, name)
                return True
        return False

    def discard(self, relative: str) -> None:
        """An object no manifest names, deleted."""
        name = self._object(relative)
        faults.step(f"delete {Path(relative).name}")
        self._call("delete", name, self.fs.rm, [name])

    # -- errors ----------------------------------------------------------------------------
    def _call(self, what: str, name: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        """A call to the storage; its failures (other than a missing object) as one clear
        error naming the object."""
        try:
            return function(*args, **kwargs)
        except FileNotFoundError:
            raise
        except Exception as exc:  # botocore's and aiohttp's own, OSError, ...
            raise ArchiveError(f"the shared archive {self.url}: could not {what} {name} "
                               f"({type(exc).__name__}: {exc})",
                               hint="Check that the storage is reachable and the "
                               "credentials allow it (AWS_ACCESS_KEY_ID, ...); the change "
                               "is finished by the next run.") from exc


def _named(folder: str, relative: str, entry: dict[str, Any]) -> str:
    """The object that holds an order's file (`folder/relative` unless the manifest
    names another)."""
    return f"{folder}/{entry.get('object', relative)}"
