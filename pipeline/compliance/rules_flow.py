"""Rules on references, parties, dates, inspection, loading, approvals, completeness."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..attention import open_warnings
from ..flow import PHONE, PLATE, approval_state, inspection_deadline
from .case import Case, Finding
from .names import normalise_name
from .rules import COMMERCIAL, Rule, _values, rule


# -- 6. references ---------------------------------------------------------------------------
def _references(case: Case, this: Rule, field: str, expected: set[str],
                what: str) -> Iterator[Finding]:
    for doc, value in _values(case, field, tuple({d.doc_type for d in case.documents})):
        if value.value.upper() not in {e.upper() for e in expected}:
            yield this.finding(
                f"{what} {value.value} ({value.where()}), expected "
                f"{' or '.join(sorted(expected))}", doc.document, evidence=[value])


@rule("references.order_no", "error", "order number is the same on every document",
      "examiner check 6")
def order_no(case: Case, this: Rule) -> Iterator[Finding]:
    order = case.order
    yield from _references(case, this, "order_no", {order.order_no, *(
        [order.customer_po] if order.customer_po else [])}, "order no.")


@rule("references.contract_no", "error", "contract number is the same on every document",
      "examiner check 6")
def contract_no(case: Case, this: Rule) -> Iterator[Finding]:
    yield from _references(case, this, "contract_no", {case.order.contract_number},
                           "contract no.")


@rule("references.invoice_no", "error", "the packing list names the invoice's number",
      "examiner check 6; ISBP 745 L2")
def invoice_no(case: Case, this: Rule) -> Iterator[Finding]:
    invoices = {d.get("invoice_no") for d in case.of_type("commercial_invoice")} - {None}
    for doc, value in _values(case, "invoice_no", ("packing_list",)):
        if invoices and value.value not in invoices:
            yield this.finding(
                f"invoice no. {value.value} ({value.where()}), the invoice is "
                f"{' or '.join(sorted(invoices))}", doc.document, evidence=[value])


CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


# -- 7. parties ------------------------------------------------------------------------------
@rule("parties.buyer", "error", "buyer's name agrees with the order", "examiner check 7; "
      "UCP 600 art. 18(a)(ii)")
def buyer(case: Case, this: Rule) -> Iterator[Finding]:
    names = {normalise_name(n) for n in (case.order.customer.name_en, case.order.customer.name_zh)
             if n}
    for doc, value in _values(case, "buyer", (*COMMERCIAL, "packing_list")):
        found = normalise_name(value.value)
        if not any(n and (n in found or found in n) for n in names):
            # a name in Chinese where the order knows the buyer only in English: not comparable
            untold = not case.order.customer.name_zh and bool(CJK.search(value.value)) and \
                not LATIN_WORD.search(value.value)
            yield this.finding(
                f"buyer '{value.value}' ({value.where()}) is not {case.order.customer.name_en}"
                + (" (the order has no Chinese name to compare it with: add customer.name_zh)"
                   if untold else ""), doc.document, evidence=[value],
                severity="review" if untold else None)


@rule("parties.seller", "error", "seller's name is the company's", "examiner check 7; "
      "UCP 600 art. 18(a)(i)")
def seller(case: Case, this: Rule) -> Iterator[Finding]:
    names = {normalise_name(n) for n in case.company_names if n}
    for doc, value in _values(case, "seller", (*COMMERCIAL, "packing_list")):
        found = normalise_name(value.value)
        if not any(n in found or found in n for n in names):
            yield this.finding(
                f"seller '{value.value}' ({value.where()}) is not {case.company_names[-1]}",
                doc.document, evidence=[value])


# -- 8. dates --------------------------------------------------------------------------------
@rule("dates.not_after_handover", "error", "no document dated after the hand-over date",
      "examiner check 8; UCP 600 art. 14(i)")
def not_after_handover(case: Case, this: Rule) -> Iterator[Finding]:
    for doc, value in _values(case, "date", tuple({d.doc_type for d in case.documents})):
        if value.value > case.handover_date:
            yield this.finding(
                f"dated {value.value} ({value.where()}), after the hand-over on "
                f"{case.handover_date}", doc.document, evidence=[value])


@rule("dates.invoice_not_after_shipment", "error", "invoice not dated after shipment",
      "examiner check 8")
def invoice_not_after_shipment(case: Case, this: Rule) -> Iterator[Finding]:
    loading = case.workflow.loading
    if loading is None:
        return
    for doc, value in _values(case, "date", ("commercial_invoice",)):
        if value.value > loading.loading_time.date():
            yield this.finding(
                f"invoice dated {value.value} ({value.where()}), after loading on "
                f"{loading.loading_time:%Y-%m-%d}", doc.document, evidence=[value])


@rule("dates.inspection_before_loading", "error", "inspection before loading", "examiner check 8")
def inspection_before_loading(case: Case, this: Rule) -> Iterator[Finding]:
    inspection, loading = case.workflow.inspection, case.workflow.loading
    if loading is None:
        return
    if inspection is None or inspection.date > loading.loading_time.date():
        when = f"on {inspection.date}" if inspection else "never booked"
        yield this.finding(
            f"loading on {loading.loading_time:%Y-%m-%d}, inspection {when}")


@rule("dates.loading_by_latest_shipment", "error", "loading not after the latest shipment date",
      "examiner check 8; UCP 600 art. 31")
def loading_by_latest_shipment(case: Case, this: Rule) -> Iterator[Finding]:
    loading = case.workflow.loading
    latest = case.order.latest_shipment_date or case.order.delivery_date
    if loading is not None and loading.loading_time.date() > latest:
        yield this.finding(
            f"loading on {loading.loading_time:%Y-%m-%d}, latest shipment date {latest}")


@rule("dates.inspection_lead_time", "warning", "inspection booked with the required lead time",
      "order flow step 7")
def inspection_lead_time(case: Case, this: Rule) -> Iterator[Finding]:
    booking = case.workflow.inspection
    if booking is None:
        return
    deadline = inspection_deadline(case.order, booking.kind, case.lead_days)
    if booking.booked_on > deadline:
        yield this.finding(
            f"{booking.kind} inspection booked on {booking.booked_on}, deadline {deadline}")


# -- 9. legal inspection ---------------------------------------------------------------------
@rule("legal.certificate", "error", "legal commodity inspection: certificate before loading",
      "examiner check 9")
def legal_certificate(case: Case, this: Rule) -> Iterator[Finding]:
    if not case.order.legal_inspection:
        return
    certificates = case.of_type("inspection_certificate")
    if not certificates:
        yield this.finding(
            "the order needs legal commodity inspection but no certificate (商检证书) is archived")
        return
    loading = case.workflow.loading
    for doc, value in _values(case, "date", ("inspection_certificate",)):
        if loading is not None and value.value > loading.loading_time.date():
            yield this.finding(
                f"certificate dated {value.value}, after loading on "
                f"{loading.loading_time:%Y-%m-%d}", doc.document)


# -- 10. loading notice ----------------------------------------------------------------------
@rule("loading.complete", "error", "loading notice complete: time, model, plate, driver phone",
      "examiner check 10")
def loading_complete(case: Case, this: Rule) -> Iterator[Finding]:
    loading = case.workflow.loading
    if loading is None:
        if "loading_notice" in case.required:
            yield this.finding("no loading details have arrived")
        return
    if not PLATE.match(loading.truck_plate):
        yield this.finding(f"truck plate {loading.truck_plate} is not a mainland plate "
                           "(a province character, a letter, then 5 or 6 letters and digits, "
                           "e.g. 浙B12345)")
    if not PHONE.match(loading.driver_phone):
        yield this.finding(f"driver phone {loading.driver_phone}: a mainland mobile number "
                           "has 11 digits and starts with 1")
    ordered = {i.model for i in case.order.items}
    for model in loading.loaded_models:
        if model not in ordered:
            yield this.finding(f"equipment model {model} is not on the order", severity="review")
    if not loading.loaded_models:
        yield this.finding("the loading names no model (equipment_model, models or the "
                           "containers' models): the customer cannot tell what the truck "
                           "carries", severity="review")


# -- 11. approvals ---------------------------------------------------------------------------
@rule("approvals.complete", "error", "contract review approved by the roles required",
      "order flow step 5, check 11")
def approvals(case: Case, this: Rule) -> Iterator[Finding]:
    state = approval_state(case.order, case.workflow, case.thresholds)
    if state.rejected is not None:
        yield this.finding(
            f"the contract review was rejected by {state.rejected.by} ({state.rejected.role})")
    elif state.missing:
        yield this.finding(
            f"the contract review lacks {', '.join(state.missing)}"
            + (f" (general manager needed: {'; '.join(state.reasons)})" if state.reasons else ""))
    creator = case.order.salesperson.name
    for approval in state.signed:
        if approval.role != "salesperson" and approval.by == creator:
            yield this.finding(
                f"{approval.role} {approval.by} approved a review they created")


@rule("approvals.before_documents", "review", "approvals dated in order", "examiner check 8, 11")
def approvals_in_order(case: Case, this: Rule) -> Iterator[Finding]:
    times = [a.at for a in case.workflow.approvals]
    if times != sorted(times):
        yield this.finding(
            "the approvals are not dated in the order of the chain")


# -- 12. titles ------------------------------------------------------------------------------
@rule("title.not_proforma", "error", "a commercial invoice is not titled proforma",
      "examiner check 12; ISBP 745 C1")
def not_proforma(case: Case, this: Rule) -> Iterator[Finding]:
    for doc, value in _values(case, "title", ("commercial_invoice",)):
        if value.value == "proforma":
            yield this.finding(
                f"{doc.document} is titled proforma but is required as the commercial invoice",
                doc.document)


# -- 13. completeness ------------------------------------------------------------------------
@rule("complete.required", "error", "every required document is present", "examiner check 13; "
      "work manual: the hand-over documents ([handover] required); under a credit, "
      "credit.documents")
def required(case: Case, this: Rule) -> Iterator[Finding]:
    credit = case.order.letter_of_credit
    asked = {d.document for d in credit.documents} if credit else set()  # credit.documents
    for doc_type in case.required:
        if not case.present.get(doc_type) and doc_type not in asked:
            yield this.finding(f"no {doc_type.replace('_', ' ')} archived")


@rule("complete.final", "error", "documents handed over are final, not DRAFT", "examiner check 13")
def final(case: Case, this: Rule) -> Iterator[Finding]:
    for name in case.drafts:
        yield this.finding(f"{name} is still a DRAFT", name)


@rule("complete.readable", "review", "every document has text to check", "examiner check 13")
def readable(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.documents:
        if not doc.has_text:
            yield this.finding(
                f"{doc.document}: no text: needs review (a scan? check it by eye)", doc.document)
        for problem in doc.problems:
            if not problem.startswith("no text"):
                yield this.finding(f"{doc.document}: {problem}",
                                                         doc.document)


@rule("complete.flags", "review", "open warnings on the order are looked at", "working rules")
def flags(case: Case, this: Rule) -> Iterator[Finding]:
    for warning in open_warnings(case.order, case.workflow, case.lead_days):
        yield this.finding(warning.message)
