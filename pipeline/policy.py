"""The settings an order's row is computed with (`Policy`), and its status and shipment
date as its history shows them: below both the summary and what is due, so that neither
imports the other."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .config import Handover
from .flow import STATUSES, Workflow, approval_state
from .models import Order

if TYPE_CHECKING:
    from .config import Settings

__all__ = ["LEAD_DAYS", "THRESHOLDS", "Policy", "effective_status", "shipment_date"]

LEAD_DAYS = {"in_house": 7, "customer": 7, "third_party": 14}  # the work manual's defaults
THRESHOLDS = {"USD": Decimal(50000), "EUR": Decimal(45000), "CNY": Decimal(350000)}


@dataclass(frozen=True)
class Policy:
    """The settings an order's row is computed with."""

    lead_days: Mapping[str, int] = field(default_factory=lambda: dict(LEAD_DAYS))
    thresholds: Mapping[str, Decimal] = field(default_factory=lambda: dict(THRESHOLDS))
    warranty_months: int = 12
    warranty_models: Mapping[str, int] = field(default_factory=dict)
    warranty_customers: Mapping[str, int] = field(default_factory=dict)
    handover: Handover = field(default_factory=Handover)

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(lead_days=settings.inspection.lead_days(),
                   thresholds=dict(settings.approval.general_manager_threshold),
                   warranty_months=settings.warranty.months,
                   warranty_models=dict(settings.warranty.models),
                   warranty_customers=dict(settings.warranty.customers),
                   handover=settings.handover)


def effective_status(order: Order, workflow: Workflow, documents: list[dict[str, Any]],
                     policy: Policy) -> str:
    """The furthest of the status reported by updates and the one the order's history
    shows: approved (confirmed), loaded, shipped (a bill of lading filed), handed over."""
    if workflow.status == "cancelled":
        return "cancelled"
    found = [workflow.status]
    if approval_state(order, workflow, dict(policy.thresholds)).complete:
        found.append("confirmed")
    if workflow.loading is not None:
        found.append("loaded")
    if any(m.get("doc_type") == "bill_of_lading" and m.get("kind") == "original"
           for m in documents):
        found.append("shipped")
    if any(e.kind == "handover" for e in workflow.history):
        found.append("handed_over")
    return max(found, key=STATUSES.index)


def shipment_date(workflow: Workflow) -> dt.date | None:
    """The B/L's on-board date once the shipment is recorded, else the loading day."""
    if workflow.shipment is not None:
        return workflow.shipment.on_board_date
    return workflow.loading.loading_time.date() if workflow.loading else None
