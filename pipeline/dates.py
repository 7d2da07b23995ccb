"""The business date of each document: the date the document speaks for, from the order
and its history, never the day gendan happened to make it (that time is in the sidecar).

    quotation                      the quotation date, else the order date
    proforma, contract, review     the contract (signing) date, else the order date
    production order               the day the contract review was complete (else the
                                   contract date, while it is a DRAFT)
    inspection notice              the day the inspection was booked (else the contract date)
    loading notice                 the loading date
    booking note                   the factory's confirmation, then the loading date
    commercial invoice, packing    the invoice date, else the loading date, else the
    list                           delivery date (until loading is known)
    hand-over checklist,           the day of the latest event that changes them
    registration sheet
"""

from __future__ import annotations

import datetime as dt

from .flow import Workflow
from .models import Order

__all__ = ["business_date", "checked_as_of", "contract_date", "invoice_date"]


def contract_date(order: Order) -> dt.date:
    return order.contract_date or order.order_date


def invoice_date(order: Order, workflow: Workflow) -> dt.date:
    if order.invoice_date:
        return order.invoice_date
    if workflow.loading is not None:
        return workflow.loading.loading_time.date()
    return order.delivery_date


def _approved_on(workflow: Workflow) -> dt.date | None:
    approved = [a.at.date() for a in workflow.approvals if a.decision == "approved"]
    return max(approved) if approved else None


def business_date(key: str, order: Order, workflow: Workflow, *, complete: bool) -> dt.date:
    """The date document `key` carries; `complete`: the contract review is approved."""
    if key == "quotation":
        return order.quotation_date or order.order_date
    if key == "production_order" and complete:
        return _approved_on(workflow) or contract_date(order)
    if key == "inspection_notice" and workflow.inspection is not None:
        return workflow.inspection.booked_on
    if key == "loading_notice" and workflow.loading is not None:
        return workflow.loading.loading_time.date()
    if key in {"commercial_invoice", "packing_list"}:
        return invoice_date(order, workflow)
    if key == "booking_note":  # booked once a factory confirmed; remade with the loading
        if workflow.loading is not None:
            return workflow.loading.loading_time.date()
        if workflow.confirmations or workflow.factory_confirmation:
            return max(c.confirmed_on for c in (workflow.confirmations or
                                                (workflow.factory_confirmation,)) if c)
    if key in {"handover_checklist", "registration_sheet"} and workflow.history:
        return max(contract_date(order), max(e.recorded.date() for e in workflow.history
                                             if e.kind in {"status", "handover", "order"}))
    return contract_date(order)


def checked_as_of(order: Order, workflow: Workflow, today: dt.date) -> tuple[dt.date, str]:
    """The hand-over date a check assumes when none is given, and why: today, unless the
    order's own plan dates its documents later (the invoice and packing list carry the
    planned loading day): then that day, since a document dated as planned is not late."""
    planned = [(invoice_date(order, workflow), "the invoice date, as planned")]
    if workflow.shipment is not None and workflow.shipment.on_board_date is not None:
        planned.append((workflow.shipment.on_board_date, "the shipment on board"))
    day, why = max(planned)
    if day > today:
        return day, f"{why} ({day}); today is {today}"
    return today, "today"
