"""Scans sent as JPG/PNG become one-page PDFs, losslessly (img2pdf)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from ..errors import BadPdfError

__all__ = ["IMAGE_SUFFIXES", "image_to_pdf"]

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}


def image_to_pdf(image: Path, target: Path) -> Path:
    """Write `image` as a one-page PDF at `target`, sized by its resolution (A4 if unknown)."""
    import img2pdf  # and pikepdf: only when a scan arrives
    from PIL import ImageFile

    lenient = ImageFile.LOAD_TRUNCATED_IMAGES  # WeasyPrint sets it for its own images
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(image) as picture:
            landscape = picture.width > picture.height
            picture.load()  # every pixel decodes: a file cut short is refused, not half-read
        a4 = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))
        layout = img2pdf.get_layout_fun(a4[::-1] if landscape else a4, fit=img2pdf.FitMode.into)
        data = img2pdf.convert(str(image), layout_fun=layout, rotation=img2pdf.Rotation.ifvalid)
    except Exception as exc:
        raise BadPdfError(
            f"{image.name}: the image is damaged or cannot be read ({exc})",
            hint="Scan it again, or send it as PDF, JPG or PNG.",
        ) from exc
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    target.write_bytes(data)
    return target
