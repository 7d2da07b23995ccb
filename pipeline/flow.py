"""The order's workflow after it arrives: approvals, inspection, loading, factory
confirmation, status. Updates arrive as files; the rules here decide whether each is
accepted, what it flags for a person to look at, and which documents it changes.

No I/O: validated data and pure functions.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from .errors import FieldProblem, UpdateRejectedError, WaitingError
from .models import Order
from .updates import (
    CHAIN,
    PHONE,
    PLATE,
    ROLE_TITLES,
    STATUSES,
    ApprovalUpdate,
    CreditNoteUpdate,
    FactoryConfirmationUpdate,
    InspectionUpdate,
    LoadingUpdate,
    OrderUpdate,
    PaymentUpdate,
    Proof,
    Role,
    ShipmentUpdate,
    StatusUpdate,
    Strict,
    update_adapter,
)

__all__ = [
    "PHONE",
    "PLATE",
    "ROLE_TITLES",
    "STATUSES",
    "ApprovalState",
    "ApprovalUpdate",
    "Event",
    "FactoryConfirmationUpdate",
    "InspectionUpdate",
    "LoadingUpdate",
    "OrderUpdate",
    "Proof",
    "ShipmentUpdate",
    "StatusUpdate",
    "Workflow",
    "advance",
    "apply_update",
    "approval_state",
    "confirmations",
    "fold",
    "inspection_deadline",
    "revision",
    "update_adapter",
]

class Event(Strict):
    """One thing that happened to the order, recorded in the sidecar of the file that
    made it happen (the update, the order revision, the factory document, the pack)."""

    seq: int = Field(0, description="Position in the order's history, from 1")
    recorded: dt.datetime
    kind: str = Field(description="order, approval, inspection, loading, "
                      "factory_confirmation, status, factory_document, check, handover")
    source: str
    summary: str
    flags: tuple[str, ...] = ()
    data: dict[str, Any] = Field(default_factory=dict)
    made_documents: tuple[str, ...] = Field((), description="Document types made with it")
    failed_documents: dict[str, str] = Field(default_factory=dict, description="Document "
                                             "types that could not be made, and why")


class Workflow(Strict):
    """Everything that happened to the order after it arrived (workflow.json)."""

    approvals: tuple[ApprovalUpdate, ...] = ()
    inspection: InspectionUpdate | None = None
    loading: LoadingUpdate | None = None
    factory_confirmation: FactoryConfirmationUpdate | None = None  # the latest
    confirmations: tuple[FactoryConfirmationUpdate, ...] = ()  # each factory's latest
    shipment: ShipmentUpdate | None = None
    payments: tuple[PaymentUpdate, ...] = ()  # money received, in the order it came
    credit_notes: tuple[CreditNoteUpdate, ...] = ()
    status: str = "received"

    @property
    def paid(self) -> Decimal:
        """What the customer paid and was credited (receipts and credit notes)."""
        return sum((p.amount for p in self.payments), Decimal(0)) + \
            sum((c.amount for c in self.credit_notes), Decimal(0))
    history: tuple[Event, ...] = ()


class ApprovalState(Strict):
    required: tuple[Role, ...]
    reasons: tuple[str, ...]  # why the general manager must approve, if so
    signed: tuple[ApprovalUpdate, ...]
    missing: tuple[Role, ...]
    complete: bool
    rejected: ApprovalUpdate | None


def approval_state(order: Order, workflow: Workflow,
                   thresholds: dict[str, Decimal]) -> ApprovalState:
    """Who must sign the contract review, who has, and whether the chain is complete."""
    reasons = []
    limit = thresholds.get(order.currency)
    if limit is None:
        reasons.append(f"no threshold is set for {order.currency}")
    elif order.total_amount >= limit:
        reasons.append(f"amount {order.currency} {order.total_amount:,.2f} is at or above "
                       f"{order.currency} {limit:,.2f}")
    if order.prepayment_percent > 0:
        reasons.append(f"prepayment {order.prepayment_percent}%")
    if order.commission_percent > 0:
        reasons.append(f"commission {order.commission_percent}%")
    required = CHAIN if reasons else CHAIN[:2]
    rejected = next((a for a in workflow.approvals if a.decision == "rejected"), None)
    signed = tuple(a for a in workflow.approvals if a.decision == "approved")
    done = {a.role for a in signed}
    missing = tuple(r for r in required if r not in done)
    return ApprovalState(required=required, reasons=tuple(reasons), signed=signed,
                         missing=missing, complete=not missing and rejected is None,
                         rejected=rejected)


def inspection_deadline(order: Order, kind: str, lead_days: dict[str, int]) -> dt.date:
    """The date by which the inspection must be notified or booked."""
    return order.delivery_date - dt.timedelta(days=lead_days[kind])


def _reject(update: OrderUpdate, field: str, found: str, expected: str) -> UpdateRejectedError:
    return UpdateRejectedError(update.order_no, [FieldProblem(field, found, expected)])


def _approve(order: Order, workflow: Workflow, update: ApprovalUpdate,
             thresholds: dict[str, Decimal]) -> list[str]:
    state = approval_state(order, workflow, thresholds)
    if state.rejected is not None:
        first = state.rejected
        raise _reject(update, "decision", f"an approval after the rejection by {first.by} "
                      f"({first.role}) on {first.at:%Y-%m-%d}",
                      "a revised order, which restarts the review")
    if update.role not in state.required:
        raise _reject(update, "role", update.role,
                      f"one of {', '.join(state.required)} (the general manager approves only "
                      "large orders or orders with prepayment or commission)")
    if update.role in {a.role for a in state.signed}:
        raise _reject(update, "role", f"{update.role}, who has already signed",
                      f"one of the roles still missing: {', '.join(state.missing) or 'none'}")
    before = state.required[: state.required.index(update.role)]
    if missing := [r for r in before if r in state.missing]:
        raise WaitingError(
            f"{update.role} approval of order {update.order_no} waits for "
            f"{' and '.join(missing)}",
            hint=f"the chain goes salesperson, manager, general manager: it is applied once "
            f"{' and '.join(missing)} {'has' if len(missing) == 1 else 'have'} signed")
    if update.role == "salesperson" and update.by != order.salesperson.name:
        raise _reject(update, "by", update.by,
                      f"the order's salesperson {order.salesperson.name}, who creates the review")
    if update.role != "salesperson" and update.by == order.salesperson.name:
        raise _reject(update, "by", f"{update.by}, who created the review",
                      "an approver other than the person who created the review")
    if held := [a.role for a in state.signed if a.by == update.by]:
        raise _reject(update, "by", f"{update.by}, who has signed as {held[0]} already",
                      "another person: nobody holds two roles of one review (four eyes)")
    if workflow.approvals and update.at < max(a.at for a in workflow.approvals):
        return [f"approval dated {update.at:%Y-%m-%d %H:%M} is earlier than the one before it"]
    return []


def apply_update(
    order: Order,
    workflow: Workflow,
    update: OrderUpdate,
    *,
    thresholds: dict[str, Decimal],
    lead_days: dict[str, int],
    source: str,
    now: dt.datetime,
) -> tuple[Workflow, tuple[str, ...], list[str]]:
    """Apply one update: the new workflow, the document types it changes, and flags for a
    person to review. Raises UpdateRejectedError when the update contradicts the order."""
    flags: list[str] = []
    affected: tuple[str, ...]
    if isinstance(update, ApprovalUpdate):
        flags = _approve(order, workflow, update, thresholds)
        before = approval_state(order, workflow, thresholds)
        signed = workflow.model_copy(update={"approvals": (*workflow.approvals, update)})
        after = approval_state(order, signed, thresholds)
        affected = ("contract_review",)
        if (before.complete, before.rejected) != (after.complete, after.rejected):
            affected += ("sales_contract", "production_order")
        proof = update.proof
        summary = f"{update.role} {update.by}: {update.decision} " + (
            f"({proof.kind} {proof.account})" if proof else "(unverified)")
    elif isinstance(update, InspectionUpdate):
        deadline = inspection_deadline(order, update.kind, lead_days)
        if update.date > order.delivery_date:
            raise _reject(update, "date", f"{update.date}", f"a date before the delivery date "
                          f"{order.delivery_date}")
        if update.booked_on > deadline:
            flags.append(f"booked on {update.booked_on}, after the deadline {deadline} "
                         f"({lead_days[update.kind]} days before delivery)")
        if update.kind != order.inspection:
            flags.append(f"inspection kind {update.kind} differs from the order's "
                         f"{order.inspection}")
        affected = ("inspection_notice",)
        summary = f"{update.kind} inspection by {update.inspector} on {update.date}"
    elif isinstance(update, LoadingUpdate):
        latest = order.latest_shipment_date or order.delivery_date
        if update.loading_time.date() > latest:
            flags.append(f"loading on {update.loading_time:%Y-%m-%d} is after the latest "
                         f"shipment date {latest}")
        models = {item.model for item in order.items}
        for model in update.loaded_models:
            if model not in models:
                flags.append(f"equipment model {model} is not on the order")
        if workflow.inspection is None:
            flags.append("loading before any inspection was booked")
        elif workflow.inspection.date > update.loading_time.date():
            flags.append(f"loading on {update.loading_time:%Y-%m-%d} is before the inspection "
                         f"on {workflow.inspection.date}")
        affected = ("loading_notice", "booking_note")  # the booking note: its containers
        if order.invoice_date is None:  # the invoice and packing list are dated the loading
            affected += ("commercial_invoice", "packing_list")
        summary = f"loading {update.loading_time:%Y-%m-%d %H:%M}, truck {update.truck_plate}"
        if update.containers:
            summary += ", " + ", ".join(f"{c.type} {c.number or ''}".strip()
                                        for c in update.containers)
    elif isinstance(update, FactoryConfirmationUpdate):
        if update.confirmed_delivery_date > order.delivery_date:
            flags.append(f"the factory confirms {update.confirmed_delivery_date}, after the "
                         f"delivery date {order.delivery_date} agreed with the customer")
        factories = {item.manufacturer or "" for item in order.items}
        affected = (f"production_order@{update.factory}",) if len(factories) > 1 and \
            update.factory in factories else ("production_order",)
        affected += ("booking_note",)  # the goods' date is known: space is booked
        summary = f"{update.factory} confirms delivery {update.confirmed_delivery_date}"
    elif isinstance(update, ShipmentUpdate):
        latest = order.latest_shipment_date or order.delivery_date
        if order.letter_of_credit and order.letter_of_credit.latest_shipment_date:
            latest = min(latest, order.letter_of_credit.latest_shipment_date)
        if update.on_board_date > latest:
            flags.append(f"shipped on board on {update.on_board_date}, after the latest "
                         f"shipment date {latest}")
        if workflow.loading and update.on_board_date < workflow.loading.loading_time.date():
            flags.append(f"on board on {update.on_board_date}, before the loading on "
                         f"{workflow.loading.loading_time:%Y-%m-%d}")
        affected = ("registration_sheet", "handover_checklist")
        summary = f"shipped on board {update.on_board_date}, B/L {update.bl_no}"
    elif isinstance(update, PaymentUpdate | CreditNoteUpdate):
        flags, summary = _money(order, workflow, update)
        affected = ("registration_sheet",)  # it shows what was received
    else:
        affected = ("registration_sheet", "handover_checklist")  # both show the status
        summary = f"status {update.status}"
    event = Event(seq=len(workflow.history) + 1, recorded=now, kind=update.update,
                  source=source, summary=summary, flags=tuple(flags),
                  data=update.model_dump(mode="json"))
    return advance(workflow, event), affected, flags


def _money(order: Order, workflow: Workflow, update: PaymentUpdate | CreditNoteUpdate
           ) -> tuple[list[str], str]:
    """A receipt or credit note checked against the order: its currency must be the
    order's; paying more than the order's amount, or naming another invoice, is flagged."""
    if update.currency != order.currency:
        raise _reject(update, "currency", update.currency, f"the order's currency "
                      f"{order.currency} (record a payment in another currency by its "
                      "converted amount, with the rate in the remark)")
    flags = []
    after = workflow.paid + update.amount
    if after > order.total_amount:
        flags.append(f"received and credited {order.currency} {after:,.2f}, more than the "
                     f"order's {order.total_amount:,.2f}")
    if isinstance(update, PaymentUpdate):
        if update.invoice_no and order.invoice_no and update.invoice_no != order.invoice_no:
            flags.append(f"the payment names invoice {update.invoice_no}, not the order's "
                         f"{order.invoice_no}")
        summary = (f"{update.kind} received {update.currency} {update.amount:,.2f} on "
                   f"{update.date}" + (f", bank charges {update.bank_charges:,.2f}"
                                       if update.bank_charges else "")
                   + (f", ref {update.bank_ref}" if update.bank_ref else ""))
    else:
        summary = (f"credit note {update.number}: {update.currency} {update.amount:,.2f} "
                   f"({update.reason})")
    return flags, summary


def confirmations(order: Order, workflow: Workflow
                  ) -> dict[str, FactoryConfirmationUpdate | None]:
    """Each factory of the order and its latest confirmation (None: not confirmed yet). An
    order from one factory (or with no factory named) is settled by any confirmation."""
    factories = list(dict.fromkeys(item.manufacturer or "" for item in order.items))
    given = list(workflow.confirmations) or (
        [workflow.factory_confirmation] if workflow.factory_confirmation else [])
    if len(factories) < 2:
        return {factories[0]: given[-1] if given else None}
    by_factory = {c.factory: c for c in given}
    return {f: by_factory.get(f) for f in factories}


def revision(workflow: Workflow) -> int:
    """The order's revision now: 1 for the first order file, 2 after its first revision."""
    return max((int(e.data.get("version", 1)) for e in workflow.history if e.kind == "order"),
               default=1)


def order_event(workflow: Workflow, *, version: int, source: str, now: dt.datetime,
                changes: list[str] | None = None) -> Event:
    """The event of an order's arrival (version 1) or revision (a later version); a
    revision restarts the contract review, the rest is kept."""
    revised = version > 1
    if not revised:
        summary = "order received"
    else:
        summary = ("order revised: the contract review starts again" if workflow.approvals
                   else "order revised")
    return Event(seq=len(workflow.history) + 1, recorded=now, kind="order", source=source,
                 summary=summary, data={"version": version, "revised": revised,
                                        "changes": list(changes or [])})


_UPDATES: dict[str, type[BaseModel]] = {
    "inspection": InspectionUpdate, "loading": LoadingUpdate,
    "factory_confirmation": FactoryConfirmationUpdate, "shipment": ShipmentUpdate,
}


def advance(workflow: Workflow, event: Event) -> Workflow:
    """The workflow after one more event (no checks: the event was accepted when made)."""
    changes: dict[str, object] = {"history": (*workflow.history, event)}
    data = event.data
    if event.kind == "order" and data.get("revised"):
        changes["approvals"] = ()
    elif event.kind == "approval":
        changes["approvals"] = (*workflow.approvals, ApprovalUpdate.model_validate(data))
    elif event.kind in _UPDATES:
        changes[event.kind] = update = _UPDATES[event.kind].model_validate(data)
        if isinstance(update, FactoryConfirmationUpdate):  # one factory's replaces its own
            changes["confirmations"] = (*(c for c in workflow.confirmations
                                          if c.factory != update.factory), update)
    elif event.kind == "payment":
        changes["payments"] = (*workflow.payments, PaymentUpdate.model_validate(data))
    elif event.kind == "credit_note":
        changes["credit_notes"] = (*workflow.credit_notes,
                                   CreditNoteUpdate.model_validate(data))
    elif event.kind == "status":
        changes["status"] = data["status"]
    elif event.kind == "handover":
        changes["status"] = "handed_over"
    return workflow.model_copy(update=changes)


_FOLDS: OrderedDict[int, tuple[tuple[Event, ...], Workflow]] = OrderedDict()
_FOLDS_LOCK = threading.Lock()


def fold(events: Iterable[Event]) -> Workflow:
    """The workflow an order's history adds up to, events in the order they happened. The
    folds of the last 64 histories are kept: a history that goes on from one of them (the
    same event objects, more after them) is folded from there, not from its start."""
    ordered = tuple(sorted(events, key=lambda e: e.seq))
    if not ordered:
        return Workflow()
    with _FOLDS_LOCK:  # by its first event (alive while kept: no other object has its id)
        kept = _FOLDS.get(id(ordered[0]))
    start, workflow = 0, Workflow()
    if kept is not None and len(kept[0]) <= len(ordered) and \
            all(a is b for a, b in zip(kept[0], ordered[:len(kept[0])], strict=True)):
        start, workflow = len(kept[0]), kept[1]
    for event in ordered[start:]:
        workflow = advance(workflow, event)
    with _FOLDS_LOCK:
        _FOLDS[id(ordered[0])] = (ordered, workflow)
        _FOLDS.move_to_end(id(ordered[0]))
        if len(_FOLDS) > 64:
            _FOLDS.popitem(last=False)
    return workflow
