"""The archive's shared copy: S3-compatible object storage (`[store] archive_url =
"s3://bucket/prefix"`) or a path every machine mounts, through fsspec.

Each machine works on its own copy, the workspace's archive/ folder, which every reader
and writer of gendan opens as before; the shared copy is what the machines agree on. Per
order folder it holds the files and one manifest, `.gendan-manifest.json`: the order's
number, customer and folder, a serial number, and every file with its sha256 and size.

- **Pulled under the order's lock**, before the order is read (`OrderStore.lock`): one
  small read of the manifest; when its serial is the one this machine last saw, nothing
  more. Otherwise what this machine lacks or holds otherwise is fetched, checked against
  the manifest's sha256 and size before it takes its place (a mismatch is an error naming
  the object), and what this machine holds that the manifest does not name (the leftover
  of a commit that never reached the shared copy) is moved to the quarantine.
- **Pushed when a change of the order ends** (`OrderStore.journal_end`, before the journal
  entry is cleared and before the inbox file is removed): changed files first, their
  sidecars after, the manifest with the next serial last (the commit marker of the shared
  copy: an object it does not name is not part of the order); then the objects it no
  longer names are deleted. A push that finds a serial it did not pull stops: the order
  was changed without its lock.
- **A file read without the lock** (the page's download) is fetched by its manifest entry
  and checked the same way.

This machine's last view of each order (serial, and each file's sha256 with the size and
time it had, so that unchanged files are not hashed again) is kept in
archive/.remote/<folder>.json.
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

        options: dict[str, Any] = {}
        if url.startswith(("s3://", "s3a://")):
            options = {"use_listings_cache": False, "skip_instance_cache": True}
            if endpoint:
                options["endpoint_url"] = endpoint
        try:
            self.fs, base = fsspec.core.url_to_fs(url, **options)
        except (ImportError, ValueError) as exc:
            raise ConfigError(f"archive_url {url!r} cannot be opened: {exc}",
                              hint="Write s3://bucket/prefix (with s3fs installed) or a "
                              "folder every machine mounts.") from exc
        self.url, self.base = url, base.rstrip("/")
        self.root, self.file_mode = root, file_mode

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
        if remote is None or state.get("serial") == remote.get("serial"):
            return False
        local = self.root / ref.folder
        known = state.get("files", {})
        here = self._listing(local) if local.is_dir() else {}
        files: dict[str, list[Any]] = {}
        for relative, entry in sorted(remote["files"].items()):
            path = local / relative
            info = here.get(relative)
            if info is None or info.st_size != entry["size"] or \
                    self._digest(path, info, known.get(relative)) != entry["sha256"]:
                self._fetch(f"{ref.folder}/{relative}", path, entry)
                info = path.stat()
            files[relative] = [entry["sha256"], info.st_size, info.st_mtime_ns]
        customer = remote.get("customer_file")
        if customer:
            path = local.parent / CUSTOMER_FILE
            if not path.is_file() or sha256_file(path) != customer["sha256"]:
                self._fetch(f"{Path(ref.folder).parent.as_posix()}/{CUSTOMER_FILE}", path,
                            customer)
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
        customer = self._customer_entry(local.parent / CUSTOMER_FILE)
        serial = int(remote["serial"]) if remote else 0
        if remote is not None and not changed and set(before) == set(files) and \
                customer == remote.get("customer_file"):
            if state.get("pushing"):  # a push of this machine stopped before its manifest
                self._discard_stale(ref.folder, files)
            self._save_state(ref.folder, serial, files)
            return False
        self._save_state(ref.folder, int(state.get("serial") or 0), known, pushing=True)
        # the files first, their sidecars after, the manifest (the marker) last
        for relative in sorted(changed, key=lambda r: (r.endswith(SIDECAR_SUFFIX), r)):
            self._put(local / relative, f"{ref.folder}/{relative}")
        if customer and (remote is None or customer != remote.get("customer_file")):
            self._put(local.parent / CUSTOMER_FILE,
                      f"{Path(ref.folder).parent.as_posix()}/{CUSTOMER_FILE}")
        manifest = {"format": FORMAT, **ref.as_dict(), "key": key, "serial": serial + 1,
                    "writer": writer_tag(),
                    "files": {r: {"sha256": f[0], "size": f[1]} for r, f in sorted(files.items())},
                    "customer_file": customer}
        name = self._object(f"{ref.folder}/{MANIFEST}")
        faults.step(f"manifest {ref.folder}")
        self._call("write", name, self.fs.pipe_file, name, dump_json(manifest))
        self._save_state(ref.folder, serial + 1, files)
        self._discard_stale(ref.folder, files)
        return True

    def _discard_stale(self, folder: str, files: dict[str, Any]) -> None:
        """The order's objects its manifest does not name, deleted."""
        stale = [self._object(r) for r in self.objects(folder)
                 if r[len(folder) + 1:] not in files and not r.endswith(MANIFEST)]
        if stale:
            faults.step(f"delete {len(stale)} in {folder}")
            self._call("delete", stale[0], self.fs.rm, stale)

    def _customer_entry(self, path: Path) -> dict[str, Any] | None:
        try:
            return {"sha256": sha256_file(path), "size": path.stat().st_size}
        except FileNotFoundError:
            return None

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
        self._fetch(relative, target, entry)
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
            entries = [(f"{folder}/{r}", e) for r, e in manifest["files"].items()]
            if manifest.get("customer_file"):
                entries.append((f"{Path(folder).parent.as_posix()}/{CUSTOMER_FILE}",
                                manifest["customer_file"]))
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

    def restore(self, relative: str) -> bool:
        """Write an object back from this machine's copy, if that copy is the one its
        manifest names; True if done."""
        parts = relative.split("/")
        folder, rest = "/".join(parts[:2]), "/".join(parts[2:])
        manifest = self.manifest(folder) if len(parts) > 2 else None
        entry = (manifest or {}).get("files", {}).get(rest)
        if len(parts) == 2 and parts[1] == CUSTOMER_FILE:
            return False
        local = self.root / relative
        if entry is None or not local.is_file() or sha256_file(local) != entry["sha256"]:
            return False
        self._put(local, relative)
        return True

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
