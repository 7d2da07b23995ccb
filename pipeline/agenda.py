"""What the merchandiser works from, made from the index's order rows (each row carries the
order's due steps, `due.py`): the agenda of what is due, the business registration ledger
(业务登记) as XLSX, CSV or JSON, and a calendar (.ics) with stable event UIDs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = [
    "LEDGER_COLUMNS",
    "Due",
    "agenda",
    "calendar",
    "ledger_csv",
    "ledger_json",
    "ledger_rows",
    "ledger_totals",
    "ledger_xlsx",
]


@dataclass(frozen=True)
class Due:
    order_no: str
    customer: str
    salesperson: str
    kind: str
    what: str
    date: dt.date
    action: str
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    def as_dict(self) -> dict[str, Any]:
        return {"order": self.order_no, "customer": self.customer, "kind": self.kind,
                "what": self.what, "date": self.date.isoformat(), "days_left": self.days_left,
                "overdue": self.overdue, "action": self.action,
                "salesperson": self.salesperson}


def agenda(rows: Iterable[dict[str, Any]], today: dt.date, days: int | None = None,
           customer: str | None = None) -> list[Due]:
    """Every open step of every order, overdue first, then by date; `days`: only what is
    due within that many days (and everything overdue)."""
    found = []
    for row in rows:
        if customer and row["customer"].casefold() != customer.casefold():
            continue
        for item in row.get("due") or []:
            day = dt.date.fromisoformat(item["date"])
            left = (day - today).days
            if days is not None and left > days:
                continue
            found.append(Due(row["order_no"], row["customer"], row.get("salesperson") or "",
                             item["kind"], item["what"], day, item["action"], left))
    return sorted(found, key=lambda d: (d.date, d.order_no, d.kind))


# -- the ledger -------------------------------------------------------------------------------
LEDGER_COLUMNS: list[tuple[str, str, str]] = [  # key, header, kind (text, date, money, int)
    ("order_no", "订单号 Order", "text"), ("contract_no", "合同号 Contract", "text"),
    ("customer", "客户 Customer", "text"), ("customer_name", "客户名称 Name", "text"),
    ("salesperson", "业务员 Salesperson", "text"), ("order_date", "下单日期 Ordered", "date"),
    ("currency", "币种 Currency", "text"), ("total_amount", "金额 Amount", "money"),
    ("received", "已收 Received", "money"), ("outstanding", "未收 Outstanding", "money"),
    ("margin", "预计毛利 Expected margin", "money"),
    ("price_term", "价格条款 Term", "text"), ("payment_terms", "付款方式 Payment", "text"),
    ("factories", "工厂 Factory", "text"), ("inspection", "验货 Inspection", "text"),
    ("inspection_date", "验货日期 Inspected", "date"),
    ("delivery_date", "交货期 Delivery", "date"), ("shipment_date", "装运日期 Shipped", "date"),
    ("handover_date", "交单日期 Handed over", "date"), ("status", "状态 Status", "text"),
    ("forced", "强制交单 Forced hand-over", "text"),
    ("items", "品种 Items", "int"),
]


def ledger_rows(rows: Iterable[dict[str, Any]], date_from: dt.date | None = None,
                date_to: dt.date | None = None, customer: str | None = None
                ) -> list[dict[str, Any]]:
    """One row per order (by order date), the registration sheet's fields."""
    out = []
    for row in rows:
        ordered = dt.date.fromisoformat(row["order_date"])
        if (date_from and ordered < date_from) or (date_to and ordered > date_to):
            continue
        if customer and row["customer"].casefold() != customer.casefold():
            continue
        entry: dict[str, Any] = {}
        for key, _, kind in LEDGER_COLUMNS:
            value = row.get(key)
            if key == "factories":
                value = ", ".join(value or [])
            elif key == "inspection" and row.get("inspector"):
                value = f"{value} ({row['inspector']})"
            elif kind == "date" and value:
                value = dt.date.fromisoformat(str(value)[:10])
            elif kind == "money" and value is not None:
                value = Decimal(str(value))
            entry[key] = value
        out.append(entry)
    return sorted(out, key=lambda r: (r["order_date"], r["order_no"]))


def ledger_totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Orders and amounts per customer, month (of the order date) and currency."""
    sums: dict[tuple[str, str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for row in rows:
        key = (row["customer"], row["order_date"].strftime("%Y-%m"), row["currency"])
        sums[key][0] += 1
        sums[key][1] += row["total_amount"]
    return [{"customer": c, "month": m, "currency": cur, "orders": n, "amount": total}
            for (c, m, cur), (n, total) in sorted(sums.items())]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def ledger_json(rows: list[dict[str, Any]]) -> bytes:
    data = {"orders": [{k: _plain(v) for k, v in r.items()} for r in rows],
            "totals": [{k: _plain(v) for k, v in t.items()} for t in ledger_totals(rows)]}
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def ledger_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([header for _, header, _ in LEDGER_COLUMNS])
    for row in rows:
        writer.writerow(["" if row[k] is None else _plain(row[k]) for k, _, _ in LEDGER_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")  # Excel reads it as UTF-8


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ledger_xlsx(rows: list[dict[str, Any]], title: str) -> bytes:
    """The ledger as a workbook: a formatted, frozen header row, real dates and numbers,
    columns as wide as their Chinese text; a second sheet with the totals."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "业务登记 Ledger"
    head = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="1F4E78")
    formats = {"date": "yyyy-mm-dd", "money": "#,##0.00", "int": "0"}
    sheet.append([header for _, header, _ in LEDGER_COLUMNS])
    for row in rows:
        sheet.append([row[key] for key, _, _ in LEDGER_COLUMNS])
    widths = [_width(header) for _, header, _ in LEDGER_COLUMNS]
    for n, (key, _, kind) in enumerate(LEDGER_COLUMNS, start=1):
        for cell in sheet.iter_rows(min_row=2, min_col=n, max_col=n):
            if kind in formats:
                cell[0].number_format = formats[kind]
        for row in rows:
            shown = row[key].isoformat() if isinstance(row[key], dt.date) else row[key]
            widths[n - 1] = max(widths[n - 1], _width(str(shown or "")))
    for n, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = min(60, width + 2)
    for cell in sheet[1]:
        cell.font, cell.fill = head, fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    totals = book.create_sheet("合计 Totals")
    totals.append(["客户 Customer", "月份 Month", "币种 Currency", "订单 Orders", "金额 Amount"])
    for t in ledger_totals(rows):
        totals.append([t["customer"], t["month"], t["currency"], t["orders"], t["amount"]])
    for cell in totals[1]:
        cell.font, cell.fill = head, fill
    for cell in totals.iter_rows(min_row=2, min_col=5, max_col=5):
        cell[0].number_format = "#,##0.00"
    for letter, width in zip("ABCDE", (14, 10, 14, 12, 18), strict=True):
        totals.column_dimensions[letter].width = width
    totals.freeze_panes = "A2"
    book.properties.title = title
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- the calendar ----------------------------------------------------------------------------
def _events(row: dict[str, Any]) -> list[tuple[str, str, dt.date | dt.datetime, str]]:
    """(kind, title, when, description) of one order's dates."""
    found: list[tuple[str, str, dt.date | dt.datetime, str]] = []
    for item in row.get("due") or []:
        if item["kind"] in {"inspection", "handover", "registration", "approval",
                            "factory_confirmation", "legal_inspection"}:
            found.append((f"due-{item['kind']}", item["what"],
                          dt.date.fromisoformat(item["date"]), item["action"]))
    if row.get("inspection_date"):
        found.append(("inspection", f"inspection ({row.get('inspector') or row['inspection']})",
                      dt.date.fromisoformat(row["inspection_date"]), ""))
    if row.get("loading_time"):
        found.append(("loading", "loading", dt.datetime.fromisoformat(row["loading_time"]), ""))
    elif row.get("shipment_date"):
        found.append(("loading", "loading", dt.date.fromisoformat(row["shipment_date"]), ""))
    if row.get("latest_shipment_date"):
        found.append(("latest_shipment", "latest shipment date",
                      dt.date.fromisoformat(row["latest_shipment_date"]), ""))
    found.append(("delivery", "delivery date", dt.date.fromisoformat(row["delivery_date"]), ""))
    if row.get("handover_date"):
        found.append(("handover", "documents handed over",
                      dt.date.fromisoformat(row["handover_date"]), ""))
    return found


def calendar(rows: Iterable[dict[str, Any]], now: dt.datetime, name: str = "gendan") -> bytes:
    """An iCalendar file of the orders' dates; an event's UID is its order and kind, so a
    calendar that imports the file again updates the events instead of adding them."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//gendan//orders//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for row in rows:
        for kind, title, when, description in _events(row):
            event = Event()
            event.add("uid", f"{row['key']}.{kind}@gendan")
            event.add("dtstamp", now)
            event.add("summary", f"{row['order_no']} {row['customer']}: {title}")
            if isinstance(when, dt.datetime):
                event.add("dtstart", when)
                event.add("dtend", when + dt.timedelta(hours=1))
            else:
                event.add("dtstart", when)
                event.add("dtend", when + dt.timedelta(days=1))
            details = [f"{row['customer_name']} ({row['customer']}), {row['currency']} "
                       f"{Decimal(row['total_amount']):,.2f}", f"status {row['status']}"]
            if description:
                details.append(f"to do: {description}")
            event.add("description", "\n".join(details))
            if row.get("salesperson"):
                event.add("categories", [row["salesperson"]])
            cal.add_component(event)
    data: bytes = cal.to_ical()
    return data
