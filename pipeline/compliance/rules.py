"""The rule catalogue: mechanical checks a document examiner makes before hand-over.

Each rule is a small function over a Case (and its own Rule, whose `finding` names it)
returning Findings, registered with an id, a
severity, a title and its reference (an examiner check or order flow step, or a
UCP 600 / ISBP 745 article). "Need not be identical, but must not conflict" (UCP 600
art. 14(d)): figures are compared within the trade's tolerances, names after normalising
only company-form words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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

    def finding(self, message: str, *documents: str, severity: Severity | None = None
                ) -> Finding:
        return Finding(self.id, severity or self.severity, message, documents, self.reference)


RULES: dict[str, Rule] = {}


def rule(id: str, severity: Severity, title: str, reference: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES[id] = Rule(id, severity, title, reference, check)
        return check
    return register


COMMERCIAL = ("commercial_invoice", "proforma_invoice", "sales_contract")
SHIPPING = ("commercial_invoice", "packing_list")
FORMS = re.compile(r"\b(co|company|ltd|limited|inc|llc|l\.l\.c|gmbh|corp|corporation|bv|b\.v|"
                   r"sa|s\.a|plc|pte)\b\.?|有限责任公司|有限公司|公司|[.,()（）&]", re.I)


def normalise_name(name: str) -> str:
    """Company names compared without their legal-form words (Co., Ltd., GmbH ...)."""
    return re.sub(r"\s+", " ", FORMS.sub(" ", name.lower())).strip()


def _values(case: Case, name: str, types: tuple[str, ...]) -> Iterator[tuple[Extracted, Value]]:
    for doc in case.of_type(*types):
        if name in doc.fields:
            yield doc, doc.fields[name]


def _differs(a: Decimal, b: Decimal, percent: Decimal, absolute: Decimal) -> bool:
    return abs(a - b) > max(absolute, abs(b) * percent / 100)


def run_rules(case: Case, only: list[str] | None = None) -> list[Finding]:
    """Every rule over the case (or the rules named); findings, errors first."""
    order = {"error": 0, "warning": 1, "review": 2}
    findings = [f for r in RULES.values() if only is None or r.id in only for f in r.check(case, r)]
    return sorted(findings, key=lambda f: (order[f.severity], f.rule))
