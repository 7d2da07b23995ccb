"""Payment terms as the order states them: each instalment's share, basis and days
(the schedule they make, and what was paid against it: `pipeline.schedule`). No I/O."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .basics import Percent, Strict

__all__ = ["BASES", "Basis", "PaymentTerm"]

Basis = Literal["advance", "before_shipment", "bl_copy", "lc_sight", "days_after_bl",
                "days_after_invoice"]
BASES: dict[str, tuple[str, str]] = {
    "advance": ("预付", "in advance"),
    "before_shipment": ("发货前", "before shipment"),
    "bl_copy": ("见提单副本", "against the copy of the B/L"),
    "lc_sight": ("即期信用证", "L/C at sight"),
    "days_after_bl": ("提单后", "days after the B/L date (O/A)"),
    "days_after_invoice": ("发票后", "days after the invoice date"),
}


class PaymentTerm(Strict):
    """One instalment of the payment terms."""

    percent: Percent = Field(description="Share of the order's amount, e.g. 30")
    basis: Basis = Field(description="advance, before_shipment, bl_copy, lc_sight, "
                         "days_after_bl (O/A) or days_after_invoice")
    days: int = Field(0, ge=0, le=720, description="Days after the basis's date (advance: "
                      "after the contract date; days_after_bl: after the B/L date)")
    name: str | None = Field(None, description="What the office calls it, e.g. deposit")
