"""Page thumbnails for the office's page: each page of an archived PDF drawn once (by
poppler's pdftoppm, in its own process with a time limit) and kept in the archive's cache
folder, `.cache/thumbs/`, by the file's sha256 - never beside the originals. The cache can
be deleted at any time; it is drawn again when asked for."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .fsutil import atomic_write
from .kept import CACHE_TEMP

__all__ = ["Thumbnails"]

WIDTH = 220  # pixels: a page beside the next on the order page
SECONDS = 20


class Thumbnails:
    def __init__(self, archive: Path) -> None:
        self.archive = archive
        self.folder = archive / ".cache" / "thumbs"

    def path(self, sha256: str, page: int) -> Path:
        return self.folder / sha256[:2] / f"{sha256}-{page}.png"

    def cached(self, sha256: str, page: int) -> Path | None:
        path = self.path(sha256, page)
        return path if path.is_file() else None

    def get(self, pdf: Path, sha256: str, page: int) -> Path | None:
        """The page's thumbnail, drawn now if it is not cached; None when it cannot be
        drawn (no pdftoppm, a damaged page, or it took too long)."""
        if (found := self.cached(sha256, page)) is not None:
            return found
        tool = shutil.which("pdftoppm")
        if tool is None or not pdf.is_file():
            return None
        with tempfile.TemporaryDirectory(prefix="gendan-thumb-") as work:
            out = Path(work) / "page"
            try:
                subprocess.run([tool, "-png", "-f", str(page), "-l", str(page), "-scale-to",
                                str(WIDTH), "-singlefile", str(pdf), str(out)],
                               check=True, capture_output=True, timeout=SECONDS)
                data = out.with_suffix(".png").read_bytes()
            except (subprocess.SubprocessError, OSError):
                return None
        target = self.path(sha256, page)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data, durable=False, temp_dir=self.archive.joinpath(*CACHE_TEMP))
        return target
