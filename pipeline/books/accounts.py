"""The customer's statement of account written out: a PDF (bilingual, the company's
letterhead) and a workbook, from the orders in the archive."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .sheets import Sheet, workbook
from .statement import BUCKETS, Statement, statements

if TYPE_CHECKING:
    from ..config import Settings
    from ..flow import Workflow
    from ..models import Order
    from ..store import OrderStore

__all__ = ["customer_books", "customer_orders", "customer_statements", "statement_pdf",
           "statement_xlsx"]

KINDS = {"invoice": "发票 Invoice", "receipt": "收款 Receipt", "credit_note": "贷项 Credit note"}


def customer_books(workspace: Path, customers: set[str]) -> list[str]:
    """The workspace's books of these customers, relative to it: their master records, the
    quotations made for them (every version) and their samples."""
    import json

    found: list[Path] = []
    for code in customers:
        record = workspace / "masters" / "customers" / f"{code}.yaml"
        if record.is_file():
            found.append(record)
        samples = workspace / "books" / "samples" / code
        if samples.is_dir():
            found += [p for p in samples.rglob("*") if p.is_file()]
    quotations = workspace / "books" / "quotations"
    for version in sorted(quotations.glob("*/v*")) if quotations.is_dir() else []:
        record_file = version / "quotation.json"
        if record_file.is_file() and \
                json.loads(record_file.read_text("utf-8")).get("customer") in customers:
            found += [p for p in version.rglob("*") if p.is_file()]
    return sorted({p.relative_to(workspace).as_posix() for p in found
                   if not p.name.startswith(".")})


def customer_orders(store: OrderStore, customer: str) -> list[tuple[Order, Workflow]]:
    """Every order of the customer in the archive, with its workflow."""
    out = []
    for ref in store.refs():
        if ref.customer.casefold() != customer.casefold():
            continue
        with store.open(ref.order_no) as record:
            if record.exists():
                out.append((record.order, record.workflow))
    return out


def customer_statements(store: OrderStore, customer: str, start: dt.date, end: dt.date
                        ) -> list[Statement]:
    return statements(customer, customer_orders(store, customer), start, end)


def _rows(sheet: Statement) -> list[list[Any]]:
    rows: list[list[Any]] = [[sheet.start, "", "承前 Brought forward", "", None, None,
                              sheet.brought_forward]]
    rows += [[e.date, KINDS[e.kind], e.ref, e.order_no, e.debit or None, e.credit or None,
              e.balance] for e in sheet.entries]
    return rows


def statement_xlsx(sheets: list[Statement], title: str) -> bytes:
    specs = []
    for s in sheets:
        below: list[list[Any]] = [["结转 Carried", "", "", "", s.invoiced,
                                   s.received + s.credited, s.carried], [],
                                  ["账龄 Ageing (days)", *BUCKETS, "预收 Advances", "合计 Total"],
                                  [f"截至 as at {s.end}", *(s.ageing[b] for b in BUCKETS),
                                   -s.advances, s.carried]]
        specs.append(Sheet(f"对账表 {s.currency}", ["日期 Date", "类别 Kind", "单号 Ref",
                                                  "订单 Order", f"借方 Debit {s.currency}",
                                                  f"贷方 Credit {s.currency}",
                                                  f"余额 Balance {s.currency}"],
                           _rows(s), [[f"对账表 Statement of account {s.customer}"],
                                      [f"{s.start} - {s.end}", s.currency]], below))
    return workbook(specs, title)


def statement_pdf(sheets: list[Statement], customer: dict[str, Any], settings: Settings,
                  template_dirs: list[Path], target: Path, today: dt.date) -> int:
    """The statement as a PDF; its page count."""
    from ..render.html import render_html_pdf

    first = sheets[0]
    context = {
        "company": settings.company.model_dump(mode="python"), "customer": customer,
        "document": {"title_zh": "对账表", "title_en": "Statement of account",
                     "number": f"SOA-{first.customer}-{first.end:%Y%m%d}", "date": today,
                     "draft": False, "sealed": False},
        "statements": [{"currency": s.currency, "start": s.start, "end": s.end,
                        "brought_forward": s.brought_forward, "carried": s.carried,
                        "entries": [{"date": e.date, "kind": KINDS[e.kind], "ref": e.ref,
                                     "order_no": e.order_no, "debit": e.debit,
                                     "credit": e.credit, "balance": e.balance, "text": e.text}
                                    for e in s.entries],
                        "invoiced": s.invoiced, "received": s.received, "credited": s.credited,
                        "ageing": [(b, s.ageing[b]) for b in BUCKETS], "advances": s.advances,
                        "open": [{"ref": i.ref, "order_no": i.order_no, "date": i.date,
                                  "left": left, "days": days} for i, left, days in
                                 s.open_invoices]} for s in sheets],
        "logo_url": "", "seal_url": "",
    }
    return render_html_pdf("statement.html", context, template_dirs, target).pages
