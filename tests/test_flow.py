"""The workflow rules: who must approve, what an update may and may not do."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from pipeline.errors import OrderDataError, UpdateRejectedError
from pipeline.flow import Event, Workflow, apply_update, approval_state, fold, update_adapter
from pipeline.intake.order_file import parse_order
from pipeline.models import Order

THRESHOLDS = {"USD": Decimal(50000), "EUR": Decimal(45000)}
LEAD = {"in_house": 7, "customer": 7, "third_party": 14}
NOW = dt.datetime(2026, 11, 5, 9, 0)


def _order(order_data: dict[str, Any], **changes: Any) -> Order:
    return parse_order({**order_data, **changes}, "test")


def _unit_price_for(order_data: dict[str, Any], total: str) -> dict[str, Any]:
    """One line whose amount is exactly `total`."""
    item = {**order_data["items"][0], "quantity": 1, "unit_price": total}
    item.pop("packing")
    return {"items": [item]}


def _apply(order: Order, workflow: Workflow, **fields: Any) -> tuple[Workflow, Any, Any]:
    update = update_adapter.validate_python({"order_no": order.order_no, **fields})
    return apply_update(order, workflow, update, thresholds=THRESHOLDS, lead_days=LEAD,
                        source="test", now=NOW)


def _approve(order: Order, workflow: Workflow, role: str, by: str, hour: int,
             decision: str = "approved") -> Workflow:
    workflow, _, _ = _apply(order, workflow, update="approval", role=role, by=by,
                            decision=decision, at=f"2026-11-03T{hour:02d}:00")
    return workflow


@pytest.mark.parametrize(
    ("total", "prepayment", "commission", "currency", "general_manager"),
    [
        ("49999.99", 0, 0, "USD", False),   # below the threshold
        ("50000.00", 0, 0, "USD", True),    # at it
        ("50000.01", 0, 0, "USD", True),    # above it
        ("1000.00", 30, 0, "USD", True),    # prepayment
        ("1000.00", 0, 3, "USD", True),     # commission
        ("44999.00", 0, 0, "EUR", False),   # another currency's threshold
        ("45000.00", 0, 0, "EUR", True),
        ("10.00", 0, 0, "GBP", True),       # no threshold set: to be safe, the GM approves
    ],
)
def test_who_must_approve(order_data: dict[str, Any], total: str, prepayment: int,
                          commission: int, currency: str, general_manager: bool) -> None:
    order = _order(order_data, prepayment_percent=prepayment, commission_percent=commission,
                   currency=currency, **_unit_price_for(order_data, total))
    state = approval_state(order, Workflow(), THRESHOLDS)
    expected = ("salesperson", "manager") + (("general_manager",) if general_manager else ())
    assert state.required == expected
    assert bool(state.reasons) == general_manager


def test_a_full_chain_completes_and_changes_the_contract_and_production_order(
    order_data: dict[str, Any],
) -> None:
    order = _order(order_data)  # 30% prepayment: the general manager approves too
    workflow = _approve(order, Workflow(), "salesperson", "王丽", 9)
    workflow, affected, _ = _apply(order, workflow, update="approval", role="manager",
                                   by="李强", at="2026-11-03T10:00")
    assert affected == ("contract_review",)
    assert not approval_state(order, workflow, THRESHOLDS).complete
    workflow, affected, _ = _apply(order, workflow, update="approval", role="general_manager",
                                   by="张伟", at="2026-11-03T11:00")
    assert affected == ("contract_review", "sales_contract", "production_order")
    assert approval_state(order, workflow, THRESHOLDS).complete


@pytest.mark.parametrize(
    ("steps", "role", "by", "reason"),
    [
        ([("salesperson", "王丽")], "manager", "王丽", "who created the review"),
        ([("salesperson", "王丽"), ("manager", "李强")], "general_manager", "王丽",
         "who created the review"),
        ([], "salesperson", "赵六", "the order's salesperson 王丽"),
        ([("salesperson", "王丽")], "salesperson", "王丽", "who has already signed"),
    ],
)
def test_approvals_that_break_the_rules_are_rejected(
    order_data: dict[str, Any], steps: list[tuple[str, str]], role: str, by: str, reason: str
) -> None:
    order = _order(order_data)
    workflow = Workflow()
    for hour, (step_role, step_by) in enumerate(steps, start=8):
        workflow = _approve(order, workflow, step_role, step_by, hour)
    with pytest.raises(UpdateRejectedError) as info:
        _approve(order, workflow, role, by, 12)
    assert reason in str(info.value.problems[0])


def test_an_approval_before_its_turn_waits(order_data: dict[str, Any]) -> None:
    from pipeline.errors import WaitingError

    with pytest.raises(WaitingError, match="manager approval of order PO-2026-0042 waits for "
                       "salesperson"):
        _approve(_order(order_data), Workflow(), "manager", "李强", 10)


def test_general_manager_is_not_asked_for_small_plain_orders(order_data: dict[str, Any]) -> None:
    order = _order(order_data, prepayment_percent=0, **_unit_price_for(order_data, "100.00"))
    workflow = _approve(order, Workflow(), "salesperson", "王丽", 9)
    with pytest.raises(UpdateRejectedError, match="role"):
        _approve(order, workflow, "general_manager", "张伟", 10)


def test_a_rejection_stops_the_chain(order_data: dict[str, Any]) -> None:
    order = _order(order_data)
    workflow = _approve(order, Workflow(), "salesperson", "王丽", 9)
    workflow = _approve(order, workflow, "manager", "李强", 10, decision="rejected")
    state = approval_state(order, workflow, THRESHOLDS)
    assert state.rejected is not None and not state.complete
    with pytest.raises(UpdateRejectedError) as info:
        _approve(order, workflow, "general_manager", "张伟", 11)
    assert "after the rejection by 李强" in str(info.value.problems[0])


def test_unknown_role_is_a_field_error() -> None:
    with pytest.raises(Exception) as info:
        update_adapter.validate_python({"update": "approval", "order_no": "X", "role": "boss",
                                        "by": "A", "at": "2026-11-03T09:00"})
    assert "role" in str(info.value)


def test_late_inspection_booking_is_flagged(order_data: dict[str, Any]) -> None:
    order = _order(order_data)  # third party, delivery 2027-01-15: book by 2027-01-01
    _, affected, flags = _apply(order, Workflow(), update="inspection", kind="third_party",
                                inspector="SGS", date="2027-01-10", booked_on="2027-01-05")
    assert affected == ("inspection_notice",)
    assert flags == ["booked on 2027-01-05, after the deadline 2027-01-01 "
                     "(14 days before delivery)"]
    _, _, flags = _apply(order, Workflow(), update="inspection", kind="third_party",
                         inspector="SGS", date="2027-01-10", booked_on="2027-01-01")
    assert flags == []


def test_inspection_after_delivery_is_rejected(order_data: dict[str, Any]) -> None:
    with pytest.raises(UpdateRejectedError, match="date"):
        _apply(_order(order_data), Workflow(), update="inspection", kind="third_party",
               inspector="SGS", date="2027-01-20", booked_on="2026-12-01")


LOADING = {"update": "loading", "loading_time": "2027-01-13T08:30", "equipment_model": "HT-2020",
           "truck_plate": "浙B12345", "driver_phone": "13957428810"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("truck_plate", "AB-1234", "not a mainland plate"),
        ("truck_plate", "浙I12345", "not a mainland plate"),
        ("driver_phone", "2395742881", "11 digits starting with 1"),
        ("driver_phone", "1395742881", "11 digits starting with 1"),
    ],
)
def test_loading_details_are_checked(field: str, value: str, message: str) -> None:
    with pytest.raises(Exception) as info:
        update_adapter.validate_python({"order_no": "X", **LOADING, field: value})
    assert message in str(info.value)


@pytest.mark.parametrize("plate", ["浙B12345", "浙BD12345", "沪A·8K2F1", "粤B 12345"])
def test_mainland_plates_are_accepted(plate: str) -> None:
    update_adapter.validate_python({"order_no": "X", **LOADING, "truck_plate": plate})


def test_loading_after_the_latest_shipment_date_is_recorded_and_flagged(
    order_data: dict[str, Any],
) -> None:
    workflow, _, flags = _apply(_order(order_data), Workflow(),
                                **{**LOADING, "loading_time": "2027-01-26T08:00"})
    assert workflow.loading is not None  # the check's late-shipment rule reports it
    assert "loading on 2027-01-26 is after the latest shipment date 2027-01-25" in flags


def test_loading_an_unknown_model_is_accepted_and_flagged(order_data: dict[str, Any]) -> None:
    workflow, affected, flags = _apply(_order(order_data), Workflow(),
                                       **{**LOADING, "equipment_model": "XX-1"})
    assert workflow.loading is not None
    assert affected == ("loading_notice", "booking_note", "commercial_invoice",
                        "packing_list")  # dated the loading; the booking note its containers
    assert "equipment model XX-1 is not on the order" in flags
    assert "loading before any inspection was booked" in flags


def test_factory_confirming_a_later_date_is_flagged(order_data: dict[str, Any]) -> None:
    _, affected, flags = _apply(_order(order_data), Workflow(), update="factory_confirmation",
                                factory="宁波绿源", confirmed_delivery_date="2027-01-20",
                                by="陈", confirmed_on="2026-11-06")
    assert affected == ("production_order", "booking_note")
    assert "after the delivery date" in flags[0]


def test_rejected_update_is_an_order_data_error() -> None:
    assert issubclass(UpdateRejectedError, OrderDataError)


def _status(seq: int, status: str) -> Event:
    return Event(seq=seq, recorded=NOW + dt.timedelta(hours=seq), kind="status", source="test",
                 summary=status, data={"status": status})


def test_a_history_goes_on_from_its_kept_fold_and_one_that_parts_from_it_does_not() -> None:
    """An order that grows is not folded from its first event for every file; the fold a
    longer history goes on from holds the very same events before the new ones."""
    first = _status(1, "confirmed")
    kept = [first, _status(2, "in_production")]
    assert fold(kept).status == "in_production"
    longer = [*kept, _status(3, "inspected")]
    assert fold(longer) == fold([e.model_copy() for e in longer])  # (copies: folded whole)
    assert [e.summary for e in fold(longer).history] == ["confirmed", "in_production",
                                                         "inspected"]
    parted = [first, _status(2, "cancelled"), _status(3, "reopened"), _status(4, "closed")]
    assert [e.summary for e in fold(parted).history] == ["confirmed", "cancelled", "reopened",
                                                         "closed"]  # the same first event only
    assert fold(list(reversed(parted))).status == "closed"  # in the order they happened
    assert fold([first]).status == "confirmed"  # a shorter history is folded on its own
