"""The variables a template sees, built from the order, its workflow and the settings.

`TemplateContext` is the contract between gendan and every template: docs/variables.md
is generated from it, and `gendan templates check` flags any other top-level name.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from .. import words
from ..config import Settings
from ..dates import business_date
from ..doctypes import DocType
from ..flow import ROLE_TITLES, Workflow, approval_state, inspection_deadline
from ..models import Order, money
from ..schedule import instalments
from ..terms import place_kind

__all__ = ["FILTERS", "TemplateContext", "document_context"]

FILTERS = {
    "money": words.format_money,
    "qty": words.format_qty,
    "date_en": words.date_en,
    "date_zh": words.date_zh,
    "words_en": words.words_en,
    "words_zh": words.words_zh,
}
INSPECTION_TITLES = {
    "in_house": ("本公司质检", "In-house QC"),
    "customer": ("客户验货", "Customer inspection"),
    "third_party": ("第三方验货", "Third-party inspection"),
}


class DocumentInfo(BaseModel):
    type: str = Field(description="Document type key, e.g. sales_contract")
    title_en: str = Field(description="Title in English")
    title_zh: str = Field(description="Title in Chinese")
    number: str = Field(description="Reference number, e.g. SC-PO-2026-0042")
    date: dt.date = Field(description="Date of issue (use |date_zh and |date_en)")
    draft: bool = Field(description="True while the approval the document needs is missing")
    sealed: bool = Field(description="True when the seal is to be shown")


class Totals(BaseModel):
    amount: Decimal = Field(description="Sum of line amounts")
    quantity: Decimal = Field(description="Sum of quantities")
    cartons: int | None = Field(description="Total cartons (件数), if every line has packing")
    net_weight_kg: Decimal | None = Field(description="Total net weight")
    gross_weight_kg: Decimal | None = Field(description="Total gross weight")
    volume_cbm: Decimal | None = Field(description="Total volume")
    words_en: str = Field(description="Amount in words, English: SAY US DOLLARS ... ONLY")
    words_zh: str = Field(description="Amount in Chinese uppercase (大写)")
    prepayment: Decimal = Field(description="Prepayment amount (amount x prepayment %)")
    commission: Decimal = Field(description="Commission amount (amount x commission %)")
    quantities: list[tuple[str, Decimal]] = Field(description="Quantity per unit, in the "
                                                  "order's sequence: [(PCS, 1200), (SETS, 50)]")
    quantity_text: str = Field(description='Quantities added per unit: "1,200 PCS + 50 SETS"')
    packages_en: str = Field(description="Packages in words: SAY ONE THOUSAND ... CARTONS ONLY "
                             "(empty unless every line is packed)")
    packages_zh: str = Field(description="Packages in 大写: 壹仟贰佰叁拾伍箱")
    factory_amount: Decimal | None = Field(description="Production order: the lines' purchase "
                                           "value (factory_price x quantity), when every line "
                                           "has a factory_price")


class TermsInfo(BaseModel):
    term: str = Field(description="The Incoterm, e.g. CIF")
    place: str = Field(description="The place it names (Incoterms 2020), e.g. Hamburg")
    edition: str = Field(description="Incoterms edition, e.g. 2020")
    text: str = Field(description='As printed: "CIF Hamburg, Incoterms 2020"')
    place_is: str = Field(description="loading (E- and F-terms) or destination (C- and D-)")
    freight_prepaid: bool = Field(description="The seller pays the main carriage (C/D-terms)")
    freight: Decimal | None = Field(description="Freight amount, if the order states it")
    insured: bool = Field(description="The seller insures the goods (CIF, CIP)")
    insurance_amount: Decimal | None = Field(description="Insured amount (110 % by default)")
    insurance_percent: Decimal = Field(description="Insured value in percent of the invoice")
    insurance_cover: str = Field(description="The cover, e.g. Institute Cargo Clauses (A)")


class Signature(BaseModel):
    role: str = Field(description="salesperson, manager or general_manager")
    title_zh: str
    title_en: str
    by: str = Field(description="Name, empty while not signed")
    at: str = Field(description="Date and time signed, empty while not signed")
    decision: str = Field(description="approved, rejected or empty")
    remark: str
    verified: str = Field("", description="How the signer was proven (key, page, command and "
                          "the user name), or 'unverified'; empty while not signed")


class ApprovalInfo(BaseModel):
    chain: list[Signature] = Field(description="Required signatures in order, signed or not")
    reasons: list[str] = Field(description="Why the general manager must approve (if so)")
    complete: bool = Field(description="Every required role approved, nobody rejected")
    rejected: bool = Field(description="Somebody rejected the review")


class InspectionInfo(BaseModel):
    kind: str = Field(description="in_house, customer or third_party")
    title_zh: str
    title_en: str
    lead_days: int = Field(description="Days before delivery it must be notified or booked")
    deadline: dt.date = Field(description="Delivery date minus the lead days")
    inspector: str = Field(description="Booked inspector, empty until booked")
    date: dt.date | None = Field(description="Booked inspection date")
    booked_on: dt.date | None = Field(description="When it was booked")
    late: bool = Field(description="Booked after the deadline")


class TemplateContext(BaseModel):
    company: dict[str, Any] = Field(description="The [company] settings: name_zh, name_en, "
                                    "address_zh, address_en, phone, fax, email, website, bank.*")
    order: dict[str, Any] = Field(description="The order: every field of docs/order-schema.md, "
                                  "plus contract_number")
    items: list[dict[str, Any]] = Field(description="order.items, each with line_no and amount")
    document: DocumentInfo
    totals: Totals
    valid_until: dt.date = Field(description="Quotation validity: date + quotation_valid_days")
    seal_url: str = Field(description="Seal image URL for HTML, empty when not sealed")
    logo_url: str = Field(description="The company logo ([company] logo) as a URL for HTML, "
                          "empty when there is none")
    seal_path: str = Field(description="Seal image path for Word, empty when not sealed")
    logo_path: str = Field(description="The company logo's path for Word, empty when there is "
                           "none (in Word templates `{{ logo }}` is the picture)")
    approval: ApprovalInfo
    terms: TermsInfo
    factory: str = Field(description="Production order: the factory it goes to, its items only "
                         "(empty for the other documents)")
    factory_sees_customer: bool = Field(description="The factory may see the customer's name "
                                        "and the destination ([documents] "
                                        "factory_sees_customer lists the customers)")
    marks: str = Field(description="Shipping marks: the order's, else customer / order / "
                       "destination / C/No. 1-N (the same on every document)")
    inspection: InspectionInfo
    loading: dict[str, Any] | None = Field(description="Loading details: loading_time, "
                                           "equipment_model, models, truck_plate, driver_name, "
                                           "driver_phone, container_no, containers (type, "
                                           "number, seal_no, models, cartons, gross_weight_kg, "
                                           "volume_cbm), remark; None until known")
    shipment: dict[str, Any] | None = Field(description="The shipment on board: bl_no, "
                                            "on_board_date, vessel, carrier; None until known")
    factory_confirmation: dict[str, Any] | None = Field(
        description="factory, confirmed_delivery_date, by, confirmed_on, remark")
    status: str = Field(description="Order status: received, confirmed, ... handed_over")
    history: list[dict[str, Any]] = Field(description="Events: recorded, kind, source, "
                                          "summary, flags")
    documents: list[dict[str, Any]] = Field(description="Current archived documents of the "
                                            "order: doc_type, kind, file, version, pages")
    credit: dict[str, Any] | None = Field(description="The letter of credit "
                                          "(order.letter_of_credit) with drawn_under: "
                                          '"Drawn under L/C No. ... dated ... issued by ..."; '
                                          "None when the order has none")
    payments: list[dict[str, Any]] = Field(description="The payment schedule: name, percent, "
                                           "amount, basis, due, received, outstanding per "
                                           "instalment (payment updates set against it)")
    origins: list[str] = Field(description="The lines' countries of origin, each once (empty "
                               "when no line gives one)")
    equipment: str = Field(description='The containers, e.g. "1 x 40HQ + 1 x 20GP": as loaded, '
                           "else estimated from the volume (20GP 28, 40HQ 68 CBM)")
    checklist: list[dict[str, Any]] = Field(description="What the hand-over needs (by price "
                                            "term and settings) and what is archived: title_zh, "
                                            "title_en, required, archived, file")


def _signature_rows(order: Order, workflow: Workflow,
                    thresholds: dict[str, Decimal]) -> ApprovalInfo:
    state = approval_state(order, workflow, thresholds)
    chain = []
    for role in state.required:
        done = next((a for a in workflow.approvals if a.role == role), None)
        zh, en = ROLE_TITLES[role]
        chain.append(Signature(role=role, title_zh=zh, title_en=en,
                               by=done.by if done else "",
                               at=f"{done.at:%Y-%m-%d %H:%M}" if done else "",
                               decision=done.decision if done else "",
                               remark=(done.remark or "") if done else "",
                               verified=(f"{done.proof.kind} {done.proof.account}" if
                                         done.proof else "unverified") if done else ""))
    return ApprovalInfo(chain=chain, reasons=list(state.reasons), complete=state.complete,
                        rejected=state.rejected is not None)


def _terms(order: Order) -> TermsInfo:
    return TermsInfo(term=order.price_term, place=order.named_place, edition=order.incoterms,
                     text=order.term_text, place_is=place_kind(order.price_term),
                     freight_prepaid=order.freight_prepaid, freight=order.freight_amount,
                     insured=order.insured_amount is not None,
                     insurance_amount=order.insured_amount,
                     insurance_percent=order.insurance_percent,
                     insurance_cover=order.insurance_cover or
                     "Institute Cargo Clauses (A) / 一切险 All Risks")


def _totals(order: Order, items: list[Any]) -> Totals:
    amount = money(sum((i.amount for i in items), Decimal(0)))
    packs = [i.packing for i in items]
    packed = all(p is not None for p in packs) and bool(packs)

    def total(name: str) -> Decimal | None:
        return sum((getattr(p, name) for p in packs if p is not None), Decimal(0)) \
            if packed else None

    quantities: dict[str, Decimal] = {}
    for item in items:
        unit = item.unit.strip().upper()
        quantities[unit] = quantities.get(unit, Decimal(0)) + item.quantity
    cartons = sum(p.cartons for p in packs if p is not None) if packed else None
    priced = [i for i in items if i.factory_price is not None]
    return Totals(
        amount=amount, quantity=sum((i.quantity for i in items), Decimal(0)),
        quantities=list(quantities.items()),
        quantity_text=words.quantities_text(list(quantities.items())),
        packages_en=words.count_words_en(cartons) if cartons else "",
        packages_zh=words.count_words_zh(cartons) if cartons else "",
        factory_amount=money(sum((i.factory_price * i.quantity for i in priced), Decimal(0)))
        if priced and len(priced) == len(items) else None,
        cartons=cartons,
        net_weight_kg=total("net_weight_kg"), gross_weight_kg=total("gross_weight_kg"),
        volume_cbm=total("volume_cbm"),
        words_en=words.words_en(amount, order.currency),
        words_zh=words.words_zh(amount, order.currency),
        prepayment=amount * order.prepayment_percent / 100,
        commission=amount * order.commission_percent / 100)


def factories(order: Order) -> list[str]:
    """The factories that make the order's lines, in the order they first appear."""
    return list(dict.fromkeys(item.manufacturer or "" for item in order.items))


def factory_lines(order: Order, factory: str | None) -> list[int]:
    """The indices of the lines a document lists: with `factory` (a production order for
    that factory), its lines only."""
    return [n for n, item in enumerate(order.items)
            if factory is None or (item.manufacturer or "") == factory]


def document_number(doc: DocType, order: Order, factory: str | None = None) -> str:
    """The number a document carries: the order's own numbers where the document has one
    (quotation, contract, invoice), else the type's prefix and the order number; one
    factory's production order of several adds the factory's place: PO-...-01, -02."""
    own = {"quotation": order.quotation_no, "sales_contract": order.contract_number,
           "commercial_invoice": order.invoice_no, "packing_list": order.invoice_no}
    number = own.get(doc.key) or f"{doc.number_prefix}-{order.order_no}"
    makers = factories(order)
    if factory is not None and factory in makers and len(makers) > 1:
        number += f"-{makers.index(factory) + 1:02d}"
    return number


def document_context(
    doc: DocType,
    order: Order,
    settings: Settings,
    *,
    seal: Path | None,
    workflow: Workflow | None = None,
    documents: list[dict[str, Any]] | None = None,
    factory: str | None = None,
    logo: Path | None = None,
    checklist: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything a document template may use; docs/variables.md describes it. With
    `factory`, a production order for that factory: its items only."""
    workflow = workflow or Workflow()
    thresholds = settings.approval.general_manager_threshold
    approval = _signature_rows(order, workflow, thresholds)
    draft = doc.needs_approval and not approval.complete
    sealed = doc.sealed and seal is not None and not draft
    data = order.model_dump(mode="python")
    data["contract_number"] = order.contract_number
    for number, item in enumerate(data["items"], start=1):
        item["line_no"] = number
    chosen = factory_lines(order, factory)
    items = [data["items"][n] for n in chosen]
    lead_days = settings.inspection.lead_days()
    booking = workflow.inspection
    kind = booking.kind if booking else order.inspection
    deadline = inspection_deadline(order, kind, lead_days)
    issued = business_date(doc.key, order, workflow, complete=approval.complete)
    context = TemplateContext(
        company=settings.company.model_dump(mode="python"),
        order=data,
        items=items,
        document=DocumentInfo(type=doc.key, title_en=doc.title_en, title_zh=doc.title_zh,
                              number=document_number(doc, order, factory), date=issued,
                              draft=draft, sealed=sealed),
        totals=_totals(order, [order.items[n] for n in chosen]),
        valid_until=issued + dt.timedelta(days=order.quotation_valid_days),
        seal_url=seal.resolve().as_uri() if sealed and seal else "",
        logo_url=logo.resolve().as_uri() if logo else "",
        seal_path=str(seal) if sealed and seal else "",
        logo_path=str(logo) if logo else "",
        approval=approval,
        terms=_terms(order),
        factory=factory or "",
        factory_sees_customer=order.customer.code in settings.documents.factory_sees_customer,
        marks=order.shipping_marks or f"{order.customer.code} / {order.order_no} / "
        f"{order.destination} / C/No. 1-{order.total_cartons or ''}",
        inspection=InspectionInfo(
            kind=kind, title_zh=INSPECTION_TITLES[kind][0], title_en=INSPECTION_TITLES[kind][1],
            lead_days=lead_days[kind], deadline=deadline,
            inspector=booking.inspector if booking else "",
            date=booking.date if booking else None,
            booked_on=booking.booked_on if booking else None,
            late=bool(booking and booking.booked_on > deadline),
        ),
        loading=workflow.loading.model_dump() if workflow.loading else None,
        shipment=workflow.shipment.model_dump() if workflow.shipment else None,
        factory_confirmation=_confirmation(workflow, factory),
        status=workflow.status,
        history=[e.model_dump() for e in workflow.history],
        documents=documents or [],
        credit=_credit(order),
        payments=[i.as_dict() for i in instalments(order, workflow)],
        equipment=_equipment(workflow, order.total_volume_cbm),
        origins=list(dict.fromkeys(i.origin for i in (order.items[n] for n in chosen)
                                   if i.origin)),
        checklist=checklist or [],
    )
    result = dict(context)
    for key in ("document", "totals", "approval", "inspection", "terms"):
        result[key] = getattr(context, key).model_dump()
    return result


def _confirmation(workflow: Workflow, factory: str | None) -> dict[str, Any] | None:
    """The factory's confirmation of delivery (for a factory's own production order, only
    if it is that factory's)."""
    if factory:
        mine = [c for c in workflow.confirmations if c.factory == factory]
        return mine[-1].model_dump() if mine else None
    confirmation = workflow.factory_confirmation
    return confirmation.model_dump() if confirmation else None


def _credit(order: Order) -> dict[str, Any] | None:
    credit = order.letter_of_credit
    if credit is None:
        return None
    return {**credit.model_dump(mode="python"), "drawn_under": credit.drawn_under,
            "most": credit.most,
            "documents": [{**d.model_dump(mode="python"), "count_text": d.count_text}
                          for d in credit.documents]}


def _equipment(workflow: Workflow, volume: Decimal | None) -> str:
    """The containers as loaded; before loading, what the volume needs (40HQ hold about 68
    CBM, a 20GP about 28)."""
    counts: dict[str, int] = {}
    if workflow.loading and workflow.loading.containers:
        for container in workflow.loading.containers:
            counts[container.type] = counts.get(container.type, 0) + 1
    elif volume:
        full, rest = divmod(volume, Decimal(68))
        counts = {"40HQ": int(full) + (1 if rest > 28 else 0)}
        if 0 < rest <= 28:
            counts["20GP"] = 1
    return " + ".join(f"{n} x {kind}" for kind, n in counts.items() if n)
