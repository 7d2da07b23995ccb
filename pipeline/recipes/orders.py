"""Order data and order updates: validate, open the order, make what changes, commit."""

from __future__ import annotations

from ..attention import failed_documents, open_warnings
from ..changes import order_changes
from ..documents import Made
from ..due import required_documents
from ..errors import UnmatchedError
from ..filing import Arrival, Filing
from ..flow import (
    ApprovalUpdate,
    Event,
    OrderUpdate,
    StatusUpdate,
    advance,
    apply_update,
    order_event,
    revision,
)
from ..models import Order
from ..numbering import counter_key, format_number
from ..outcome import Outcome
from ..record import OrderRecord
from .common import Desk, already_filed, checklist, titled

__all__ = ["order_arrived", "update_arrived"]


NUMBERED = (("quotation_no", "quotation"), ("contract_no", "contract"),
            ("invoice_no", "invoice"))


def number_order(desk: Desk, record: OrderRecord, order: Order
                 ) -> tuple[Order, dict[str, int]]:
    """The order with its own numbers: as the file gives them, else as an earlier version
    had them, else new ones from [numbering]; and the counters drawn from."""
    previous = record.order if record.exists() else None
    given: dict[str, str] = {}
    drawn: dict[str, int] = {}
    for field, name in NUMBERED:
        if getattr(order, field):
            continue
        kept = getattr(previous, field) if previous is not None else None
        if kept:
            given[field] = kept
            continue
        pattern = getattr(desk.settings.numbering, name)
        key = counter_key(name, pattern, order)
        seq = desk.store.next_in_series(key) if key else 0
        if key:
            drawn[key] = seq
        given[field] = format_number(pattern, order, seq)
    return (order.model_copy(update=given) if given else order), drawn


def order_arrived(desk: Desk, arrival: Arrival, order: Order) -> Outcome:
    """A new order, or a revision of one: the document set, made and filed."""
    store = desk.store
    with store.open(order.order_no, customer=order.customer.code, create=True) as record:
        if (done := record.original(arrival.sha256)) is not None:
            return already_filed(record, done, arrival)
        order, drawn = number_order(desk, record, order)
        from ..books.quote import quoted_order

        order, quoted = quoted_order(desk.workspace.books, order)
        exists = record.exists()
        version = record.next_version("original", "order_data", arrival.sha256) if exists else 1
        changes = order_changes(record.order, order) if exists else []
        event = order_event(record.workflow, version=version, source=arrival.label,
                            now=desk.clock.now(), changes=changes)
        lead_days = desk.settings.inspection.lead_days()
        twice = [w.message for w in open_warnings(order, record.workflow, lead_days)
                 if w.code.startswith("model-twice")]
        event = event.model_copy(update={"flags": (*twice, *quoted, *arrival.notes)})
        workflow = advance(record.workflow, event)
        with store.work_folder() as work:
            keys = desk.maker.on_order()
            if exists:
                keys = per_factory(keys, record.order, order)
            made = desk.maker.make(order, workflow, keys, work, titled(record),
                                   checklist(required_documents(desk.settings.handover, order),
                                             record))
            event = with_made(event, made)
            filed = record.commit(Filing(event, arrival.label, arrival.sha256, made.staged,
                                         arrival, "order_data", version,
                                         {"numbers": drawn} if drawn else {}, order=order))
    message = f"archived in {record.ref.folder}"
    if made.failures:
        message += f"; {len(made.failures)} document(s) failed"
    return Outcome(arrival.file, "archived", message, record.ref.order_no,
                   [d["file"] for d in filed],
                   [f"flag: {f}" for f in event.flags] + made.failures + made.notices,
                   failed=list(made.failures))


def update_arrived(desk: Desk, arrival: Arrival, update: OrderUpdate) -> Outcome:
    """An approval, booking, loading, confirmation or status: checked against the order
    and its history, then the documents it changes are remade."""
    store = desk.store
    if store.locate(update.order_no) is None:
        raise UnmatchedError(f"{arrival.label}: update for order {update.order_no}, which is "
                             "not archived yet", hint=f"order {update.order_no} has not "
                             "arrived; the update is applied when it does")
    with store.open(update.order_no) as record:
        if not record.exists():
            raise UnmatchedError(f"{arrival.label}: update for order {update.order_no}, whose "
                                 "order is not filed yet", hint=f"order {update.order_no} has "
                                 "not arrived; the update is applied when it does")
        if (done := record.original(arrival.sha256)) is not None:
            return already_filed(record, done, arrival)
        order = record.order
        if isinstance(update, ApprovalUpdate):
            update = proven(desk, update, revision(record.workflow), arrival.label)
        workflow, affected, flags = apply_update(
            order, record.workflow, update,
            thresholds=desk.settings.approval.general_manager_threshold,
            lead_days=desk.settings.inspection.lead_days(), source=arrival.label,
            now=desk.clock.now())
        event = workflow.history[-1]
        if arrival.notes:
            flags += arrival.notes
            event = event.model_copy(update={"flags": (*event.flags, *arrival.notes)})
            workflow = workflow.model_copy(update={"history": (*workflow.history[:-1], event)})
        if isinstance(update, StatusUpdate) and update.status == "in_production":
            from ..schedule import production_before_deposit

            early = production_before_deposit(order, record.workflow, update.at.date())
            if early:
                flags += early
                event = event.model_copy(update={"flags": (*event.flags, *early)})
                workflow = workflow.model_copy(update={"history": (*workflow.history[:-1],
                                                                  event)})
        if isinstance(update, StatusUpdate) and update.status == "shipped":
            from .check import check_case  # the compliance rules: only here

            errors = [f for f in check_case(desk, record, None).findings
                      if f.severity == "error"]
            if errors:
                flags.append(f"shipped with {len(errors)} open check error(s), first: "
                             f"{errors[0].message}")
                event = event.model_copy(update={"flags": (*event.flags, flags[-1])})
                workflow = workflow.model_copy(update={"history": (*workflow.history[:-1],
                                                                  event)})
        made_before = {m["doc_type"] for m in record.current() if m["kind"] == "generated"}
        if "production_order" in affected and isinstance(update, ApprovalUpdate):
            affected = drafts_only(affected, record)
        affected = tuple(a for a in affected if a.split("@")[0] in made_before
                         or desk.maker.needs_workflow(a.split("@")[0]))
        # a document that failed before is tried again with every update
        affected += tuple(k for k in failed_documents(record.workflow) if k not in affected)
        version = record.next_version("original", "order_update", arrival.sha256)
        with store.work_folder() as work:
            made = desk.maker.make(order, workflow, affected, work, titled(record),
                                   checklist(required_documents(desk.settings.handover, order),
                                             record))
            event = with_made(event, made)
            filed = record.commit(Filing(event, arrival.label, arrival.sha256, made.staged,
                                         arrival, "order_update", version,
                                         {"update": update.update, "flags": flags}))
    documents = [d["file"] for d in filed if d["kind"] != "original"]
    return Outcome(arrival.file, "archived", f"{update.update}: {event.summary}",
                   record.ref.order_no, documents,
                   [f"flag: {f}" for f in flags] + made.failures + made.notices,
                   failed=list(made.failures))


def proven(desk: Desk, update: ApprovalUpdate, current: int, source: str) -> ApprovalUpdate:
    """The approval, once its maker is proven the role's holder (signatures.py); its
    revision is the order's now when it did not say."""
    from ..people import People
    from ..signatures import prove

    prove(update.model_dump(mode="json"), People(desk.workspace.root), revision=current,
          trust_inbox=desk.settings.approval.trust_inbox)
    return update if update.revision else update.model_copy(update={"revision": current})


def with_made(event: Event, made: Made) -> Event:
    """The event with what it made and what failed to be made (and why), so that a failed
    document shows on the order until it is made (attention.failed_documents)."""
    if not made.staged and not made.failures:
        return event
    failed = {f.split(":", 1)[0].split(" ", 1)[0]: f.split(":", 1)[-1].strip()
              for f in made.failures}
    return event.model_copy(update={"made_documents": tuple(sorted({s.doc_type for s in
                                                                    made.staged})),
                                    "failed_documents": failed})


# what a factory's production order shows beside its own lines
_FACTORY_SEES = ("order_no", "contract_no", "customer_po", "order_date", "delivery_date",
                 "shipping_marks", "packing_spec", "requirements", "remarks", "legal_inspection",
                 "inspection", "customer", "destination", "salesperson")


def per_factory(keys: tuple[str, ...], before: Order, after: Order) -> tuple[str, ...]:
    """A revision remakes the production orders of the factories whose lines (or what every
    factory sees) changed, not every factory's."""
    makers = list(dict.fromkeys(i.manufacturer or "" for i in after.items))
    if "production_order" not in keys or len(makers) < 2:
        return keys
    if any(getattr(before, name) != getattr(after, name) for name in _FACTORY_SEES):
        return keys

    def lines(order: Order, factory: str) -> list[object]:
        return [i.model_dump() for i in order.items if (i.manufacturer or "") == factory]

    changed = [f for f in makers if lines(before, f) != lines(after, f)]
    return tuple(k for k in keys if k != "production_order") + tuple(
        f"production_order@{f}" for f in changed)


def drafts_only(affected: tuple[str, ...], record: OrderRecord) -> tuple[str, ...]:
    """An approval remakes the factories' production orders that are drafts; one that a
    revision left unchanged stays as it was sent."""
    notices = [m for m in record.current() if m["doc_type"] == "production_order"]
    factories = [m["factory"] for m in notices if "factory" in m]
    if len(factories) < 2:
        return affected
    drafts = [m["factory"] for m in notices if m.get("draft") and "factory" in m]
    return tuple(a for a in affected if a != "production_order") + tuple(
        f"production_order@{f}" for f in drafts)
