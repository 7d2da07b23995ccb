"""What is due, with a frozen clock: every kind of due step appears at the right event and
goes at the one that does it; the ledger read back (XLSX with openpyxl, CSV with csv);
the calendar parsed back with icalendar, its UIDs kept on re-export; `watch`'s summary."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline.agenda import agenda
from pipeline.clock import FixedClock
from pipeline.desk import Desk
from pipeline.recipes import hand_over
from tests.conftest import EXAMPLES, MANAGER, QUICK, drop

TODAY = dt.datetime(2026, 11, 10, 9)


@pytest.fixture
def frozen(workspace: Any) -> Desk:
    from tests.fakes import BlankMaker

    return Desk(workspace, QUICK, clock=FixedClock(TODAY), maker=BlankMaker(workspace, QUICK))


def due(desk: Desk) -> dict[str, dict[str, Any]]:
    """The order's due steps by kind, as the index holds them."""
    [row] = desk.store.index.orders()
    return {d["kind"]: d for d in row["due"]}


def update(desk: Desk, name: str, data: dict[str, Any] | None = None) -> None:
    if data is None:
        shutil.copyfile(EXAMPLES / "updates" / name, desk.workspace.inbox / name)
    else:
        drop(desk.workspace, name, data)
    outcomes = desk.run_once()
    assert all(o.status == "archived" for o in outcomes), [(o.file, o.message) for o in outcomes]


def factory(desk: Desk, name: str) -> None:
    from tests.conftest import text_pdf

    text_pdf(desk.workspace.inbox / name, f"<p>Order No.: PO-2026-0042</p><p>{name}</p>")
    desk.run_once()


def test_each_step_is_due_until_the_event_that_does_it(frozen: Desk) -> None:
    desk = frozen
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", desk.workspace.inbox / "PO-2026-0042.yaml")
    desk.run_once()
    steps = due(desk)
    assert steps["approval"]["what"] == ("contract review: waiting for salesperson, manager, "
                                         "general_manager")
    assert steps["approval"]["date"] == "2026-11-05"  # three days after the order
    assert steps["inspection"]["date"] == "2027-01-01"  # third party: 14 days before delivery
    assert {"documents", "loading", "shipment"} <= set(steps)
    assert "Bill of Lading" in steps["documents"]["what"]
    assert "factory_confirmation" not in steps and "handover" not in steps

    for name in ("PO-2026-0042.1-sales-signs.yaml", "PO-2026-0042.2-manager-approves.yaml"):
        update(desk, name)
        assert "approval" in due(desk)  # the general manager must still approve
    update(desk, "PO-2026-0042.3-gm-approves.yaml")
    steps = due(desk)
    assert "approval" not in steps and steps["factory_confirmation"]["date"] == "2026-11-11"

    update(desk, "PO-2026-0042.4-factory-confirms.yaml")
    # each factory confirms for itself: the other two are still due
    assert "余姚金鹰塑料制品厂 has not confirmed" in due(desk)["factory_confirmation"]["what"] or \
        "阳江利刃五金有限公司 has not confirmed" in due(desk)["factory_confirmation"]["what"]
    for n, maker in enumerate(("余姚金鹰塑料制品厂", "阳江利刃五金有限公司")):
        update(desk, f"confirms-{n}.yaml", {
            "update": "factory_confirmation", "order_no": "PO-2026-0042", "factory": maker,
            "confirmed_delivery_date": "2027-01-10", "by": "王", "confirmed_on": "2026-11-07"})
    assert "factory_confirmation" not in due(desk)
    update(desk, "PO-2026-0042.5-inspection.yaml")
    assert "inspection" not in due(desk)

    update(desk, "PO-2026-0042.6-loading.yaml")
    steps = due(desk)
    assert "loading" not in steps and "shipment" not in steps
    assert steps["handover"]["date"] == "2027-02-03"  # 21 days after the loading

    assert "Commercial Invoice" in steps["documents"]["what"]  # not made here (QUICK)
    for name in ("warranty card", "user manual", "transport contract", "inspection report",
                 "bill of lading", "customs declaration", "commercial invoice",
                 "packing list"):
        factory(desk, f"PO-2026-0042 {name}.pdf")
    assert "documents" not in due(desk)

    hand_over(desk, "PO-2026-0042", force=True, forced_by=MANAGER, reason="test")
    steps = due(desk)
    assert "handover" not in steps and steps["registration"]["date"] == "2026-11-13"
    update(desk, "PO-2026-0042.7-registered.yaml", {"update": "status",
                                                   "order_no": "PO-2026-0042",
                                                   "status": "registered",
                                                   "at": "2026-11-12T10:00"})
    # the paper work is done; the money is still due until it is received
    assert set(due(desk)) == {"payment"}
    for kind, amount in (("deposit", "17478.00"), ("balance", "40782.00")):
        update(desk, f"{kind}.yaml", {"update": "payment", "order_no": "PO-2026-0042",
                                      "kind": kind, "date": "2026-11-12", "amount": amount,
                                      "currency": "USD"})
    assert due(desk) == {}


def test_a_late_factory_and_legal_inspection_are_due(frozen: Desk,
                                                    order_data: dict[str, Any]) -> None:
    desk = frozen
    order_data["legal_inspection"] = True
    drop(desk.workspace, "PO-2026-0042.yaml", order_data)
    desk.run_once()
    for name in ("PO-2026-0042.1-sales-signs.yaml", "PO-2026-0042.2-manager-approves.yaml",
                 "PO-2026-0042.3-gm-approves.yaml"):
        update(desk, name)
    assert due(desk)["legal_inspection"]["what"].startswith("legal commodity inspection")
    update(desk, "late.yaml", {"update": "factory_confirmation", "order_no": "PO-2026-0042",
                               "factory": "宁波绿源电器有限公司",
                               "confirmed_delivery_date": "2027-01-20", "by": "陈厂长",
                               "confirmed_on": "2026-11-08"})
    late = due(desk)["factory_confirmation"]
    assert "after the delivery date 2027-01-15" in late["what"]
    factory(desk, "PO-2026-0042 inspection certificate.pdf")
    assert "legal_inspection" not in due(desk)


def _cli(desk: Desk, *args: str, today: str = "2026-11-10") -> Any:
    from pipeline.cli import cli

    return CliRunner().invoke(cli, ["-w", str(desk.workspace.root), *args],
                              env={"GENDAN_TODAY": today})


def _two_orders(desk: Desk, order_data: dict[str, Any]) -> None:
    shutil.copyfile(EXAMPLES / "PO-2026-0042.yaml", desk.workspace.inbox / "PO-2026-0042.yaml")
    shutil.copyfile(EXAMPLES / "HD-240317.yaml", desk.workspace.inbox / "HD-240317.yaml")
    desk.run_once()


def test_due_orders_overdue_first_and_exits_1(frozen: Desk, order_data: dict[str, Any]) -> None:
    _two_orders(frozen, order_data)
    early = _cli(frozen, "due", "--json", today="2026-11-03")
    assert early.exit_code == 0, early.output  # nothing overdue yet
    late = _cli(frozen, "due", "--json", today="2026-11-20")
    assert late.exit_code == 1
    items = json.loads(late.output)["items"]
    assert items[0]["overdue"] and items[0]["kind"] == "approval"
    assert [i["date"] for i in items] == sorted(i["date"] for i in items)
    soon = json.loads(_cli(frozen, "due", "--days", "0", "--json",
                           today="2026-11-20").output)["items"]
    assert soon and all(i["days_left"] <= 0 for i in soon)
    mine = json.loads(_cli(frozen, "due", "--customer", "mueller", "--json").output)["items"]
    assert {i["order"] for i in mine} == {"HD-240317"}
    text = _cli(frozen, "due", today="2026-11-20").output
    assert "OVERDUE" in text and "gendan approve HD-240317 --role salesperson" in text


def test_the_ledger_reads_back_equal_to_the_orders(frozen: Desk, order_data: dict[str, Any],
                                                   tmp_path: Path) -> None:
    from openpyxl import load_workbook

    _two_orders(frozen, order_data)
    result = _cli(frozen, "ledger", "-o", str(tmp_path / "ledger.xlsx"))
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "ledger.xlsx")
    sheet = book["业务登记 Ledger"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, [c.value for c in row], strict=True))
            for row in sheet.iter_rows(min_row=2)]
    by_order = {r["订单号 Order"]: r for r in rows}
    assert by_order["PO-2026-0042"]["金额 Amount"] == 58260
    assert by_order["HD-240317"]["币种 Currency"] == "EUR"
    assert by_order["PO-2026-0042"]["交货期 Delivery"] == dt.datetime(2027, 1, 15)
    assert sheet.cell(2, header.index("金额 Amount") + 1).number_format == "#,##0.00"
    assert sheet.column_dimensions["D"].width >= 28  # 阿克米家居园艺用品有限公司, double width
    totals = list(book["合计 Totals"].iter_rows(min_row=2, values_only=True))
    assert ("ACME", "2026-11", "USD", 1, 58260) in totals
    as_csv = _cli(frozen, "ledger", "--format", "csv", "-o", str(tmp_path / "ledger.csv"))
    assert as_csv.exit_code == 0
    read = list(csv.DictReader(io.StringIO((tmp_path / "ledger.csv").read_text("utf-8-sig"))))
    assert {r["订单号 Order"]: r["金额 Amount"] for r in read} == {"PO-2026-0042": "58260.00",
                                                                 "HD-240317": "66940.00"}
    only = _cli(frozen, "ledger", "--customer", "ACME", "-o", str(tmp_path / "acme.json"))
    assert [o["order_no"] for o in json.loads((tmp_path / "acme.json").read_text())["orders"]] \
        == ["PO-2026-0042"]
    again = _cli(frozen, "ledger", "-o", str(tmp_path / "ledger.xlsx"))
    assert again.exit_code != 0 and "exists already" in again.output
    assert only.exit_code == 0


def test_the_calendar_parses_back_and_keeps_its_uids(frozen: Desk, order_data: dict[str, Any],
                                                     tmp_path: Path) -> None:
    from icalendar import Calendar

    _two_orders(frozen, order_data)
    target = tmp_path / "orders.ics"
    assert _cli(frozen, "calendar", "-o", str(target), "--by-salesperson").exit_code == 0
    events = Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))
    summaries = {str(e["SUMMARY"]) for e in events}
    assert "PO-2026-0042 ACME: delivery date" in summaries
    assert "PO-2026-0042 ACME: latest shipment date" in summaries
    assert any("third party inspection not booked" in s for s in summaries)
    delivery = next(e for e in events if str(e["SUMMARY"]).endswith("ACME: delivery date"))
    assert delivery.decoded("DTSTART") == dt.date(2027, 1, 15)
    assert (tmp_path / "orders-王丽.ics").is_file()
    update(frozen, "PO-2026-0042.6-loading.yaml")
    assert _cli(frozen, "calendar", "-o", str(target)).exit_code == 0
    again = Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    assert set(uids) - {str(e["UID"]) for e in again} <= {
        "po-2026-0042.due-inspection@gendan"}  # the same events, the same UIDs
    loading = next(e for e in again if str(e["UID"]) == "po-2026-0042.loading@gendan")
    assert loading.decoded("DTSTART") == dt.datetime(2027, 1, 13, 8, 30)


def test_agenda_is_computed_from_the_rows_alone() -> None:
    rows = [{"order_no": "A-1", "customer": "X", "salesperson": "王丽",
             "due": [{"kind": "loading", "what": "loading details", "date": "2026-11-01",
                      "action": "drop a loading update"},
                     {"kind": "shipment", "what": "latest shipment date",
                      "date": "2026-12-30", "action": "ship"}]}]
    found = agenda(rows, dt.date(2026, 11, 10), days=7)
    assert [(d.kind, d.days_left, d.overdue) for d in found] == [("loading", -9, True)]


def test_watch_prints_what_is_due_at_start_and_once_a_day(frozen: Desk,
                                                          order_data: dict[str, Any]) -> None:
    from pipeline.watch import InboxWatcher

    _two_orders(frozen, order_data)
    calls: list[dt.date] = []
    watcher = InboxWatcher(frozen, daily=lambda: calls.append(frozen.clock.today()))
    watcher.once_a_day()
    watcher.once_a_day()
    assert calls == [dt.date(2026, 11, 10)]
    assert isinstance(frozen.clock, FixedClock)
    frozen.clock.advance(days=1)
    watcher.once_a_day()
    assert calls == [dt.date(2026, 11, 10), dt.date(2026, 11, 11)]


def test_a_warning_stays_until_the_event_that_clears_it(frozen: Desk,
                                                       order_data: dict[str, Any]) -> None:
    desk = frozen
    drop(desk.workspace, "PO-2026-0042.yaml", order_data)
    desk.run_once()
    late = {"update": "factory_confirmation", "order_no": "PO-2026-0042",
            "factory": "宁波绿源电器有限公司", "confirmed_delivery_date": "2027-01-20",
            "by": "陈厂长", "confirmed_on": "2026-11-08"}
    update(desk, "late.yaml", late)
    shown = _cli(desk, "show", "PO-2026-0042").output
    assert "warning: 宁波绿源电器有限公司 confirms 2027-01-20, after the delivery date" in shown
    [row] = json.loads(_cli(desk, "orders", "--json").output)
    assert row["warnings"] and row["status"] == "received"
    update(desk, "on-time.yaml", {**late, "confirmed_delivery_date": "2027-01-12",
                                  "confirmed_on": "2026-11-09"})
    assert "warning:" not in _cli(desk, "show", "PO-2026-0042").output
    entries = json.loads(_cli(desk, "history", "PO-2026-0042", "--json").output)
    raised = next(e for e in entries if e["raised"])
    cleared = next(e for e in entries if e["cleared"])
    assert raised["source"] == "inbox/late.yaml" and cleared["source"] == "inbox/on-time.yaml"
    assert "cleared: 宁波绿源电器有限公司 confirms 2027-01-20" in _cli(
        desk, "history", "PO-2026-0042").output
