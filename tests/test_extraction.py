"""Reading real layouts: labels with "No.:", tables read as tables (figures in product
names are not quantities), amounts in words in any wording, what was not read counted,
and gendan's own documents read back whole."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline.compliance import extract, run_rules
from pipeline.compliance.layout import read_words
from pipeline.desk import Desk
from pipeline.intake.order_file import parse_order
from pipeline.recipes import check_order
from tests.conftest import TRUSTING, copy_example, text_pdf
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
    assert reviews and ("Commercial Invoice (received): could not read invoice_no, date, "
                        "seller, buyer") in \
        reviews[0].message


def test_one_wrong_currency_is_reported_once(order_data: dict[str, Any]) -> None:
    doc = extract("ci.pdf", "commercial_invoice", ["Currency: EUR\nTOTAL EUR 58,260.00"],
                  [], MODELS)
    found = [f for f in run_rules(_case_with(order_data, doc)) if f.rule == "terms.currency"]
    assert len(found) == 1


def test_gendan_reads_its_own_invoice_and_packing_list_whole(desk: Desk) -> None:
    from pipeline.config import Documents, Settings

    desk = Desk(desk.workspace, Settings(approval=TRUSTING, documents=Documents(
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


def _read(tmp_path: Path, body: str, doc_type: str = "packing_list",
          models: list[str] = MODELS) -> Any:
    from pypdf import PdfReader

    pdf = text_pdf(tmp_path / f"{doc_type}.pdf",
                   "<style>td, th { padding: 1mm 2.5mm }</style>" + body)
    texts = [p.extract_text() for p in PdfReader(pdf).pages]
    return extract(pdf.name, doc_type, texts, [], models, read_words(pdf))


PACKING_HEAD = ("<table style='border-collapse: collapse; font-size: 8pt'>"
                "<tr><th>型号<br>Model</th><th>数量<br>Qty</th><th>每箱数<br>量<br>Pcs/<br>Ctn</th>"
                "<th>箱数<br>Ctns</th><th>净重<br>N.W.<br>(kg)</th><th>毛重<br>G.W.<br>(kg)</th>"
                "</tr>")


def test_a_header_wrapped_over_lines_names_its_columns(tmp_path: Path) -> None:
    rows = ("<tr><td>HT-2020</td><td>600</td><td>4</td><td>150</td><td>1650</td>"
            "<td>1875</td></tr><tr><td>合计</td><td>600</td><td></td><td>150</td><td>1650</td>"
            "<td>1875</td></tr></table>")
    doc = _read(tmp_path, PACKING_HEAD + rows)
    [item] = doc.items
    assert {k: v.value for k, v in item.items() if k != "model"} == {
        "quantity": 600, "qty_per_carton": 4, "cartons": 150, "net_weight_kg": 1650,
        "gross_weight_kg": 1875}
    assert doc.totals["cartons"].value == 150


@pytest.mark.parametrize("label", ["唛头:", "Shipping marks:"])
def test_a_label_and_its_value_right_above_the_header_are_not_part_of_it(
        tmp_path: Path, label: str) -> None:
    """The shipping marks set close above the table: their words over the first columns
    do not take the model column over (no line of a header says "label: value")."""
    body = (f"<p style='margin: 0'>{label} OZTOOLS<span style='margin-left: 8mm'>"
            "OZTOOLS-1557/SYDNEY</span><span style='margin-left: 8mm'>C/NO. 1-UP</span>"
            "</p><table style='border-collapse: collapse'><tr><th>序号</th>"
            "<th>型号</th><th>货物名称</th><th>数量</th><th>单价</th><th>总价</th></tr>"
            "<tr><td>1</td><td>HR-260G-UK-146</td><td>30米水管卷盘车</td><td>502 PAIRS</td>"
            "<td>217.96</td><td>109,415.92</td></tr>"
            "<tr><td>2</td><td>SB-221G-US-316</td><td>钢头安全鞋</td><td>5,800 PAIRS</td>"
            "<td>147.02</td><td>852,716.00</td></tr>"
            "<tr><td>合计</td><td></td><td></td><td>6,302</td><td></td><td>962,131.92</td>"
            "</tr></table>")
    doc = _read(tmp_path, body, "commercial_invoice")
    assert [(i["model"].value, i["quantity"].value, i["amount"].value) for i in doc.items] == [
        ("HR-260G-UK-146", 502, Decimal("109415.92")),
        ("SB-221G-US-316", 5800, Decimal("852716.00"))]
    assert all(i["model"].how == "column model" for i in doc.items)  # its column, not a guess


def test_one_cell_per_line_rows_are_put_back_together(tmp_path: Path) -> None:
    """No rules, and every cell of a row at its own height: no two cells share a line."""
    def row(cells: list[str]) -> str:
        return "<tr>" + "".join(f"<td style='padding-top: {1 + 3.5 * n}mm; vertical-align: "
                                f"top'>{c}</td>" for n, c in enumerate(cells)) + "</tr>"
    body = ("<table><tr><th>Model</th><th>Description</th><th>Quantity</th>"
            "<th>Unit Price</th><th>Amount</th></tr>"
            + row(["HT-2020", "Cordless Hedge Trimmer 20V", "600", "38.50", "23,100.00"])
            + row(["LM-1600", "Electric Lawn Mower 1600W", "300", "72.00", "21,600.00"])
            + row(["TOTAL", "", "900", "", "44,700.00"]) + "</table>")
    doc = _read(tmp_path, body, "commercial_invoice")
    assert [(i["model"].value, i["quantity"].value, i["amount"].value) for i in doc.items] == [
        ("HT-2020", 600, Decimal("23100.00")), ("LM-1600", 300, Decimal("21600.00"))]
    assert doc.totals["amount"].value == Decimal("44700.00")


def test_numbers_are_read_as_the_document_writes_them(tmp_path: Path) -> None:
    """1.234,50 documents: 2.300 pieces are 2300, 1.273,3 kg are 1273.3, 2,115 CBM 2.115."""
    body = ("<p>PACKING LIST</p><p>Total packages: 1.530 CTNS</p>"
            "<p>Gross weight: 23.194,0 KGS</p><p>Measurement: 2,115 CBM</p>"
            "<table><tr><th>Model</th><th>Quantity</th><th>Ctns</th><th>N.W. (kg)</th>"
            "<th>G.W. (kg)</th></tr><tr><td>HT-2020</td><td>2.300</td><td>1.530</td>"
            "<td>20.394,2</td><td>23.194,0</td></tr></table>")
    doc = _read(tmp_path, body)
    assert doc.get("packages") == 1530 and doc.get("gross_weight_kg") == Decimal("23194.0")
    assert doc.get("volume_cbm") == Decimal("2.115")
    [item] = doc.items
    assert item["quantity"].value == 2300 and item["net_weight_kg"].value == Decimal("20394.2")


def test_bilingual_and_chinese_labels_are_read(tmp_path: Path) -> None:
    texts = ["卖方 Seller: Hangzhou Gendan Trading Co., Ltd.\n买方 Buyer: ACME Home Supply\n"
             "装运港 Port of loading: Ningbo\n币种：美元\n价格条款：FOB 宁波\n"
             "Buyer's Order No.: ACME-7781\nCustomer PO NORDIC-1696"]
    doc = extract("ci.pdf", "commercial_invoice", texts, [], MODELS)
    assert doc.get("seller") == "Hangzhou Gendan Trading Co., Ltd."
    assert doc.get("buyer") == "ACME Home Supply"  # not "'s Order No.: ..."
    assert doc.get("port_of_loading") == "Ningbo" and doc.get("currency") == "USD"
    assert doc.get("term_place") == "宁波" and doc.get("customer_po") == "ACME-7781"


@pytest.mark.parametrize(("text", "clause"), [
    ("3 CARTONS TORN AND WET", "3 CARTONS TORN"), ("PACKAGES DAMAGED", "PACKAGES DAMAGED"),
    ("Wet & Dry Vacuum 20L, 200 CTNS", None), ("CLEAN ON BOARD", None)])
def test_a_clause_on_the_goods_is_told_from_a_product_name(text: str, clause: str | None
                                                          ) -> None:
    assert extract("bl.pdf", "bill_of_lading", [text], [], []).get("clauses") == clause


def test_a_card_naming_several_models_on_one_line_names_them_all() -> None:
    doc = extract("wc.pdf", "warranty_card", ["Models: HT-2020, LM-1600 and PS-08"], [], MODELS)
    assert [i["model"].value for i in doc.items] == ["HT-2020", "LM-1600", "PS-08"]


ODD_INVOICE = """<p>NINGBO LVYUAN ELECTRIC APPLIANCE CO., LTD.</p>
<p>INVOICE</p><p>INV#: LY-2027-015</p><p>Issued 2027-01-12</p>
<p>To: ACME Home &amp; Garden Supply Co., Ltd.</p>
<pre>HT-2020 Cordless Hedge Trimmer 20V     600    38.50   23,100.00
LM-1600 Electric Lawn Mower 1600W      300    72.00   21,600.00</pre>
<p>TOTAL USD 44,700.00</p>"""


def test_a_profile_suggested_from_a_document_reads_it(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.compliance import load_profiles

    pdf = text_pdf(tmp_path / "lvyuan invoice.pdf", ODD_INVOICE)
    out = tmp_path / "profiles" / "lvyuan.yml"
    out.parent.mkdir()
    (tmp_path / "ws").mkdir()
    result = CliRunner().invoke(cli, ["-w", str(tmp_path / "ws"), "init"])
    result = CliRunner().invoke(cli, ["-w", str(tmp_path / "ws"), "profile", "suggest",
                                      str(pdf), "--type", "commercial_invoice", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    # what was not read is listed, with patterns proposed from the lines that look like it
    assert "# invoice_no: not read. Perhaps" in text and "<- INV#: LY-2027-015" in text
    assert "<- To: ACME Home & Garden Supply Co., Ltd." in text
    [profile] = load_profiles(out.parent)
    assert "NINGBO LVYUAN ELECTRIC APPLIANCE CO., LTD." in profile.keywords
    from pypdf import PdfReader

    texts = [p.extract_text() for p in PdfReader(pdf).pages]
    without = extract(pdf.name, "commercial_invoice", texts, [], [], read_words(pdf))
    assert without.items == []  # no table, and no order's models to find the lines by
    read = extract(pdf.name, "commercial_invoice", texts, [profile], [], read_words(pdf))
    assert read.profile == profile.name
    assert [(i["model"].value, i["quantity"].value, i["amount"].value) for i in read.items] == [
        ("HT-2020", 600, Decimal("23100.00")), ("LM-1600", 300, Decimal("21600.00"))]
    assert read.get("total_amount") == Decimal("44700.00")
    # the proposals, uncommented as a person would once checked, read what was missing
    proposals = [line.split(": ", 1)[1].split("   <- ")[0] for line in text.splitlines()
                 if "   <- " in line]
    edited = text.replace("fields:\n", "fields:\n" + "".join(
        f"  {name}: {pattern}\n" for name, pattern in zip(
            ["invoice_no", "date", "buyer"], proposals, strict=True)), 1)
    out.write_text(edited, encoding="utf-8")
    [profile] = load_profiles(out.parent)
    read = extract(pdf.name, "commercial_invoice", texts, [profile], [], read_words(pdf))
    assert read.get("invoice_no") == "LY-2027-015" and read.get("buyer").startswith("ACME")
    assert str(read.get("date")) == "2027-01-12"
    # never over an existing file
    again = CliRunner().invoke(cli, ["-w", str(tmp_path / "ws"), "profile", "suggest",
                                     str(pdf), "-o", str(out)])
    assert again.exit_code != 0 and "exists already" in again.output


def test_what_the_examiner_read_is_kept_as_it_was_read() -> None:
    """The kept form gives back the same reading, in the same order; a value it cannot keep
    means the document is simply read again."""
    import datetime as dt
    from decimal import Decimal

    from pipeline.compliance import Extracted, Value
    from pipeline.compliance.kept_form import (
        extracted_from_json,
        extracted_to_json,
        reading_key,
    )

    def value(v: object) -> Value:
        return Value(v, str(v), "a.pdf", 2)

    read = Extracted("a.pdf", "packing_list", 2, True, "generic",
                     {"total_amount": value(Decimal("58260.00")),
                      "date": value(dt.date(2027, 1, 13)), "buyer": value("阿克米"),
                      "packages": value(700), "none": value(None)},
                     [{"model": value("HT-2020"), "quantity": value(Decimal("1200"))}],
                     {"quantity": value(Decimal("3700"))}, ["a problem"], ["buyer"], [])
    plain = extracted_to_json(read)
    assert plain is not None
    again = extracted_from_json(json.loads(json.dumps(plain, sort_keys=True)))
    assert again == read
    assert list(again.fields) == list(read.fields)  # the order read, not sorted
    assert isinstance(again.fields["total_amount"].value, Decimal)
    read.fields["odd"] = value(1.5)
    assert extracted_to_json(read) is None
    key = reading_key("ab" * 32, "a.pdf", "packing_list", ["HT-2020"], [])
    assert key != reading_key("ab" * 32, "a.pdf", "packing_list", ["HT-2021"], [])
    assert key != reading_key("ab" * 32, "a.pdf", "commercial_invoice", ["HT-2020"], [])


def test_the_draft_watermark_is_not_read_into_the_table(with_order: Desk) -> None:
    """A sales contract not yet approved carries 草稿 DRAFT across the page; its turned
    letters are not words of the table's rows: every line is read, and the lines add up."""
    import datetime as dt
    from decimal import Decimal


    result = check_order(with_order, "PO-2026-0042", on=dt.date(2026, 12, 20),
                         archive_report=False)
    contract = next(d for d in result.documents if "sales_contract" in d.document)
    assert [f for f in result.findings if f.rule.startswith("arithmetic.")] == []
    lines = [(i["model"].value, i["quantity"].value) for i in contract.items]
    assert lines == [("HT-2020", Decimal("600")), ("LM-1600", Decimal("300")),
                     ("HR-45", Decimal("400")), ("PS-08", Decimal("2400"))]
    assert any("DRAFT" in f.message for f in result.findings)  # it is still a draft
