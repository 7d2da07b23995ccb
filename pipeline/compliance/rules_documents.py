"""Rules on what single documents must say: marks, ports, the inspection's result, the
models on warranty cards and manuals, both parties, a clean on-board bill of lading, the
origin, the insurance date, and every field a document of its kind must show."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..places import same_place
from .case import Case, Finding
from .rules import Rule, _values, rule
from .rules_dates import shipment_date

CARRIER_DOCUMENTS = ("commercial_invoice", "packing_list", "bill_of_lading")


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


@rule("marks.shipping", "error", "shipping marks are the same on every document",
      "examiner check 5; ISBP 745 A29")
def shipping_marks(case: Case, this: Rule) -> Iterator[Finding]:
    found = list(_values(case, "shipping_marks", CARRIER_DOCUMENTS))
    expected = case.order.shipping_marks
    if expected:
        first = _squash(expected.splitlines()[0])
        for doc, value in found:
            if first not in _squash(value.value) and _squash(value.value) not in first:
                yield this.finding(f"marks '{value.value[:60]}' ({value.where()}), the order's "
                                   f"are '{expected.splitlines()[0]}'", doc.document,
                                   evidence=[value])
        return
    marks = sorted({_squash(v.value) for _, v in found}, key=len)
    # a mark wrapped onto the next line reads shorter: the shorter must begin the longer
    if any(not longer.startswith(marks[0]) for longer in marks[1:]):
        shown = "; ".join(f"{v.value[:40]} ({v.where()})" for _, v in found)
        yield this.finding(f"the documents show different marks: {shown}",
                           *(d.document for d, _ in found))


@rule("ports.loading", "error", "port of loading agrees with the order",
      "examiner check 2; UCP 600 art. 20(a)(iii)")
def port_of_loading(case: Case, this: Rule) -> Iterator[Finding]:
    expected = case.order.port_of_loading
    if not expected:
        return
    for doc, value in _values(case, "port_of_loading", CARRIER_DOCUMENTS):
        if not same_place(value.value, expected):
            yield this.finding(f"port of loading {value.value} ({value.where()}), the order "
                               f"ships from {expected}", doc.document, evidence=[value])


@rule("ports.discharge", "error", "port of discharge agrees with the order's destination",
      "examiner check 2; UCP 600 art. 20(a)(iii)")
def port_of_discharge(case: Case, this: Rule) -> Iterator[Finding]:
    expected = case.order.destination
    for doc, value in _values(case, "port_of_discharge", CARRIER_DOCUMENTS):
        if not same_place(value.value, expected):
            yield this.finding(f"port of discharge {value.value} ({value.where()}), the order "
                               f"goes to {expected}", doc.document, evidence=[value])


@rule("inspection.result", "error", "the inspection report passes the goods",
      "order flow step 7; work manual")
def inspection_result(case: Case, this: Rule) -> Iterator[Finding]:
    for doc, value in _values(case, "inspection_result", ("inspection_report",)):
        if re.search(r"fail|reject|不合格|不通过", value.value, re.IGNORECASE):
            yield this.finding(f"the inspection result is {value.value} ({value.where()})",
                               doc.document, evidence=[value])


@rule("inspection.report_before_loading", "error", "the inspection took place before loading",
      "examiner check 8")
def report_before_loading(case: Case, this: Rule) -> Iterator[Finding]:
    loading = case.workflow.loading
    if loading is None:
        return
    for doc, value in _values(case, "date", ("inspection_report",)):
        if value.value > loading.loading_time.date():
            yield this.finding(f"inspection report dated {value.value} ({value.where()}), after "
                               f"loading on {loading.loading_time:%Y-%m-%d}", doc.document,
                               evidence=[value])


def _names_a_model(case: Case, doc_type: str, this: Rule) -> Iterator[Finding]:
    """Each document names one of the order's models; together they name every model of
    the factories they come from (a card per model is as good as one for all)."""
    named: set[str] = set()
    read = [doc for doc in case.of_type(doc_type) if doc.has_text]
    for doc in read:
        models = {i["model"].value for i in doc.items if "model" in i}
        named |= models
        if not models:
            ordered = ", ".join(i.model for i in case.order.items)
            yield this.finding(f"{doc.document} names none of the order's models ({ordered})",
                               doc.document)
    # a factory's cards cover its own models: one it names some of, it must name all of
    makers = {i.manufacturer or "" for i in case.order.items if i.model in named}
    missing = [i.model for i in case.order.items if i.model not in named and
               (i.manufacturer or "") in makers and i.warranty_months != 0]
    if named and missing:
        yield this.finding(f"no {doc_type.replace('_', ' ')} for {', '.join(missing)} (they "
                           f"name {', '.join(sorted(named))})", *(d.document for d in read))


@rule("warranty.models", "warning", "the warranty card names the order's models",
      "examiner check 5")
def warranty_models(case: Case, this: Rule) -> Iterator[Finding]:
    yield from _names_a_model(case, "warranty_card", this)


@rule("manual.models", "warning", "the user manual names the order's models",
      "examiner check 5")
def manual_models(case: Case, this: Rule) -> Iterator[Finding]:
    yield from _names_a_model(case, "user_manual", this)


@rule("parties.on_every_document", "warning", "buyer and seller are on every commercial "
      "and transport document", "examiner check 7; UCP 600 art. 18(a)")
def parties_everywhere(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type("commercial_invoice", "bill_of_lading"):
        if not doc.has_text:
            continue
        for party in ("seller", "buyer"):
            if party not in doc.fields:
                yield this.finding(f"{doc.document} shows no {party} (or it could not be read)",
                                   doc.document)


@rule("bl.clean", "error", "the bill of lading is clean (no clause on the goods' state)",
      "UCP 600 art. 27")
def bl_clean(case: Case, this: Rule) -> Iterator[Finding]:
    for doc, value in _values(case, "clauses", ("bill_of_lading",)):
        yield this.finding(f"the bill of lading says '{value.value}' ({value.where()}): not "
                           "a clean transport document", doc.document, evidence=[value])


@rule("bl.signed", "warning", "the bill of lading is signed by the carrier, the master or an "
      "agent for them", "UCP 600 art. 20(a)(i); ISBP 821 E5")
def bl_signed(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type("bill_of_lading"):
        if doc.has_text and "carrier_signature" not in doc.fields:
            yield this.finding(f"{doc.document} shows no signature of the carrier, the master or "
                               "an agent named as such", doc.document)


@rule("totals.packages_in_words", "error", "the packages in words agree with the figures",
      "examiner check 1, 3; ISBP 821 L3")
def packages_in_words(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type("packing_list", "commercial_invoice", "bill_of_lading"):
        said, figure = doc.fields.get("packages_words_value"), doc.fields.get("packages")
        if said is not None and figure is not None and said.value != figure.value:
            yield this.finding(f"'{said.raw[:70]}' says {said.value} packages, the figures "
                               f"{figure.value} ({figure.where()})", doc.document,
                               evidence=[said, figure])


@rule("bl.on_board", "warning", "the bill of lading shows the goods shipped on board",
      "UCP 600 art. 20(a)(ii)")
def bl_on_board(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type("bill_of_lading"):
        if doc.has_text and "on_board" not in doc.fields and "on_board_date" not in doc.fields:
            yield this.finding(f"{doc.document} has no on-board notation", doc.document)


@rule("insurance.date", "error", "the insurance is dated no later than shipment",
      "UCP 600 art. 28(e)")
def insurance_date(case: Case, this: Rule) -> Iterator[Finding]:
    shipped = shipment_date(case)
    if shipped is None:
        return
    for doc, value in _values(case, "date", ("insurance_policy",)):
        if value.value > shipped:
            yield this.finding(f"insurance dated {value.value} ({value.where()}), after "
                               f"shipment on {shipped}", doc.document, evidence=[value])


@rule("extract.required_fields", "review", "every field a document of its kind must show was "
      "read", "examiner check 13; what was not read is not passed")
def required_fields(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.documents:
        if doc.has_text and doc.missing:
            yield this.finding(f"{doc.document}: could not read {', '.join(doc.missing)} (read "
                               f"{doc.read_count} of {len(doc.required)}): check it by eye",
                               doc.document)


@rule("title.commercial_invoice", "review", "the commercial invoice is titled as one",
      "ISBP 745 C1")
def invoice_title(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type("commercial_invoice"):
        if doc.has_text and "title" not in doc.fields:
            yield this.finding(f"{doc.document} has no title (commercial invoice) that could be "
                               "read", doc.document)


@rule("references.customer_po", "error", "the buyer's order number is the same on every "
      "document", "examiner check 6")
def customer_po(case: Case, this: Rule) -> Iterator[Finding]:
    expected = case.order.customer_po
    if not expected:
        return
    for doc, value in _values(case, "customer_po", tuple({d.doc_type for d in case.documents})):
        if _squash(value.value) != _squash(expected):
            yield this.finding(f"buyer's order no. {value.value} ({value.where()}), the order "
                               f"says {expected}", doc.document, evidence=[value])


@rule("documents.factory_seal", "review", "a factory's scanned document carries its red seal "
      "(公章) where the office asks for one", "work manual: the factory's documents, sealed; "
      "[ocr] seal_types")
def factory_seal(case: Case, this: Rule) -> Iterator[Finding]:
    for doc in case.of_type(*case.seal_types):
        if doc.sealed is False:
            yield this.finding(f"no red seal found on the scan of {doc.document}: look at it, "
                               "or ask the factory for a sealed copy", doc.document)
