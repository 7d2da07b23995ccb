"""Small file-system helpers: atomic writes, moves, hashing and safe names.

Every change to the archive or the inbox goes through these functions, which call
`faults.step` before each step (the crash tests stop the process there). Files are
created with the process umask (0644 under the usual 022), or the mode asked for.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from . import faults

__all__ = [
    "DISK_FULL",
    "TEMP_PREFIX",
    "atomic_copy",
    "atomic_write",
    "default_file_mode",
    "fsync_dir",
    "move",
    "numbered",
    "pid_alive",
    "remove",
    "safe_filename",
    "safe_name",
    "sha256_bytes",
    "sha256_file",
]

# the machine, for names that several machines write into one shared archive
HOST_ID = hashlib.sha1(__import__("socket").gethostname().encode("utf-8")).hexdigest()[:8]


def writer_tag() -> str:
    """This process as named in its temp files and scratch folders: its pid and its
    machine (`1234.5f3a9c01`), so a machine cleans up only its own dead writers' files."""
    return f"{os.getpid()}.{HOST_ID}"


TEMP_PREFIX = ".tmp-"  # then the writer's tag: leftovers of dead processes can be told
DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{port}{n}" for port in ("COM", "LPT") for n in range(10)
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|]')
_MAX_BYTES = 120  # leaves room for suffixes and sidecar names under the 255-byte limit


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_DEFAULT_MODE = 0o666 & ~_umask()


def default_file_mode() -> int:
    """The mode new files get: 0666 less the umask read at start-up."""
    return _DEFAULT_MODE


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _temp_beside(target: Path, mode: int | None,
                 temp_dir: Path | None = None) -> Iterator[tuple[int, Path]]:
    target.parent.mkdir(parents=True, exist_ok=True)
    where = temp_dir or target.parent
    where.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{writer_tag()}-", dir=where)
    temp = Path(name)
    try:
        os.fchmod(fd, _DEFAULT_MODE if mode is None else mode)
        yield fd, temp
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def atomic_write(target: Path, data: bytes, *, mode: int | None = None,
                 sync_dir: bool = True, durable: bool = True,
                 temp_dir: Path | None = None) -> None:
    """Write `data` to `target` so that readers see the old file or the new one, never a
    part. `durable=False` skips the fsync: for caches and what can be rebuilt. `temp_dir`
    (on the same file system) holds the file while it is written, so that what a killed
    writer leaves is found in one place."""
    faults.step(f"write {target.name}")
    with _temp_beside(target, mode, temp_dir) as (fd, temp):
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        faults.step(f"rename {target.name}")
        os.replace(temp, target)
    if sync_dir and durable:
        fsync_dir(target.parent)


def atomic_copy(source: Path, target: Path, *, mode: int | None = None,
                sync_dir: bool = True) -> str:
    """Copy `source` to `target` atomically (temp file, fsync, rename); returns the sha256
    of the bytes written, read once."""
    faults.step(f"copy {target.name}")
    digest = hashlib.sha256()
    with _temp_beside(target, mode) as (fd, temp):
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            for block in iter(lambda: src.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        faults.step(f"rename {target.name}")
        os.replace(temp, target)
    if sync_dir:
        fsync_dir(target.parent)
    return digest.hexdigest()


def move(source: Path, target: Path) -> None:
    """Rename `source` to `target` on the same file system (a link is moved, not followed)."""
    faults.step(f"move {source.name}")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)


def remove(path: Path) -> None:
    """Remove one file; a file already gone (or a name too long to exist) is fine."""
    faults.step(f"remove {path.name}")
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise


def safe_name(name: str) -> str:
    """Map any customer name or order number to one safe, stable, readable folder name.

    Chinese and other letters are kept; separators, control characters and characters
    Windows forbids become `_`; `.`/`..`, reserved device names and over-long names are
    made safe. When anything had to change, a short hash of the original is appended so
    that two different names never share a folder.
    """
    normal = unicodedata.normalize("NFC", name)
    cleaned = _UNSAFE.sub("_", normal)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .")
    if not cleaned or set(cleaned) <= {"_", "."}:
        cleaned = "_"
    stem = cleaned.split(".")[0].upper()
    if stem in _WINDOWS_RESERVED:
        cleaned = "_" + cleaned
    truncated = cleaned.encode("utf-8")[:_MAX_BYTES].decode("utf-8", "ignore").rstrip(" .")
    if truncated != normal or not truncated:
        suffix = sha256_bytes(name.encode("utf-8", "surrogatepass"))[:8]
        truncated = f"{truncated or '_'}-{suffix}"
    return truncated


_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


def safe_filename(name: str) -> str:
    """`safe_name` for a file: the stem is made safe and the extension kept (`.pdf`)."""
    stem, suffix = os.path.splitext(name)
    if not stem or not _SUFFIX.match(suffix):
        return safe_name(name)
    return safe_name(stem) + suffix.lower()


def numbered(name: str) -> Iterator[str]:
    """`name`, then `name-2`, `name-3` ... before its suffix (`list-2.pdf`): the names to
    try, in turn, for a file whose name another file holds."""
    yield name
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    for n in itertools.count(2):
        yield f"{stem}-{n}{dot}{suffix}"


def order_key(order_no: str) -> str:
    """The one spelling of an order number that finds it: width, case and spaces aside."""
    return safe_name(unicodedata.normalize("NFKC", order_no).strip().casefold())


def pid_alive(pid_text: str) -> bool:
    """Whether the writer named by a pid (or a tag: pid.machine) runs; another machine's
    writer is taken to run (that machine cleans up after its own)."""
    pid_text, _, host = pid_text.partition(".")
    if host and host != HOST_ID:
        return True
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

