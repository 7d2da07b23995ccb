"""The check never cries wolf: a finding is only as certain as the reading behind it, a
document is checked against the lines it covers, the order's own planned dates are not
errors before their day, and gendan's own documents read back without findings."""

from __future__ import annotations

import datetime as dt
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
