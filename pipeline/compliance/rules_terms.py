"""Rules on the trade term: the place it names, insurance under CIF/CIP, freight under
the C- and D-terms (Incoterms 2020; UCP 600 art. 28 for the insured amount)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from ..places import place_key, same_place
from ..terms import INSURED, PREPAID, place_kind
from .case import Case, Finding
from .rules import Rule, _values, rule

TERM_DOCUMENTS = ("commercial_invoice", "proforma_invoice", "sales_contract", "packing_list",
                  "bill_of_lading", "insurance_policy")


@rule("terms.named_place", "error", "the price term names the right place (Incoterms 2020)",
      "Incoterms 2020; examiner check 2")
def named_place(case: Case, this: Rule) -> Iterator[Finding]:
    order = case.order
    if not place_key(order.named_place):
        return
    for doc, value in _values(case, "term_place", TERM_DOCUMENTS):
        if place_key(value.value) and not same_place(value.value, order.named_place):
            where = "the destination" if place_kind(order.price_term) == "destination" else \
                "the place of loading or delivery"
            yield this.finding(
                f"{order.price_term} {value.value} ({value.where()}): {order.price_term} names "
                f"{where}, {order.named_place}", doc.document, evidence=[value])


@rule("terms.insurance", "error", "CIF/CIP: insured for at least 110 % of the invoice value",
      "Incoterms 2020 A5; UCP 600 art. 28(f)(ii)")
def insurance(case: Case, this: Rule) -> Iterator[Finding]:
    order = case.order
    if order.price_term not in INSURED:
        return
    minimum = order.total_amount * Decimal("1.1")
    insured = order.insured_amount
    if insured is not None and insured < minimum - case.tolerances.amount:
        yield this.finding(f"the order insures {order.currency} {insured:,.2f}, less than 110 % "
                           f"of the invoice value ({minimum:,.2f})")
    for doc, value in _values(case, "insured_amount", ("insurance_policy",)):
        if value.value < minimum - case.tolerances.amount:
            yield this.finding(
                f"insured amount {value.value:,.2f} ({value.where()}) is below 110 % of the "
                f"invoice value, {minimum:,.2f}", doc.document, evidence=[value])


def _main_carriage(item: str) -> bool:
    """A cost line for the main carriage (sea or air freight), not inland trucking."""
    text = item.casefold()
    inland = re.search(r"inland|trucking|内陆|拖车", text)
    return bool(re.search(r"freight|海运|空运|运费", text)) and not inland


@rule("terms.freight", "warning", "C- and D-terms: the freight is known",
      "Incoterms 2020 A4; order flow step 10")
def freight(case: Case, this: Rule) -> Iterator[Finding]:
    order = case.order
    if order.price_term not in PREPAID or order.freight_amount is not None:
        return
    if any(_main_carriage(c.item) for c in order.expected_costs):
        return
    yield this.finding(f"{order.price_term}: the seller pays the freight, but the order states "
                       "none (freight_amount, or a freight line in expected_costs)")


@rule("terms.freight_clause", "error", "freight prepaid or collect agrees with the term",
      "ISBP 745 E26; Incoterms 2020")
def freight_clause(case: Case, this: Rule) -> Iterator[Finding]:
    prepaid = case.order.price_term in PREPAID
    for doc, value in _values(case, "freight_clause", ("bill_of_lading", "commercial_invoice")):
        says_prepaid = bool(re.search(r"PREPAID|预付|已付", value.value, re.I))
        if says_prepaid != prepaid:
            yield this.finding(
                f"{value.value} ({value.where()}), but under {case.order.price_term} the freight "
                f"is {'prepaid' if prepaid else 'collect'}", doc.document, evidence=[value])
