"""Excel as merchandisers fill it in: the bilingual form, numbers and dates as typed,
Chinese labels, errors by sheet and cell, and updates in a workbook."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.desk import Desk
from pipeline.errors import OrderDataError
from pipeline.intake import read_incoming, read_order
from pipeline.intake.form import write_order_form
from tests.conftest import REPO, history, pdf_text

FILL = REPO / "scripts" / "fill_order_form.py"


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    form = write_order_form(tmp_path / "form.xlsx")
    target = tmp_path / "PO-2026-0057.xlsx"
    subprocess.run([sys.executable, str(FILL), str(form), str(target)], check=True,
                   capture_output=True)
    return target


def _cell(path: Path, sheet: str, key: str, value: object) -> None:
    book = openpyxl.load_workbook(path)
    if sheet.startswith("明细"):
        items = book[sheet]
        column = [c.value for c in items[2]].index(key) + 1
        items.cell(row=3, column=column).value = value
    else:
        for row in book[sheet].iter_rows(min_row=2):
            if row[3].value == key:
                row[1].value = value
    book.save(path)


def test_the_form_filled_as_people_type(filled: Path) -> None:
    order = read_order(filled)
    first, second = order.items
    assert second.quantity == 400 and second.unit == "SETS"
    assert first.quantity == 1200 and first.unit_price == Decimal("38.50")  # １，２００, US$38.50
    assert first.packing is not None and first.packing.net_weight_kg == 3300  # "3 300"
    assert first.packing.gross_weight_kg == 3750 and first.warranty_months == 24  # "3,750"
    assert order.prepayment_percent == 30 and order.legal_inspection is False  # 30%, 否
    assert order.delivery_date.isoformat() == "2027-02-25"  # 2027/02/25
    assert order.latest_shipment_date is not None
    assert order.latest_shipment_date.isoformat() == "2027-03-05"  # 2027.03.05
    assert order.total_amount == Decimal("54120.00")


def test_the_form_has_lists_and_date_checks(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_order_form(tmp_path / "form.xlsx"))
    checks = book["订单 Order"].data_validations.dataValidation
    lists = [c.formula1 for c in checks if c.type == "list"]
    assert any("FOB" in f and "CIF" in f and "DDP" in f for f in lists)
    assert any("USD" in f and "EUR" in f for f in lists)
    assert any(c.type == "date" for c in checks)
    header = [c.value for c in book["明细 Items"][1]]
    assert "型号\nModel *" in header and "箱数\nCartons" in header


@pytest.mark.parametrize(("sheet", "key", "value", "expected"), [
    ("明细 Items", "unit_price", "€38.50", "sheet 明细 Items, cell I3]"),
    ("明细 Items", "quantity", "twelve", "write it like 1200 or 1,200.50"),
    ("订单 Order", "delivery_date", "25/02/2027", "write it as 2027-01-20"),
    ("订单 Order", "destination", None, "destination [sheet 订单 Order, cell B"),
])
def test_every_error_names_the_sheet_and_cell(filled: Path, sheet: str, key: str,
                                              value: object, expected: str) -> None:
    _cell(filled, sheet, key, value)
    with pytest.raises(OrderDataError) as info:
        read_order(filled)
    text = "\n".join(str(p) for p in info.value.problems)
    assert expected in text, text
    if key == "unit_price":
        assert "the order is in USD: write the amount in USD" in text


def test_a_missing_row_says_which_to_add(filled: Path) -> None:
    book = openpyxl.load_workbook(filled)
    sheet = book["订单 Order"]
    for row in sheet.iter_rows(min_row=2):
        if row[3].value == "delivery_date":
            sheet.delete_rows(row[0].row)
            break
    book.save(filled)
    with pytest.raises(OrderDataError, match="a row labelled 交货期 Delivery date"):
        read_order(filled)


def test_chinese_labels_in_a_sheet_of_ones_own(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "订单"
    for label, value in [("订单号", "ZH-1"), ("下单日期", "2026/11/20"), ("客户代码", "LOCAL"),
                         ("客户名称(英)", "Local Buyer Ltd."), ("业务员", "王丽"),
                         ("币种", "CNY"), ("价格条款", "EXW"), ("装运港", "杭州"),
                         ("目的地", "上海"), ("付款方式", "月结30天"), ("交货期", "2027年1月5日")]:
        sheet.append([label, value])
    items = book.create_sheet("明细")
    items.append(["品名(英)", "型号", "数量", "单价"])
    items.append(["Widget", "W-1", "１，０００", "¥12.50"])
    path = tmp_path / "zh.xlsx"
    book.save(path)
    order = read_order(path)
    assert order.total_amount == Decimal("12500.00") and order.named_place == "杭州"


def test_an_update_in_a_workbook(with_order: Desk, tmp_path: Path) -> None:
    form = write_order_form(tmp_path / "update.xlsx", update=True)
    book = openpyxl.load_workbook(form)
    values = {"update": "审批", "order_no": "PO-2026-0042", "role": "业务员", "by": "王丽",
              "decision": "同意", "at": "2026/11/03 09:00"}
    for row in book["更新 Update"].iter_rows(min_row=2):
        if row[3].value in values:
            row[1].value = values[row[3].value]
    target = with_order.workspace.inbox / "sign.xlsx"
    book.save(target)
    assert read_incoming(target)[0].update == "approval"  # type: ignore[union-attr]
    [outcome] = with_order.run_once()
    assert outcome.status == "archived", outcome
    assert [a.by for a in history(with_order, "PO-2026-0042").approvals] == ["王丽"]


def test_the_form_through_the_desk(desk: Desk, filled: Path) -> None:
    target = desk.workspace.inbox / filled.name
    target.write_bytes(filled.read_bytes())
    [outcome] = desk.run_once()
    assert outcome.status == "archived", outcome
    text = "".join(pdf_text(desk.workspace.archive / "ACME" / "PO-2026-0057" / "generated" /
                            "PO-2026-0057_quotation_v1.pdf"))
    assert "1,200" in text and "USD 54,120.00" in text


def test_the_order_form_command(tmp_path: Path) -> None:
    target = tmp_path / "form.xlsx"
    result = CliRunner().invoke(cli, ["order-form", "-o", str(target)])
    assert result.exit_code == 0 and target.is_file()
    again = CliRunner().invoke(cli, ["order-form", "-o", str(target)])
    assert again.exit_code == 1 and "exists already" in again.output


def _saved_result(path: Path, formula: str, result: str) -> None:
    """Give a formula the result a spreadsheet program saves beside it (openpyxl saves
    none), in the workbook's XML."""
    import zipfile

    with zipfile.ZipFile(path) as package:
        parts = {n: package.read(n) for n in package.namelist()}
    hits = 0
    for name, data in parts.items():
        if name.startswith("xl/worksheets/") and f"<f>{formula}</f>".encode() in data:
            parts[name] = data.replace(f"<f>{formula}</f><v></v>".encode(),
                                       f"<f>{formula}</f><v>{result}</v>".encode())
            parts[name] = parts[name].replace(f"<f>{formula}</f><v />".encode(),
                                              f"<f>{formula}</f><v>{result}</v>".encode())
            hits += f"<v>{result}</v>".encode() in parts[name]
    assert hits == 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)


def test_a_formula_without_a_saved_result_is_named_not_taken_for_empty(filled: Path) -> None:
    _cell(filled, "明细 Items", "unit_price", "=40-1.5")  # openpyxl saves no result
    with pytest.raises(OrderDataError) as info:
        read_order(filled)
    text = "\n".join(str(p) for p in info.value.problems)
    assert "sheet 明细 Items, cell I3" in text and "=40-1.5" in text, text
    assert "no saved result" in text and "opened and saved in Excel, WPS or LibreOffice" in text


def test_a_formulas_saved_result_is_read_and_said(desk: Desk, filled: Path) -> None:
    _cell(filled, "明细 Items", "unit_price", "=40-1.5")
    _saved_result(filled, "40-1.5", "38.5")
    order, notes = read_incoming(filled)
    assert order.items[0].unit_price == Decimal("38.50")  # type: ignore[union-attr]
    assert notes and "1 value(s) read from formulas" in notes[0]
    assert "sheet 明细 Items, cell I3" in notes[0]
    (desk.workspace.inbox / filled.name).write_bytes(filled.read_bytes())
    [outcome] = desk.run_once()
    assert outcome.status == "archived", outcome
    assert any("read from formulas" in p and "cell I3" in p for p in outcome.problems), outcome
    [event] = history(desk, "PO-2026-0057").history
    assert any("read from formulas" in f for f in event.flags)


def test_a_bad_update_is_called_an_update(tmp_path: Path) -> None:
    target = tmp_path / "sign.yaml"
    target.write_text("update: approval\norder_no: PO-2026-0042\nrole: salesperson\n"
                      "at: yesterday\n", encoding="utf-8")
    with pytest.raises(OrderDataError) as info:
        read_incoming(target)
    assert "problems in the approval update" in info.value.message, info.value.message


def test_a_letter_of_credit_and_a_part_carton_in_the_form(filled: Path) -> None:
    credit = {"letter_of_credit.number": "LC-DXB-2026-0117",
              "letter_of_credit.issue_date": "2026/11/20",
              "letter_of_credit.issuing_bank": "Emirates NBD Bank PJSC, Dubai",
              "letter_of_credit.amount": "US$60,000.00",
              "letter_of_credit.tolerance_percent": "5%",
              "letter_of_credit.expiry_date": "2027年2月28日",
              "letter_of_credit.partial_shipment": "否", "letter_of_credit.transhipment": "是",
              "letter_of_credit.documents": "commercial_invoice 3+2; 装箱单 3; 提单 3+3",
              "letter_of_credit.conditions": "All documents show the L/C number.\nNo Israeli "
                                             "flag vessels."}
    for key, value in credit.items():
        _cell(filled, "订单 Order", key, value)
    _cell(filled, "明细 Items", "factory_price", "¥52.00")  # CNY in a USD order
    order = read_order(filled)
    lc = order.letter_of_credit
    assert lc is not None and lc.amount == Decimal("60000.00") and lc.tolerance_percent == 5
    assert lc.expiry_date.isoformat() == "2027-02-28" and lc.transhipment and \
        not lc.partial_shipment
    assert [(d.document, d.originals, d.copies) for d in lc.documents] == [
        ("commercial_invoice", 3, 2), ("packing_list", 3, 0), ("bill_of_lading", 3, 3)]
    assert len(lc.conditions) == 2
    assert order.items[0].factory_price == Decimal("52.00")


def test_the_form_has_the_new_fields(tmp_path: Path) -> None:
    form = write_order_form(tmp_path / "form.xlsx")
    book = openpyxl.load_workbook(form)
    keys = {row[3].value for row in book["订单 Order"].iter_rows(min_row=2)}
    assert {"letter_of_credit.number", "letter_of_credit.documents"} <= keys
    items = [c.value for c in book["明细 Items"][2]]
    assert {"packing.last_carton_qty", "factory_price", "hs_code", "origin"} <= set(items)
