"""What is due on an order: the work manual's steps as deadlines, from the order, its
updates and its archived documents. Pure, so that `gendan due`, the index row and the
calendar agree; a step that is done is not due.

    approvals -> production notice -> factory confirmation -> inspection booked (lead days
    before delivery) -> legal inspection -> factory documents -> loading details -> latest
    shipment -> hand-over within the presentation period -> registration
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .doctypes import FACTORY_TYPES, GENERATED
from .flow import Workflow, approval_state, confirmations, inspection_deadline
from .models import Order

if TYPE_CHECKING:
    from .config import Handover
    from .policy import Policy

__all__ = ["CLOSED", "DueItem", "due_items", "required_documents"]

CLOSED = {"registered", "closed", "cancelled"}
APPROVAL_DAYS = 3  # the contract review is signed within three days of the order
CONFIRMATION_DAYS = 7  # the factory confirms the delivery date within a week of the notice
REGISTRATION_DAYS = 3  # a handed-over order is registered within three days


@dataclass(frozen=True)
class DueItem:
    kind: str  # approval, production_notice, factory_confirmation, inspection, ...
    what: str
    date: dt.date
    action: str  # what to do: the update to drop or the command to run

    def days_left(self, today: dt.date) -> int:
        return (self.date - today).days

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "what": self.what, "date": self.date.isoformat(),
                "action": self.action}


def required_documents(rules: Handover, order: Order) -> list[str]:
    """The documents the hand-over of this order needs, per [handover]."""
    required = list(rules.required)
    if order.inspection in {"customer", "third_party"}:
        required += rules.inspected
    if order.legal_inspection:
        required += rules.legal_inspection
    required += rules.by_price_term.get(order.price_term, [])
    if order.letter_of_credit is not None:  # what the credit asks for
        required += [d.document for d in order.letter_of_credit.documents]
    customer = rules.customers.get(order.customer.code)
    if customer is not None:
        required = [d for d in required + customer.add if d not in customer.remove]
    return list(dict.fromkeys(required))


def _title(doc_type: str) -> str:
    kind = GENERATED.get(doc_type) or FACTORY_TYPES.get(doc_type)
    return f"{kind.title_en} ({kind.title_zh})" if kind else doc_type


def _money(order: Order, workflow: Workflow) -> list[DueItem]:
    """Each instalment of the payment terms not received yet whose date is known."""
    from .schedule import money_due

    return [DueItem("payment", f"{i.name} {i.currency} {i.outstanding:,.2f}"
                    + (f" of {i.amount:,.2f}" if i.received else "")
                    + f" ({i.percent:g} %, {i.basis.split(' ', 1)[-1]}) not received",
                    i.due, f"chase the customer; drop a payment update for {order.order_no}")
            for i in money_due(order, workflow) if i.due is not None]


def due_items(order: Order, workflow: Workflow, documents: list[dict[str, Any]],
              policy: Policy) -> list[DueItem]:
    """Every step still open on the order, earliest deadline first."""
    from .policy import effective_status, shipment_date

    status = effective_status(order, workflow, documents, policy)
    n = order.order_no
    owed = [] if status == "cancelled" else _money(order, workflow)
    if status in CLOSED:
        return owed
    current = [m for m in documents if m.get("current")]
    have = {m["doc_type"] for m in current}
    items: list[DueItem] = owed
    approvals = approval_state(order, workflow, dict(policy.thresholds))
    approved_on = max((a.at.date() for a in approvals.signed), default=None)
    if approvals.rejected is not None:
        items.append(DueItem("approval", f"contract review rejected by {approvals.rejected.by}"
                             f" ({approvals.rejected.role}): revise the order",
                             approvals.rejected.at.date(), f"drop the revised order {n}"))
    elif not approvals.complete:
        who = ", ".join(approvals.missing)
        items.append(DueItem("approval", f"contract review: waiting for {who}",
                             order.order_date + dt.timedelta(days=APPROVAL_DAYS),
                             f"gendan approve {n} --role {approvals.missing[0]} (or a signed "
                             "approval update)"))
    else:
        notices = [m for m in current if m["doc_type"] == "production_order"]
        if notices and any(m.get("draft") for m in notices):
            items.append(DueItem("production_notice", "production notice to the factory: "
                                 "still a draft", approved_on or order.order_date,
                                 f"gendan run (it is made final once {n} is approved)"))
        for factory, confirmation in confirmations(order, workflow).items():
            who = factory or "the factory"
            if confirmation is None:
                items.append(DueItem("factory_confirmation", f"{who} has not confirmed the "
                                     "delivery date", (approved_on or order.order_date)
                                     + dt.timedelta(days=CONFIRMATION_DAYS),
                                     f"drop a factory_confirmation update for {n}"
                                     + (f" (factory: {factory})" if factory else "")))
            elif confirmation.confirmed_delivery_date > order.delivery_date:
                items.append(DueItem("factory_confirmation", f"{confirmation.factory} confirms "
                                     f"{confirmation.confirmed_delivery_date}, after the "
                                     f"delivery date {order.delivery_date}", order.delivery_date,
                                     "agree a date with the customer or chase the factory"))
    if workflow.inspection is None and workflow.loading is None:
        kind = order.inspection
        items.append(DueItem("inspection", f"{kind.replace('_', ' ')} inspection not booked "
                             f"({policy.lead_days[kind]} days before delivery)",
                             inspection_deadline(order, kind, dict(policy.lead_days)),
                             f"drop an inspection update for {n}"))
    shipped = shipment_date(workflow)
    latest = order.latest_shipment_date or order.delivery_date
    if order.legal_inspection and "inspection_certificate" not in have:
        items.append(DueItem("legal_inspection", "legal commodity inspection: certificate "
                             "not filed (needed before loading)",
                             shipped or order.delivery_date,
                             f"drop the inspection certificate into inbox/{n}/"))
    missing = [doc_type for doc_type in required_documents(policy.handover, order)
               if doc_type in FACTORY_TYPES and doc_type not in have]
    if missing:
        items.append(DueItem("documents", "not received: " + ", ".join(
            _title(d) for d in missing), shipped or order.delivery_date,
            f"ask the factory and the forwarder; drop them into inbox/{n}/"))
    if workflow.loading is None:
        items.append(DueItem("loading", "loading details (time, truck plate, driver's phone) "
                             "not given", order.delivery_date,
                             f"drop a loading update for {n}"))
    if shipped is None and status not in {"shipped", "handed_over"}:
        items.append(DueItem("shipment", "latest shipment date", latest,
                             "ship, or ask the customer to extend the date"))
    handed = next((e.recorded.date() for e in reversed(workflow.history)
                   if e.kind == "handover"), None)
    if handed is None and (shipped is not None or status == "shipped"):
        start = shipped or order.delivery_date
        items.append(DueItem("handover", f"hand-over of the documents (within "
                             f"{order.presentation_days} days of shipment)",
                             start + dt.timedelta(days=order.presentation_days),
                             f"gendan check {n}; gendan handover {n}"))
    if handed is not None:
        items.append(DueItem("registration", "business registration (业务登记) not done",
                             handed + dt.timedelta(days=REGISTRATION_DAYS),
                             f"drop a status update for {n} (status: registered)"))
    return sorted(items, key=lambda i: (i.date, i.kind))
