"""The labels of the Excel order form, in Chinese and English, and the values as people type
them into a spreadsheet.

A row (or column) is recognised by its label in any of its forms: the form's own
`订单号 Order No.`, the Chinese `订单号`, the English `Order No.`, or the field's dotted name
`order_no`. Numbers may be typed `1,200`, `1 200`, full-width `１，２００`, or with a currency
sign that agrees with the order (`US$38.50`, `¥` for CNY); percentages `30%`; yes/no as
是/否; dates as Excel dates or `2027/01/20`, `2027.01.20`, `2027年1月20日`.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = ["ITEM_FIELDS", "ORDER_FIELDS", "UPDATE_FIELDS", "field_for", "number", "yes_no"]

# dotted name: (Chinese, English, required, hint)
ORDER_FIELDS: dict[str, tuple[str, str, bool, str]] = {
    "order_no": ("订单号", "Order No.", True, "e.g. PO-2026-0042"),
    "order_date": ("下单日期", "Order date", True, "2026-11-02"),
    "customer_po": ("客户订单号", "Customer's PO", False, ""),
    "contract_no": ("合同号", "Contract No.", False, "left empty: numbered by gendan"),
    "customer.code": ("客户代码", "Customer code", True, "short, e.g. ACME"),
    "customer.name_en": ("客户名称(英)", "Customer name (EN)", True, ""),
    "customer.name_zh": ("客户名称(中)", "Customer name (ZH)", False, ""),
    "customer.address_en": ("客户地址", "Customer address", False, ""),
    "customer.country": ("国家", "Country", False, ""),
    "customer.contact.name": ("联系人", "Contact", False, ""),
    "customer.contact.email": ("联系人邮箱", "Contact e-mail", False, ""),
    "salesperson.name": ("业务员", "Salesperson", True, "e.g. 王丽"),
    "currency": ("币种", "Currency", True, "USD, EUR, CNY ..."),
    "price_term": ("价格条款", "Price term", True, "FOB, CIF ... (Incoterms 2020)"),
    "price_term_place": ("指定地点", "Named place", False, "left empty: derived"),
    "port_of_loading": ("装运港", "Port of loading", False, "e.g. Ningbo"),
    "destination": ("目的地", "Destination", True, "e.g. Hamburg, Germany"),
    "freight_amount": ("运费", "Freight", False, "C- and D-terms"),
    "insurance_percent": ("投保加成%", "Insured %", False, "CIF/CIP, default 110"),
    "payment_terms": ("付款方式", "Payment terms", True, "e.g. 30% T/T in advance"),
    "prepayment_percent": ("预付款%", "Prepayment %", False, "e.g. 30%"),
    "commission_percent": ("佣金%", "Commission %", False, ""),
    "delivery_date": ("交货期", "Delivery date", True, "2027-01-15"),
    "latest_shipment_date": ("最迟装运期", "Latest shipment", False, ""),
    "inspection": ("验货方式", "Inspection", False, "in_house, customer or third_party"),
    "legal_inspection": ("法定商检", "Legal inspection", False, "是 yes / 否 no"),
    "packing_spec": ("包装要求", "Packing", False, ""),
    "shipping_marks": ("唛头", "Shipping marks", False, ""),
    "remarks": ("备注", "Remarks", False, ""),
    "letter_of_credit.number": ("信用证号", "L/C No.", False, "only under a letter of credit"),
    "letter_of_credit.issue_date": ("开证日期", "L/C issued", False, ""),
    "letter_of_credit.issuing_bank": ("开证行", "Issuing bank", False, ""),
    "letter_of_credit.advising_bank": ("通知行", "Advising bank", False, ""),
    "letter_of_credit.amount": ("信用证金额", "L/C amount", False, ""),
    "letter_of_credit.tolerance_percent": ("溢短装%", "L/C tolerance %", False, "e.g. 5"),
    "letter_of_credit.expiry_date": ("信用证到期日", "L/C expiry", False, ""),
    "letter_of_credit.expiry_place": ("到期地点", "Place of expiry", False, ""),
    "letter_of_credit.latest_shipment_date": ("信用证最迟装运期", "L/C latest shipment", False,
                                              ""),
    "letter_of_credit.presentation_days": ("交单期(天)", "Presentation days", False, "21"),
    "letter_of_credit.partial_shipment": ("分批装运", "Partial shipment", False, "是 / 否"),
    "letter_of_credit.transhipment": ("转运", "Transhipment", False, "是 / 否"),
    "letter_of_credit.goods": ("信用证货物描述", "L/C goods", False, ""),
    "letter_of_credit.documents": ("单据要求", "L/C documents", False,
                                   "commercial_invoice 3+2; 提单 3+3"),
    "letter_of_credit.conditions": ("附加条款", "L/C conditions", False, "one a line"),
}
ITEM_FIELDS: dict[str, tuple[str, str, bool, str]] = {
    "name_en": ("品名(英)", "Name (EN)", True, ""),
    "name_zh": ("品名(中)", "Name (ZH)", False, ""),
    "model": ("型号", "Model", True, ""),
    "manufacturer": ("生产厂家", "Manufacturer", False, ""),
    "hs_code": ("HS编码", "HS code", False, ""),
    "origin": ("原产地", "Origin", False, ""),
    "quantity": ("数量", "Qty", True, ""),
    "unit": ("单位", "Unit", False, "PCS"),
    "unit_price": ("单价", "Unit price", True, ""),
    "packing.qty_per_carton": ("每箱数量", "Pcs/ctn", False, ""),
    "packing.cartons": ("箱数", "Cartons", False, ""),
    "packing.net_weight_kg": ("净重kg", "N.W. kg", False, ""),
    "packing.gross_weight_kg": ("毛重kg", "G.W. kg", False, ""),
    "packing.volume_cbm": ("体积CBM", "CBM", False, ""),
    "packing.carton_size_cm": ("箱规cm", "Carton size cm", False, "60x40x35"),
    "warranty_months": ("保修月数", "Warranty months", False, ""),
    "remark": ("备注", "Remark", False, ""),
    "packing.last_carton_qty": ("尾箱数量", "Last carton qty", False, "a part carton"),
    "factory_price": ("采购单价", "Purchase price", False, "CNY, for the factory"),
}
UPDATE_FIELDS: dict[str, tuple[str, str, bool, str]] = {
    "update": ("更新类型", "Update", True, "approval, inspection, loading ..."),
    "order_no": ("订单号", "Order No.", True, ""),
    "role": ("角色", "Role", False, "业务员 / 经理 / 总经理"),
    "by": ("签字人", "By", False, ""),
    "decision": ("结论", "Decision", False, "同意 approved / 驳回 rejected"),
    "at": ("时间", "At", False, "2026-11-03 09:00"),
    "kind": ("验货方式", "Inspection kind", False, ""),
    "inspector": ("验货员", "Inspector", False, ""),
    "date": ("日期", "Date", False, ""),
    "booked_on": ("预约日期", "Booked on", False, ""),
    "loading_time": ("装车时间", "Loading time", False, ""),
    "equipment_model": ("设备型号", "Equipment model", False, ""),
    "truck_plate": ("车牌号", "Truck plate", False, ""),
    "driver_name": ("司机", "Driver", False, ""),
    "driver_phone": ("司机电话", "Driver phone", False, ""),
    "container_no": ("箱号", "Container No.", False, ""),
    "bl_no": ("提单号", "B/L No.", False, ""),
    "on_board_date": ("装船日期", "On board", False, ""),
    "vessel": ("船名航次", "Vessel", False, ""),
    "carrier": ("船公司", "Carrier", False, ""),
    "factory": ("工厂", "Factory", False, ""),
    "confirmed_delivery_date": ("工厂确认交期", "Confirmed delivery", False, ""),
    "confirmed_on": ("确认日期", "Confirmed on", False, ""),
    "status": ("状态", "Status", False, ""),
    "remark": ("备注", "Remark", False, ""),
}
NUMBERS = {"freight_amount", "insurance_percent", "prepayment_percent", "commission_percent",
           "quantity", "unit_price", "packing.qty_per_carton", "packing.cartons",
           "packing.net_weight_kg", "packing.gross_weight_kg", "packing.volume_cbm",
           "warranty_months", "insurance_amount", "packing.last_carton_qty", "factory_price",
           "letter_of_credit.amount", "letter_of_credit.tolerance_percent",
           "letter_of_credit.presentation_days"}
VALUE_WORDS = {"业务员": "salesperson", "经理": "manager", "总经理": "general_manager",
               "同意": "approved", "批准": "approved", "驳回": "rejected", "不同意": "rejected",
               "本公司质检": "in_house", "客户验货": "customer", "第三方验货": "third_party",
               "审批": "approval", "验货": "inspection", "装车": "loading",
               "工厂确认": "factory_confirmation", "状态": "status", "装船": "shipment"}
CURRENCY_SIGNS = {"US$": "USD", "USD": "USD", "$": "USD", "HK$": "HKD", "HKD": "HKD",
                  "€": "EUR", "EUR": "EUR", "£": "GBP", "GBP": "GBP", "¥": "CNY", "￥": "CNY",
                  "RMB": "CNY", "CNY": "CNY", "JPY": "JPY", "AED": "AED"}


def _squash(text: str) -> str:
    return re.sub(r"[\s_.:：()（）/%]+", "", unicodedata.normalize("NFKC", text).casefold())


def _aliases(fields: dict[str, tuple[str, str, bool, str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for key, (zh, en, _, _) in fields.items():
        for alias in (key, zh, en, f"{zh} {en}", f"{zh}{en}"):
            table.setdefault(_squash(alias), key)
    return table


_TABLES = {id(f): _aliases(f) for f in (ORDER_FIELDS, ITEM_FIELDS, UPDATE_FIELDS)}


def field_for(label: object, fields: dict[str, tuple[str, str, bool, str]]) -> str | None:
    """The dotted field name a label stands for (None: not a field label)."""
    if label is None:
        return None
    text = str(label).strip()
    table = _TABLES[id(fields)]
    if (key := table.get(_squash(text))) is not None:
        return key
    parts = re.split(r"\s+", text, maxsplit=1)  # 订单号 Order No. -> its Chinese part
    return table.get(_squash(parts[0])) if len(parts) == 2 else None


def number(text: str, currency: str | None) -> Decimal:
    """A number as typed; raises ValueError with the form to write."""
    value = unicodedata.normalize("NFKC", text).strip()
    sign = None
    for mark in sorted(CURRENCY_SIGNS, key=len, reverse=True):
        if value.upper().startswith(mark.upper()):
            sign, value = CURRENCY_SIGNS[mark], value[len(mark):].strip()
            break
    if sign and currency and sign != currency and not (sign == "USD" and currency == "USD"):
        raise ValueError(f"{text!r} is in {sign}, the order is in {currency}: write the "
                         f"amount in {currency}")
    value = value.rstrip("%").strip().replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", value):
        value = value.replace(",", "")
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not a number; write it like 1200 or 1,200.50") from exc


def yes_no(value: object) -> object:
    if isinstance(value, str) and _squash(value) in {"是", "yes", "y", "true", "有", "需要"}:
        return True
    if isinstance(value, str) and _squash(value) in {"否", "no", "n", "false", "无", "不需要"}:
        return False
    return value


def word(value: object) -> object:
    """Chinese words for a choice (业务员, 同意 ...) as the value gendan expects."""
    if isinstance(value, str):
        return VALUE_WORDS.get(value.strip(), value)
    return value
