"""Word -> PDF with LibreOffice headless.

Each conversion runs in a LibreOffice profile (-env:UserInstallation) no other conversion
uses at the same time, so conversions in parallel processes do not collide: one of a few
profiles kept in the user's cache folder, each held by a lock while LibreOffice runs in it
(made once, not again for every process, and never left behind in the temp folder); or in
the warm LibreOffice a long-lived command keeps (render/office.py). Each conversion has a
timeout; "exit 0 but no PDF" is a failure, as is an empty PDF.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import ConversionError
from .office import Office, OfficeUnavailable

__all__ = ["LibreOfficeMissing", "docx_to_pdf", "find_libreoffice"]

log = logging.getLogger(__name__)


class LibreOfficeMissing(ConversionError):
    """LibreOffice is not installed: Word files are produced, their PDFs are not."""


def find_libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


PROFILES = 64  # at most this many conversions at once keep their profiles


def _profiles_home() -> Path | None:
    """The user's folder of LibreOffice profiles (mode 0700), or None where none can be made."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(cache) / "gendan" / "libreoffice"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if folder.stat().st_uid != os.getuid() or not os.access(folder, os.W_OK):
            return None
    except (OSError, RuntimeError):  # (RuntimeError: no home folder)
        return None
    return folder


@contextlib.contextmanager
def _profile() -> Iterator[Path]:
    """A profile no other conversion uses while this one runs: the first free one of the
    user's kept profiles (locked), else a temporary one removed afterwards."""
    home = _profiles_home()
    for n in range(PROFILES if home is not None else 0):
        assert home is not None
        try:
            fd = os.open(home / f"{n}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            break
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # in use by another conversion
            os.close(fd)
            continue
        try:
            yield home / str(n)
        finally:
            os.close(fd)  # the lock goes with it
        return
    folder = Path(tempfile.mkdtemp(prefix="gendan-lo-profile-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def docx_to_pdf(docx: Path, outdir: Path, *, timeout: float = 120,
                office: Office | None = None) -> Path:
    """Convert `docx` into `outdir`/<stem>.pdf; raise ConversionError on any failure.
    With a warm `office` that can take it, there; otherwise by a LibreOffice of its own."""
    soffice = find_libreoffice()
    if soffice is None:
        raise LibreOfficeMissing(
            "LibreOffice is not installed, so Word documents are not converted to PDF",
            hint="Install it (apt-get install libreoffice-writer-nogui; `make setup` does); "
            "the .docx files are produced meanwhile.",
        )
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / f"{docx.stem}.pdf"
    target.unlink(missing_ok=True)
    if office is not None:
        try:
            office.convert(docx, target)
        except OfficeUnavailable as exc:
            log.info("converting %s the one-shot way: %s", docx.name, exc)
        except ConversionError:
            target.unlink(missing_ok=True)
            raise
        else:
            if not target.is_file() or target.stat().st_size == 0:
                raise ConversionError(f"{docx.name}: LibreOffice answered without a PDF",
                                      hint="Open the .docx in Word or LibreOffice to check "
                                      "it; the .docx is kept.")
            return target
    try:
        with _profile() as profile:
            command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                       "--norestore", "--nolockcheck", "--nodefault", "--convert-to", "pdf",
                       "--outdir", str(outdir), str(docx)]
            result = subprocess.run(command, capture_output=True, text=True,
                                    timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ConversionError(f"{docx.name}: LibreOffice did not finish within {timeout:.0f} s",
                              hint="Check the document; a very large one may need a longer "
                              "timeout ([documents] libreoffice_timeout).") from exc
    if result.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ConversionError(
            f"{docx.name}: LibreOffice exited {result.returncode} without a PDF ({detail[0]})",
            hint="Open the .docx in Word or LibreOffice to check it; the .docx is kept.",
        )
    return target
