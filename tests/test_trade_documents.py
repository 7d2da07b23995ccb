"""Documents that customs, the bank and the factories accept: an order of six items from
five factories in three units, with a part carton and a letter of credit, made into its
document set and read back (each field on the right documents and none of the wrong ones);
the credit's rules."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.desk import Desk
from pipeline.intake import read_order
from pipeline.workspace import Workspace
from tests.conftest import REPO, TRUSTING, pdf_text

ORDER = REPO / "tests" / "fixtures" / "orders" / "PO-2026-0107.yaml"
FACTORIES = ["慈溪华达电器厂", "永康美厨炊具有限公司", "阳江利刃五金有限公司",
             "宁波明光照明有限公司", "余姚金鹰塑料制品厂"]


def _squeeze(text: str) -> str:
    return "".join(text.split())


class Made:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.folder = desk.workspace.archive / "ANT" / "PO-2026-0107" / "generated"

    def text(self, name: str) -> str:
        [path] = self.folder.glob(f"PO-2026-0107_{name}_v1.pdf")
        return _squeeze("\n".join(pdf_text(path)))

    def production_orders(self) -> dict[str, str]:
        found = {}
        for path in sorted(self.folder.glob("PO-2026-0107_production_order_*_v1.pdf")):
            found[path.name] = _squeeze("\n".join(pdf_text(path)))
        return found


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Made]:
    ws = Workspace(tmp_path_factory.mktemp("trade") / "ws")
    ws.ensure_folders()
    desk = Desk(ws, Settings(approval=TRUSTING))
    shutil.copyfile(ORDER, ws.inbox / ORDER.name)
    [outcome] = desk.run_once()
    assert outcome.status == "archived", outcome
    assert not outcome.failed, outcome
    yield Made(desk)


def test_the_invoice_carries_what_customs_and_the_bank_read(made: Made) -> None:
    text = made.text("commercial_invoice")
    for code in ("8516.71.00", "8516.72.00", "7323.93.00", "8201.90.00", "9405.42.00",
                 "8544.42.00"):
        assert code in text, code
    assert "原产国Countryoforigin:China" in text
    assert "DrawnunderL/CNo.LC-DXB-2026-0117dated20Nov2026issuedbyEmiratesNBDBankPJSC,Dubai" \
        in text
    assert _squeeze("HOUSEHOLD ELECTRIC APPLIANCES AND GARDEN TOOLS AS PER CONTRACT NO. "
                    "SC-HDX-2026-101") in text
    assert _squeeze("321 Fengqi Road, Hangzhou, China") in text  # the bank's address
    assert "SWIFTBKCHCNBJ910" in text
    assert _squeeze("Goods to be shipped in two containers") in text  # remarks
    # quantities added per unit, never across units
    assert "3,150PCS+550SETS+300CARTONS" in text
    assert "4,000" not in text  # not 3,150 + 550 + 300
    assert "52.00" not in text and "采购" not in text  # the purchase price stays inside


def test_the_packing_list_counts_cartons_as_packed(made: Made) -> None:
    text = made.text("packing_list")
    assert "1-192" in text and "尾箱lastcarton:4PCS" in text  # 191 full cartons and one of 4
    assert "193-292" in text and "893-917" not in text
    assert "SAYNINEHUNDREDANDTWENTYSEVENCARTONSONLY" in text and "共计玖佰贰拾柒箱" in text
    assert "8516.71.00" in text and "Countryoforigin:China" in text
    assert "3,150PCS+550SETS+300CARTONS" in text
    assert "LC-DXB-2026-0117" in text
    assert "52.00" not in text


def test_each_factory_has_its_own_production_order(made: Made) -> None:
    orders = made.production_orders()
    assert len(orders) == 5, sorted(orders)
    numbers = set()
    for text in orders.values():
        factory = [f for f in FACTORIES if f in text]
        assert len(factory) == 1, factory
        number = next(f"PO-PO-2026-0107-{n:02d}" for n in range(1, 6)
                      if f"PO-PO-2026-0107-{n:02d}" in text)
        numbers.add(number)
        assert "ANT/DUBAI/SC-HDX-2026-101" in text  # the marks the factory prints
        assert "采购单价Purchaseprice" in text
        assert "DrawnunderL/C" not in text and "SWIFT" not in text  # not the bank's
    assert numbers == {f"PO-PO-2026-0107-{n:02d}" for n in range(1, 6)}
    [kettles] = [t for t in orders.values() if "EK-17" in t]
    assert "TS-2" in kettles and "CW-5" not in kettles  # the factory's lines only
    assert "8516.71.00" in kettles and "52.00" in kettles and "CNY108,600.00" in kettles
    assert "6PCS/箱ctn,尾箱lastcarton4" in kettles


def test_the_proforma_and_contract_name_the_credit(made: Made) -> None:
    for name in ("proforma_invoice", "sales_contract"):
        text = made.text(name)
        assert "LC-DXB-2026-0117" in text and "EmiratesNBD" in text, name


def test_a_part_carton_is_entered_and_a_wrong_one_says_how(tmp_path: Path) -> None:
    from pipeline.errors import OrderDataError

    order = read_order(ORDER)
    assert order.items[0].packing is not None and order.items[0].packing.packed_qty == 1150
    wrong = ORDER.read_text(encoding="utf-8").replace("cartons: 192, last_carton_qty: 4, ",
                                                      "cartons: 192, ")
    target = tmp_path / "PO-2026-0107.yaml"
    target.write_text(wrong, encoding="utf-8")
    with pytest.raises(OrderDataError) as info:
        read_order(target)
    assert "for a part carton add last_carton_qty: 4" in str(info.value.problems)


def test_gendans_own_documents_of_the_order_draw_no_finding(made: Made) -> None:
    """What the check says before the factory's papers arrive is only what is missing: no
    finding names one of gendan's own documents (a buyer without a Chinese name, a line
    sold by the carton, packages in words, mixed units)."""
    import datetime as dt

    from pipeline.recipes import check_order

    result = check_order(made.desk, "PO-2026-0107", on=dt.date(2027, 1, 25),
                         archive_report=False)
    own = [f for f in result.findings if f.rule != "complete.final"  # not approved yet: true
           and (f.documents or "generated" in f.message)]
    assert own == [], own
    rules = {f.rule for f in result.findings}
    assert rules <= {"approvals.complete", "complete.final", "complete.required",
                     "credit.documents", "loading.complete"}, rules
    credit = sorted(f.message for f in result.findings if f.rule == "credit.documents")
    assert len(credit) == 2 and "bill of lading (3 originals + 3 copies)" in credit[0]
    # the credit's documents are not reported twice
    assert not any("bill of lading" in f.message for f in result.findings
                   if f.rule == "complete.required")


def _rules(made: Made, on: str, **credit: object) -> list[str]:
    import dataclasses
    import datetime as dt

    from pipeline.compliance import run_rules
    from pipeline.recipes import check_order

    case = check_order(made.desk, "PO-2026-0107", on=dt.date.fromisoformat(on),
                       archive_report=False).case
    order = case.order
    assert order.letter_of_credit is not None
    changed = order.letter_of_credit.model_copy(update=credit)
    case = dataclasses.replace(case, order=order.model_copy(update={"letter_of_credit": changed}))
    return [f.message for f in run_rules(case, only=["credit.amount", "credit.presentation",
                                                     "credit.goods"])]


def test_the_credits_amount_and_expiry_are_checked(made: Made) -> None:
    from decimal import Decimal

    assert _rules(made, "2027-01-25") == []
    # 52,960.00 drawn: 50,000 + 5 % is 52,500, too little; 51,000 + 5 % is enough
    [short] = _rules(made, "2027-01-25", amount=Decimal("50000"))
    assert "52,960.00 under L/C LC-DXB-2026-0117, more than its 50,000.00 (+5 %)" in short
    assert _rules(made, "2027-01-25", amount=Decimal("51000")) == []
    [late] = _rules(made, "2027-03-01")
    assert "after L/C LC-DXB-2026-0117 expired on 2027-02-28" in late
    [goods] = _rules(made, "2027-01-25", goods="ELECTRIC BICYCLES AS PER ORDER")
    assert "does not carry the credit's description" in goods


def test_the_checklist_follows_the_documents_as_they_arrive(made: Made) -> None:
    from tests.conftest import CORPUS

    desk = made.desk
    before = made.text("handover_checklist")
    assert "证书CertificateofOrigin" in before or "CertificateofOrigin" in before
    assert "L/C:1original+1copy" in before
    # the documents made with the checklist are archived on it, not "to come"
    assert "CommercialInvoice✔L/C:3originals+2copiesv1PO-2026-0107_commercial_invoice_v1.pdf" \
        in before
    target = desk.workspace.inbox / "PO-2026-0107_certificate-of-origin.pdf"
    target.write_bytes((CORPUS / "pdflatex-4-pages.pdf").read_bytes())
    [outcome] = desk.run_once()
    assert outcome.status == "archived", outcome
    assert "PO-2026-0107_handover_checklist_v2.pdf" in outcome.documents, outcome
    [path] = made.folder.glob("PO-2026-0107_handover_checklist_v2.pdf")
    after = _squeeze("\n".join(pdf_text(path)))
    assert after.count("待收TOCOME") == before.count("待收TOCOME") - 1
    assert "PO-2026-0107_certificate-of-origin.pdf" in after


def _desk(tmp_path: Path) -> Desk:
    ws = Workspace(tmp_path / "ws")
    ws.ensure_folders()
    desk = Desk(ws, Settings(approval=TRUSTING))
    shutil.copyfile(ORDER, ws.inbox / ORDER.name)
    [outcome] = desk.run_once()
    assert outcome.status == "archived", outcome
    return desk


def _drop(desk: Desk, name: str, text: str) -> list[object]:
    (desk.workspace.inbox / name).write_text(text, encoding="utf-8")
    return list(desk.run_once())


def test_a_revision_remakes_only_the_factory_whose_lines_changed(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    revised = ORDER.read_text(encoding="utf-8").replace("unit_price: 7.20, factory_price: 38.00",
                                                        "unit_price: 7.40, factory_price: 39.00")
    [outcome] = _drop(desk, "PO-2026-0107 rev2.yaml", revised)
    assert outcome.status == "archived", outcome  # type: ignore[attr-defined]
    remade = [d for d in outcome.documents if "production_order" in d]  # type: ignore[attr-defined]
    assert remade == ["PO-2026-0107_production_order_宁波明光照明有限公司_v2.pdf"], remade


def test_each_factorys_lateness_is_its_own(tmp_path: Path) -> None:
    from pipeline.attention import open_warnings
    from tests.conftest import history

    desk = _desk(tmp_path)
    confirm = ("update: factory_confirmation\norder_no: PO-2026-0107\nfactory: {f}\n"
               "confirmed_delivery_date: {d}\nby: 陈\nconfirmed_on: 2026-11-10\n")
    _drop(desk, "a.yaml", confirm.format(f="慈溪华达电器厂", d="2027-01-21"))  # a day late
    _drop(desk, "b.yaml", confirm.format(f="永康美厨炊具有限公司", d="2027-01-15"))
    workflow = history(desk, "PO-2026-0107")
    order = read_order(ORDER)
    late = [w.message for w in open_warnings(order, workflow, {"in_house": 7, "customer": 7,
                                                                "third_party": 14})
            if w.code.startswith("factory-late")]
    assert late == ["慈溪华达电器厂 confirms 2027-01-21, after the delivery date 2027-01-20 "
                    "agreed with the customer"]
    from pipeline.due import due_items
    from pipeline.flow import update_adapter
    from pipeline.policy import Policy

    signed = tuple(update_adapter.validate_python(
        {"update": "approval", "order_no": "PO-2026-0107", "role": role, "by": by,
         "at": f"2026-11-03T0{n}:00"})
        for n, (role, by) in enumerate([("salesperson", "王丽"), ("manager", "李强"),
                                        ("general_manager", "张伟")], start=1))
    approved = workflow.model_copy(update={"approvals": signed})
    due = [i.what for i in due_items(order, approved, [], Policy())
           if i.kind == "factory_confirmation"]
    assert any("慈溪华达电器厂 confirms 2027-01-21" in d for d in due), due
    assert sum("has not confirmed" in d for d in due) == 3, due  # the other three factories


LOADING = """update: loading
order_no: PO-2026-0107
loading_time: 2027-01-18T08:30
truck_plate: 浙B12345
driver_phone: "139 5742 8810"
containers:
  - { type: 40HQ, number: MSKU 123456-5, seal_no: SL-88121, models: [EK-17, TS-2, CW-5],
      cartons: 542 }
  - { type: 20GP, number: CSQU3054383, seal_no: SL-88122, models: [GT-9, WL-30, ER-25],
      cartons: 385 }
"""


def test_a_loading_in_two_containers_and_the_shipment_on_board(tmp_path: Path) -> None:
    from tests.conftest import history

    desk = _desk(tmp_path)
    [outcome] = _drop(desk, "load.yaml", LOADING)
    assert outcome.status == "archived", outcome  # type: ignore[attr-defined]
    assert not [p for p in outcome.problems if "not on the order" in p]  # type: ignore[attr-defined]
    [notice] = (desk.workspace.archive / "ANT" / "PO-2026-0107" / "generated").glob(
        "*loading_notice_v1.pdf")
    text = _squeeze("\n".join(pdf_text(notice)))
    assert "40HQMSKU1234565SL-88121EK-17,TS-2,CW-5542" in text
    assert "20GPCSQU3054383SL-88122" in text
    [outcome] = _drop(desk, "bl.yaml", "update: shipment\norder_no: PO-2026-0107\n"
                      "bl_no: MEDUNB123456\non_board_date: 2027-01-22\nvessel: MSC AURORA 047E\n")
    assert outcome.status == "archived", outcome  # type: ignore[attr-defined]
    workflow = history(desk, "PO-2026-0107")
    from pipeline.policy import shipment_date

    assert str(shipment_date(workflow)) == "2027-01-22"  # the B/L's date, not the truck's


@pytest.mark.parametrize(("number", "expected"), [
    ("MSKU1234566", "its check digit should be 5"),
    ("MSK1234565", "not a container number"),
])
def test_a_mistyped_container_number_is_refused(number: str, expected: str) -> None:
    from pydantic import ValidationError

    from pipeline.updates import Container

    with pytest.raises(ValidationError, match=expected):
        Container.model_validate({"type": "40HQ", "number": number})


def test_the_booking_note_for_the_forwarder(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    folder = desk.workspace.archive / "ANT" / "PO-2026-0107" / "generated"
    assert not list(folder.glob("*booking_note*"))  # nothing to book before a date is known
    _drop(desk, "a.yaml", "update: factory_confirmation\norder_no: PO-2026-0107\nfactory: "
          "慈溪华达电器厂\nconfirmed_delivery_date: 2027-01-15\nby: 陈\nconfirmed_on: 2026-11-10\n")
    [note] = folder.glob("*booking_note_v1.pdf")
    text = _squeeze("\n".join(pdf_text(note)))
    for expected in ("HangzhouGendanTradingCo.,Ltd.", "TOORDER", "AlNoorTradingLLC",
                     "Ningbo", "JebelAli,UAE", "31Jan2027", "FREIGHTPREPAID", "1x40HQ",
                     "ANT/DUBAI/SC-HDX-2026-101", "927CTNS", "10,346", "61.82",
                     "HOUSEHOLDELECTRICAPPLIANCES", "3originals+3copies",
                     "fullsetofcleanonboardoceanbillsofladingmadeouttoorder",
                     "L/CNo.LC-DXB-2026-0117", "AlldocumentsmustshowtheL/Cnumber."):
        assert expected in text, expected
    _drop(desk, "load.yaml", LOADING)
    [again] = folder.glob("*booking_note_v2.pdf")
    text = _squeeze("\n".join(pdf_text(again)))
    assert "1x40HQ+1x20GP" in text and "40HQMSKU1234565/SL-88121" in text


def _docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return _squeeze("\n".join(parts))


def test_the_word_and_pdf_contracts_say_the_same(made: Made) -> None:
    import re

    pdf = made.text("sales_contract")
    [path] = made.folder.glob("PO-2026-0107_sales_contract_v1.docx")
    word = _docx_text(path)
    facts = ["SC-HDX-2026-101", "AlNoorTradingLLC", "Ningbo→JebelAli,UAE", "31Jan2027",
             "20Jan2027", "运费已付Freightprepaid·USD2,400.00", "LC-DXB-2026-0117",
             "EmiratesNBDBankPJSC,Dubai", "ANT/DUBAI/SC-HDX-2026-101/C/NO.1-UP/MADEINCHINA",
             "321FengqiRoad,Hangzhou,China", "BKCHCNBJ910", "本公司质检In-houseQC",
             "Goodstobeshippedintwocontainers", "3,150PCS+550SETS+300CARTONS",
             "CIFJebelAli,UAE,Incoterms2020", "Institute", "USD52,960.00",
             "BS1363plugsonallelectricitems", "ArabicandEnglishlabelsoneverycarton"]
    for fact in facts:
        assert fact in pdf, ("pdf", fact)
        assert fact in word, ("word", fact)
    # every amount the PDF states, the Word contract states too
    amounts = set(re.findall(r"\d{1,3}(?:,\d{3})*\.\d{2}", pdf))
    assert len(amounts) > 10
    assert not {a for a in amounts if a not in word}, sorted(a for a in amounts if a not in word)
