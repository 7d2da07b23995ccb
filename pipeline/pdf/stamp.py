"""Stamp PDF pages: an archive stamp with variable text, the company seal image.

The stamp itself is drawn by ReportLab as small pages of the stamp's own size, its
Chinese text in an embedded TrueType CJK font subset (a few KB: WeasyPrint's CJK subsets
keep glyph ids and cost ~120 KB a file), its opacity honoured; pypdf then merges them
onto the factory's pages. Each page's rotation is first moved into its
content, and the stamp is placed from the CropBox, so it lands upright and where the
reader sees the page, however the page was made. Content streams are compressed after.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Mapping
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import (
    ContentStream,
    DictionaryObject,
    NameObject,
)
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ..errors import ConfigError
from .onpage import PageDrawing
from .specs import StampSpec

__all__ = ["EDGE_MM", "MM", "StampSpec", "prepare_font", "stamp_font_path", "stamp_pdf",
           "stamp_size_mm"]

STAMP_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)

MM = 72 / 25.4
EDGE_MM = 6.0


def _selected(spec: StampSpec, count: int) -> list[int]:
    if spec.pages == "all":
        return list(range(count))
    if spec.pages == "first":
        return [0]
    if spec.pages == "last":
        return [count - 1]
    assert isinstance(spec.pages, tuple)
    return sorted({n - 1 for n in spec.pages if 1 <= n <= count})


def stamp_size_mm(spec: StampSpec) -> tuple[float, float]:
    """Width and height of the stamp in millimetres."""
    if spec.height_mm:
        return spec.width_mm, spec.height_mm
    if spec.image is not None:
        from PIL import Image

        with Image.open(spec.image) as picture:
            return spec.width_mm, spec.width_mm * picture.height / picture.width
    lines = max(1, spec.text.count("\n") + 1)
    return spec.width_mm, 4.0 + 3.6 * lines


@functools.cache
def _font(path: str) -> str:
    """Register the stamp font once per process; returns its name for ReportLab."""
    name = "GendanStamp-" + Path(path).stem
    # asciiReadable=False: only the glyphs a stamp uses go into its subset (not all of ASCII)
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0, asciiReadable=False))
    return name


def prepare_font(path: Path) -> None:
    """Read the stamp font now (a CJK TrueType collection takes ~0.3 s), so that the
    children forked to stamp each file find it read."""
    _font(str(path))


def stamp_font_path(configured: str = "") -> Path:
    """The TrueType CJK font used for stamp text (embedded as a small subset)."""
    candidates = [configured] if configured else list(STAMP_FONTS)
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ConfigError(
        f"no font for stamp text found (looked for {', '.join(candidates)})",
        hint="Install fonts-wqy-microhei (make setup does), or set stamp_font in gendan.toml.",
    )


def _rgb(color: str) -> tuple[float, float, float]:
    value = color.lstrip("#")
    if len(value) != 6:
        raise ConfigError(f"stamp colour {color!r} is not #RRGGBB")
    red, green, blue = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue


Drawing = tuple[bool, list[str | None]]  # the frame or not, and the text of each line


def _overlay(spec: StampSpec, drawings: list[Drawing], font_path: Path) -> list[PageObject]:
    """One small PDF page per drawing: the frame (or the image) and the lines given (a
    line that is None is left out, its place kept)."""
    width_mm, height_mm = stamp_size_mm(spec)
    width, height = width_mm * MM, height_mm * MM
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    canvas.setCreator("gendan")
    for frame, lines in drawings:
        # the page-number lines go into each page's content: opaque, in the colour they
        # would have on white paper, so that they need no transparency state of their own
        alpha = spec.opacity if frame or spec.image is not None else 1.0
        colour = _rgb(spec.color) if alpha < 1 or spec.opacity >= 1 else tuple(
            1 - spec.opacity * (1 - c) for c in _rgb(spec.color))
        if alpha < 1:
            canvas.setFillAlpha(alpha)
            canvas.setStrokeAlpha(alpha)
        if spec.image is not None:
            canvas.drawImage(ImageReader(str(spec.image)), 0, 0, width, height, mask="auto")
        else:
            canvas.setStrokeColorRGB(*colour)
            canvas.setFillColorRGB(*colour)
            if frame:
                canvas.setLineWidth(1.4)
                canvas.roundRect(0.7, 0.7, width - 1.4, height - 1.4, 3.4)
            size = 6.8
            canvas.setFont(_font(str(font_path)), size)
            step = size * 1.3
            top = height / 2 + step * (len(lines) - 1) / 2 - size * 0.35
            for n, line in enumerate(lines):
                if line is not None:
                    canvas.drawCentredString(width / 2, top - n * step, line)
        canvas.showPage()
    canvas.save()
    return list(PdfReader(io.BytesIO(buffer.getvalue())).pages)


def _drawings(spec: StampSpec, variables: Mapping[str, str], pages: list[int], count: int
              ) -> tuple[Drawing, list[Drawing]]:
    """The stamp as drawn on every page (frame and fixed lines), and what differs from page
    to page (the lines with the page number), one per page in `pages`; none for a fixed
    stamp."""
    lines = spec.text.splitlines() or [""]
    fixed = {**variables, "page": "", "pages": str(count)}
    varies = ["{page}" in line or "{pages}" in line for line in lines]
    if not spec.per_page:
        return (True, [line.format_map(fixed) for line in lines]), []
    frame: Drawing = (True, [None if v else line.format_map(fixed)
                             for line, v in zip(lines, varies, strict=True)])
    per_page: list[Drawing] = []
    for index in pages:
        values = {**variables, "page": str(index + 1), "pages": str(count)}
        per_page.append((False, [line.format_map(values) if v else None
                                 for line, v in zip(lines, varies, strict=True)]))
    return frame, per_page


def _placement(page: PageObject, stamp: PageObject, spec: StampSpec) -> Transformation:
    crop = page.cropbox
    left, bottom = float(crop.left), float(crop.bottom)
    page_w, page_h = float(crop.width), float(crop.height)
    w, h = float(stamp.mediabox.width), float(stamp.mediabox.height)
    edge = EDGE_MM * MM
    scale = min(1.0, (page_w - 2 * edge) / w, (page_h - 2 * edge) / h)
    scale = max(scale, 0.05)
    w, h = w * scale, h * scale
    if spec.position == "center":
        row, col = "middle", "center"
    else:
        row, _, col = spec.position.partition("-")
    x = {"left": left + edge, "center": left + (page_w - w) / 2,
         "right": left + page_w - edge - w}[col]
    y = {"top": bottom + page_h - edge - h, "middle": bottom + (page_h - h) / 2,
         "bottom": bottom + edge}[row]
    x += spec.offset_mm[0] * MM
    y += spec.offset_mm[1] * MM
    return (
        Transformation()
        .scale(scale, scale)
        .translate(-w / 2, -h / 2)
        .rotate(spec.rotation)
        .translate(x + w / 2, y + h / 2)
    )


def _unshare(writer: PdfWriter) -> None:
    """Give each page its own content stream and resources.

    PDF writers may let pages share one content stream or resource dictionary (all four
    pages of a rotated sample do); moving one page's rotation into its content, or adding
    a stamp to it, would then change every page that shares it.
    """
    contents_seen: set[int] = set()
    resources_seen: set[int] = set()
    for page in writer.pages:
        contents = page.get("/Contents")
        if contents is not None:
            key = id(contents.get_object())
            if key in contents_seen:
                data = page.get_contents()
                stream = ContentStream(None, writer)
                stream.set_data(data.get_data() if data is not None else b"")
                del page[NameObject("/Contents")]
                page.replace_contents(stream)
            contents_seen.add(id(page["/Contents"].get_object()))
        resources = page.get("/Resources")
        if resources is not None:
            key = id(resources.get_object())
            if key in resources_seen:
                own = DictionaryObject()
                for name, value in resources.get_object().items():
                    inner = value.get_object()
                    own[name] = DictionaryObject(inner) if isinstance(inner, dict) else value
                page[NameObject("/Resources")] = own
            resources_seen.add(id(page["/Resources"].get_object()))


def stamp_pdf(
    reader: PdfReader,
    target: Path,
    specs: list[StampSpec],
    variables: Mapping[str, str],
    font_path: Path | None = None,
) -> int:
    """Write a stamped copy of `reader`'s document to `target`; returns pages stamped.

    A stamp is one Form XObject for the whole file; what changes from page to page (the
    page number) is written into the page's content as a few operators (`onpage`). The
    pages' content is never parsed (but for a rotated page, whose rotation moves into its
    content first)."""
    writer = PdfWriter(clone_from=reader)
    count = len(writer.pages)
    _unshare(writer)
    for page in writer.pages:
        if page.rotation:
            page.transfer_rotation_to_content()
            page.compress_content_streams()
    token = hashlib.sha256(repr((specs, sorted(variables.items()), count)).encode()
                           ).hexdigest()[:6]
    drawing = PageDrawing(writer, token)
    draws: dict[int, list[tuple[str | bytes, Transformation]]] = {}
    for spec in specs:
        indices = _selected(spec, count)
        if not indices:
            continue
        frame, per_page = _drawings(spec, variables, indices, count)
        overlays = _overlay(spec, [frame, *per_page], font_path or stamp_font_path())
        form = drawing.form(overlays[0])
        for n, index in enumerate(indices):
            placement = _placement(writer.pages[index], overlays[0], spec)
            draws.setdefault(index, []).append((form, placement))
            if per_page:
                draws[index].append((drawing.ops(overlays[n + 1]), placement))
    for index, items in draws.items():
        drawing.draw(writer.pages[index], items)
    with target.open("wb") as handle:
        writer.write(handle)
    return len(draws)
