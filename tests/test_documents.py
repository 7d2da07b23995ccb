"""The merchandiser's whole document set, made from the examples and read back; the
workflow updates that remake exactly the documents they change."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from pipeline.config import Settings
from pipeline.desk import Desk
from pipeline.render.convert import find_libreoffice
from pipeline.workspace import Workspace
from tests.conftest import EXAMPLES, REPO, TRUSTING, documents, history, pdf_text

HAS_LIBREOFFICE = find_libreoffice() is not None
UPDATES = sorted((EXAMPLES / "updates").glob("PO-2026-0042.*.yaml"))


def _squeeze(text: str) -> str:
    return "".join(text.split())


class Archive:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.folder = desk.workspace.archive / "ACME" / "PO-2026-0042" / "generated"

    def text(self, name: str) -> str:
        return _squeeze("\n".join(pdf_text(self.folder / f"PO-2026-0042_{name}.pdf")))

    def images(self, name: str) -> int:
        """Distinct images in the document (pages may share one resource dictionary)."""
        pages = PdfReader(self.folder / f"PO-2026-0042_{name}.pdf").pages
        return len({image.name for page in pages for image in page.images})


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """PO-2026-0042 with the whole document set, then its six updates, applied in turn."""
    ws = Workspace(tmp_path_factory.mktemp("documents") / "ws")
    ws.ensure_folders()
    desk = Desk(ws, Settings(approval=TRUSTING))
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", ws.inbox / "PO-2026-0042.yaml")
    [order] = desk.run_once()
    assert order.status == "archived", order
    outcomes = []
    for update in UPDATES:
        shutil.copyfile(update, ws.inbox / update.name)
        outcomes.extend(desk.run_once())
    assert [o.status for o in outcomes] == ["archived"] * len(UPDATES), outcomes
    yield Archive(desk)


EXPECTED = {
    "quotation_v1": ["报价单", "QUOTATION", "QT-PO-2026-0042", "USD58,260.00",
                     "美元伍万捌仟贰佰陆拾元整", "2027年1月15日", "15Jan2027",
                     "日期Date2026年11月2日", "TOTAL(FOBNingbo,Incoterms2020)"],
    "proforma_invoice_v1": ["形式发票", "PROFORMAINVOICE", "PI-PO-2026-0042", "USD58,260.00",
                            "SAYUSDOLLARSFIFTYEIGHTTHOUSANDTWOHUNDREDANDSIXTYONLY",
                            "预付款Prepayment30%=USD17,478.00", "阿克米家居园艺用品有限公司"],
    "sales_contract_v1": ["销售合同", "SALESCONTRACT", "SC-2026-0042", "草稿DRAFT",
                          "ACMEHome&GardenSupplyCo.,Ltd.", "第三方验货Third-partyinspection",
                          "UL-listedpowercordsforallelectricitems", "USD58,260.00"],
    "production_order_宁波绿源电器有限公司_v1": [
        "生产通知单", "PRODUCTIONORDER", "宁波绿源电器有限公司", "HT-2020", "LM-1600",
        "产品需求信息单ProductRequirementSheet", "通知截止notifyby2027年1月1日", "4PCS/箱ctn",
        "草稿DRAFT"],
    "production_order_余姚金鹰塑料制品厂_v1": ["余姚金鹰塑料制品厂", "HR-45", "草稿DRAFT"],
    "inspection_notice_v1": ["验货通知", "INSPECTIONNOTICE", "2027年1月1日/01Jan2027",
                             "交货前14天", "未预约NOTBOOKEDYET"],
    "commercial_invoice_v1": ["商业发票", "COMMERCIALINVOICE", "CI-PO-2026-0042",
                              "USD58,260.00", "美元伍万捌仟贰佰陆拾元整", "毛重G.W.8,915kg",
                              "净重N.W.7,950kg", "C/No.1-700", "FOBNingbo,Incoterms2020",
                              "Freightcollect", "2027年1月15日"],
    "commercial_invoice_v2": ["CI-PO-2026-0042", "日期Date2027年1月13日"],  # dated the loading
    "packing_list_v1": ["装箱单", "PACKINGLIST", "1-150", "151-450", "451-650", "651-700",
                        "7003,300PCS+400SETS7,9508,91553.05",
                        "SAYSEVENHUNDREDCARTONSONLY", "共计柒佰箱"],
    "handover_checklist_v1": ["交单清单", "HAND-OVERCHECKLIST", "王丽"],
    "registration_sheet_v1": ["业务登记表", "USD58,260.00",
                              "FOBNingbo,Incoterms2020·30%T/Tinadvance"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_document_reads_back_with_its_key_fields(archive: Archive, name: str) -> None:
    text = archive.text(name)
    for expected in EXPECTED[name]:
        assert _squeeze(expected) in text, (name, expected)


def test_draft_and_seal_follow_the_approval_chain(archive: Archive) -> None:
    assert archive.images("sales_contract_v1") == 0  # DRAFT: no seal
    assert archive.images("quotation_v1") == 1  # no approval needed: sealed
    final = archive.text("sales_contract_v2")
    assert "DRAFT" not in final and archive.images("sales_contract_v2") == 1
    assert "DRAFT" not in archive.text("production_order_宁波绿源电器有限公司_v3")
    assert archive.images("production_order_宁波绿源电器有限公司_v3") == 0  # never sealed
    contract = docx.Document(str(archive.folder / "PO-2026-0042_sales_contract_v2.docx"))
    assert len(contract.inline_shapes) == 1
    draft = docx.Document(str(archive.folder / "PO-2026-0042_sales_contract_v1.docx"))
    assert len(draft.inline_shapes) == 0
    assert "草稿 DRAFT" in "\n".join(p.text for p in draft.paragraphs)


def test_each_update_remade_exactly_the_documents_it_changes(archive: Archive) -> None:
    versions: dict[str, list[int]] = {}
    for path in archive.folder.glob("*.pdf"):
        kind, _, version = path.stem.removeprefix("PO-2026-0042_").rpartition("_v")
        versions.setdefault(kind, []).append(int(version))
    counts = {kind: max(v) for kind, v in versions.items()}
    review = 4 if HAS_LIBREOFFICE else 0  # PDF of the Word-only review needs LibreOffice
    assert counts == {
        "quotation": 1, "proforma_invoice": 1, "handover_checklist": 1,
        "registration_sheet": 1,
        "commercial_invoice": 2, "packing_list": 2,  # dated the loading when it arrived
        "sales_contract": 2,          # DRAFT, then approved after the general manager
        # one per factory: DRAFT, approved, and for the one factory its confirmation
        "production_order_宁波绿源电器有限公司": 3,
        "production_order_余姚金鹰塑料制品厂": 2,
        "production_order_阳江利刃五金有限公司": 2,
        "inspection_notice": 2,       # deadline only, then the booking
        "loading_notice": 1,          # made when the loading details arrived
        "booking_note": 2,            # booked when a factory confirmed, then the containers
        **({"contract_review": review} if review else {}),
    }
    docs = documents(archive.desk, "PO-2026-0042")
    current = {d["file"] for d in docs if d["current"]}
    assert "PO-2026-0042_sales_contract_v2.pdf" in current
    assert "PO-2026-0042_sales_contract_v1.pdf" not in current  # superseded, still archived
    assert (archive.folder / "PO-2026-0042_sales_contract_v1.pdf").is_file()


def test_each_factory_gets_a_production_order_with_its_items_only(archive: Archive) -> None:
    ningbo = archive.text("production_order_宁波绿源电器有限公司_v3")
    assert "HT-2020" in ningbo and "LM-1600" in ningbo and "HR-45" not in ningbo
    assert "工厂确认Confirmed宁波绿源电器有限公司" in ningbo  # its own confirmation
    yuyao = archive.text("production_order_余姚金鹰塑料制品厂_v2")
    assert "HR-45" in yuyao and "HT-2020" not in yuyao and "PS-08" not in yuyao
    assert "工厂确认" not in yuyao  # another factory's confirmation is not this one's
    assert "合计TOTAL400" in yuyao.replace(",", "")  # its own total quantity


def test_contract_review_lists_the_approval_chain(archive: Archive) -> None:
    review = docx.Document(str(archive.folder / "PO-2026-0042_contract_review_v4.docx"))
    rows = [[c.text for c in row.cells] for row in review.tables[2].rows]
    # this workspace trusts its inbox: each approval says it is unverified
    assert [r[1] for r in rows[1:]] == [f"{n} (未验证 unverified)" for n in ("王丽", "李强",
                                                                         "张伟")]
    text = "\n".join(p.text for p in review.paragraphs)
    assert "general manager required: amount USD 58,260.00 is at or above USD 50,000.00; " \
           "prepayment 30%" in text
    assert "审批完成 APPROVED" in text
    costs = "\n".join(c.text for row in review.tables[1].rows for c in row.cells)
    assert "USD 47,320.00" in costs and "USD 9,290.00" in costs  # margin = 58,260 - 48,970
    if HAS_LIBREOFFICE:
        assert "张伟" in archive.text("contract_review_v4")


def test_inspection_and_loading_notices(archive: Archive) -> None:
    booked = archive.text("inspection_notice_v2")
    assert "SGSNingbo" in booked and "2027年1月8日" in booked and "按时ONTIME" in booked
    loading = archive.text("loading_notice_v1")
    for expected in ("装车通知", "LOADINGNOTICE", "2027-01-1308:30", "HT-2020", "浙B3K721",
                     "13957428810", "周师傅", "TGHU8823145"):
        assert expected in loading, expected
    assert archive.images("loading_notice_v1") == 1  # sent to the customer, sealed


def test_registration_sheet_is_remade_with_the_history_when_handed_over(
    archive: Archive,
) -> None:
    desk = archive.desk
    (desk.workspace.inbox / "done.yaml").write_text(
        "update: status\norder_no: PO-2026-0042\nstatus: handed_over\nat: 2027-01-20T16:00\n",
        encoding="utf-8")
    [outcome] = desk.run_once()
    assert sorted(outcome.documents) == ["PO-2026-0042_handover_checklist_v2.pdf",
                                         "PO-2026-0042_registration_sheet_v2.pdf"]
    assert "handed_over" in archive.text("handover_checklist_v2")
    text = archive.text("registration_sheet_v2")
    assert "handed_over" in text and "general_manager张伟:approved" in text


def test_an_update_that_contradicts_the_order_is_rejected_with_its_reason(desk: Desk) -> None:
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", desk.workspace.inbox / "PO-2026-0042.yaml")
    desk.run_once()
    path = desk.workspace.inbox / "late-inspection.yaml"
    path.write_text("update: inspection\norder_no: PO-2026-0042\nkind: third_party\n"
                    "inspector: SGS\ndate: 2027-02-01\nbooked_on: 2027-01-01\n", encoding="utf-8")
    [outcome] = desk.run_once()
    assert outcome.status == "rejected"
    report = (desk.workspace.rejected / "late-inspection.yaml.error.txt").read_text("utf-8")
    assert "date: found 2027-02-01; expected a date before the delivery date 2027-01-15" in report


def test_a_late_loading_is_recorded_with_a_flag_for_the_check(desk: Desk) -> None:
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", desk.workspace.inbox / "PO-2026-0042.yaml")
    desk.run_once()
    path = desk.workspace.inbox / "late-loading.yaml"
    path.write_text("update: loading\norder_no: PO-2026-0042\nloading_time: 2027-02-01T08:00\n"
                    "equipment_model: HT-2020\ntruck_plate: 浙B12345\n"
                    "driver_phone: '13957428810'\n", encoding="utf-8")
    [outcome] = desk.run_once()
    assert outcome.status == "archived"
    assert "flag: loading on 2027-02-01 is after the latest shipment date 2027-01-25" \
        in outcome.problems
    assert history(desk, "PO-2026-0042").loading is not None


@pytest.fixture
def quick_desk(desk: Desk) -> Desk:
    return desk


def test_an_update_for_an_unknown_order_waits_for_it(quick_desk: Desk) -> None:
    desk = quick_desk
    shutil.copyfile(UPDATES[0], desk.workspace.inbox / UPDATES[0].name)
    [outcome] = desk.run_once()
    assert outcome.status == "unmatched"
    assert (desk.workspace.unmatched / UPDATES[0].name).is_file()
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", desk.workspace.inbox / "PO-2026-0042.yaml")
    desk.run_once()
    assert not (desk.workspace.unmatched / UPDATES[0].name).exists()
    workflow = history(desk, "PO-2026-0042")
    assert [a.by for a in workflow.approvals] == ["王丽"]


def test_a_revised_order_restarts_the_review(quick_desk: Desk) -> None:
    desk = quick_desk
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", desk.workspace.inbox / "PO-2026-0042.yaml")
    shutil.copyfile(UPDATES[0], desk.workspace.inbox / UPDATES[0].name)
    desk.run_once()
    revised = (EXAMPLES / "PO-2026-0042.yaml").read_text("utf-8").replace("unit_price: 38.50",
                                                                           "unit_price: 39.00")
    (desk.workspace.inbox / "PO-2026-0042 rev.yaml").write_text(revised, encoding="utf-8")
    desk.run_once()
    workflow = history(desk, "PO-2026-0042")
    assert workflow.approvals == ()
    assert workflow.history[-1].summary == "order revised: the contract review starts again"


@pytest.mark.skipif(not HAS_LIBREOFFICE, reason="needs LibreOffice")
def test_a_word_template_made_elsewhere_renders_through_the_pipeline(desk: Desk) -> None:
    templates = desk.workspace.root / "templates"
    templates.mkdir()
    shutil.copyfile(REPO / "tests" / "fixtures" / "shipping_advice_libreoffice.docx",
                    templates / "shipping_advice.docx")
    (desk.workspace.root / "gendan.toml").write_text(
        '[documents]\non_order = ["shipping_advice"]\n\n[doctypes.shipping_advice]\n'
        'title_en = "Shipping Advice"\ntitle_zh = "装运通知"\nword = "shipping_advice.docx"\n'
        'number_prefix = "SA"\n', encoding="utf-8")
    from pipeline.config import load_settings

    desk = Desk(desk.workspace, load_settings(desk.workspace.config_path))
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", desk.workspace.inbox / "PO-2026-0042.yaml")
    [outcome] = desk.run_once()
    assert outcome.documents == ["PO-2026-0042.yaml", "PO-2026-0042_shipping_advice_v1.docx",
                                 "PO-2026-0042_shipping_advice_v1.pdf"], outcome
    folder = desk.workspace.archive / "ACME" / "PO-2026-0042" / "generated"
    word = docx.Document(str(folder / "PO-2026-0042_shipping_advice_v1.docx"))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "To: ACME Home & Garden Supply Co., Ltd. 阿克米家居园艺用品有限公司" in text
    assert "Packages: 700 cartons, G.W. 8,915 kg" in text
    pdf = "".join(pdf_text(folder / "PO-2026-0042_shipping_advice_v1.pdf"))
    assert "USD 58,260.00" in pdf and "阿克米家居园艺用品有限公司" in pdf


def test_without_libreoffice_the_word_file_is_made_and_the_user_told_once(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pipeline.render.convert.find_libreoffice", lambda: None)
    desk = Desk(desk.workspace, Settings(approval=TRUSTING))
    for name in ("PO-2026-0042.yaml", "HD-240317.yaml"):
        shutil.copyfile(EXAMPLES / name, desk.workspace.inbox / name)
    first, second = desk.run_once()
    assert "PO-2026-0042_contract_review_v1.docx" in first.documents
    assert not any(d.startswith("PO-2026-0042_contract_review") and d.endswith(".pdf")
                   for d in first.documents)
    told = [p for o in (first, second) for p in o.problems if "LibreOffice" in p]
    assert len(told) == 1 and "apt-get install libreoffice-writer-nogui" in told[0]


def test_the_checklist_counts_only_what_came_out_of_its_set(tmp_path: Path) -> None:
    """The checklist is drawn beside the documents of its set, as if they all came out;
    when one of them fails, it is drawn again and does not count that one as archived."""
    from pipeline.config import Documents

    ws = Workspace(tmp_path / "ws")
    ws.ensure_folders()
    ws.own_templates.mkdir(exist_ok=True)
    (ws.own_templates / "commercial_invoice.html").write_text(
        '{% extends "base.html" %}{% block body %}{{ order.no_such_field }}{% endblock %}',
        encoding="utf-8")
    desk = Desk(ws, Settings(approval=TRUSTING, documents=Documents(
        on_order=["quotation", "commercial_invoice", "packing_list", "handover_checklist"],
        word_to_pdf=False)))
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", ws.inbox / "PO-2026-0042.yaml")
    [outcome] = desk.run_once()
    assert [f.split(":")[0] for f in outcome.failed] == ["commercial_invoice"], outcome
    assert "PO-2026-0042_handover_checklist_v1.pdf" in outcome.documents
    checklist = _squeeze("\n".join(pdf_text(
        ws.archive / "ACME" / "PO-2026-0042" / "generated" /
        "PO-2026-0042_handover_checklist_v1.pdf")))
    assert "PO-2026-0042_packing_list_v1.pdf" in checklist
    assert "PO-2026-0042_commercial_invoice_v1.pdf" not in checklist


def test_the_checklist_made_with_its_set_counts_the_set_as_archived(archive: Archive) -> None:
    checklist = archive.text("handover_checklist_v1")
    for name in ("commercial_invoice", "packing_list"):
        assert f"PO-2026-0042_{name}_v1.pdf" in checklist, checklist
