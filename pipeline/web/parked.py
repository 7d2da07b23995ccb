"""Files set aside in the inbox (unmatched, waiting, rejected, failed) before they are
filed: a preview of the first page, the file and its note to download (to fix it and
upload it again), and dismissing it: moved to `inbox/_dismissed/` with who dismissed it,
when and why, never deleted.

    GET  /inbox/FOLDER/NAME/preview.png   the first page, small
    GET  /inbox/FOLDER/NAME               the file as it is (or ?note=1: its note)
    POST /inbox/dismiss                   folder, name, reason
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from ..inbox import NOTE_SUFFIXES, free_name
from ..people import Person
from .auth import may_read, writer
from .render import flash, office_of
from .views import parked

__all__ = ["router"]

router = APIRouter()
Reader = Depends(may_read)
Writer = Depends(writer)
FOLDERS = {"unmatched", "waiting", "rejected", "failed"}


def _listed(request: Request, folder: str, name: str) -> Path:
    if folder not in FOLDERS:
        raise HTTPException(status_code=404, detail=f"no inbox folder {folder}")
    if name not in {p.name for p in parked(office_of(request), folder)}:
        raise HTTPException(status_code=404, detail=f"{name} is no longer in inbox/_{folder}/ "
                            "(filed, dismissed or removed meanwhile)")
    return office_of(request).workspace.side_folder(folder) / name


def _image_preview(path: Path, target: Path, megapixels: float) -> bool:
    """A small PNG of a scan, unless it is larger than a scan may be (never decoded then)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = int(megapixels * 1_000_000)
    try:
        with Image.open(path) as picture:
            if picture.width * picture.height > megapixels * 1_000_000:
                return False
            picture.thumbnail((400, 560))
            picture.convert("RGB").save(target, "PNG")
        return True
    except (OSError, ValueError, Image.DecompressionBombError):
        return False


@router.get("/inbox/{folder}/{name}/preview.png")
def preview(request: Request, folder: str, name: str, user: Person | None = Reader) -> Response:
    from ..thumbs import Thumbnails

    path = _listed(request, folder, name)
    office = office_of(request)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    thumbs = Thumbnails(office.archive)
    found = thumbs.cached(digest, 1)
    if found is None and path.suffix.lower() == ".pdf":
        found = thumbs.get(path, digest, 1)
    elif found is None and path.suffix.lower() in {".jpg", ".jpeg", ".png", ".tif", ".tiff"}:
        target = thumbs.path(digest, 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".png",
                                         delete=False) as handle:
            partial = Path(handle.name)
        if _image_preview(path, partial, office.settings.limits.image_megapixels):
            os.replace(partial, target)
            found = target
        else:
            partial.unlink(missing_ok=True)
    if found is None:
        raise HTTPException(status_code=404, detail=f"{name}: no preview (not a PDF or a "
                            "scan, or it cannot be drawn)")
    return FileResponse(found, media_type="image/png")


@router.get("/inbox/{folder}/{name}")
def download(request: Request, folder: str, name: str, note: int = 0,
             user: Person | None = Reader) -> Response:
    path = _listed(request, folder, name)
    if note:
        notes = [path.with_name(path.name + s) for s in NOTE_SUFFIXES]
        found = next((n for n in notes if n.is_file()), None)
        if found is None:
            raise HTTPException(status_code=404, detail=f"{name} has no note")
        return FileResponse(found, media_type="text/plain; charset=utf-8", filename=found.name)
    return FileResponse(path, media_type="application/octet-stream", filename=path.name)


@router.post("/inbox/dismiss")
def dismiss(request: Request, folder: str = Form(...), name: str = Form(...),
            reason: str = Form(...), user: Person = Writer) -> Response:
    """Set the file aside for good: into inbox/_dismissed/ with who, when and why."""
    office = office_of(request)
    if not reason.strip():
        raise HTTPException(status_code=400, detail="say why the file is dismissed")
    path = _listed(request, folder, name)
    target_folder = office.workspace.inbox / "_dismissed"
    with office.writing:
        target_folder.mkdir(exist_ok=True)
        target = free_name(target_folder, name)
        now = office.desk.clock.now()
        os.replace(path, target)
        for suffix in NOTE_SUFFIXES:
            note = path.with_name(path.name + suffix)
            if note.is_file():
                os.replace(note, target.with_name(target.name + suffix))
        target.with_name(target.name + ".dismissed.txt").write_text(
            f"File: inbox/_{folder}/{name}\nDismissed by {user.name} ({user.login}) on "
            f"{now:%Y-%m-%d %H:%M}\nWhy: {reason.strip()[:500]}\n\nTo take it up again, move "
            "it back into the inbox.\n", encoding="utf-8")
    flash(request, "ok", f"{name}: dismissed into inbox/_dismissed/ ({reason.strip()[:80]})")
    return RedirectResponse(f"/#{folder}", status_code=303)
