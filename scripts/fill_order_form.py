"""Fill the Excel order form the way a merchandiser types it, for the demo: full-width
digits, thousands separators, a currency sign, dates with slashes and dots, Chinese
choice words. Usage: fill_order_form.py FORM.xlsx TARGET.xlsx"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from openpyxl import load_workbook

ORDER = {
    "order_no": "PO-2026-0057", "order_date": dt.date(2026, 11, 20),
    "customer.code": "ACME", "customer.name_en": "ACME Home & Garden Supply Co., Ltd.",
    "customer.name_zh": "阿克米家居园艺用品有限公司", "salesperson.name": "王丽",
    "currency": "USD", "price_term": "FOB", "port_of_loading": "Ningbo",
    "destination": "Long Beach, USA", "payment_terms": "30% T/T in advance, 70% against B/L",
    "prepayment_percent": "30%", "delivery_date": "2027/02/25",
    "latest_shipment_date": "2027.03.05", "inspection": "third_party", "legal_inspection": "否",
}
ITEMS = [
    ["Cordless Hedge Trimmer 20V", "20V无绳绿篱机", "HT-2020", "宁波绿源电器有限公司", "", "China",
     "１，２００", "PCS", "US$38.50", 4, "300", "3 300", "3,750", "18.9", "60x40x35", 24, ""],
    ["Garden Hose Reel Cart", "园艺水管卷盘车", "HR-45", "余姚金鹰塑料制品厂", "", "China",
     "400", "SETS", "19.80", 2, 200, 2400, 2640, 14.2, "", 12, ""],
]

if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    book = load_workbook(source)
    order = book["订单 Order"]
    for row in order.iter_rows(min_row=2):
        key = row[3].value
        if key in ORDER:
            row[1].value = ORDER[key]
    items = book["明细 Items"]
    for values in ITEMS:
        items.append(values)
    book.save(target)
    print(f"filled {target}")
