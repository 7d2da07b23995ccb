"""The inbox side of the desk: which files wait there, what each one is, and where a file
goes when it is not filed: `_rejected/` (with NAME.error.txt), `_failed/` (gendan crashed on
it: the traceback, to report), `_unmatched/` and `_waiting/` (with NAME.reason.txt).

Nothing here follows a link or opens anything but a regular file: a symbolic link, a
hard link, a FIFO or a device is reported by its name and set aside, never read. The note
beside a file is written before the file is moved, under a name that is free for both, so
a crash leaves at worst a note without its file, which `recover` removes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import UnsafeFileError
from .fsutil import (
    atomic_write,
    move,
    numbered,
    remove,
    safe_filename,
    sha256_bytes,
    sha256_file,
)

__all__ = [
    "IGNORED_SUFFIXES",
    "NOTE_SUFFIXES",
    "InboxFile",
    "free_name",
    "is_candidate",
    "pending",
    "quoted",
    "receive",
    "set_aside",
    "shown",
    "take_back",
]

IGNORED_PREFIXES = (".", "~$", "_")
NOTE_SUFFIXES = (".error.txt", ".reason.txt")
IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", *NOTE_SUFFIXES)
IGNORED_NAMES = {"Thumbs.db", "desktop.ini", ".DS_Store"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(name: str) -> str:
    """A file name safe to print: control characters (escape sequences, bidi overrides)
    written as \\xNN, never sent to the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name)


def quoted(path: Path | str) -> str:
    """A path as it can be pasted into a shell."""
    return shlex.quote(str(path))


def is_candidate(path: Path, inbox: Path) -> bool:
    """Files the desk should look at: not hidden, partial, system or in _rejected/ etc."""
    relative = path.relative_to(inbox)
    if any(part.startswith(IGNORED_PREFIXES) for part in relative.parts):
        return False
    return path.name not in IGNORED_NAMES and not path.name.endswith(IGNORED_SUFFIXES)


def pending(inbox: Path) -> list[Path]:
    """The inbox's candidate files, oldest first; links, FIFOs and devices included (to be
    set aside by name), never followed: the walk does not enter linked folders."""
    if not inbox.is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(inbox, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith(IGNORED_PREFIXES)
                         and not os.path.islink(os.path.join(folder, d)))
        for name in files:
            path = Path(folder) / name
            if not is_candidate(path, inbox):
                continue
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue
            found.append((info.st_mtime_ns, str(path), path))
    return [path for _, _, path in sorted(found)]


@dataclass(frozen=True)
class InboxFile:
    """A regular file in the inbox, looked at once: its identity, and its bytes' hash."""

    path: Path
    label: str  # shown to people: inbox/NAME with control characters escaped
    identity: tuple[int, int, int, int]
    size: int

    @classmethod
    def look(cls, path: Path, inbox: Path) -> InboxFile:
        """Refuse links, FIFOs and devices by their name (never opened)."""
        label = "inbox/" + shown(path.relative_to(inbox).as_posix())
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            raise UnsafeFileError(
                f"{label}: a symbolic link; gendan files only the files themselves",
                hint="Copy the file itself into the inbox (links could point anywhere).")
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFileError(f"{label}: not a regular file (a FIFO, socket or device)",
                                  hint="Only regular files can be filed; remove it.")
        if info.st_nlink > 1:
            raise UnsafeFileError(
                f"{label}: a hard link to a file that is also elsewhere",
                hint="Copy the file into the inbox instead of linking it.")
        return cls(path, label, (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns),
                   info.st_size)

    def sha256(self) -> str:
        return sha256_file(self.path)


_NAME_BYTES = 255  # the file system's limit for one name


def _fits(name: str, room: int) -> str:
    """`name` shortened (its extension kept, a hash added) to `room` bytes."""
    if len(name.encode("utf-8")) <= room:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, suffix = name, ""
    tag = "-" + sha256_bytes(name.encode("utf-8", "surrogatepass"))[:8]
    ending = f".{suffix}" if suffix else ""
    budget = room - len(tag.encode()) - len(ending.encode())
    cut = stem.encode("utf-8")[: max(budget, 1)].decode("utf-8", "ignore")
    return cut + tag + ending


def _free(folder: Path, name: str, note: str) -> Path:
    """A name in `folder` free for the file and its note (a leftover note counts), short
    enough that the note's name fits the file system too."""
    room = _NAME_BYTES - len(note.encode()) - 28  # the note's suffix, and a time stamp
    target = folder / _fits(name, room)
    if not target.exists() and not target.with_name(target.name + note).exists():
        return target
    stem, dot, suffix = target.name.rpartition(".")
    if not dot:
        stem, suffix = target.name, ""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return folder / (f"{stem}.{stamp}.{suffix}" if dot else f"{stem}.{stamp}")


def set_aside(path: Path, folder: Path, note: str, *, suffix: str = ".error.txt",
              mode: int | None = None) -> Path:
    """Move `path` (a link is moved as the link) into `folder` with `note` beside it; the
    file's bytes are not read. Returns where it went."""
    folder.mkdir(parents=True, exist_ok=True)
    target = path if path.parent == folder else _free(folder, path.name, suffix)
    if target.name != path.name:
        note = f"{note.rstrip()}\nArrived as: {shown(path.name)}\n"
    note_path = target.with_name(target.name + suffix)
    try:
        unchanged = note_path.read_text(encoding="utf-8") == note
    except (FileNotFoundError, UnicodeDecodeError):
        unchanged = False
    if not unchanged:
        atomic_write(note_path, note.encode("utf-8"), mode=mode, durable=False)
    if target != path:
        move(path, target)
        for old in NOTE_SUFFIXES:
            remove(path.with_name(path.name + old))
    return target


def orphan_notes(folders: list[Path]) -> list[Path]:
    """Notes whose file is gone (a crash between writing the note and moving the file)."""
    notes = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            for suffix in NOTE_SUFFIXES:
                if path.name.endswith(suffix):
                    subject = path.with_name(path.name[: -len(suffix)])
                    if not os.path.lexists(subject):
                        notes.append(path)
    return notes


def free_name(inbox: Path, name: str) -> Path:
    """`inbox/name`, or `name-2`, `name-3` ... when a different file waits under it."""
    return next(inbox / candidate for candidate in numbered(name)
                if not any(os.path.lexists(inbox / (candidate + s))
                           for s in ("", *NOTE_SUFFIXES)))


def receive(data: bytes, name: str, inbox: Path, *, mode: int | None = None) -> Path:
    """Put a file brought another way (the web page's upload) into the inbox as if it had
    been dropped there: whole or not at all, under a free, clean name. Returns its path."""
    inbox.mkdir(parents=True, exist_ok=True)
    clean = safe_filename(Path(name).name or "upload")
    if clean.startswith(IGNORED_PREFIXES):
        clean = "upload-" + clean.lstrip("._~$")
    target = free_name(inbox, clean)
    atomic_write(target, data, mode=mode)
    return target


def take_back(path: Path, inbox: Path) -> Path:
    """A parked file (rejected, failed, unmatched, waiting) moved back into the inbox to be
    tried again, as a person would move it; its note goes. Returns where it is now."""
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFileError(f"{shown(path.name)} is not a regular file",
                              hint="Remove it; only regular files can be filed.")
    target = free_name(inbox, path.name)
    move(path, target)
    for suffix in NOTE_SUFFIXES:
        remove(path.with_name(path.name + suffix))
    return target
