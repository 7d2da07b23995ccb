"""Orders and the factory's papers for them, in layouts of the factories' own, for the
discrepancy benchmark (`bench/discrepancies.py`).

An order is drawn at random (seeded): a customer and its port, a price term and its place,
one to six items whose names carry figures ("Cordless Drill 18V", "Air Fryer 5.5L 1700W"),
packing with carton sizes, weights and volumes that add up. Its papers are what the
factory and the forwarder send: commercial invoice, packing list, bill of lading,
insurance policy (CIF), export declaration, inspection report, warranty card, user manual,
transport contract. Each is data first (`Papers`), so that a discrepancy is seeded in the
data and then drawn in any layout:

    en      English only, ruled table, amounts 1,234.50, dates "Jan. 12, 2027"
    zh      Chinese only (names, ports and currency in Chinese), rules between rows only,
            dates 2027年1月12日, amount in words in 大写
    bi      bilingual labels, table headers over two lines (中文 / English)
    cells   one cell per line: no rules, each column of a row set at its own height (as a
            spreadsheet exports wrapped text), so that no two cells share a line
    later   a long table over pages, the totals on a later page, amounts 1.234,50,
            dates 12.01.2027, no borders
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import cn2an
from num2words import num2words

D = Decimal
LAYOUTS = ("en", "zh", "bi", "cells", "later")

SELLER = ("Hangzhou Gendan Trading Co., Ltd.", "杭州跟单贸易有限公司")

# (code, English name, Chinese name, country, destination port, currency)
CUSTOMERS = [
    ("ACME", "ACME Home & Garden Supply Co., Ltd.", "阿克米家居园艺用品有限公司", "USA",
     "Long Beach", "USD"),
    ("MUELLER", "Müller Werkzeuge GmbH", "穆勒工具有限公司", "Germany", "Hamburg", "EUR"),
    ("NORDIC", "Nordic Living AB", "北欧生活有限公司", "Sweden", "Gothenburg", "EUR"),
    ("OZTOOLS", "Oz Tools Pty Ltd", "澳洲工具有限公司", "Australia", "Sydney", "USD"),
    ("ANDES", "Comercial Andes S.A.", "安第斯贸易公司", "Chile", "San Antonio", "USD"),
    ("GULF", "Gulf Home Trading LLC", "海湾家居贸易有限责任公司", "UAE", "Jebel Ali", "USD"),
    ("MAPLE", "Maple Hardware Inc.", "枫叶五金公司", "Canada", "Vancouver", "USD"),
    ("LYON", "Lyon Jardin SARL", "里昂园艺有限公司", "France", "Le Havre", "EUR"),
    ("IBERIA", "Iberia Bricolaje S.L.", "伊比利亚家装有限公司", "Spain", "Valencia", "EUR"),
    ("SEOUL", "Hanbit Living Co., Ltd.", "韩光生活株式会社", "Korea", "Busan", "USD"),
]
PORTS_ZH = {"Ningbo": "宁波", "Shanghai": "上海", "Shenzhen": "深圳", "Qingdao": "青岛",
            "Xiamen": "厦门", "Long Beach": "长滩", "Hamburg": "汉堡", "Gothenburg": "哥德堡",
            "Sydney": "悉尼", "San Antonio": "圣安东尼奥", "Jebel Ali": "杰贝阿里",
            "Vancouver": "温哥华", "Le Havre": "勒阿弗尔", "Valencia": "瓦伦西亚",
            "Busan": "釜山", "Los Angeles": "洛杉矶", "Rotterdam": "鹿特丹"}
LOADING = ["Ningbo", "Shanghai", "Shenzhen", "Qingdao", "Xiamen"]
CURRENCY_ZH = {"USD": "美元", "EUR": "欧元"}
CURRENCY_EN = {"USD": "US DOLLARS", "EUR": "EUROS"}

# (English name, Chinese name, unit, model prefix)
PRODUCTS = [
    ("Cordless Drill 18V 2Ah", "18V无绳电钻", "PCS", "CD"),
    ("Angle Grinder 900W 115mm", "900W角磨机", "PCS", "AG"),
    ("LED Work Light 20W", "20W LED工作灯", "PCS", "LW"),
    ("Garden Hose Reel 30m", "30米水管卷盘车", "SETS", "HR"),
    ("Pressure Washer 1800W 130bar", "1800W高压清洗机", "PCS", "PW"),
    ("Electric Kettle 1.7L 2200W", "1.7升电水壶", "PCS", "EK"),
    ("Air Fryer 5.5L 1700W", "5.5升空气炸锅", "PCS", "AF"),
    ("Desk Fan 16in 45W", "16寸台扇", "PCS", "DF"),
    ("Extension Cord 3x1.5mm 10m", "10米延长线", "PCS", "EC"),
    ("Solar Garden Lamp 2pcs/set", "太阳能草坪灯两只装", "SETS", "SL"),
    ("Hedge Trimmer 600W 60cm", "600W绿篱机", "PCS", "HT"),
    ("Wet & Dry Vacuum 20L 1200W", "20升干湿吸尘器", "PCS", "VC"),
]
CENT = D("0.01")


@dataclass
class Item:
    model: str
    name_en: str
    name_zh: str
    unit: str
    quantity: int
    unit_price: Decimal
    per_carton: int
    cartons: int
    net_kg: Decimal  # the line's
    gross_kg: Decimal
    size: tuple[int, int, int]
    cbm: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENT, ROUND_HALF_UP)


@dataclass
class BenchOrder:
    number: str
    contract: str
    customer_po: str
    customer: tuple[str, str, str, str, str, str]
    currency: str
    term: str
    loading: str
    destination: str
    items: list[Item]
    inspection: str
    order_date: dt.date
    delivery: dt.date
    latest_shipment: dt.date
    inspection_date: dt.date
    loading_time: dt.datetime
    on_board: dt.date
    freight: Decimal

    @property
    def place(self) -> str:
        return self.loading if self.term == "FOB" else self.destination

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.items), D(0))

    @property
    def marks(self) -> str:
        return f"{self.customer[0]} / {self.customer_po} / {self.destination} / C/NO. 1-UP"

    @property
    def check_date(self) -> dt.date:
        return self.on_board + dt.timedelta(days=4)


def make_order(n: int, rng: random.Random) -> BenchOrder:
    customer = CUSTOMERS[n % len(CUSTOMERS)]
    term = ("FOB", "CFR", "CIF")[n % 3]
    items = []
    for number, product in enumerate(rng.sample(PRODUCTS, rng.randint(1, 6))):
        per = rng.choice([1, 2, 4, 6, 8, 10, 12, 20, 24])
        cartons = rng.randint(12, 400)
        net_ctn = D(rng.randint(20, 240)) / 10
        gross_ctn = net_ctn + D(rng.randint(4, 25)) / 10
        size = (rng.randint(25, 80), rng.randint(20, 60), rng.randint(15, 50))
        cbm = (D(size[0] * size[1] * size[2]) / D(1_000_000) * cartons).quantize(D("0.001"))
        items.append(Item(
            model=f"{product[3]}-{rng.randint(10, 99)}{number}{rng.choice('ABCDEFGHKM')}",
            name_en=product[0], name_zh=product[1], unit=product[2], quantity=per * cartons,
            unit_price=D(rng.randint(150, 12000)) / 100, per_carton=per, cartons=cartons,
            net_kg=net_ctn * cartons, gross_kg=gross_ctn * cartons, size=size, cbm=cbm))
    order_date = dt.date(2026, 9, 1) + dt.timedelta(days=rng.randint(0, 60))
    delivery = order_date + dt.timedelta(days=rng.randint(45, 75))
    inspection_date = delivery - dt.timedelta(days=3)
    loading = dt.datetime.combine(inspection_date + dt.timedelta(days=2), dt.time(8, 30))
    return BenchOrder(
        number=f"BM-{2600 + n}", contract=f"SC-BM-{2600 + n}", customer_po=f"{customer[0]}-"
        f"{rng.randint(1000, 9999)}", customer=customer, currency=customer[5], term=term,
        loading=rng.choice(LOADING), destination=customer[4], items=items,
        inspection=rng.choice(["third_party", "customer", "in_house"]), order_date=order_date,
        delivery=delivery, latest_shipment=delivery + dt.timedelta(days=10),
        inspection_date=inspection_date, loading_time=loading,
        on_board=loading.date() + dt.timedelta(days=rng.randint(1, 3)),
        freight=D(rng.randint(900, 4200)))


def order_data(order: BenchOrder) -> dict[str, Any]:
    """The order as the company's order file says it."""
    code, name_en, name_zh, country, _, _ = order.customer
    data: dict[str, Any] = {
        "order_no": order.number, "contract_no": order.contract,
        "customer_po": order.customer_po, "order_date": order.order_date,
        "customer": {"code": code, "name_en": name_en, "name_zh": name_zh,
                     "address_en": f"1 Harbour Road, {order.destination}, {country}",
                     "country": country},
        "salesperson": {"name": "王丽", "name_en": "Wang Li"},
        "currency": order.currency, "price_term": order.term,
        "port_of_loading": order.loading, "destination": f"{order.destination}, {country}",
        "payment_terms": "30% T/T in advance, 70% against copy of B/L",
        "prepayment_percent": 30,  # the general manager approves too
        "delivery_date": order.delivery, "latest_shipment_date": order.latest_shipment,
        "inspection": order.inspection, "shipping_marks": order.marks,
        "items": [{"name_en": i.name_en, "name_zh": i.name_zh, "model": i.model,
                   "manufacturer": "宁波绿源电器有限公司", "quantity": i.quantity,
                   "unit": i.unit, "unit_price": str(i.unit_price),
                   "packing": {"qty_per_carton": i.per_carton, "cartons": i.cartons,
                               "net_weight_kg": str(i.net_kg), "gross_weight_kg": str(i.gross_kg),
                               "volume_cbm": str(i.cbm),
                               "carton_size_cm": "x".join(map(str, i.size))}}
                  for i in order.items],
    }
    if order.term != "FOB":
        data["freight_amount"] = str(order.freight)
    return data


def updates(order: BenchOrder) -> list[tuple[str, dict[str, Any]]]:
    """The approvals, the inspection booking and the loading details, as dropped in turn."""
    at = dt.datetime.combine(order.order_date + dt.timedelta(days=1), dt.time(9))
    approvals = [("salesperson", "王丽"), ("manager", "李强"), ("general_manager", "张伟")]
    found: list[tuple[str, dict[str, Any]]] = [
        (f"{n + 1}-approval", {"update": "approval", "order_no": order.number, "role": role,
                               "by": by, "at": at + dt.timedelta(hours=n)})
        for n, (role, by) in enumerate(approvals)]
    found.append(("4-inspection", {
        "update": "inspection", "order_no": order.number, "kind": order.inspection,
        "inspector": "SGS Ningbo", "date": order.inspection_date,
        "booked_on": order.inspection_date - dt.timedelta(days=20)}))
    found.append(("5-loading", {
        "update": "loading", "order_no": order.number, "loading_time": order.loading_time,
        "equipment_model": order.items[0].model, "truck_plate": "浙B·3K721",
        "driver_name": "周师傅", "driver_phone": "139 5742 8810"}))
    return found


# --- the papers, as data --------------------------------------------------------------------

@dataclass
class Line:
    model: str
    name_en: str
    name_zh: str
    unit: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    per_carton: int
    cartons: int
    carton_from: int
    carton_to: int
    net_kg: Decimal
    gross_kg: Decimal
    cbm: Decimal


@dataclass
class Papers:
    """What the factory's documents say; seeded discrepancies change this, not the order."""

    order: BenchOrder
    invoice_no: str
    date: dt.date  # of the invoice and the packing list
    lines: list[Line]  # the invoice's
    packing: list[Line]  # the packing list's
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)  # per document

    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), D(0))

    def copy(self) -> Papers:
        return copy.deepcopy(self)


def papers(order: BenchOrder) -> Papers:
    lines, first = [], 1
    for i in order.items:
        lines.append(Line(i.model, i.name_en, i.name_zh, i.unit, i.quantity, i.unit_price,
                          i.amount, i.per_carton, i.cartons, first, first + i.cartons - 1,
                          i.net_kg, i.gross_kg, i.cbm))
        first += i.cartons
    cartons = first - 1
    gross = sum((i.gross_kg for i in order.items), D(0))
    net = sum((i.net_kg for i in order.items), D(0))
    cbm = sum((i.cbm for i in order.items), D(0))
    invoice_no = f"FI{order.number[3:]}-{order.order_date:%y}"
    common = {"order_no": order.number, "contract_no": order.contract,
              "customer_po": order.customer_po, "seller": SELLER, "marks": order.marks,
              "buyer": (order.customer[1], order.customer[2]), "loading": order.loading,
              "destination": order.destination, "term": order.term, "place": order.place,
              "currency": order.currency}
    p = Papers(order, invoice_no, order.loading_time.date(), lines, copy.deepcopy(lines))
    p.fields = {
        "commercial_invoice": {**common, "title": "COMMERCIAL INVOICE", "words": None},
        "packing_list": {**common, "invoice_no": invoice_no, "packages": cartons,
                         "gross": gross, "net": net, "cbm": cbm},
        "bill_of_lading": {**common, "bl_no": f"NGB{order.number[3:]}27", "packages": cartons,
                           "gross": gross, "cbm": cbm, "on_board": order.on_board,
                           "freight": "FREIGHT COLLECT" if order.term == "FOB"
                           else "FREIGHT PREPAID", "clause": ""},
        "insurance_policy": {**common, "insured": (order.total * D("1.1")).quantize(CENT),
                             "date": order.on_board - dt.timedelta(days=1)},
        "customs_declaration": {**common, "packages": cartons, "gross": gross, "net": net,
                                "date": order.loading_time.date()},
        "inspection_report": {**common, "date": order.inspection_date, "result": "PASS",
                              "models": [i.model for i in order.items]},
        "warranty_card": {**common, "models": [i.model for i in order.items]},
        "user_manual": {**common, "models": [i.model for i in order.items]},
        "transport_contract": {**common, "date": order.loading_time.date()},
    }
    return p


def documents_of(order: BenchOrder) -> list[str]:
    """The papers that come for this order."""
    docs = ["commercial_invoice", "packing_list", "bill_of_lading", "customs_declaration",
            "warranty_card", "user_manual", "transport_contract"]
    if order.term == "CIF":
        docs.append("insurance_policy")
    if order.inspection in {"third_party", "customer"}:
        docs.append("inspection_report")
    return docs


# --- the layouts ----------------------------------------------------------------------------

FONT = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"
STYLE = {
    "en": "table.items td, table.items th { border: 0.6pt solid #333; padding: 1.5mm }",
    "zh": "table.items td, table.items th { border-bottom: 0.4pt solid #999; padding: 1.8mm }",
    "bi": "table.items td, table.items th { border: 0.6pt solid #333; padding: 1.2mm }",
    "cells": "table.items td, table.items th { padding: 1mm 1.5mm; vertical-align: top }",
    "later": "table.items td, table.items th { padding: 1.6mm 2mm }"
             " table.items tr { page-break-inside: avoid }",
}


def _lang(layout: str) -> str:
    return {"en": "en", "zh": "zh", "bi": "bi", "cells": "en", "later": "bi"}[layout]


LABELS: dict[str, tuple[str, str]] = {  # (English, Chinese)
    "invoice_no": ("Invoice No.", "发票号"), "date": ("Date", "日期"),
    "order_no": ("Order No.", "订单号"), "contract_no": ("Contract No.", "合同号"),
    "customer_po": ("Buyer's Order No.", "客户订单号"), "seller": ("Seller", "卖方"),
    "buyer": ("Buyer", "买方"), "terms": ("Terms of delivery", "价格条款"),
    "currency": ("Currency", "币种"), "loading": ("Port of loading", "装运港"),
    "destination": ("Port of discharge", "目的港"), "marks": ("Shipping marks", "唛头"),
    "packages": ("Total packages", "总件数"), "gross": ("Gross weight", "毛重"),
    "net": ("Net weight", "净重"), "cbm": ("Measurement", "体积"),
    "shipper": ("Shipper", "发货人"), "consignee": ("Consignee", "收货人"),
    "bl_no": ("B/L No.", "提单号"), "on_board": ("Shipped on board", "装船日期"),
    "insured": ("Amount insured", "保险金额"), "result": ("Overall result", "检验结果"),
    "models": ("Models", "型号"), "exporter": ("Exporter", "境内发货人"),
}
HEADERS: dict[str, tuple[str, str]] = {
    "no": ("No.", "序号"), "description": ("Description", "品名"), "model": ("Model", "型号"),
    "quantity": ("Quantity", "数量"), "unit": ("Unit", "单位"),
    "unit_price": ("Unit Price", "单价"), "amount": ("Amount", "金额"),
    "per_carton": ("Pcs/Ctn", "每箱数量"), "cartons": ("Ctns", "箱数"),
    "range": ("C/No.", "箱号"), "net": ("N.W. (kg)", "净重(kg)"),
    "gross": ("G.W. (kg)", "毛重(kg)"), "cbm": ("Meas. (CBM)", "体积(CBM)"),
}


def label(name: str, lang: str) -> str:
    en, zh = LABELS[name]
    return {"en": f"{en}:", "zh": f"{zh}：", "bi": f"{zh} {en}:"}[lang]


def header(name: str, layout: str, currency: str = "") -> str:
    en, zh = HEADERS[name]
    if currency and name in {"unit_price", "amount"}:
        en = f"{en} ({currency})"
    lang = _lang(layout)
    if lang == "zh":
        return zh
    if lang == "bi":
        return f"{zh}<br>{en}"
    return en


def number(value: Decimal | int, layout: str, places: int = 2) -> str:
    text = f"{Decimal(value):,.{places}f}" if places else f"{int(value):,}"
    if layout == "later":  # 1.234,50
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


def weight(value: Decimal, layout: str) -> str:
    places = 3 if value != value.quantize(D("0.1")) else 1
    return number(value, layout, places)


def date(value: dt.date, layout: str) -> str:
    if layout == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    if layout == "later":
        return f"{value:%d.%m.%Y}"
    if layout == "en":
        return f"{value:%b}. {value.day}, {value.year}"
    if layout == "cells":
        return f"{value.day} {value:%B %Y}"
    return value.isoformat()


def place(name: str, layout: str) -> str:
    return PORTS_ZH.get(name, name) if layout == "zh" else name


def party(names: tuple[str, str], layout: str) -> str:
    return names[1] if layout == "zh" else names[0]


def words(amount: Decimal, currency: str, layout: str) -> str:
    """The amount in words as factories write it (not gendan's wording)."""
    if layout == "zh":
        return f"大写：{CURRENCY_ZH[currency]}{cn2an.an2cn(str(amount), 'rmb')}"
    whole = int(amount)
    cents = int((amount - whole) * 100)
    text = num2words(whole, lang="en").upper().replace(",", "")
    if layout == "bi":
        text = text.replace("-", " ")
    tail = f" AND CENTS {num2words(cents, lang='en').upper()}" if cents else ""
    say = "SAY TOTAL" if layout in {"en", "later"} else "SAY"
    return f"{say} {CURRENCY_EN[currency]} {text}{tail} ONLY."


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _head(rows: list[tuple[str, str]], lang: str) -> str:
    return "".join(f"<p>{label(name, lang)} {_esc(value)}</p>" for name, value in rows)


def _cell(value: str, layout: str, column: int) -> str:
    if layout == "cells":  # each column of the row at its own height
        return f'<td style="padding-top: {1 + 3.2 * (column % 4):.1f}mm">{value}</td>'
    return f"<td>{value}</td>"


def _row(values: list[str], layout: str) -> str:
    return "<tr>" + "".join(_cell(v, layout, n) for n, v in enumerate(values)) + "</tr>"


def invoice_html(p: Papers, layout: str) -> str:
    f = p.fields["commercial_invoice"]
    lang = _lang(layout)
    currency = CURRENCY_ZH[f["currency"]] if layout == "zh" else f["currency"]
    title = {"en": "COMMERCIAL INVOICE", "zh": "商业发票",
             "bi": "商业发票 COMMERCIAL INVOICE"}[lang]
    if f["title"] != "COMMERCIAL INVOICE":
        title = f["title"]
    head = _head([("invoice_no", p.invoice_no), ("date", date(p.date, layout)),
                  ("order_no", f["order_no"]), ("contract_no", f["contract_no"]),
                  ("customer_po", f["customer_po"]), ("seller", party(f["seller"], layout)),
                  ("buyer", party(f["buyer"], layout)),
                  ("terms", f"{f['term']} {place(f['place'], layout)}"),
                  ("currency", currency), ("loading", place(f["loading"], layout)),
                  ("destination", place(f["destination"], layout)),
                  ("marks", f["marks"])], lang)
    columns = ["no", "description", "model", "quantity", "unit", "unit_price", "amount"]
    rows = [_row([str(n), _esc(line.name_zh if layout == "zh" else line.name_en), line.model,
                  number(line.quantity, layout, 0), line.unit, number(line.unit_price, layout),
                  number(line.amount, layout)], layout)
            for n, line in enumerate(p.lines, start=1)]
    total = p.total() if f.get("total") is None else f["total"]
    quantity = sum(line.quantity for line in p.lines)
    total_label = "合计" if lang == "zh" else ("合计 TOTAL" if lang == "bi" else "TOTAL")
    rows.append(_row([total_label, "", "", number(quantity, layout, 0), "", "",
                      number(total, layout)], layout))
    said = f["words"] if f["words"] is not None else total
    return (f"<h1>{_esc(title)}</h1>{head}{_table(columns, rows, layout, f['currency'])}"
            f"<p>{_esc(words(said, f['currency'], layout))}</p>")


def _table(columns: list[str], rows: list[str], layout: str, currency: str = "") -> str:
    heads = "".join(f"<th>{header(c, layout, currency)}</th>" for c in columns)
    pad = ""
    if layout == "later":  # the totals on a later page
        pad = '<div style="height: 150mm"></div>' if len(rows) < 8 else ""
        return (f'<table class="items"><thead><tr>{heads}</tr></thead><tbody>'
                f"{''.join(rows[:-1])}</tbody></table>{pad}"
                f'<table class="items"><tr>{heads}</tr>{rows[-1]}</table>')
    return f'<table class="items"><tr>{heads}</tr>{"".join(rows)}</table>'


def packing_html(p: Papers, layout: str) -> str:
    f = p.fields["packing_list"]
    lang = _lang(layout)
    title = {"en": "PACKING LIST", "zh": "装箱单", "bi": "装箱单 PACKING LIST"}[lang]
    head = _head([("invoice_no", f["invoice_no"]), ("date", date(p.date, layout)),
                  ("order_no", f["order_no"]), ("seller", party(f["seller"], layout)),
                  ("buyer", party(f["buyer"], layout)), ("marks", f["marks"])], lang)
    columns = ["model", "description", "quantity", "per_carton", "cartons", "range", "net",
               "gross", "cbm"]
    rows = [_row([line.model, _esc(line.name_zh if layout == "zh" else line.name_en),
                  number(line.quantity, layout, 0), str(line.per_carton),
                  number(line.cartons, layout, 0), f"{line.carton_from}-{line.carton_to}",
                  weight(line.net_kg, layout), weight(line.gross_kg, layout),
                  number(line.cbm, layout, 3)], layout) for line in p.packing]
    total_label = "合计" if lang == "zh" else ("合计 TOTAL" if lang == "bi" else "TOTAL")
    rows.append(_row([total_label, "", number(sum(x.quantity for x in p.packing), layout, 0),
                      "", number(f["packages"], layout, 0), "", weight(f["net"], layout),
                      weight(f["gross"], layout), number(f["cbm"], layout, 3)], layout))
    summary = _head([("packages", f"{number(f['packages'], layout, 0)} CTNS"),
                     ("gross", f"{weight(f['gross'], layout)} KGS"),
                     ("net", f"{weight(f['net'], layout)} KGS"),
                     ("cbm", f"{number(f['cbm'], layout, 3)} CBM")], lang)
    return f"<h1>{title}</h1>{head}{_table(columns, rows, layout)}{summary}"


def bl_html(p: Papers, layout: str) -> str:
    f = p.fields["bill_of_lading"]
    lang = "bi" if layout == "zh" else _lang(layout)  # a carrier's form is never Chinese only
    return ("<h1>BILL OF LADING 海运提单</h1>" + _head([
        ("bl_no", f["bl_no"]), ("shipper", f["seller"][0]), ("consignee", "TO ORDER"),
        ("buyer", f["buyer"][0]), ("loading", f["loading"]), ("destination", f["destination"]),
        ("marks", f["marks"]), ("order_no", f["order_no"]),
        ("packages", f"{number(f['packages'], 'en', 0)} CTNS"),
        ("gross", f"{weight(f['gross'], 'en')} KGS"), ("cbm", f"{f['cbm']:.3f} CBM"),
        ("on_board", date(f["on_board"], "en" if layout == "zh" else layout))], lang)
        + f"<p>{f['freight']}</p>" + (f"<p>{f['clause']}</p>" if f["clause"] else "")
        + "<p>CLEAN ON BOARD</p><p>Signed by COSCO SHIPPING LINES as carrier</p>")


def insurance_html(p: Papers, layout: str) -> str:
    f = p.fields["insurance_policy"]
    lang = _lang(layout)
    return ("<h1>MARINE INSURANCE POLICY 货物运输保险单</h1>" + _head([
        ("invoice_no", p.invoice_no), ("order_no", f["order_no"]),
        ("date", date(f["date"], layout)),
        ("insured", f"{f['currency']} {number(f['insured'], layout)}"),
        ("loading", place(f["loading"], layout)),
        ("destination", place(f["destination"], layout))], lang)
        + "<p>Covering all risks as per Institute Cargo Clauses (A).</p>")


def customs_html(p: Papers, layout: str) -> str:
    f = p.fields["customs_declaration"]
    return ("<h1>中华人民共和国海关出口货物报关单 EXPORT CUSTOMS DECLARATION</h1>" + _head([
        ("exporter", f"{f['seller'][1]} {f['seller'][0]}"), ("contract_no", f["contract_no"]),
        ("packages", number(f["packages"], "en", 0)),
        ("gross", f"{weight(f['gross'], 'en')} KGS"), ("net", f"{weight(f['net'], 'en')} KGS"),
        ("date", f["date"].isoformat())], "bi") + f"<p>成交方式 Terms: {f['term']}</p>")


def report_html(p: Papers, layout: str) -> str:
    f = p.fields["inspection_report"]
    lang = _lang(layout)
    result = {"PASS": {"zh": "合格"}, "FAIL": {"zh": "不合格"}}[f["result"]].get(
        lang, f["result"])
    rows = "".join(f"<tr><td>{m}</td><td>80</td><td>{result}</td></tr>" for m in f["models"])
    return ("<h1>验货报告 INSPECTION REPORT</h1>" + _head([
        ("order_no", f["order_no"]), ("date", date(f["date"], layout))], lang)
        + f"<table class='items'><tr><th>Model</th><th>Sampled</th><th>Result</th></tr>{rows}"
        f"</table><p>{label('result', lang)} {result}</p>")


def warranty_html(p: Papers, layout: str) -> str:
    f = p.fields["warranty_card"]
    lang = _lang(layout)
    return ("<h1>保修卡 WARRANTY CARD</h1>" + _head([
        ("order_no", f["order_no"]), ("models", ", ".join(f["models"]))], lang)
        + "<p>Warranty: 2 years from the date of purchase. 保修期两年。</p>")


def manual_html(p: Papers, layout: str) -> str:
    f = p.fields["user_manual"]
    return "".join(f"<section style='page-break-after: always'><h1>USER MANUAL 使用说明书 "
                   f"{m}</h1><p>{'Read all safety instructions before use. ' * 12}</p>"
                   "</section>" for m in f["models"])


def transport_html(p: Papers, layout: str) -> str:
    f = p.fields["transport_contract"]
    return (f"<h1>运输合同 TRANSPORT CONTRACT</h1><p>Order No.: {f['order_no']}</p>"
            f"<p>Date: {f['date'].isoformat()}</p><p>Truck 浙B·3K721, factory → "
            f"{f['loading']} port.</p>")


RENDER = {"commercial_invoice": invoice_html, "packing_list": packing_html,
          "bill_of_lading": bl_html, "insurance_policy": insurance_html,
          "customs_declaration": customs_html, "inspection_report": report_html,
          "warranty_card": warranty_html, "user_manual": manual_html,
          "transport_contract": transport_html}
FILE_NAMES = {"commercial_invoice": "invoice", "packing_list": "packing list",
              "bill_of_lading": "B-L", "insurance_policy": "insurance policy",
              "customs_declaration": "customs declaration",
              "inspection_report": "inspection report", "warranty_card": "warranty card",
              "user_manual": "user manual", "transport_contract": "transport contract"}


def html_of(doc_type: str, p: Papers, layout: str) -> str:
    body = RENDER[doc_type](p, layout)
    style = (f"@page {{ size: A4; margin: 15mm }} body {{ font: 9pt {FONT} }}"
             "h1 { font-size: 14pt } p { margin: 1.2mm 0 }"
             "table.items { border-collapse: collapse; width: 100%; margin: 3mm 0 }"
             f"{STYLE[layout]}")
    return f"<html><head><style>{style}</style></head><body>{body}</body></html>"


def pdf_of(doc_type: str, p: Papers, layout: str) -> bytes:
    from weasyprint import HTML

    result: bytes = HTML(string=html_of(doc_type, p, layout)).write_pdf()
    return result
