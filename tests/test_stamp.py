"""Stamp placement, checked on the rendered page: pdftoppm rasterises the stamped page and
the stamp's pixels must be where a reader expects them, upright, on rotated pages and
on pages whose boxes do not start at 0,0."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject

from pipeline.pdf import StampSpec, open_pdf, stamp_pdf
from tests.conftest import CORPUS

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")

VARIABLES = {"order": "PO-2026-0042", "customer": "ACME", "customer_name": "阿克米",
             "type": "packing_list", "type_en": "Packing List", "type_zh": "装箱单",
             "received": "2026-11-27", "file": "x.pdf", "version": "1"}


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """A stamp image whose top half is blue and bottom half red: shows position and which
    way is up."""
    image = Image.new("RGB", (200, 200), (220, 0, 0))
    image.paste((0, 0, 220), (0, 0, 200, 100))
    path = tmp_path / "marker.png"
    image.save(path)
    return path


def _render(pdf: Path, page: int, tmp_path: Path) -> Image.Image:
    prefix = tmp_path / f"render-{page}"
    subprocess.run(["pdftoppm", "-cropbox", "-r", "30", "-png", "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(prefix)], check=True)
    return Image.open(f"{prefix}.png").convert("RGB")


def _centre(image: Image.Image, colour: str) -> tuple[float, float, float]:
    """Centre (x, y as fractions, y down) and area fraction of the red or blue pixels."""
    xs, ys = [], []
    pixels = image.load()
    assert pixels is not None
    for y in range(image.height):
        for x in range(image.width):
            r, g, b = pixels[x, y]  # type: ignore[misc]
            hit = (r > 150 and g < 80 and b < 80) if colour == "red" else (b > 150 and r < 80)
            if hit:
                xs.append(x)
                ys.append(y)
    assert xs, f"no {colour} pixels: the stamp is missing"
    area = len(xs) / (image.width * image.height)
    return sum(xs) / len(xs) / image.width, sum(ys) / len(ys) / image.height, area


def _blank(path: Path, media: tuple[float, ...], crop: tuple[float, ...] | None = None,
           rotate: int = 0) -> Path:
    writer = PdfWriter()
    page = writer.add_blank_page(media[2] - media[0], media[3] - media[1])
    page.mediabox = RectangleObject(media)
    if crop:
        page.cropbox = RectangleObject(crop)
    if rotate:
        page.rotation = rotate
    writer.write(str(path))
    return path


EXPECTED = {  # position -> (x range, y range) of the stamp centre, as page fractions
    "top-left": ((0, 0.35), (0, 0.3)),
    "top-right": ((0.65, 1), (0, 0.3)),
    "bottom-left": ((0, 0.35), (0.7, 1)),
    "bottom-right": ((0.65, 1), (0.7, 1)),
    "center": ((0.4, 0.6), (0.4, 0.6)),
    "top-center": ((0.4, 0.6), (0, 0.3)),
    "middle-right": ((0.65, 1), (0.4, 0.6)),
}


def _check(pdf: Path, page: int, position: str, tmp_path: Path) -> None:
    image = _render(pdf, page, tmp_path)
    rx, ry, area = _centre(image, "red")
    bx, by, _ = _centre(image, "blue")
    (x0, x1), (y0, y1) = EXPECTED[position]
    assert x0 <= rx <= x1 and y0 <= ry <= y1, (position, page, rx, ry)
    assert by < ry, "the stamp is not upright (blue half should be above the red half)"
    assert abs(bx - rx) < 0.02
    assert 0.002 < area < 0.05


@pytest.mark.parametrize("position", sorted(EXPECTED))
def test_grid_positions_on_a_plain_page(tmp_path: Path, marker: Path, position: str) -> None:
    source = _blank(tmp_path / "a4.pdf", (0, 0, 595, 842))
    out = tmp_path / "out.pdf"
    reader, _ = open_pdf(source)
    stamp_pdf(reader, out, [StampSpec(image=marker, position=position, width_mm=30,
                                      opacity=1.0)], VARIABLES)
    _check(out, 1, position, tmp_path)


@pytest.mark.parametrize("position", ["top-right", "bottom-left"])
def test_stamps_land_upright_on_rotated_pages(tmp_path: Path, marker: Path,
                                              position: str) -> None:
    out = tmp_path / "out.pdf"
    reader, _ = open_pdf(CORPUS / "habibi-rotated.pdf")
    assert sorted(p.rotation % 360 for p in reader.pages) == [0, 90, 180, 270]
    stamp_pdf(reader, out, [StampSpec(image=marker, position=position, width_mm=30,
                                      opacity=1.0)], VARIABLES)
    for page in range(1, 5):
        _check(out, page, position, tmp_path)


@pytest.mark.parametrize("rotate", [0, 90, 270])
def test_crop_box_that_does_not_start_at_the_origin(tmp_path: Path, marker: Path,
                                                    rotate: int) -> None:
    source = _blank(tmp_path / "crop.pdf", (-300, -200, 900, 1400), (150, 250, 745, 1092),
                    rotate)
    out = tmp_path / "out.pdf"
    reader, _ = open_pdf(source)
    stamp_pdf(reader, out, [StampSpec(image=marker, position="top-right", width_mm=30,
                                      opacity=1.0)], VARIABLES)
    _check(out, 1, "top-right", tmp_path)


def test_offsets_move_the_stamp_in_millimetres(tmp_path: Path, marker: Path) -> None:
    source = _blank(tmp_path / "a4.pdf", (0, 0, 595, 842))
    centres = []
    for offset in ((0.0, 0.0), (-50.0, -60.0)):
        out = tmp_path / f"out{offset[0]}.pdf"
        reader, _ = open_pdf(source)
        stamp_pdf(reader, out, [StampSpec(image=marker, position="top-right", width_mm=30,
                                          opacity=1.0, offset_mm=offset)], VARIABLES)
        centres.append(_centre(_render(out, 1, tmp_path), "red"))
    dx = (centres[0][0] - centres[1][0]) * 210
    dy = (centres[1][1] - centres[0][1]) * 297
    assert 45 < dx < 55 and 55 < dy < 65, (dx, dy)


def test_rotation_turns_the_stamp(tmp_path: Path, marker: Path) -> None:
    source = _blank(tmp_path / "a4.pdf", (0, 0, 595, 842))
    out = tmp_path / "out.pdf"
    reader, _ = open_pdf(source)
    stamp_pdf(reader, out, [StampSpec(image=marker, position="center", width_mm=40,
                                      opacity=1.0, rotation=180)], VARIABLES)
    image = _render(out, 1, tmp_path)
    assert _centre(image, "blue")[1] > _centre(image, "red")[1]  # upside down now


def test_pages_selection_and_per_page_text(tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    reader, _ = open_pdf(CORPUS / "pdflatex-4-pages.pdf")
    text = "{customer} 存档 {order}\n{type_zh} · 第{page}/{pages}页"
    count = stamp_pdf(reader, out, [StampSpec(text=text, pages=(2, 4, 9))], VARIABLES)
    assert count == 2
    texts = [p.extract_text() or "" for p in PdfReader(out).pages]
    assert "第2/4页" in texts[1] and "第4/4页" in texts[3]
    assert "存档" not in texts[0] and "存档" not in texts[2]
    assert "ACME 存档 PO-2026-0042" in texts[1]


def test_stamp_text_font_is_embedded(tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    reader, _ = open_pdf(CORPUS / "minimal-document.pdf")
    stamp_pdf(reader, out, [StampSpec(text="杭州跟单存档 {order}")], VARIABLES)
    page = PdfReader(out).pages[0]
    forms = [x.get_object() for x in page["/Resources"]["/XObject"].values()]
    fonts = [f for form in forms if form["/Subtype"] == "/Form"
             for f in form["/Resources"].get_object()["/Font"].get_object().values()]
    embedded = []
    for font in fonts:
        font = font.get_object()
        descendants = font.get("/DescendantFonts")
        base = descendants[0].get_object() if descendants else font
        descriptor = base.get("/FontDescriptor")
        if descriptor is not None and "/FontFile2" in descriptor.get_object():
            embedded.append(str(font["/BaseFont"]))
    assert embedded, "the CJK stamp font is not embedded"


def test_content_streams_are_compressed(tmp_path: Path) -> None:
    source = CORPUS / "pdflatex-4-pages.pdf"
    out = tmp_path / "out.pdf"
    reader, _ = open_pdf(source)
    stamp_pdf(reader, out, [StampSpec(text="{order} {page}/{pages}")], VARIABLES)
    for page in PdfReader(out).pages:
        contents = page.get_contents()
        assert contents is not None
        inner = page["/Contents"].get_object()
        for part in inner if isinstance(inner, list) else [inner]:
            stream = part.get_object()  # the page's own content with the stamps drawn over it
            assert stream.get("/Filter") == "/FlateDecode" or len(stream.get_data()) <= 64
        for form in page["/Resources"]["/XObject"].values():
            assert form.get_object().get("/Filter") == "/FlateDecode"
    assert out.stat().st_size < source.stat().st_size + 40_000


def test_pages_sharing_one_content_stream_are_stamped_one_by_one(tmp_path: Path,
                                                                 marker: Path) -> None:
    # All four pages of this file share one content stream and one resource dictionary.
    out = tmp_path / "out.pdf"
    reader, _ = open_pdf(CORPUS / "habibi-rotated.pdf")
    stamp_pdf(reader, out, [StampSpec(image=marker, position="bottom-right", width_mm=30,
                                      opacity=1.0, pages="last")], VARIABLES)
    _check(out, 4, "bottom-right", tmp_path)
    for page in (1, 2, 3):
        with pytest.raises(AssertionError, match="no red pixels"):
            _centre(_render(out, page, tmp_path), "red")
    original = [p.extract_text().strip() for p in PdfReader(CORPUS / "habibi-rotated.pdf").pages]
    assert [p.extract_text().strip() for p in PdfReader(out).pages] == original
