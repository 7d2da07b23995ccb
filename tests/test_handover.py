"""`gendan check` and `gendan handover` on a whole order: its own documents, the factory's,
the workflow; the pack read back page by page."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from pipeline.cli import cli
from pipeline.compliance import extract
from pipeline.config import Settings
from pipeline.desk import Desk
from pipeline.fsutil import sha256_file
from pipeline.pdf import open_pdf, page_texts
from pipeline.people import People
from pipeline.recipes import HandoverRefused, check_order, hand_over
from pipeline.workspace import Workspace
from tests.conftest import CORPUS, EXAMPLES, TRUSTING, documents, history, text_pdf

DATE = "2027-01-20"


@pytest.fixture(scope="module")
def ready(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """PO-2026-0042 with its documents, updates and the factory's files, ready to hand over."""
    ws = Workspace(tmp_path_factory.mktemp("handover") / "ws")
    ws.ensure_folders()
    desk = Desk(ws, Settings(approval=TRUSTING))
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", ws.inbox / "PO-2026-0042.yaml")
    for update in sorted((EXAMPLES / "updates").glob("*.yaml")):
        shutil.copyfile(update, ws.inbox / update.name)
    desk.run_once()
    desk.run_once()  # updates parked until their order arrived are applied
    shutil.copyfile(CORPUS / "pdflatex-4-pages.pdf", ws.inbox / "PO-2026-0042_warranty-card.pdf")
    shutil.copyfile(CORPUS / "pdflatex-outline.pdf", ws.inbox / "PO-2026-0042_user-manual.pdf")
    text_pdf(ws.inbox / "PO-2026-0042_inspection-report.pdf",
             "<h1>INSPECTION REPORT 验货报告</h1><p>Order No.: PO-2026-0042</p>"
             "<p>Date: 2027-01-08</p><p>Result: passed</p>", pages=2)
    Image.new("RGB", (1240, 1754), "white").save(ws.inbox / "PO-2026-0042_transport-contract.jpg")
    for name in ("PO-2026-0042_bill-of-lading.pdf", "PO-2026-0042_customs-declaration.pdf"):
        shutil.copyfile(EXAMPLES / "factory" / name, ws.inbox / name)  # FOB needs them
    outcomes = desk.run_once()
    assert all(o.status == "archived" for o in outcomes), outcomes
    yield desk


def test_a_complete_order_checks_clean(ready: Desk) -> None:
    result = check_order(ready, "PO-2026-0042", on=__import__("datetime").date(2027, 1, 20))
    errors = [f for f in result.findings if f.severity == "error"]
    assert errors == []
    reviews = [f.message for f in result.findings if f.severity == "review"]
    # the transport contract came as a scan: read by OCR, it is no longer "no text"
    assert not any("Transport Contract (received): no text" in m for m in reviews), reviews
    report = ready.workspace.archive / result.report
    assert "COMPLIANCE REPORT" in "".join(p.extract_text() for p in PdfReader(report).pages)


def test_a_second_check_reads_nothing_again(ready: Desk, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    """What the first check read (words and boxes by content, and what the examiner made of
    each document) is kept; the same findings on the same documents make no second report."""
    import pipeline.recipes.check as check
    import pipeline.render
    from pipeline.compliance.layout import WORDS_VERSION

    day = __import__("datetime").date(2027, 1, 20)
    first = check_order(ready, "PO-2026-0042", on=day)
    cache = ready.workspace.archive / ".cache"
    kept = list((cache / "words").rglob("*.json"))
    readings = list((cache / "readings").rglob("*.json"))
    assert kept, "the check keeps the words it read"
    assert len(readings) == len(first.documents), "and what it read of each document"

    def unread(*args: object, **kwargs: object) -> None:
        raise AssertionError("read again")

    for name in ("read_words", "extract", "_first_sight"):
        monkeypatch.setattr(check, name, unread)
    monkeypatch.setattr(pipeline.render, "render_html_pdf", unread)
    again = check_order(ready, "PO-2026-0042", on=day)
    assert [f.as_dict() for f in again.findings] == [f.as_dict() for f in first.findings]
    assert again.documents == first.documents  # the readings come back as they were
    assert again.report == first.report
    monkeypatch.undo()

    # a reading with other extraction profiles is not the same reading: read again (from
    # the kept words), and the same findings
    profiles = ready.workspace.root / "profiles"
    profiles.mkdir(exist_ok=True)
    (profiles / "other.yaml").write_text("name: other\nkeywords: [NOWHERE-TO-BE-FOUND]\n"
                                         "fields: {}\n", encoding="utf-8")
    extracted: list[object] = []
    real_extract = check.extract
    monkeypatch.setattr(check, "extract",
                        lambda *a, **k: extracted.append(a[0]) or real_extract(*a, **k))
    monkeypatch.setattr(check, "read_words", unread)
    assert check_order(ready, "PO-2026-0042", on=day).report == first.report
    assert len(extracted) == len(first.documents)
    (profiles / "other.yaml").unlink()
    monkeypatch.undo()

    version = f'"version": {WORDS_VERSION}'
    for path in kept:  # words from another reading are not used: read again (in children)
        path.write_text(path.read_text().replace(version, '"version": 0'))
    for path in readings:
        path.unlink()
    assert check_order(ready, "PO-2026-0042", on=day).report == first.report
    assert all(version in path.read_text() for path in kept)


def test_check_command_json_and_exit_code(ready: Desk) -> None:
    result = CliRunner().invoke(cli, ["-w", str(ready.workspace.root), "check", "PO-2026-0042",
                                      "--json", "--date", DATE])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["error"] == 0 and data["report"].endswith(".pdf")


def test_the_hand_over_pack(ready: Desk) -> None:
    _, path, manifest = hand_over(ready, "PO-2026-0042",
                                       on=__import__("datetime").date(2027, 1, 20))
    pack = PdfReader(ready.workspace.archive / path)
    archive = ready.workspace.archive
    parts = [len(PdfReader(archive / m["path"]).pages) for m in manifest]
    cover = manifest[0]["first"] - 1
    assert cover >= 1 and len(pack.pages) == sum(parts) + cover
    titles = [o.title for o in pack.outline if not isinstance(o, list)]
    assert titles == ["交单清单 Documents presented", *[m["title"] for m in manifest]]
    for title in ("销售合同 Sales Contract", "商业发票 Commercial Invoice", "装箱单 Packing List",
                  "保修卡 Warranty Card", "使用说明书 User Manual", "运输合同 Transport Contract",
                  "验货报告 Inspection Report", "装车通知 Loading Notice"):
        assert title in titles
    total = len(pack.pages)
    assert pack.page_labels == [f"{n} / {total}" for n in range(1, total + 1)]
    assert f"{total} / {total}" in (pack.pages[-1].extract_text() or "")
    for row in manifest:
        assert sha256_file(archive / row["path"]) == row["sha256"]
    cover_text = "".join(pack.pages[i].extract_text() for i in range(cover))
    for row in manifest:  # the digests are the office's: in its record, not the customer's
        assert row["sha256"] not in cover_text.replace("\n", "")
    record = next(d for d in documents(ready, "PO-2026-0042")
                  if d["doc_type"] == "handover_record")
    record_text = "".join(p.extract_text() for p in PdfReader(archive / record["path"]).pages)
    for row in manifest:
        assert row["sha256"] in record_text.replace("\n", "")
    workflow = history(ready, "PO-2026-0042")
    assert workflow.history[-1].kind == "handover"
    assert workflow.history[-1].summary == f"hand-over pack of {len(manifest)} documents, " \
                                           f"{total} pages"
    assert not workflow.history[-1].data["forced"]
    docs = documents(ready, "PO-2026-0042")
    assert any(d["path"] == path and d["kind"] == "handover" for d in docs)


def test_the_same_hand_over_again_is_the_pack_made_before(ready: Desk,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    import pipeline.recipes.handover as handover

    day = __import__("datetime").date(2027, 1, 20)
    _, path, manifest = hand_over(ready, "PO-2026-0042", on=day)
    events = len(history(ready, "PO-2026-0042").history)

    def unmade(*args: object, **kwargs: object) -> None:
        raise AssertionError("made again")

    monkeypatch.setattr(handover, "render_html_pdf", unmade)
    monkeypatch.setattr(handover, "build_pack", unmade)
    _, again, same = hand_over(ready, "PO-2026-0042", on=day)
    assert again == path and same == manifest and "first" in same[0]
    assert len(history(ready, "PO-2026-0042").history) == events


def test_errors_refuse_the_hand_over_unless_forced_with_who_and_why(ready: Desk) -> None:
    text_pdf(ready.workspace.inbox / "PO-2026-0042_commercial-invoice.pdf",
             "<h1>COMMERCIAL INVOICE</h1><p>Invoice No.: F-2027-001</p><p>Date: 2027-01-12</p>"
             "<p>Contract No.: SC-2026-0042</p><p>TOTAL USD 58,000.00</p>")
    ready.run_once()
    with pytest.raises(HandoverRefused, match="1 error"):
        hand_over(ready, "PO-2026-0042", on=__import__("datetime").date(2027, 1, 20))
    runner = CliRunner()
    base = ["-w", str(ready.workspace.root)]
    result = runner.invoke(cli, [*base, "check", "PO-2026-0042", "--date", DATE])
    assert result.exit_code == 1
    assert "total 58,000.00" in result.output and "the order totals 58,260.00" in result.output
    result = runner.invoke(cli, [*base, "handover", "PO-2026-0042", "--force", "--date", DATE])
    assert result.exit_code == 1 and "--force needs --by" in result.output
    People(ready.workspace.root).add("zhang.wei", "张伟", "general_manager", "pass word 1")
    result = runner.invoke(cli, [*base, "handover", "PO-2026-0042", "--force", "--by",
                                 "zhang.wei", "--password-stdin", "--reason",
                                 "customer accepts the corrected invoice later", "--date",
                                 DATE], input="pass word 1\n")
    assert result.exit_code == 0, result.output
    workflow = history(ready, "PO-2026-0042")
    assert workflow.history[-1].flags == (
        "handed over with 1 error(s), forced by 张伟 (general_manager): customer accepts the "
        "corrected invoice later",)


def test_nothing_to_check_says_so(desk: Desk) -> None:
    shutil.copyfile(EXAMPLES / "HD-240317.yaml", desk.workspace.inbox / "HD-240317.yaml")
    desk.settings = Settings(
        approval=TRUSTING, documents=__import__("pipeline.config").config.Documents(
        on_order=["quotation"]))
    desk.maker.settings = desk.settings
    desk.run_once()
    result = CliRunner().invoke(cli, ["-w", str(desk.workspace.root), "check", "HD-240317"])
    assert "nothing to check yet" in result.output
    assert "no commercial invoice archived" in result.output
    assert result.exit_code == 1


READ_FROM_REAL_INVOICES = {
    "inv_NetpresseInvoice.pdf": {"invoice_no": "2022089083", "date": "2022-11-28",
                                 "total_amount": "56.02"},
    "inv_free_fiber.pdf": {"invoice_no": "562044387", "date": "2015-07-02"},
    "inv_saeco.pdf": {"total_amount": "49.99", "total_currency": "EUR"},
    "inv_AzureInterior.pdf": {"date": "2023-03-20", "total_amount": "279.84"},
}


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("inv_*.pdf")))
def test_real_invoices_go_through_extraction(name: str) -> None:
    reader, _ = open_pdf(CORPUS / name)
    found = extract(name, "commercial_invoice", page_texts(reader), [], ["HT-2020"])
    read = {k: str(v.value) for k, v in found.fields.items()}
    for field, value in READ_FROM_REAL_INVOICES.get(name, {}).items():
        assert read.get(field) == value, (field, read)
    assert all(v.document == name and v.page >= 1 for v in found.fields.values())


def test_a_factory_profile_reads_what_the_generic_extractor_cannot(tmp_path: Path) -> None:
    from pipeline.compliance import load_profiles

    (tmp_path / "lvyuan.yml").write_text(
        "name: 宁波绿源 packing list\nkeywords: [PACKING LIST, 绿源]\n"
        "fields:\n  invoice_no: 'INV#\\s*(\\S+)'\n"
        "  packages: {regex: 'CTNS\\s*=\\s*(\\d+)', type: amount}\n"
        "items:\n  regex: '^(?P<carton_from>\\d+)-(?P<carton_to>\\d+)\\s+(?P<model>[A-Z]+-\\d+)'\n"
        "  fields: [carton_from, carton_to, model]\n", encoding="utf-8")
    profiles = load_profiles(tmp_path)
    text = "绿源 PACKING LIST\nINV# LY-7781\nCTNS = 700\n1-150 HT-2020\n140-450 LM-1600\n"
    found = extract("pl.pdf", "packing_list", [text], profiles, ["HT-2020", "LM-1600"])
    assert found.profile == "宁波绿源 packing list"
    assert found.get("invoice_no") == "LY-7781" and found.get("packages") == 700
    assert [(int(i["carton_from"].value), i["model"].value) for i in found.items] == [
        (1, "HT-2020"), (140, "LM-1600")]


def test_a_bad_profile_is_a_clear_error(tmp_path: Path) -> None:
    from pipeline.compliance import load_profiles
    from pipeline.errors import ConfigError

    (tmp_path / "bad.yml").write_text("name: x\nfields:\n  a: '('\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yml"):
        load_profiles(tmp_path)
