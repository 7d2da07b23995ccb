"""What the rules look at (a Case) and what they report (Findings). Data, no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from ..flow import Workflow
from ..models import Order
from .extract import Extracted

__all__ = ["Case", "Finding", "Severity", "Tolerances"]

Severity = Literal["error", "warning", "review"]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    documents: tuple[str, ...]
    reference: str
    title: str = ""  # the rule's title, Chinese and English

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "severity": self.severity, "message": self.message,
                "documents": list(self.documents), "reference": self.reference,
                "title": self.title}


@dataclass(frozen=True)
class Tolerances:
    amount: Decimal = Decimal("0.01")       # money: to the cent
    weight_percent: Decimal = Decimal("0.5")  # weights and volume, as weighed and measured
    volume_percent: Decimal = Decimal("2")


@dataclass
class Case:
    """One order as presented for hand-over."""

    order: Order
    workflow: Workflow
    documents: list[Extracted]  # current version of each archived document, read
    required: list[str]  # document types the hand-over must include
    present: dict[str, list[str]]  # doc_type -> files (current versions)
    drafts: list[str]  # generated documents still marked DRAFT
    company_names: tuple[str, ...]
    thresholds: dict[str, Decimal]
    lead_days: dict[str, int]
    handover_date: dt.date
    tolerances: Tolerances = field(default_factory=Tolerances)
    date_basis: str = "given"  # why handover_date is that day ("today", the planned one ...)
    seal_types: tuple[str, ...] = ()  # factory documents that must carry the factory's seal

    def of_type(self, *types: str) -> list[Extracted]:
        return [d for d in self.documents if d.doc_type in types]
