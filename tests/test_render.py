"""Generated documents, read back as a user would: text, totals, words, fonts, pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
import pytest
from pypdf import PdfReader

from pipeline.config import Settings
from pipeline.desk import Desk
from pipeline.doctypes import GENERATED
from pipeline.errors import TemplateError
from pipeline.intake.order_file import parse_order
from pipeline.models import Order
from pipeline.render import document_context, render_html_pdf
from tests.conftest import pdf_text, with_items


def _squeeze(text: str) -> str:
    """Text without white space: line wrapping in a table cell must not fail a check."""
    return "".join(text.split())


def _order(data: dict[str, Any]) -> Order:
    return parse_order(data, "test")


def test_quotation_reads_back_in_both_languages(desk: Desk, order_data: dict[str, Any],
                                                tmp_path: Path) -> None:
    staged = desk.maker.render("quotation", _order(order_data), tmp_path)[0]
    text = _squeeze("\n".join(pdf_text(staged.path)))
    for expected in [
        "报价单", "QUOTATION", "QT-PO-2026-0042",
        "阿克米家居园艺用品有限公司", "ACME Home & Garden Supply Co., Ltd.",
        "杭州跟单贸易有限公司", "20V无绳绿篱机", "Cordless Hedge Trimmer 20V",
        "23,100.00", "USD 58,260.00", "3,700",
        "美元伍万捌仟贰佰陆拾元整",
        "SAY US DOLLARS FIFTY EIGHT THOUSAND TWO HUNDRED AND SIXTY ONLY",
        "2027年1月15日", "15 Jan 2027", "FOB Ningbo", 'Pruning Shears "Pro" (bypass)',
    ]:
        assert _squeeze(expected) in text, expected
    assert staged.meta["pages"] == len(PdfReader(staged.path).pages)
    assert staged.meta["template"] == "quotation.html" and len(staged.meta["template_sha256"]) == 64


def test_chinese_is_set_in_an_embedded_cjk_font(desk: Desk, order_data: dict[str, Any],
                                                tmp_path: Path) -> None:
    staged = desk.maker.render("quotation", _order(order_data), tmp_path)[0]
    fonts = {}
    for page in PdfReader(staged.path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font["/BaseFont"])] = embedded
    assert any("WenQuanYi" in name for name in fonts), fonts  # a TrueType CJK font
    assert all(fonts.values()), fonts


@pytest.mark.slow
def test_items_table_spans_pages_with_its_header_repeated(
    desk: Desk, order_data: dict[str, Any], tmp_path: Path
) -> None:
    pages = []
    for count in (4, 60, 200):
        staged = desk.maker.render("quotation", _order(with_items(order_data, count)),
                                   tmp_path / str(count))[0]
        texts = pdf_text(staged.path)
        pages.append(len(texts))
        if count == 200:
            table_pages = [t for t in texts if "-199" in t or "HT-2020-" in t]
            assert len(table_pages) >= 3
            assert all("品名 Description" in t for t in table_pages)
            assert all(f"第 {n} / {len(texts)} 页" in t for n, t in enumerate(texts, 1))
    assert pages[0] < pages[1] < pages[2], pages


def _hostile_template(workspace_templates: Path) -> None:
    workspace_templates.mkdir(parents=True, exist_ok=True)
    (workspace_templates / "quotation.html").write_text(
        """<html><head>
        <link rel="stylesheet" href="file:///etc/hostname">
        <link rel="attachment" href="file:///etc/passwd">
        <style>@import url("http://127.0.0.1:9/x.css");
               body { background: url(file:///etc/passwd); }</style></head>
        <body><p>HOSTILE {{ order.order_no }}</p>
        <img src="file:///etc/passwd"><img src="../../../../etc/passwd">
        <img src="http://127.0.0.1:9/pixel.png"><img src="assets/seal.png">
        <iframe src="file:///etc/passwd"></iframe><object data="file:///etc/passwd"></object>
        </body></html>""",
        encoding="utf-8",
    )


def test_templates_cannot_read_local_files_or_urls(
    desk: Desk, order_data: dict[str, Any], tmp_path: Path
) -> None:
    _hostile_template(desk.workspace.root / "templates")
    doc = GENERATED["quotation"]
    ctx = document_context(doc, _order(order_data), Settings(), seal=None)
    result = render_html_pdf("quotation.html", ctx, desk.workspace.template_dirs,
                             tmp_path / "q.pdf")
    blocked = " ".join(result.blocked_urls)
    assert "file:///etc/passwd" in blocked and "file:///etc/hostname" in blocked
    assert "http://127.0.0.1:9/x.css" in blocked and "http://127.0.0.1:9/pixel.png" in blocked
    reader = PdfReader(result.path)
    text = "".join(p.extract_text() or "" for p in reader.pages)
    assert "HOSTILE PO-2026-0042" in text and "root:" not in text
    assert not reader.attachments
    raw = result.path.read_bytes()
    assert b"root:x:0:0" not in raw


def test_order_data_cannot_inject_markup(desk: Desk, order_data: dict[str, Any],
                                         tmp_path: Path) -> None:
    order_data["customer"]["name_en"] = '<img src="file:///etc/passwd"> Evil & Co. <b>'
    staged = desk.maker.render("quotation", _order(order_data), tmp_path)[0]
    text = "\n".join(pdf_text(staged.path))
    assert '<img src="file:///etc/passwd"> Evil & Co. <b>' in text


def test_word_contract_keeps_special_characters_and_chinese(
    desk: Desk, order_data: dict[str, Any], tmp_path: Path
) -> None:
    order_data["customer"]["name_en"] = "Smith & Sons <Intl> \"Quoted\" 'Single'"
    order_data["items"][0]["name_zh"] = "绿篱机 & <配件>"
    staged = desk.maker.render("sales_contract", _order(order_data), tmp_path)[-1]
    document = docx.Document(str(staged.path))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "Smith & Sons <Intl> \"Quoted\" 'Single'" in cells
    assert "绿篱机 & <配件>" in cells and "SC-2026-0042" in cells
    assert "美元伍万捌仟贰佰陆拾元整" in text and "USD 58,260.00" in cells
    item_rows = [r for r in document.tables[1].rows if "HT-2020" in r.cells[2].text]
    assert len(item_rows) == 1 and "600" in item_rows[0].cells[3].text
    assert len(document.inline_shapes) == 0  # no seal: the review is not approved yet
    assert "草稿 DRAFT" in text


def test_word_template_runs_in_a_sandbox(desk: Desk, order_data: dict[str, Any],
                                         tmp_path: Path) -> None:
    own = desk.workspace.root / "templates"
    own.mkdir()
    template = docx.Document()
    template.add_paragraph("{{ order.__class__.__mro__[1].__subclasses__() }}")
    template.save(str(own / "sales_contract.docx"))
    with pytest.raises(TemplateError, match=r"sales_contract\.docx"):
        desk.maker.render("sales_contract", _order(order_data), tmp_path)


def test_broken_html_template_names_the_line(desk: Desk, order_data: dict[str, Any],
                                             tmp_path: Path) -> None:
    own = desk.workspace.root / "templates"
    own.mkdir()
    (own / "quotation.html").write_text("<p>\n{{ order.order_no }\n</p>", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"quotation.html, line 2"):
        desk.maker.render("quotation", _order(order_data), tmp_path)
