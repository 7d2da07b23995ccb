"""Payment terms as a schedule, and what the customer has paid against it.

An order's `payment_schedule` lists its instalments (a deposit in advance, the balance
against a copy of the B/L, an L/C at sight, O/A 60 days after the B/L ...); without one,
the schedule follows the order: an L/C pays all at sight, a prepayment is a deposit in
advance and the rest is the balance against the B/L copy. Receipts (payment updates) and
credit notes are set against the instalments in order. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .basics import money
from .payterms import BASES, PaymentTerm

if TYPE_CHECKING:
    from .flow import Workflow
    from .models import Order

__all__ = ["Instalment", "instalments", "money_due", "production_before_deposit"]

@dataclass(frozen=True)
class Instalment:
    name: str
    percent: Decimal
    amount: Decimal
    basis: str
    due: dt.date | None  # None: its date is not known yet (the B/L is not dated)
    received: Decimal
    currency: str
    key: str = "bl_copy"  # the basis: advance, before_shipment, bl_copy, ...

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.received, Decimal(0))

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "percent": f"{self.percent}", "amount": f"{self.amount:.2f}",
                "basis": self.basis, "due": self.due.isoformat() if self.due else None,
                "received": f"{self.received:.2f}", "outstanding": f"{self.outstanding:.2f}"}


def terms_of(order: Order) -> list[PaymentTerm]:
    if order.payment_schedule:
        return list(order.payment_schedule)
    if order.letter_of_credit is not None:
        return [PaymentTerm(percent=Decimal(100), basis="lc_sight", name="L/C")]
    if order.prepayment_percent:
        rest = Decimal(100) - order.prepayment_percent
        deposit = PaymentTerm(percent=order.prepayment_percent, basis="advance", days=7,
                              name="deposit")
        return [deposit] + ([PaymentTerm(percent=rest, basis="bl_copy", name="balance")]
                            if rest else [])
    return [PaymentTerm(percent=Decimal(100), basis="bl_copy", name="balance")]


def _due(term: PaymentTerm, order: Order, workflow: Workflow) -> dt.date | None:
    signed = order.contract_date or order.order_date
    on_board = workflow.shipment.on_board_date if workflow.shipment else None
    days = dt.timedelta(days=term.days)
    if term.basis == "advance":
        return signed + days
    if term.basis == "before_shipment":
        loading = workflow.loading.loading_time.date() if workflow.loading else None
        return (loading or order.delivery_date) - days
    if on_board is None:
        return None
    if term.basis == "lc_sight":  # presented within the period, paid on sight
        return on_board + dt.timedelta(days=order.presentation_days) + days
    if term.basis == "days_after_invoice":
        return (order.invoice_date or on_board) + days
    return on_board + days


def instalments(order: Order, workflow: Workflow) -> list[Instalment]:
    """The schedule with what was received against each instalment, first one first; the
    last instalment takes what the rounding leaves."""
    terms = terms_of(order)
    total = order.total_amount
    left = workflow.paid
    out: list[Instalment] = []
    allotted = Decimal(0)
    for n, term in enumerate(terms):
        amount = total - allotted if n == len(terms) - 1 else money(total * term.percent / 100)
        allotted += amount
        received = min(left, amount)
        left -= received
        zh, en = BASES[term.basis]
        basis = f"{zh} {en}" if not term.days or term.basis == "advance" else \
            f"{zh}{term.days}天 {term.days} {en}"
        out.append(Instalment(term.name or ("deposit" if term.basis == "advance" else
                                            "balance"), term.percent, amount, basis,
                              _due(term, order, workflow), received, order.currency,
                              term.basis))
    return out


def money_due(order: Order, workflow: Workflow) -> list[Instalment]:
    """The instalments still open whose date is known."""
    return [i for i in instalments(order, workflow) if i.outstanding > 0 and i.due is not None]


def production_before_deposit(order: Order, workflow: Workflow, day: dt.date) -> list[str]:
    """Production started while an instalment due in advance is still open."""
    return [f"production started on {day} before the {i.name} ({order.currency} "
            f"{i.outstanding:,.2f} of {i.amount:,.2f}) was received"
            for i in instalments(order, workflow) if i.outstanding > 0 and i.key == "advance"]
