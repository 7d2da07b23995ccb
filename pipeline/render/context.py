"""The variables a template sees, built from the order and the company settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..config import Settings
from ..doctypes import DocType
from ..models import Order
from . import words

__all__ = ["FILTERS", "document_context"]

FILTERS = {
    "money": words.format_money,
    "qty": words.format_qty,
    "date_en": words.date_en,
    "date_zh": words.date_zh,
    "words_en": words.words_en,
    "words_zh": words.words_zh,
}


def document_context(
    doc: DocType, order: Order, settings: Settings, *, issued: dt.date, seal: Path | None
) -> dict[str, Any]:
    """Everything a document template may use; docs/variables.md describes it."""
    data = order.model_dump(mode="python")
    data["contract_number"] = order.contract_number
    items = data["items"]
    for number, item in enumerate(items, start=1):
        item["line_no"] = number
    return {
        "company": settings.company.model_dump(mode="python"),
        "order": data,
        "items": items,
        "document": {
            "type": doc.key,
            "title_en": doc.title_en,
            "title_zh": doc.title_zh,
            "number": f"{doc.number_prefix}-{order.order_no}",
            "date": issued,
        },
        "totals": {
            "amount": order.total_amount,
            "quantity": order.total_quantity,
            "cartons": order.total_cartons,
            "net_weight_kg": order.total_net_weight_kg,
            "gross_weight_kg": order.total_gross_weight_kg,
            "volume_cbm": order.total_volume_cbm,
            "words_en": words.words_en(order.total_amount, order.currency),
            "words_zh": words.words_zh(order.total_amount, order.currency),
        },
        "valid_until": issued + dt.timedelta(days=order.quotation_valid_days),
        "seal_path": str(seal) if seal else "",
        "seal_url": seal.resolve().as_uri() if seal else "",
    }
