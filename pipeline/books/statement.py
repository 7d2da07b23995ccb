"""The statement of account (对账表) for one customer and period, and its ageing.

Each order of the customer gives its commercial invoice (a debit, on the invoice's date,
once the goods are loaded or shipped), the payments received on it and the credit notes
(credits, on their dates). The statement shows the balance brought forward from before
the period, every entry of the period with the running balance, and the balance carried.
The ageing, as at the period's last day, sets each order's receipts and credits against
its own invoice and ages what is left of each invoice by its date: 0-30, 31-60, 61-90 and
over 90 days; money received on orders not invoiced yet (deposits) is shown as advances.
Buckets less advances make the balance carried. One statement per currency. Pure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..flow import Workflow
    from ..models import Order

__all__ = ["BUCKETS", "Entry", "Statement", "bucket_of", "invoice_day", "statements"]

BUCKETS = ("0-30", "31-60", "61-90", "90+")
ZERO = Decimal(0)
INVOICED = {"shipped", "handed_over", "registered", "closed"}
D = Decimal


@dataclass(frozen=True)
class Entry:
    date: dt.date
    kind: str  # invoice, receipt, credit_note
    ref: str
    order_no: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    text: str = ""
    balance: Decimal = ZERO


@dataclass
class Statement:
    customer: str
    currency: str
    start: dt.date
    end: dt.date
    brought_forward: Decimal = ZERO
    entries: list[Entry] = field(default_factory=list)
    ageing: dict[str, Decimal] = field(default_factory=lambda: {b: D(0) for b in BUCKETS})
    open_invoices: list[tuple[Entry, Decimal, int]] = field(default_factory=list)
    advances: Decimal = ZERO

    @property
    def carried(self) -> Decimal:
        return self.entries[-1].balance if self.entries else self.brought_forward

    @property
    def invoiced(self) -> Decimal:
        return sum((e.debit for e in self.entries), D(0))

    @property
    def received(self) -> Decimal:
        return sum((e.credit for e in self.entries if e.kind == "receipt"), D(0))

    @property
    def credited(self) -> Decimal:
        return sum((e.credit for e in self.entries if e.kind == "credit_note"), D(0))


def bucket_of(days: int) -> str:
    """The ageing bucket of an invoice `days` old: 0-30, 31-60, 61-90, 90+."""
    if days <= 30:
        return "0-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


def invoice_day(order: Order, workflow: Workflow) -> dt.date | None:
    """The commercial invoice's date once it is issued (goods loaded or shipped): the
    order's invoice date, else the loading day, else the B/L date."""
    issued = workflow.loading is not None or workflow.shipment is not None or \
        workflow.status in INVOICED
    if not issued:
        return None
    if order.invoice_date:
        return order.invoice_date
    if workflow.loading:
        return workflow.loading.loading_time.date()
    if workflow.shipment:
        return workflow.shipment.on_board_date
    return next((e.recorded.date() for e in workflow.history
                 if e.kind == "status" and e.data.get("status") in INVOICED), None)


def _entries(order: Order, workflow: Workflow) -> list[Entry]:
    out: list[Entry] = []
    day = invoice_day(order, workflow)
    if day is not None:
        out.append(Entry(day, "invoice", order.invoice_no or order.order_no, order.order_no,
                         debit=order.total_amount, text=f"{order.price_term} "
                         f"{order.named_place}, contract {order.contract_number}"))
    for p in workflow.payments:
        out.append(Entry(p.date, "receipt", p.bank_ref or p.kind, order.order_no,
                         credit=p.amount, text=p.kind + (f", bank charges {p.bank_charges:,.2f}"
                                                        if p.bank_charges else "")))
    for c in workflow.credit_notes:
        out.append(Entry(c.date, "credit_note", c.number, order.order_no, credit=c.amount,
                         text=c.reason))
    return out


_ORDER = {"invoice": 0, "receipt": 1, "credit_note": 2}


def statements(customer: str, orders: list[tuple[Order, Workflow]], start: dt.date,
               end: dt.date) -> list[Statement]:
    """The customer's statements for [start, end], one per currency that has anything."""
    by_currency: dict[str, list[tuple[Order, list[Entry]]]] = {}
    for order, workflow in orders:
        by_currency.setdefault(order.currency, []).append((order, _entries(order, workflow)))
    out = []
    for currency, pairs in sorted(by_currency.items()):
        every = sorted((e for _, entries in pairs for e in entries if e.date <= end),
                       key=lambda e: (e.date, _ORDER[e.kind], e.order_no, e.ref))
        if not every:
            continue
        sheet = Statement(customer, currency, start, end)
        sheet.brought_forward = sum((e.debit - e.credit for e in every if e.date < start),
                                    D(0))
        balance = sheet.brought_forward
        for entry in (e for e in every if e.date >= start):
            balance += entry.debit - entry.credit
            sheet.entries.append(replace(entry, balance=balance))
        _age(sheet, [(o, [e for e in entries if e.date <= end]) for o, entries in pairs])
        out.append(sheet)
    return out


def _age(sheet: Statement, pairs: list[tuple[Order, list[Entry]]]) -> None:
    for _, entries in pairs:
        invoices = [e for e in entries if e.kind == "invoice"]
        credit = sum((e.credit for e in entries), D(0))
        for invoice in invoices:
            settled = min(credit, invoice.debit)
            credit -= settled
            left = invoice.debit - settled
            if left > 0:
                days = (sheet.end - invoice.date).days
                sheet.ageing[bucket_of(days)] += left
                sheet.open_invoices.append((invoice, left, days))
        sheet.advances += credit
