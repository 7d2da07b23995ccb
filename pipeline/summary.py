"""An order in one row: what `gendan orders`, the index and the ledger show of it.
Pure: computed from the order, its workflow and its archived documents."""

from __future__ import annotations

from typing import Any

from .attention import open_warnings
from .flow import Workflow
from .models import Order

__all__ = ["LEAD_DAYS", "summarise"]

LEAD_DAYS = {"in_house": 7, "customer": 7, "third_party": 14}  # the work manual's defaults


def summarise(order: Order, workflow: Workflow, documents: list[dict[str, Any]], *, key: str,
              folder: str, order_no: str, customer: str,
              lead_days: dict[str, int] | None = None) -> dict[str, Any]:
    loading = workflow.loading
    warnings = open_warnings(order, workflow, lead_days or LEAD_DAYS)
    current = [m for m in documents if m.get("current")]
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
        "status": workflow.status,
        "documents": len(documents),
        "pages": sum(m.get("pages") or 0 for m in current if m["kind"] != "original"),
        "updated": max((str(m["time"]) for m in documents), default=""),
        "events": len(workflow.history),
        "warnings": [w.message for w in warnings],
        "next_due": None,
    }
