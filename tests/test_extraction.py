"""Reading real layouts: labels with "No.:", tables read as tables (figures in product
names are not quantities), amounts in words in any wording, what was not read counted,
and gendan's own documents read back whole."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.compliance import extract, run_rules
from pipeline.compliance.layout import read_words
from pipeline.desk import Desk
from pipeline.intake.order_file import parse_order
from pipeline.recipes import check_order
from tests.conftest import copy_example, text_pdf
from tests.test_compliance import clean_case

MODELS = ["HT-2020", "LM-1600", "HR-45", "PS-08"]


@pytest.mark.parametrize(("line", "field", "value"), [
    ("INVOICE NO.: FI-1", "invoice_no", "FI-1"),
    ("Invoice #: 88-2027", "invoice_no", "88-2027"),
    ("ORDER NO.: PO-2026-0042", "order_no", "PO-2026-0042"),
    ("P/O No.: PO-2026-0042", "order_no", "PO-2026-0042"),
    ("S/C No.: SC-2026-0042", "contract_no", "SC-2026-0042"),
    ("Contract No.: SC-2026-0042", "contract_no", "SC-2026-0042"),
    ("发票号：F-2027-001", "invoice_no", "F-2027-001"),
    ("合同号: SC-2026-0042", "contract_no", "SC-2026-0042"),
])
def test_labels_with_no_and_colons_are_read(line: str, field: str, value: str) -> None:
    assert extract("x.pdf", "commercial_invoice", [line], [], []).get(field) == value


INVOICE = """<h1>COMMERCIAL INVOICE</h1>
<p>Invoice No.: CI-88 &nbsp; Date: 2027-01-12</p>
<p>Seller: Hangzhou Gendan Trading Co., Ltd.</p>
<p>Buyer: ACME Home &amp; Garden Supply Co., Ltd.</p>
<p>Currency: USD &nbsp; FOB Ningbo</p>
<table style="width: 100%; font-size: 9pt"><tr><th>Description</th><th>Model</th><th>Qty</th>
<th>Unit Price</th><th>Amount</th></tr>{rows}
<tr><td>TOTAL</td><td></td><td>3,700</td><td></td><td>{total}</td></tr></table>
<p>{words}</p>"""
ROWS = [("Cordless Hedge Trimmer 20V", "HT-2020", "600", "38.50", "23,100.00"),
        ("Electric Lawn Mower 1600W", "LM-1600", "300", "72.00", "21,600.00"),
        ("Garden Hose Reel Cart 45m", "HR-45", "400", "19.80", "7,920.00"),
        ("Pruning Shears 8in", "PS-08", "2,400", "2.35", "5,640.00")]


def _invoice(tmp_path: Path, rows: list[tuple[str, ...]] = ROWS, total: str = "58,260.00",
             words: str = "SAY TOTAL US DOLLARS FIFTY-EIGHT THOUSAND TWO HUNDRED SIXTY ONLY"
             ) -> Any:
    body = INVOICE.format(rows="".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
                                       for row in rows), total=total, words=words)
    pdf = text_pdf(tmp_path / "ci.pdf", body)
    from pypdf import PdfReader

    texts = [p.extract_text() for p in PdfReader(pdf).pages]
    return extract("ci.pdf", "commercial_invoice", texts, [], MODELS, read_words(pdf))


def _case_with(order_data: dict[str, Any], document: Any) -> Any:
    case = clean_case(order_data)
    case.documents[0] = document
    return case


def test_figures_in_product_names_are_not_quantities(tmp_path: Path,
                                                     order_data: dict[str, Any]) -> None:
    doc = _invoice(tmp_path)
    quantities = {i["model"].value: i["quantity"].value for i in doc.items}
    assert quantities == {"HT-2020": 600, "LM-1600": 300, "HR-45": 400, "PS-08": 2400}
    errors = [f for f in run_rules(_case_with(order_data, doc)) if f.severity == "error"]
    assert errors == []


def test_a_correct_amount_in_other_words_is_no_error(tmp_path: Path,
                                                     order_data: dict[str, Any]) -> None:
    doc = _invoice(tmp_path, words="SAY US DOLLARS FIFTY EIGHT THOUSAND TWO HUNDRED AND SIXTY "
                                   "AND CENTS ZERO ONLY")
    assert doc.get("words_value") == Decimal("58260")
    assert not [f for f in run_rules(_case_with(order_data, doc))
                if f.rule == "arithmetic.amount_in_words"]
    wrong = _invoice(tmp_path, words="SAY US DOLLARS FIFTY THOUSAND ONLY")
    assert [f.rule for f in run_rules(_case_with(order_data, wrong))
            if f.severity == "error"] == ["arithmetic.amount_in_words"]


def test_prices_changed_with_the_total_kept_are_caught(tmp_path: Path,
                                                       order_data: dict[str, Any]) -> None:
    rows = [(*ROWS[0][:3], "39.00", "23,400.00"), (*ROWS[1][:3], "71.00", "21,300.00"),
            *ROWS[2:]]
    doc = _invoice(tmp_path, rows)
    rules = {f.rule for f in run_rules(_case_with(order_data, doc)) if f.severity == "error"}
    assert "prices.unit_price" in rules


def test_a_model_not_on_the_order_is_an_error(tmp_path: Path, order_data: dict[str, Any]
                                              ) -> None:
    rows = [*ROWS[:3], ("Pruning Shears 8in", "PS-09", "2,400", "2.35", "5,640.00")]
    doc = _invoice(tmp_path, rows)
    assert [i["model"].value for i in doc.items][-1] == "PS-09"  # read from its column
    found = {f.rule: f for f in run_rules(_case_with(order_data, doc))}
    assert found["models.not_on_order"].severity == "error"
    assert "model PS-09" in found["models.not_on_order"].message


def test_what_was_not_read_is_reported_not_passed(order_data: dict[str, Any]) -> None:
    doc = extract("ci.pdf", "commercial_invoice", ["Some text that names nothing at all"],
                  [], MODELS)
    assert doc.read_count == 0 and "buyer" in doc.missing and "total_amount" in doc.missing
    case = _case_with(order_data, doc)
    reviews = [f for f in run_rules(case) if f.rule == "extract.required_fields"]
    assert reviews and "ci.pdf: could not read invoice_no, date, seller, buyer" in \
        reviews[0].message


def test_one_wrong_currency_is_reported_once(order_data: dict[str, Any]) -> None:
    doc = extract("ci.pdf", "commercial_invoice", ["Currency: EUR\nTOTAL EUR 58,260.00"],
                  [], MODELS)
    found = [f for f in run_rules(_case_with(order_data, doc)) if f.rule == "terms.currency"]
    assert len(found) == 1


def test_gendan_reads_its_own_invoice_and_packing_list_whole(desk: Desk) -> None:
    from pipeline.config import Documents, Settings

    desk = Desk(desk.workspace, Settings(documents=Documents(
        on_order=["commercial_invoice", "packing_list"], word_to_pdf=False)))
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    desk.run_once()
    result = check_order(desk, "PO-2026-0042")
    read = {d.doc_type: d for d in result.documents}
    invoice, packing = read["commercial_invoice"], read["packing_list"]
    assert invoice.missing == [] and packing.missing == []
    assert invoice.get("total_amount") == Decimal("58260.00")
    assert packing.get("packages") == 700 and packing.get("gross_weight_kg") == Decimal("8915")
    assert {i["model"].value for i in packing.items} == set(MODELS)
    assert not [f for f in result.findings if f.rule.startswith(("totals", "packing",
                                                                 "arithmetic", "prices"))]


def test_the_driver_phone_message_says_what_is_expected(order_data: dict[str, Any]) -> None:
    case = clean_case(order_data)
    assert case.workflow.loading is not None
    case.workflow = case.workflow.model_copy(update={"loading": case.workflow.loading.model_copy(
        update={"driver_phone": "12345"})})
    [found] = [f for f in run_rules(case) if f.rule == "loading.complete"]
    assert found.message == ("driver phone 12345: a mainland mobile number has 11 digits and "
                             "starts with 1")


def test_order_parse_helper_is_used(order_data: dict[str, Any]) -> None:
    assert parse_order(order_data, "t").total_amount == Decimal("58260.00")
