"""Trade terms, business dates, numbers and updates that arrive out of order, on documents
read back from the PDFs gendan made."""

from __future__ import annotations

import itertools
import os
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.attention import open_warnings
from pipeline.config import Documents, Settings
from pipeline.desk import Desk
from pipeline.intake.order_file import parse_order
from pipeline.reindex import reindex
from pipeline.terms import INCOTERMS
from pipeline.workspace import Workspace
from tests.conftest import EXAMPLES, QUICK, TRUSTING, copy_example, drop, history, pdf_text
from tests.fakes import BlankMaker

UPDATES = sorted((EXAMPLES / "updates").glob("PO-2026-0042.*.yaml"))
QUOTATION = Settings(
        approval=TRUSTING, documents=Documents(on_order=["quotation"], word_to_pdf=False))


def _squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("term", INCOTERMS)
def test_every_incoterm_names_its_place(tmp_path: Path, order_data: dict[str, Any],
                                        term: str) -> None:
    workspace = Workspace(tmp_path / "ws")
    workspace.ensure_folders()
    desk = Desk(workspace, QUOTATION)
    order_data.update(price_term=term, port_of_loading="Ningbo", destination="Hamburg, Germany")
    drop(workspace, "order.yaml", order_data)
    [outcome] = desk.run_once()
    assert outcome.status == "archived", outcome
    text = _squeeze("".join(pdf_text(workspace.archive / "ACME" / "PO-2026-0042" / "generated"
                                     / "PO-2026-0042_quotation_v1.pdf")))
    place = "Ningbo" if term in {"EXW", "FCA", "FAS", "FOB"} else "Hamburg,Germany"
    assert f"TOTAL({term}{place},Incoterms2020)" in text
    assert f"PriceTerm{term}{place},Incoterms2020" in text


def test_the_named_place_given_on_the_order_wins(order_data: dict[str, Any]) -> None:
    order = parse_order({**order_data, "price_term": "CIF", "price_term_place": "Hamburg"}, "t")
    assert order.term_text == "CIF Hamburg, Incoterms 2020"
    assert order.insured_amount == order.total_amount * 110 / 100


def test_an_f_term_without_a_place_is_refused(order_data: dict[str, Any]) -> None:
    order_data.pop("port_of_loading")
    with pytest.raises(Exception, match="FOB names the place of loading"):
        parse_order(order_data, "t")


def test_cif_documents_say_insurance_and_freight(desk: Desk) -> None:
    copy_example(desk.workspace, "HD-240317.yaml")
    desk.settings = Settings(approval=TRUSTING, documents=Documents(on_order=["proforma_invoice"],
                                                 word_to_pdf=False))
    desk = Desk(desk.workspace, desk.settings)
    [outcome] = desk.run_once()
    assert outcome.status == "archived"
    text = _squeeze("".join(pdf_text(desk.workspace.archive / "MUELLER" / "HD-240317" /
                                     "generated" / "HD-240317_proforma_invoice_v1.pdf")))
    assert "CIFHamburg,Incoterms2020" in text and "CIFShanghai" not in text
    assert "运费已付Freightprepaid·EUR2,850.00" in text
    assert "110%oftheinvoicevalue=EUR73,634.00" in text  # 66,940 x 110 %


def test_business_dates_not_the_day_of_making(desk: Desk) -> None:
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    desk = Desk(desk.workspace, Settings(approval=TRUSTING, documents=Documents(
        on_order=["quotation", "sales_contract", "commercial_invoice"], word_to_pdf=False)))
    desk.run_once()
    folder = desk.workspace.archive / "ACME" / "PO-2026-0042" / "generated"

    def text(name: str) -> str:
        return _squeeze("".join(pdf_text(folder / f"PO-2026-0042_{name}.pdf")))

    assert "日期Date2026年11月2日" in text("quotation_v1")
    assert "2026年11月2日" in text("sales_contract_v1")  # signed before the approvals
    assert "日期Date2027年1月15日" in text("commercial_invoice_v1")  # until loading is known
    shutil.copyfile(UPDATES[-1], desk.workspace.inbox / UPDATES[-1].name)
    desk.run_once()
    assert "日期Date2027年1月13日" in text("commercial_invoice_v2")  # dated the loading
    assert "日期Date2027年1月13日" in text("loading_notice_v1")


def test_numbers_come_from_the_patterns_and_are_never_given_twice(
    blank_desk: Desk, order_data: dict[str, Any]
) -> None:
    desk = Desk(blank_desk.workspace, Settings(approval=TRUSTING,
        documents=QUICK.documents, numbering={"quotation": "QT{year}-{seq:04d}",
                                              "contract": "HZ{yy}{month}-{seq:03d}"}),
        maker=blank_desk.maker)
    for number in ("A-1", "A-2"):
        data = {**order_data, "order_no": number}
        data.pop("contract_no")
        drop(desk.workspace, f"{number}.yaml", data)
        desk.run_once()
    first, second = _order(desk, "A-1"), _order(desk, "A-2")
    assert (first.quotation_no, second.quotation_no) == ("QT2026-0001", "QT2026-0002")
    assert (first.contract_no, second.contract_no) == ("HZ2611-001", "HZ2611-002")
    revised = {**order_data, "order_no": "A-1", "remarks": "revised"}
    revised.pop("contract_no")
    drop(desk.workspace, "A-1 rev.yaml", revised)
    desk.run_once()
    assert _order(desk, "A-1").quotation_no == "QT2026-0001"  # kept by the revision
    shutil.rmtree(desk.workspace.archive / ".counters")  # lost: rebuilt from the archive
    reindex(desk.store)
    drop(desk.workspace, "A-3.yaml", {**{k: v for k, v in order_data.items()
                                         if k != "contract_no"}, "order_no": "A-3"})
    desk.run_once()
    assert _order(desk, "A-3").quotation_no == "QT2026-0003"


def _order(desk: Desk, order_no: str) -> Any:
    with desk.store.open(order_no) as record:
        return record.order


@pytest.mark.parametrize("text", ["2027/01/15", "2027.01.15", "2027年1月15日", "2027-1-15"])
def test_dates_as_people_write_them(order_data: dict[str, Any], text: str) -> None:
    order = parse_order({**order_data, "delivery_date": text}, "t")
    assert order.delivery_date.isoformat() == "2027-01-15"


def test_a_date_that_is_not_one_says_how_to_write_it(order_data: dict[str, Any]) -> None:
    with pytest.raises(Exception) as info:
        parse_order({**order_data, "delivery_date": "15/01/2027"}, "t")
    assert "write it as 2027-01-20" in str(info.value.problems[0])


def test_a_model_listed_twice_is_a_warning(order_data: dict[str, Any]) -> None:
    order_data["items"].append({**order_data["items"][0]})
    order = parse_order(order_data, "t")
    from pipeline.flow import Workflow

    warnings = open_warnings(order, Workflow(), {"in_house": 7, "customer": 7,
                                                 "third_party": 14})
    assert any("model HT-2020 is listed more than once" in w.message for w in warnings)


def _state(desk: Desk) -> tuple[Any, ...]:
    workflow = history(desk, "PO-2026-0042")
    return ([(a.role, a.by) for a in workflow.approvals], workflow.inspection,
            workflow.loading, workflow.factory_confirmation,
            sorted(w.code for w in open_warnings(_order(desk, "PO-2026-0042"), workflow,
                                                  desk.settings.inspection.lead_days())))


def _apply(root: Path, order: list[Path]) -> tuple[Any, ...]:
    desk = Desk(Workspace(root), QUICK, maker=BlankMaker(Workspace(root), QUICK))
    for n, update in enumerate(order):
        target = root / "inbox" / update.name
        shutil.copyfile(update, target)
        os.utime(target, ns=(10**18 + n * 10**6, 10**18 + n * 10**6))  # this arrival order
    outcomes = desk.run_once()
    assert not [o for o in outcomes if o.status in {"rejected", "failed"}], outcomes
    assert not [p for p in (root / "inbox").rglob("*") if p.is_file()
                and not p.name.endswith(".txt")], "an update is still waiting"
    return _state(desk)


def _orders() -> list[list[Path]]:
    approvals, others = UPDATES[:3], UPDATES[3:]
    every = [list(p) + others for p in itertools.permutations(approvals)]
    rng = random.Random(42)
    sample = [rng.sample(UPDATES, len(UPDATES)) for _ in range(8)]
    return every + sample


@pytest.mark.parametrize("number", range(len(_orders())))
def test_updates_in_any_order_end_as_in_order(tmp_path: Path, order_archive: Path,
                                              number: int) -> None:
    expected_root, root = tmp_path / "in-order", tmp_path / "shuffled"
    shutil.copytree(order_archive, expected_root)
    shutil.copytree(order_archive, root)
    expected = _apply(expected_root, UPDATES)
    assert _apply(root, _orders()[number]) == expected
    assert expected[4] == []  # every warning raised on the way was cleared


def test_an_approval_before_its_turn_waits_with_the_reason(with_order: Desk) -> None:
    shutil.copyfile(UPDATES[2], with_order.workspace.inbox / UPDATES[2].name)
    [outcome] = with_order.run_once()
    assert outcome.status == "waiting"
    note = (with_order.workspace.waiting / f"{UPDATES[2].name}.reason.txt").read_text("utf-8")
    assert "waits for salesperson and manager" in note


def test_shipping_with_open_errors_is_flagged(with_order: Desk) -> None:
    (with_order.workspace.inbox / "shipped.yaml").write_text(
        "update: status\norder_no: PO-2026-0042\nstatus: shipped\nat: 2027-01-14T10:00\n",
        encoding="utf-8")
    [outcome] = with_order.run_once()
    assert outcome.status == "archived"
    assert any(p.startswith("flag: shipped with") and "open check error" in p
               for p in outcome.problems), outcome


def test_the_example_yaml_is_still_plain_yaml() -> None:
    data = yaml.safe_load((EXAMPLES / "HD-240317.yaml").read_text(encoding="utf-8"))
    assert data["price_term_place"] == "Hamburg"


def test_the_hand_over_checklist_follows_the_term(desk: Desk) -> None:
    copy_example(desk.workspace, "HD-240317.yaml")
    desk = Desk(desk.workspace, Settings(
        approval=TRUSTING, documents=Documents(on_order=["handover_checklist"],
                                                             word_to_pdf=False)))
    desk.run_once()
    text = _squeeze("".join(pdf_text(desk.workspace.archive / "MUELLER" / "HD-240317" /
                                     "generated" / "HD-240317_handover_checklist_v1.pdf")))
    for needed in ("提单BillofLading", "保险单InsurancePolicy",
                   "出口报关单ExportCustomsDeclaration",
                   "商检证书CommodityInspectionCertificate", "待收TOCOME"):
        assert needed in text, needed


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("PO-1_bill-of-lading.pdf", "", "bill_of_lading"),
    ("PO-1_BL.pdf", "", "bill_of_lading"),
    ("scan.pdf", "CERTIFICATE OF ORIGIN  Form E  原产地证书", "certificate_of_origin"),
    ("PO-1_insurance.pdf", "", "insurance_policy"),
    ("PO-1 报关单.pdf", "", "customs_declaration"),
    ("scan2.pdf", "FUMIGATION CERTIFICATE 熏蒸证书 methyl bromide", "fumigation_certificate"),
    ("scan3.pdf", "PHYTOSANITARY CERTIFICATE 植物检疫证书", "phytosanitary_certificate"),
    ("PO-1_transport-contract.pdf", "", "transport_contract"),
])
def test_the_documents_the_hand_over_needs_are_recognised(name: str, text: str,
                                                           expected: str) -> None:
    from pipeline.intake.identify import identify_type

    assert identify_type(name, [text])[0] == expected
