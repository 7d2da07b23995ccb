"""Word -> PDF with LibreOffice headless.

Each process uses its own LibreOffice profile (-env:UserInstallation), so conversions in
parallel processes do not collide, or in the warm one a long-lived command keeps
(render/office.py); each conversion has a timeout; "exit 0 but no PDF" is a
failure, as is an empty PDF.
"""

from __future__ import annotations

import atexit
import functools
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ConversionError
from .office import Office, OfficeUnavailable

__all__ = ["LibreOfficeMissing", "docx_to_pdf", "find_libreoffice"]

log = logging.getLogger(__name__)


class LibreOfficeMissing(ConversionError):
    """LibreOffice is not installed: Word files are produced, their PDFs are not."""


def find_libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@functools.cache
def _profile() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="gendan-lo-profile-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


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
    command = [soffice, f"-env:UserInstallation={_profile().as_uri()}", "--headless",
               "--norestore", "--nolockcheck", "--nodefault", "--convert-to", "pdf",
               "--outdir", str(outdir), str(docx)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                check=False)
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
