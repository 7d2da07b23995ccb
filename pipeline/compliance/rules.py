"""The rule catalogue: mechanical checks a document examiner makes before hand-over.

Each rule is a small function over a Case (and its own Rule, whose `finding` names it)
returning Findings, registered with an id, a
severity, a title and its reference (an examiner check or order flow step, or a
UCP 600 / ISBP 745 article). "Need not be identical, but must not conflict" (UCP 600
art. 14(d)): figures are compared within the trade's tolerances, names after normalising
only company-form words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

from .case import Case, Finding, Severity
from .extract import Extracted, Value

__all__ = ["RULES", "Rule", "run_rules"]

Check = Callable[[Case, "Rule"], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    reference: str
    check: Check

    @property
    def title_zh(self) -> str:
        from .titles_zh import TITLES_ZH

        return TITLES_ZH.get(self.id, "")

    @property
    def why(self) -> str:
        return WHY.get(self.id.split(".", 1)[0], "")

    def finding(self, message: str, *documents: str, severity: Severity | None = None,
                evidence: Iterable[Value | None] = ()) -> Finding:
        """A finding; from a reading nothing confirms (`evidence`), only a review."""
        severity = severity or self.severity
        unsure = [v for v in evidence if v is not None and not v.confirmed]
        if unsure and severity != "review":
            message = f"{message}. To review, not an {severity}: {unsure[0].doubt()}"
            severity = "review"
        return Finding(self.id, severity, message, documents, self.reference,
                       f"{self.title_zh} {self.title}".strip())


RULES: dict[str, Rule] = {}

# why each family of rules is checked: what an examiner (or the customer) does with it
WHY = {
    "arithmetic": "Figures that do not add up are the first discrepancy an examiner finds; "
                  "data on a document must not conflict with itself (UCP 600 art. 14(d)).",
    "terms": "The price term decides who pays freight and insurance and where the risk "
             "passes; a document naming another term or place conflicts with the contract.",
    "totals": "Invoice, packing list and order must give the same totals: quantity, "
              "packages, weights, volume, amount (ISBP 745 L3, UCP 600 art. 18(b)).",
    "packing": "The packing list must add up: pieces per carton x cartons, carton numbers "
               "without gaps or overlaps, weights and volume that fit the cartons.",
    "lines": "Each line must agree with the order and with the other documents, model by "
             "model: an examiner compares them line by line.",
    "prices": "A unit price that differs from the contract changes the deal even when the "
              "total is kept; the invoice must show the contract's prices.",
    "models": "No document may name goods the order does not have (ISBP 745 C3), and the "
              "shipping documents must cover every ordered model.",
    "references": "Order, contract, invoice and the buyer's order numbers tie the documents "
                  "together; a different number on one of them breaks the set.",
    "parties": "Seller and buyer must be the contract's on every document "
               "(UCP 600 art. 18(a)); only the company form may be written differently.",
    "dates": "Documents are dated in the order things happened: contract, inspection, "
             "loading, invoice, shipment, presentation within the period (UCP 600 art. 14(c), "
             "art. 31).",
    "legal": "Goods under legal commodity inspection may not leave without the certificate.",
    "loading": "The customer needs the loading time, model, truck plate and driver's phone "
               "to receive the goods; a wrong plate or phone loses the truck.",
    "approvals": "An order becomes a sales order only after the review is approved by the "
                 "roles its amount and terms require, never by the person who created it.",
    "title": "A document presented as a commercial invoice must be titled as one "
             "(ISBP 745 C1).",
    "complete": "Every required document must be present, final and readable; what is "
                "handed over must be what is archived.",
    "marks": "Shipping marks identify the cartons; they must be the same on invoice, "
             "packing list and bill of lading.",
    "ports": "Port of loading and of discharge must be the contract's (UCP 600 art. 20).",
    "inspection": "Goods that failed inspection, or were inspected after loading, must not "
                  "be handed over as passed.",
    "warranty": "The warranty card goes to the end customer with the goods: it must be for "
                "the models shipped.",
    "manual": "The user manual must be for the models shipped.",
    "bl": "A bank accepts only a clean transport document showing the goods shipped on "
          "board (UCP 600 art. 20, 27).",
    "insurance": "Under CIF/CIP the goods must be insured from shipment, for at least 110 % "
                 "(UCP 600 art. 28).",
    "extract": "A field that could not be read is not checked; it is reported, so that a "
               "clean report means the documents were read, not skipped.",
    "shipping": "The bill of lading must agree with the packing list on packages and weight.",
    "credit": "Under a letter of credit the bank pays only against documents that comply "
              "with its terms: within its amount, shipped and presented in time, every "
              "document it asks for, the goods as it describes them (UCP 600 art. 14, 18).",
}


def rule(id: str, severity: Severity, title: str, reference: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES[id] = Rule(id, severity, title, reference, check)
        return check
    return register


COMMERCIAL = ("commercial_invoice", "proforma_invoice", "sales_contract")
SHIPPING = ("commercial_invoice", "packing_list")
def _values(case: Case, name: str, types: tuple[str, ...]) -> Iterator[tuple[Extracted, Value]]:
    for doc in case.of_type(*types):
        if name in doc.fields:
            yield doc, doc.fields[name]


def _differs(a: Decimal, b: Decimal, percent: Decimal, absolute: Decimal) -> bool:
    return abs(a - b) > max(absolute, abs(b) * percent / 100)


def run_rules(case: Case, only: list[str] | None = None) -> list[Finding]:
    """Every rule over the case (or the rules named); findings, errors first."""
    from .confirm import confirm_all
    from .scope import scope_all

    confirm_all(case.documents, case.order)  # what confirms each reading, before any rule
    scope_all(case.documents, case.order)  # and which lines each document covers
    order = {"error": 0, "warning": 1, "review": 2}
    findings = [f for r in RULES.values() if only is None or r.id in only for f in r.check(case, r)]
    names = {d.document: display_name(d) for d in case.documents}
    findings = [replace(f, message=_named(f.message, names)) for f in findings]
    return sorted(findings, key=lambda f: (order[f.severity], f.rule))


NUMBERED = ("invoice_no", "bl_no", "contract_no", "document_no")


def display_name(doc: Extracted) -> str:
    """A document as people name it: its type, its number, the factory's own (never its
    path in the archive): 装箱单 Packing list No. HX-F3-2701."""
    from ..doctypes import FACTORY_TYPES, GENERATED

    kind = GENERATED.get(doc.doc_type) or FACTORY_TYPES.get(doc.doc_type)
    title = f"{kind.title_zh} {kind.title_en}" if kind else doc.doc_type.replace("_", " ")
    number = next((str(doc.fields[n].value) for n in NUMBERED if n in doc.fields), "")
    own = "" if "/generated/" in doc.document else " (received)"
    return f"{title}{f' No. {number}' if number else ''}{own}"


def _named(message: str, names: dict[str, str]) -> str:
    for path, name in sorted(names.items(), key=lambda n: -len(n[0])):
        message = message.replace(path, name)
    return message
