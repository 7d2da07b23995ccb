"""Hostile and broken input, each dropped together with valid files: the valid files are
filed, the bad one is kept byte for byte in _rejected/ (or _failed/) with a reason that
never quotes its content, nothing hangs, there is no traceback, and the archive verifies
clean afterwards."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_settings
from pipeline.desk import Desk
from pipeline.verify import verify
from pipeline.workspace import Workspace
from tests.conftest import CORPUS, EXAMPLES

SECRET = "TOP-SECRET-不可外传-7731"
TOML = ('[documents]\non_order = ["quotation"]\nword_to_pdf = false\n\n'
        '[watch]\nretries = 1\nretry_seconds = 0\n\n[approval]\ntrust_inbox = true\n')
SIGNS = ("update: approval\norder_no: PO-2026-0042\nrole: salesperson\nby: 王丽\n"
         "at: 2026-11-03T09:00\n")


def _order(**changes: Any) -> dict[str, Any]:
    """The MUELLER example under another number (so a file that got through would be a new
    order, not a revision of one already archived)."""
    data: dict[str, Any] = yaml.safe_load((EXAMPLES / "HD-240317.yaml").read_text("utf-8"))
    data.update({"order_no": "HX-1", "contract_no": None, **changes})
    return data


FIRST_ITEM = _order()["items"][0]  # (copied for each line: YAML would alias a shared one)


def _big_json() -> str:
    text = json.dumps(_order(remarks=SECRET), default=str)
    return re.sub(r'"quantity": "?\d+"?', '"quantity": ' + "9" * 5000, text, count=1)


def _yaml_text(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _item_field(name: str, raw: str) -> str:
    """The example order with one item field written raw (as YAML text)."""
    text = _yaml_text(_order(remarks=SECRET))
    marker = "  quantity:" if name == "quantity" else "  unit_price:"
    head, _, rest = text.partition(marker)
    _, _, tail = rest.partition("\n")
    return f"{head}{marker} {raw}\n{tail}"


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF from raw objects 1..n (the first is the catalogue), with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Root 1 0 R /Size %d >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def _inflating_pdf(megabytes: int = 120) -> bytes:
    packer = zlib.compressobj(9)
    chunk = b"0 0 m\n" * (1 << 17)
    data = b"".join(packer.compress(chunk) for _ in range(megabytes * (1 << 20) // len(chunk)))
    data += packer.flush()
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                 b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data +
                 b"\nendstream"])


def _many_pages(count: int = 20_000) -> bytes:
    kids = b" ".join([b"3 0 R"] * count)
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"])


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + \
        chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _truncated_jpeg(path: Path) -> None:
    """A photographed page whose file was cut off halfway (a broken upload)."""
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (1200, 1700), "white")
    ImageDraw.Draw(page).text((100, 100), "PACKING LIST PO-2026-0042", fill="black")
    page.save(path, "JPEG", quality=80)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _gigapixel_scan_pdf(path: Path) -> None:
    """A one-page PDF holding one image of 100,000 x 80,000 pixels (8 gigapixels, 1 GB
    unpacked as one bit a pixel) that packs into a small stream: a decompression bomb for
    whatever draws it for OCR."""
    width, height = 100_000, 80_000
    stream = zlib.compress(b"\x00" * (width // 8 * height), 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
               b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
               b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace "
               b"/DeviceGray /BitsPerComponent 1 /Filter /FlateDecode /Length %d >>\nstream\n"
               % (width, height, len(stream)) + stream + b"\nendstream",
               b"<< /Length 33 >>\nstream\nq 595 0 0 842 0 0 cm /Im0 Do Q\nendstream"]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def _xlsx_bomb(path: Path, megabytes: int = 80) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        with package.open("xl/worksheets/sheet1.xml", "w") as sheet:
            row = b"<row><c t='inlineStr'><is><t>x</t></is></c></row>" * 1000
            for _ in range(megabytes * (1 << 20) // len(row)):
                sheet.write(row)


def _xlsx_entities(path: Path) -> None:
    """A real order form whose shared strings declare a billion laughs."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Order"
    book.active.append(["order_no", "&lol9;"])
    book.create_sheet("Items").append(["model"])
    book.save(path)
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)) + "]>"
    with zipfile.ZipFile(path) as package:
        parts = {n: package.read(n) for n in package.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace("?>", "?>" + laughs, 1) if sheet.startswith("<?xml") else \
        laughs + sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("&amp;lol9;", "&lol9;").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)


def _xlsx_rows(path: Path, rows: int = 6000) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    order = book.create_sheet("Order")
    for key in ("order_no", "currency"):
        order.append([key, "X"])
    items = book.create_sheet("Items")
    items.append(["model", "quantity"])
    for n in range(rows):
        items.append([f"M-{n}", 1])
    book.save(path)


Make = Callable[[Path, Path], str]


def _write(name: str, data: bytes | str) -> Make:
    def make(inbox: Path, outside: Path) -> str:
        target = inbox / name
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")
        return name
    return make


def _symlink(name: str, content: bytes) -> Make:
    def make(inbox: Path, outside: Path) -> str:
        source = outside / f"outside-{name}"
        source.write_bytes(content)
        (inbox / name).symlink_to(source)
        return name
    return make


def _hardlink(inbox: Path, outside: Path) -> str:
    source = inbox.parent / "outside.pdf"  # same file system, outside the inbox
    source.write_bytes((CORPUS / "minimal-document.pdf").read_bytes())
    os.link(source, inbox / "PO-2026-0042_linked.pdf")
    return "PO-2026-0042_linked.pdf"


def _fifo(inbox: Path, outside: Path) -> str:
    os.mkfifo(inbox / "PO-2026-0042_pipe.pdf")
    return "PO-2026-0042_pipe.pdf"


def _generated(name: str, build: Callable[[Path], None]) -> Make:
    def make(inbox: Path, outside: Path) -> str:
        build(inbox / name)
        return name
    return make


LONG_NAME = "跟单员核对的报价单" * 9 + ".yaml"  # 243 bytes in UTF-8
DEEP_JSON = "[" * 100_000 + "]" * 100_000
DEEP_YAML = "order_no: " + "[" * 100_000 + "]" * 100_000 + "\n"
ALIASES = "a: &a [" + ",".join(["x"] * 9) + "]\n" + "".join(
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True))

KINDS: dict[str, tuple[Make, str, str]] = {
    # kind: (the bad file, where it goes, what its note says)
    "NaN unit price": (_write("nan.yaml", _item_field("unit_price", ".nan")), "_rejected",
                       "not a number an order can use"),
    "infinite quantity": (_write("inf.yaml", _item_field("quantity", ".inf")), "_rejected",
                          "not a number an order can use"),
    "base-60 number": (_write("b60.yaml", _item_field("quantity", "1:30")), "_rejected",
                       "base-60"),
    "5000-digit YAML number": (_write("big.yaml", _item_field("quantity", "9" * 5000)),
                               "_rejected", "at most 30 digits"),
    "5000-digit JSON number": (_write("big.json", _big_json()), "_rejected",
                               "at most 30 digits"),
    "JSON nested 100,000 deep": (_write("deep.json", DEEP_JSON), "_rejected", "nested"),
    "YAML nested 100,000 deep": (_write("deep.yaml", DEEP_YAML), "_rejected", "nested"),
    "YAML alias bomb": (_write("laughs.yaml", ALIASES), "_rejected", "alias"),
    "duplicate YAML key": (_write("twice.yaml", _yaml_text(_order(remarks=SECRET)) +
                                  "order_no: HD-999\n"), "_rejected", "given twice"),
    "long Chinese file name": (_write(LONG_NAME, "order_no: [\n" + SECRET), "_rejected",
                               "valid YAML"),
    "50 MB remark": (_write("huge.yaml", "remarks: " + "x" * (50 << 20) + SECRET),
                     "_rejected", "too large for order data"),
    "3,000 items": (_write("many.yaml", _yaml_text(_order(
        items=[{**copy.deepcopy(FIRST_ITEM), "model": f"M-{n}"} for n in range(3000)]))),
        "_rejected", "3,000 line items"),
    "text field too long": (_write("long.yaml", _yaml_text(_order(
        remarks="长" * 5000 + SECRET))), "_rejected", "at most 4,000 characters"),
    "not UTF-8": (_write("latin.yaml", b"order_no: \xff\xfe\xfa"), "_rejected", "UTF-8"),
    "binary JSON": (_write("noise.json", b"\xff" + os.urandom(512)), "_rejected", "UTF-8"),
    "not a mapping": (_write("list.yaml", "- " + SECRET + "\n"), "_rejected",
                      "a mapping of order fields"),
    "workbook zip bomb": (_generated("bomb.xlsx", _xlsx_bomb), "_rejected", "unpacks to"),
    "workbook entity bomb": (_generated("laughs.xlsx", _xlsx_entities), "_rejected",
                             "document type declaration"),
    "workbook of 6,000 rows": (_generated("rows.xlsx", _xlsx_rows), "_rejected",
                               "more than 5,000 rows"),
    "workbook that is text": (_write("fake.xlsx", SECRET * 20), "_rejected",
                              "not a workbook"),
    "PDF inflating past the limit": (_write("PO-2026-0042_packing-list-bomb.pdf",
                                            _inflating_pdf()), "_rejected",
                                     "unpacks to more than the limit"),
    "20,000-page PDF": (_write("PO-2026-0042_manual-huge.pdf", _many_pages()), "_rejected",
                        "20,000 pages"),
    "image of 900 megapixels": (_write("PO-2026-0042_scan.png", _png_header(30000, 30000)),
                                "_rejected", "megapixels"),
    "truncated photo": (_generated("IMG_20270108_0932.jpg", _truncated_jpeg), "_rejected",
                        "damaged"),
    "scan of a gigapixel image": (_generated("PO-2026-0042_scan-bomb.pdf", _gigapixel_scan_pdf),
                                  "_rejected", "megapixels"),
    "empty PDF": (_write("PO-2026-0042_empty.pdf", b""), "_rejected", "empty (0 bytes)"),
    "not a PDF": (_write("PO-2026-0042_fake.pdf", SECRET * 10), "_rejected",
                  "not a PDF"),
    "truncated PDF": (_write("PO-2026-0042_cut.pdf",
                             (CORPUS / "pdflatex-4-pages.pdf").read_bytes()[:3000]),
                      "_rejected", "damaged or incomplete"),
    "password PDF": (_write("PO-2026-0042_locked.pdf",
                            (CORPUS / "libreoffice-writer-password.pdf").read_bytes()),
                     "_rejected", "protected by a password"),
    "unsupported type": (_write("setup.exe", b"MZ" + SECRET.encode()), "_rejected",
                         "not .exe"),
    "link to a PDF outside": (_symlink("PO-2026-0042_link.pdf",
                                       (CORPUS / "minimal-document.pdf").read_bytes()),
                              "_rejected", "a symbolic link"),
    "link to a YAML outside": (_symlink("secret.yaml", f"order_no: [{SECRET}".encode()),
                               "_rejected", "a symbolic link"),
    "hard link": (_hardlink, "_rejected", "a hard link"),
    "FIFO": (_fifo, "_rejected", "not a regular file"),
    "escape sequences in the name": (_write("evil\x1b[2J\x1b[31mred.yaml", "order_no: [\n"),
                                     "_rejected", "\\x1b[2J"),
}


@pytest.fixture
def hostile_ws(tmp_path: Path, order_archive: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(order_archive, root)
    (root / "gendan.toml").write_text(TOML, encoding="utf-8")
    return root


def _run(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-w", str(root), "run"])
    return result.exit_code, result.output


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_hostile_file_is_set_aside_and_the_others_filed(hostile_ws: Path, tmp_path: Path,
                                                         kind: str) -> None:
    make, folder, reason = KINDS[kind]
    inbox = hostile_ws / "inbox"
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copyfile(CORPUS / "pdflatex-4-pages.pdf", inbox / "PO-2026-0042_packing-list.pdf")
    (inbox / "signs.yaml").write_text(SIGNS, encoding="utf-8")
    name = make(inbox, outside)
    before = {p.name: (p.read_bytes() if p.is_file() and not p.is_fifo() else None)
              for p in outside.iterdir()}
    is_link = (inbox / name).is_symlink()
    original = (inbox / name).read_bytes() if (inbox / name).is_file() and not is_link else None
    code, output = _run(hostile_ws)
    assert code == 4, output
    assert "Traceback" not in output and "\x1b" not in output and SECRET not in output
    lines = output.splitlines()
    assert any(line.startswith("PO-2026-0042_packing-list.pdf") and " archived " in line
               for line in lines), output
    assert any(line.startswith("signs.yaml") and " archived " in line for line in lines), output
    kept = [p for p in (hostile_ws / "inbox" / folder).iterdir()
            if not p.name.endswith(".error.txt")]
    assert len(kept) == 1, kept
    if original is not None:
        assert kept[0].read_bytes() == original  # byte for byte
    if is_link:
        assert kept[0].is_symlink()  # the link itself, never what it points to
    note = kept[0].with_name(kept[0].name + ".error.txt").read_text(encoding="utf-8")
    assert reason in note, note
    assert SECRET not in note and "Traceback" not in note
    assert {p.name: (p.read_bytes() if p.is_file() and not p.is_fifo() else None)
            for p in outside.iterdir()} == before  # nothing outside was touched
    desk = Desk(Workspace(hostile_ws), load_settings(hostile_ws / "gendan.toml"))
    assert verify(desk.store, desk.parking) == []


def test_at_least_thirty_kinds_are_covered() -> None:
    assert len(KINDS) >= 30
