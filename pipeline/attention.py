"""What needs a person's attention on an order now: warnings computed from the order and
its history as they stand, so that a warning that no longer holds is gone (a loading
before any inspection was booked, once the inspection is booked). The flags an event
raised when it arrived stay in its history as they were.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .flow import Event, Workflow, advance, confirmations, inspection_deadline
from .models import Order

__all__ = ["Warning", "failed_documents", "open_warnings", "warning_history"]


@dataclass(frozen=True)
class Warning:
    code: str  # stable, for comparing over time
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def open_warnings(order: Order, workflow: Workflow, lead_days: dict[str, int]) -> list[Warning]:
    found: list[Warning] = []
    twice = [m for m, n in Counter(i.model for i in order.items).items() if n > 1]
    for model in twice:
        found.append(Warning(f"model-twice:{model}", f"model {model} is listed more than once "
                             "on the order; the checks match lines by model"))
    booking = workflow.inspection
    if booking is not None:
        deadline = inspection_deadline(order, booking.kind, lead_days)
        if booking.booked_on > deadline:
            found.append(Warning("inspection-late", f"inspection booked on {booking.booked_on}, "
                                 f"after the deadline {deadline} ({lead_days[booking.kind]} days "
                                 "before delivery)"))
        if booking.kind != order.inspection:
            found.append(Warning("inspection-kind", f"inspection kind {booking.kind} differs "
                                 f"from the order's {order.inspection}"))
    loading = workflow.loading
    if loading is not None:
        day = loading.loading_time.date()
        latest = order.latest_shipment_date or order.delivery_date
        if day > latest:
            found.append(Warning("loading-late", f"loading on {day} is after the latest "
                                 f"shipment date {latest}"))
        for model in loading.loaded_models:
            if model not in {i.model for i in order.items}:
                found.append(Warning(f"loading-model:{model}", f"equipment model {model} is "
                                     "not on the order"))
        if booking is None:
            found.append(Warning("loading-uninspected",
                                 "loading before any inspection was booked"))
        elif booking.date > day:
            found.append(Warning("loading-before-inspection", f"loading on {day} is before "
                                 f"the inspection on {booking.date}"))
    for factory, confirmation in confirmations(order, workflow).items():
        # each factory's own: only its next confirmation settles it
        if confirmation is not None and \
                confirmation.confirmed_delivery_date > order.delivery_date:
            found.append(Warning(f"factory-late:{factory}", f"{confirmation.factory} confirms "
                                 f"{confirmation.confirmed_delivery_date}, after the delivery "
                                 f"date {order.delivery_date} agreed with the customer"))
    for key, reason in failed_documents(workflow).items():
        found.append(Warning(f"document-failed:{key}", f"the {key.replace('_', ' ')} could not "
                             f"be made: {reason} (fix the template, `gendan templates check`; "
                             "it is made again with the order's next update or revision)"))
    times = [a.at for a in workflow.approvals]
    if times != sorted(times):
        found.append(Warning("approvals-order", "the approvals are not dated in the order of "
                             "the chain"))
    return found


def failed_documents(workflow: Workflow) -> dict[str, str]:
    """The documents whose last attempt failed, with why (an event's `failed_documents`
    stand until a later event makes them)."""
    failed: dict[str, str] = {}
    for event in workflow.history:
        for key in event.made_documents:
            failed.pop(key, None)
        failed.update(event.failed_documents)
    return failed


def warning_history(order: Order, events: list[Event], lead_days: dict[str, int]
                    ) -> list[tuple[Warning, Event, Event | None]]:
    """Each warning with the event that raised it and the one that cleared it (None: it
    still holds)."""
    workflow = Workflow()
    raised: dict[str, tuple[Warning, Event]] = {}
    done: list[tuple[Warning, Event, Event | None]] = []
    for event in sorted(events, key=lambda e: e.seq):
        workflow = advance(workflow, event)
        now = {w.code: w for w in open_warnings(order, workflow, lead_days)}
        for code in list(raised):
            if code not in now:
                warning, since = raised.pop(code)
                done.append((warning, since, event))
        for code, warning in now.items():
            raised.setdefault(code, (warning, event))
    done += [(warning, since, None) for warning, since in raised.values()]
    return sorted(done, key=lambda w: (w[1].seq, w[0].code))
