"""Factory documents: identified, stamped, filed; every bad file gets a clear outcome."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from pipeline.config import Settings, Watch
from pipeline.desk import Desk
from pipeline.fsutil import sha256_file
from pipeline.store import SIDECAR_SUFFIX
from tests.conftest import CORPUS, TRUSTING, copy_example, documents, text_pdf

ORDER_DIR = Path("ACME") / "PO-2026-0042"


def _meta(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_name(path.name + SIDECAR_SUFFIX).read_text())
    return data


def _drop_corpus(desk: Desk, name: str, as_name: str) -> Path:
    target = desk.workspace.inbox / as_name
    shutil.copyfile(CORPUS / name, target)
    return target


CORPUS_EXPECTED = {
    "libreoffice-writer-password.pdf": "protected by a password",
}


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.pdf")))
def test_every_corpus_pdf_is_archived_and_stamped_or_rejected_with_the_reason(
    with_order: Desk, name: str
) -> None:
    desk = with_order
    _drop_corpus(desk, name, f"PO-2026-0042_{name}")
    desk.settings = Settings(approval=TRUSTING, watch=Watch(retry_seconds=0))
    [outcome] = desk.run_once()
    if name in CORPUS_EXPECTED:
        assert outcome.status == "rejected"
        assert CORPUS_EXPECTED[name] in outcome.message
        kept = desk.workspace.rejected / f"PO-2026-0042_{name}"
        assert kept.read_bytes() == (CORPUS / name).read_bytes()
        report = kept.with_name(kept.name + ".error.txt").read_text(encoding="utf-8")
        assert "ask the factory for an unprotected copy" in report.lower()
        return
    assert outcome.status == "archived", outcome
    order_dir = desk.workspace.archive / ORDER_DIR
    original = order_dir / "originals" / f"PO-2026-0042_{name}"
    assert original.read_bytes() == (CORPUS / name).read_bytes()
    [stamped] = [order_dir / "stamped" / f for f in outcome.documents if f.endswith("_v1.pdf")]
    source, result = PdfReader(CORPUS / name), PdfReader(stamped)
    assert len(result.pages) == len(source.pages) == _meta(stamped)["pages"]
    first = result.pages[0].extract_text() or ""
    assert "ARCHIVED" in first and "PO-2026-0042" in first and "存档" in first
    original_text = (source.pages[0].extract_text() or "").split()
    if original_text:
        assert original_text[0] in first  # the page's own text is still there
    assert stamped.stat().st_size < original.stat().st_size * 1.25 + 60_000
    assert _meta(original)["identified"][0].startswith("order PO-2026-0042 from the file name")


def test_outline_form_and_attachment_survive_stamping(with_order: Desk) -> None:
    desk = with_order
    for name in ("pdflatex-outline.pdf", "libreoffice-form.pdf", "with-attachment.pdf"):
        _drop_corpus(desk, name, f"PO-2026-0042_{name}")
    outcomes = desk.run_once()
    stamped = {o.file: desk.workspace.archive / ORDER_DIR / "stamped" / o.documents[-1]
               for o in outcomes}
    outline = PdfReader(stamped["PO-2026-0042_pdflatex-outline.pdf"]).outline
    original = PdfReader(CORPUS / "pdflatex-outline.pdf").outline
    assert len(outline) == len(original) > 0
    fields = PdfReader(stamped["PO-2026-0042_libreoffice-form.pdf"]).get_fields() or {}
    assert set(fields) == set(PdfReader(CORPUS / "libreoffice-form.pdf").get_fields() or {})
    assert PdfReader(stamped["PO-2026-0042_with-attachment.pdf"]).attachments


def test_owner_password_only_pdf_is_opened_and_archived(with_order: Desk, tmp_path: Path) -> None:
    desk = with_order
    writer = PdfWriter(clone_from=CORPUS / "pdflatex-4-pages.pdf")
    writer.encrypt(user_password="", owner_password="factory-secret", algorithm="AES-128")
    path = desk.workspace.inbox / "PO-2026-0042_warranty.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    raw = path.read_bytes()
    [outcome] = desk.run_once()
    assert outcome.status == "archived"
    order_dir = desk.workspace.archive / ORDER_DIR
    assert (order_dir / "originals" / path.name).read_bytes() == raw
    stamped = PdfReader(order_dir / "stamped" / "PO-2026-0042_warranty_card_v1.pdf")
    assert not stamped.is_encrypted and len(stamped.pages) == 4


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_bytes(b""), "the file is empty (0 bytes)"),
        (lambda p: p.write_text("just text, renamed"), "not a PDF"),
        (lambda p: p.write_bytes((CORPUS / "pdflatex-4-pages.pdf").read_bytes()[:4000]),
         "damaged or incomplete"),
        (lambda p: PdfWriter().write(str(p)), "has no pages"),
    ],
)
def test_bad_pdfs_are_rejected_with_their_reason(with_order: Desk, make: Any, reason: str) -> None:
    desk = with_order
    desk.settings = Settings(approval=TRUSTING, watch=Watch(retries=2, retry_seconds=0))
    path = desk.workspace.inbox / "PO-2026-0042_packing-list.pdf"
    make(path)
    raw = path.read_bytes()
    [outcome] = desk.run_once()
    assert outcome.status == "rejected" and reason in outcome.message
    assert (desk.workspace.rejected / path.name).read_bytes() == raw
    assert (desk.workspace.rejected / f"{path.name}.error.txt").is_file()


def test_a_damaged_file_is_retried_before_it_is_rejected(with_order: Desk) -> None:
    desk = with_order
    desk.settings = Settings(approval=TRUSTING, watch=Watch(retries=3, retry_seconds=0))
    path = desk.workspace.inbox / "PO-2026-0042_packing-list.pdf"
    path.write_bytes((CORPUS / "pdflatex-4-pages.pdf").read_bytes()[:4000])
    first = desk.process(path)
    assert first.status == "retry" and path.exists()
    shutil.copyfile(CORPUS / "pdflatex-4-pages.pdf", path)  # the copy finished meanwhile
    assert desk.process(path).status == "archived"


def test_unsupported_type_is_rejected(with_order: Desk) -> None:
    path = with_order.workspace.inbox / "PO-2026-0042_spec.docx"
    path.write_bytes(b"PK\x03\x04 not really")
    [outcome] = with_order.run_once()
    assert outcome.status == "rejected" and "not .docx" in outcome.message


def test_a_file_that_disappears_is_reported_not_crashed(with_order: Desk) -> None:
    outcome = with_order.process(with_order.workspace.inbox / "gone.pdf")
    assert outcome.status == "vanished"


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_scans_become_one_page_pdfs_and_the_image_is_kept(with_order: Desk, suffix: str) -> None:
    desk = with_order
    image = Image.new("RGB", (1240, 1754), "white")
    path = desk.workspace.inbox / f"PO-2026-0042_inspection-report{suffix}"
    image.save(path)
    raw = path.read_bytes()
    [outcome] = desk.run_once()
    assert outcome.status == "archived"
    order_dir = desk.workspace.archive / ORDER_DIR
    assert (order_dir / "originals" / path.name).read_bytes() == raw
    stamped = PdfReader(order_dir / "stamped" / "PO-2026-0042_inspection_report_v1.pdf")
    assert len(stamped.pages) == 1
    assert _meta(order_dir / "originals" / path.name)["has_text"] is False


def test_a_500_page_manual_is_archived_and_stamped(with_order: Desk) -> None:
    desk = with_order
    writer = PdfWriter()
    source = PdfReader(CORPUS / "minimal-document.pdf").pages[0]
    for _ in range(520):
        writer.add_page(source)
    path = desk.workspace.inbox / "PO-2026-0042_user-manual.pdf"
    writer.write(str(path))
    [outcome] = desk.run_once()
    assert outcome.status == "archived"
    stamped = PdfReader(desk.workspace.archive / ORDER_DIR / "stamped" /
                        "PO-2026-0042_user_manual_v1.pdf")
    assert len(stamped.pages) == 520
    assert "520/520" in (stamped.pages[519].extract_text() or "")


def test_identical_bytes_are_a_duplicate_and_new_bytes_a_new_version(with_order: Desk) -> None:
    desk = with_order
    _drop_corpus(desk, "inv_saeco.pdf", "PO-2026-0042_commercial-invoice.pdf")
    desk.run_once()
    (desk.workspace.inbox / "resent").mkdir()
    _drop_corpus(desk, "inv_saeco.pdf", "resent/PO-2026-0042 invoice again.pdf")
    [duplicate] = desk.run_once()
    assert duplicate.status == "duplicate"
    order_dir = desk.workspace.archive / ORDER_DIR
    original = order_dir / "originals" / "PO-2026-0042_commercial-invoice.pdf"
    seen = _meta(original)["duplicates"][0]
    assert seen["source"] == "inbox/resent/PO-2026-0042 invoice again.pdf"
    _drop_corpus(desk, "inv_coolblue1.pdf", "PO-2026-0042_commercial-invoice.pdf")
    [revised] = desk.run_once()
    assert revised.status == "archived"
    stamped = sorted(p.name for p in (order_dir / "stamped").glob("*.pdf"))
    assert stamped == ["PO-2026-0042_commercial_invoice_v1.pdf",
                       "PO-2026-0042_commercial_invoice_v2.pdf"]
    docs = documents(desk, "PO-2026-0042")
    current = {d["file"]: d["current"] for d in docs if d["kind"] == "stamped"}
    assert current == {stamped[0]: False, stamped[1]: True}
    originals = [d for d in docs if d["kind"] == "original" and d["doc_type"] != "order_data"]
    assert sorted(d["sha256"] for d in originals) == sorted(
        sha256_file(CORPUS / n) for n in ("inv_saeco.pdf", "inv_coolblue1.pdf"))


def test_order_found_in_the_text_by_contract_number(with_order: Desk, tmp_path: Path) -> None:
    desk = with_order
    text_pdf(desk.workspace.inbox / "scan0001.pdf",
             "<h1>装箱单 PACKING LIST</h1><p>Contract No.: SC-2026-0117</p>"
             "<p>Invoice No. INV-88 · 毛重 G.W. 3160 KG</p>")
    [outcome] = desk.run_once()
    assert outcome.status == "archived" and outcome.order_no == "HD-240317"
    assert outcome.reasons == ["order HD-240317 found on page 1 (as SC-2026-0117)",
                               "type packing_list: 'packing list' in the text"]


def test_order_from_the_inbox_subfolder(with_order: Desk) -> None:
    desk = with_order
    folder = desk.workspace.inbox / "MUELLER"
    folder.mkdir()
    text_pdf(folder / "doc.pdf", "<h1>保修卡 WARRANTY CARD</h1>")
    [outcome] = desk.run_once()
    assert outcome.order_no == "HD-240317"
    assert outcome.reasons[0] == "order HD-240317: the only order of customer MUELLER"
    assert outcome.reasons[1].startswith("type warranty_card")


def test_unmatched_file_waits_and_is_filed_when_its_order_arrives(desk: Desk) -> None:
    path = text_pdf(desk.workspace.inbox / "factory-scan.pdf",
                    "<h1>验货报告 INSPECTION REPORT</h1><p>PO-2026-0042</p>")
    raw = path.read_bytes()
    [outcome] = desk.run_once()
    assert outcome.status == "unmatched"
    parked = desk.workspace.unmatched / "factory-scan.pdf"
    assert parked.read_bytes() == raw
    reason = parked.with_name(parked.name + ".reason.txt").read_text(encoding="utf-8")
    assert "no order number in the file name, folder or text" in reason
    assert "gendan assign" in reason
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    desk.run_once()
    assert not parked.exists() and not parked.with_name(parked.name + ".reason.txt").exists()
    stamped = desk.workspace.archive / ORDER_DIR / "stamped"
    assert (stamped / "PO-2026-0042_inspection_report_v1.pdf").is_file()


def test_assign_by_hand(with_order: Desk) -> None:
    desk = with_order
    path = text_pdf(desk.workspace.inbox / "blank.pdf", "<p>nothing to go by</p>")
    desk.run_once()
    parked = desk.workspace.unmatched / "blank.pdf"
    outcome = desk.assign(parked, "HD-240317", "transport_contract")
    assert outcome.status == "archived"
    assert outcome.reasons == ["order HD-240317 assigned by hand",
                               "type transport_contract assigned by hand"]
    assert not parked.exists() and not path.exists()
