"""The check never cries wolf: a finding is only as certain as the reading behind it, a
document is checked against the lines it covers, the order's own planned dates are not
errors before their day, and gendan's own documents read back without findings."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline.clock import FixedClock
from pipeline.config import Documents, Settings
from pipeline.desk import Desk
from pipeline.workspace import Workspace
from tests.conftest import TRUSTING, drop


def _desk(tmp_path: Path, today: dt.date, *types: str) -> Desk:
    workspace = Workspace(tmp_path / "ws")
    workspace.ensure_folders()
    settings = Settings(approval=TRUSTING, documents=Documents(
        on_order=list(types), word_to_pdf=False))
    return Desk(workspace, settings,
                clock=FixedClock(dt.datetime.combine(today, dt.time(9))))


def test_the_planned_invoice_date_is_not_late_before_its_day(
        tmp_path: Path, order_data: dict[str, Any]) -> None:
    from pipeline.recipes import check_order

    today = dt.date(2026, 12, 3)  # the order plans delivery (and so the invoice) 2027-01-15
    desk = _desk(tmp_path, today, "commercial_invoice", "packing_list")
    drop(desk.workspace, "PO-2026-0042.yaml", order_data)
    assert [o.status for o in desk.run_once()] == ["archived"]
    result = check_order(desk, "PO-2026-0042", archive_report=False)
    assert result.case.handover_date == dt.date(2027, 1, 15)
    assert "as planned" in result.case.date_basis and str(today) in result.case.date_basis
    assert not [f for f in result.findings if f.rule.startswith("dates.")], result.findings
    # a date given is the date used: a hand-over today would be before the invoice
    early = check_order(desk, "PO-2026-0042", on=today, archive_report=False)
    assert early.case.date_basis == "given"
    assert [f.rule for f in early.findings if f.rule == "dates.not_after_handover"]


def test_a_value_standing_under_its_label_is_a_review_not_an_error(
        order_data: dict[str, Any]) -> None:
    """Labels in a header row, values in the row below: the order number may be the
    invoice's. What nothing confirms is asked about, never reported as a discrepancy."""
    from pipeline.compliance import extract, run_rules
    from tests.test_compliance import clean_case

    text = ("COMMERCIAL INVOICE\nInvoice No.   Order No.\nFI-7731   PO-2026-0042\n"
            "Seller: Hangzhou Gendan Trading Co., Ltd.\n")
    doc = extract("ci.pdf", "commercial_invoice", [text], [], ["HT-2020"])
    assert doc.fields["order_no"].value == "FI-7731" and not doc.fields["order_no"].confirmed
    case = clean_case(order_data)
    case.documents[0].fields["order_no"] = doc.fields["order_no"]
    found = [f for f in run_rules(case) if f.rule == "references.order_no"]
    assert [f.severity for f in found] == ["review"]
    assert "'FI-7731'" in found[0].message and "under its label" in found[0].message


def test_figures_that_cannot_be_one_reading_are_not_read() -> None:
    import pytest

    from pipeline.compliance.table_items import number as _number
    from pipeline.compliance.values import number_style, parse_count

    with pytest.raises(ValueError):  # three cells run into one
        _number("1440 1600 11.88", "net_weight_kg")
    with pytest.raises(ValueError):  # a fraction in a column of counts
        _number("12.5", "cartons")
    assert _number("1 234,50", "amount") == Decimal("1234.50")  # a space between thousands
    with number_style(False), pytest.raises(ValueError):  # 61.980 CBM where 12.50 is a price
        parse_count("61.980")
    with number_style(True):
        assert parse_count("1.235") == 1235


def test_findings_name_documents_by_type_and_number(order_data: dict[str, Any]) -> None:
    from pipeline.compliance import run_rules
    from tests.test_compliance import clean_case

    case = clean_case(order_data)
    case.documents[0].fields["price_term"] = replace(case.documents[0].fields["price_term"],
                                                     value="CIF")
    found = next(f for f in run_rules(case) if f.rule == "terms.price_term")
    assert "商业发票 Commercial Invoice No. CI-88" in found.message
    assert "CI.pdf" not in found.message and found.documents == ("CI.pdf",)


def test_every_rule_speaks_chinese_and_english() -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.compliance import RULES
    from pipeline.compliance.titles_zh import TITLES_ZH

    assert set(TITLES_ZH) == set(RULES)
    assert all(any("\u4e00" <= c <= "\u9fff" for c in t) for t in TITLES_ZH.values())
    explained = CliRunner().invoke(cli, ["check", "--explain", "arithmetic.amount_in_words"])
    assert "大小写金额一致" in explained.output and "amount in words" in explained.output
    finding = RULES["bl.signed"].finding("no signature", "BL.pdf")
    assert finding.title.startswith("提单由承运人") and "bill of lading" in finding.title


def test_ordinary_wording_is_not_read_as_a_field() -> None:
    """"300 CARTONS" on the row of an item sold by the carton is not the package count; the
    buyer's order number (客户订单号) is not the order number; "3 originals" is no origin."""
    from pipeline.compliance import extract

    invoice = ("COMMERCIAL INVOICE\nInvoice No.: FI-7731\n客户订单号：ANT-PO-5512\n"
               "GT-9   Garden Tool Kit   300 CARTONS   36.00   10,800.00\n"
               "Payment: L/C at sight, 3 originals and 2 copies\n"
               "Total packages: 1,235 CTNS\n")
    doc = extract("ci.pdf", "commercial_invoice", [invoice], [], ["GT-9"])
    assert doc.get("packages") == 1235
    assert "order_no" not in doc.fields and doc.get("customer_po") == "ANT-PO-5512"
    assert "origin" not in doc.fields
    alone = extract("bl.pdf", "bill_of_lading", ["BILL OF LADING\n1,235 CARTONS\n"], [], [])
    assert alone.get("packages") == 1235  # a line of its own, as a carrier writes it


def test_a_missing_warranty_card_is_not_a_credit_matter() -> None:
    from pipeline.compliance import RULES

    reference = RULES["complete.required"].reference
    assert "UCP" not in reference and "hand-over" in reference
