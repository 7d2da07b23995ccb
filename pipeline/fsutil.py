"""Small filesystem helpers: atomic writes, hashing and safe folder names."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_copy", "atomic_write", "safe_name", "sha256_bytes", "sha256_file"]

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{port}{n}" for port in ("COM", "LPT") for n in range(10)
}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|]')
_MAX_BYTES = 120  # leaves room for suffixes and sidecar names under the 255-byte limit


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _temp_beside(target: Path) -> Iterator[tuple[int, Path]]:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    temp = Path(name)
    try:
        yield fd, temp
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def atomic_write(target: Path, data: bytes) -> None:
    """Write `data` to `target` so that readers see the old file or the new one, never a part."""
    with _temp_beside(target) as (fd, temp):
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    _fsync_dir(target.parent)


def atomic_copy(source: Path, target: Path) -> None:
    """Copy `source` to `target` atomically (temp file, fsync, rename)."""
    with _temp_beside(target) as (fd, temp):
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            for block in iter(lambda: src.read(1 << 20), b""):
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    _fsync_dir(target.parent)


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
