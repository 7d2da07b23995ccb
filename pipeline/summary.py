"""An order in one row: what `gendan orders`, the index and the ledger show of it.
Pure: computed from the order, its workflow, its archived documents and the policy (the
settings that decide deadlines, approvals and warranty)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .attention import open_warnings
from .flow import Workflow
from .models import Order
from .policy import LEAD_DAYS, THRESHOLDS, Policy, effective_status, shipment_date

__all__ = ["LEAD_DAYS", "THRESHOLDS", "Policy", "effective_status", "shipment_date",
           "summarise", "warranty"]

def warranty(order: Order, workflow: Workflow, policy: Policy) -> list[dict[str, Any]]:
    """Per item: months of warranty (and where they come from) and the end date, counted
    from shipment (the loading date); no end date before the goods are shipped."""
    shipped = shipment_date(workflow)
    rows = []
    for item in order.items:
        if item.warranty_months is not None:
            months, source = item.warranty_months, "item"
        elif item.model in policy.warranty_models:
            months, source = policy.warranty_models[item.model], "model"
        elif order.customer.code in policy.warranty_customers:
            months, source = policy.warranty_customers[order.customer.code], "customer"
        else:
            months, source = policy.warranty_months, "default"
        until = _add_months(shipped, months) if shipped is not None else None
        rows.append({"model": item.model, "months": months, "source": source,
                     "from": shipped.isoformat() if shipped else None,
                     "until": until.isoformat() if until else None})
    return rows


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the last of the month when it has fewer days)."""
    import calendar

    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def summarise(order: Order, workflow: Workflow, documents: list[dict[str, Any]], *, key: str,
              folder: str, order_no: str, customer: str,
              policy: Policy | None = None) -> dict[str, Any]:
    from .due import due_items
    from .schedule import instalments

    policy = policy or Policy()
    loading = workflow.loading
    warnings = open_warnings(order, workflow, dict(policy.lead_days))
    current = [m for m in documents if m.get("current")]
    due = due_items(order, workflow, documents, policy)
    schedule = instalments(order, workflow)
    received = sum((p.amount for p in workflow.payments), Decimal(0))
    return {
        "key": key,
        "order_no": order_no,
        "contract_no": order.contract_number,
        "customer_po": order.customer_po,
        "customer": customer,
        "customer_name_en": order.customer.name_en,
        "customer_name_zh": order.customer.name_zh,
        "customer_name": order.customer.name_zh or order.customer.name_en,
        "salesperson": order.salesperson.name,
        "folder": folder,
        "currency": order.currency,
        "total_amount": f"{order.total_amount:.2f}",
        "items": len(order.items),
        "models": list(dict.fromkeys(item.model for item in order.items)),
        "price_term": order.price_term,
        "destination": order.destination,
        "order_date": order.order_date.isoformat(),
        "delivery_date": order.delivery_date.isoformat(),
        "latest_shipment_date": (order.latest_shipment_date.isoformat()
                                 if order.latest_shipment_date else None),
        "shipment_date": loading.loading_time.date().isoformat() if loading else None,
        "loading_time": loading.loading_time.isoformat() if loading else None,
        "status": effective_status(order, workflow, documents, policy),
        "documents": len(documents),
        "pages": sum(m.get("pages") or 0 for m in current if m["kind"] != "original"),
        "updated": max((str(m["time"]) for m in documents), default=""),
        "events": len(workflow.history),
        "warnings": [w.message for w in warnings],
        "warranty": warranty(order, workflow, policy),
        "payment_terms": order.payment_terms,
        "factories": list(dict.fromkeys(i.manufacturer for i in order.items if i.manufacturer)),
        "inspection": order.inspection,
        "inspection_date": workflow.inspection.date.isoformat() if workflow.inspection else None,
        "inspector": workflow.inspection.inspector if workflow.inspection else None,
        "handover_date": next((str(e.data.get("date") or e.recorded.date())
                               for e in reversed(workflow.history) if e.kind == "handover"),
                              None),
        "forced": _forced(workflow),
        "registered": workflow.status in {"registered", "closed"},
        "review": _check_findings(workflow),
        "due": [d.as_dict() for d in due],
        "received": f"{received:.2f}",
        "credited": f"{sum((c.amount for c in workflow.credit_notes), Decimal(0)):.2f}",
        "outstanding": f"{sum((i.outstanding for i in schedule), Decimal(0)):.2f}",
        "margin": (f"{order.total_amount - order.total_expected_cost:.2f}"
                   if order.expected_costs else None),
        "schedule": [i.as_dict() for i in schedule],
        "next_due": due[0].date.isoformat() if due else None,
        "next_what": due[0].what if due else None,
    }


def _forced(workflow: Workflow) -> str:
    """Who forced the last hand-over past its errors, and why ("" when nobody did)."""
    last = next((e for e in reversed(workflow.history) if e.kind == "handover"), None)
    if last is None or not last.data.get("forced"):
        return ""
    role = f" ({last.data['role']})" if last.data.get("role") else ""
    return f"forced by {last.data.get('by')}{role}: {last.data.get('reason')}"


def _check_findings(workflow: Workflow) -> list[str]:
    """The warnings and points to review of the order's last check, as recorded with it
    (an error stops the hand-over and is shown by the check itself)."""
    last = next((e for e in reversed(workflow.history) if e.kind == "check"), None)
    if last is None:
        return []
    return [f"{f['rule']}: {f['message']}" for f in last.data.get("findings") or []
            if f.get("severity") in {"warning", "review"}]
