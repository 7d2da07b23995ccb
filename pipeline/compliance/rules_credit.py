"""Rules of a presentation under a letter of credit (UCP 600): the amount within the credit
and its tolerance, shipment by the credit's latest date, presentation within its period and
before expiry, every document it asks for, and the goods as the credit describes them on
the commercial invoice. None applies to an order without a credit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from .case import Case, Finding
from .rules import Rule, _values, rule
from .rules_dates import shipment_date


def _squeeze(text: str) -> str:
    return re.sub(r"[\s,.;:：，。]+", "", text).casefold()


@rule("credit.amount", "error", "the amount drawn is within the credit and its tolerance",
      "UCP 600 art. 18(b), 30")
def amount(case: Case, this: Rule) -> Iterator[Finding]:
    credit = case.order.letter_of_credit
    if credit is None:
        return
    order = case.order
    if (asked := drawn(case)) > credit.most + case.tolerances.amount:
        allowed = f" (+{credit.tolerance_percent:g} %)" if credit.tolerance_percent else ""
        yield this.finding(
            f"the order draws {order.currency} {asked:,.2f} under L/C {credit.number}, more than "
            f"its {credit.amount:,.2f}{allowed}: amend the credit or the order")
    for doc, value in _values(case, "total_amount", ("commercial_invoice",)):
        if abs(value.value - order.total_amount) <= case.tolerances.amount:
            continue  # the order's own total: said above, once
        if value.value > credit.most + case.tolerances.amount:
            yield this.finding(
                f"invoice total {value.value:,.2f} ({value.where()}) is more than L/C "
                f"{credit.number} allows ({credit.most:,.2f})", doc.document, evidence=[value])


@rule("credit.shipment", "error", "shipped by the credit's latest shipment date",
      "UCP 600 art. 29(c), 31")
def shipment(case: Case, this: Rule) -> Iterator[Finding]:
    credit = case.order.letter_of_credit
    if credit is None:
        return
    latest = credit.latest_shipment_date or case.order.latest_shipment_date
    shipped = shipment_date(case)
    if latest is not None and shipped is not None and shipped > latest:
        yield this.finding(f"shipped on {shipped}, after the latest shipment date {latest} of "
                           f"L/C {credit.number}")


@rule("credit.presentation", "error", "presented within the credit's period and before it "
      "expires", "UCP 600 art. 6(d), 14(c), 29(a)")
def presentation(case: Case, this: Rule) -> Iterator[Finding]:
    credit = case.order.letter_of_credit
    if credit is None:
        return
    handed = case.handover_date
    if handed > credit.expiry_date:
        yield this.finding(f"handed over on {handed}, after L/C {credit.number} expired on "
                           f"{credit.expiry_date}: the bank will refuse the documents")
        return
    shipped = shipment_date(case)
    if shipped is not None and (handed - shipped).days > credit.presentation_days:
        yield this.finding(f"shipped on {shipped}, handed over on {handed}: "
                           f"{(handed - shipped).days} days, L/C {credit.number} allows "
                           f"{credit.presentation_days}")


@rule("credit.documents", "error", "every document the credit asks for is archived",
      "UCP 600 art. 14(a), 15")
def documents(case: Case, this: Rule) -> Iterator[Finding]:
    credit = case.order.letter_of_credit
    if credit is None:
        return
    for wanted in credit.documents:
        if not case.present.get(wanted.document):
            yield this.finding(f"L/C {credit.number} asks for the "
                               f"{wanted.document.replace('_', ' ')} ({wanted.count_text}); "
                               "none is archived")


@rule("credit.goods", "error", "the commercial invoice describes the goods as the credit does",
      "UCP 600 art. 18(c); ISBP 821 C3")
def goods(case: Case, this: Rule) -> Iterator[Finding]:
    credit = case.order.letter_of_credit
    if credit is None or not credit.goods:
        return
    wanted = _squeeze(credit.goods)
    words = [w for w in (_squeeze(w) for w in credit.goods.split()) if w]
    for doc in case.of_type("commercial_invoice"):
        text = _squeeze(doc.text)
        if not doc.has_text or not text or wanted in text:
            continue
        # every word there, not in one run: a layout may have split it (read by eye)
        scattered = all(w in text for w in words)
        yield this.finding(f"{doc.document} does not carry the credit's description of the "
                           f"goods{' in one piece' if scattered else ''}: "
                           f"\"{credit.goods[:120]}\"", doc.document,
                           severity="review" if scattered else None)


def drawn(case: Case) -> Decimal:
    """What the order draws under its credit (the total less the prepayment)."""
    order = case.order
    return order.total_amount * (100 - order.prepayment_percent) / 100
