"""A layout generator for factory documents: each draw is an order and its commercial
invoice(s), packing list(s) and bill of lading, every document drawn from a seeded random
choice over independent dimensions, so that the check is measured on layouts it was not
built with (`bench/draws.py`).

Order: one to seven lines, one to three factories (each may send its own invoice and
packing list, its lines only), units PCS / SETS / PAIRS / CARTONS (one unit or mixed),
part cartons, long model numbers and descriptions, customers with or without a Chinese
name, USD or EUR, FOB / CFR / CIF.

Document: language (English, Chinese, bilingual), the wording of every label (several
each, with or without a colon, `No.` / `#` / `编号`), ports as labels or "From ... to ...",
column order and which optional columns appear (line number, description, unit, HS code,
carton numbers, volume), units in their own column or beside the quantity, ruled, row-ruled
or unruled tables, the gap between columns (down to about one character), four fonts,
three sizes, numbers as 1,234.50 / 1.234,50 / 1 234,50 / 1234.50 / full-width digits,
currency before amounts, volumes and weights with two or three decimals, a running header
and footer, a red round seal over the seller, the totals row's wording, the totals pushed
to a later page, packages in words.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import html
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from num2words import num2words

from bench.papers import CUSTOMERS, LOADING, PORTS_ZH, SELLER, words

D = Decimal
CENT = D("0.01")
FACTORIES = [("宁波绿源电器有限公司", "Ningbo Lvyuan Electric Co., Ltd."),
             ("慈溪华达电器厂", "Cixi Huada Electric Appliance Factory"),
             ("永康美厨炊具有限公司", "Yongkang Meichu Cookware Co., Ltd.")]
PRODUCTS = [  # English name, Chinese name, HS code, model prefix
    ("Cordless Drill 18V 2Ah", "18V无绳电钻", "8467.21.00", "CD"),
    ("Angle Grinder 900W 115mm", "900W角磨机", "8467.29.00", "AG"),
    ("LED Work Light 20W", "20W LED工作灯", "9405.42.00", "LW"),
    ("Garden Hose Reel 30m", "30米水管卷盘车", "8424.82.00", "HR"),
    ("Electric Kettle 1.7L 2200W", "1.7升电水壶", "8516.71.00", "EK"),
    ("Air Fryer 5.5L 1700W", "5.5升空气炸锅", "8516.60.00", "AF"),
    ("Work Gloves Nitrile Coated", "丁腈浸胶劳保手套", "6116.10.00", "WG"),
    ("Safety Boots Steel Toe", "钢头安全鞋", "6403.40.00", "SB"),
    ("Garden Tool Kit 5 pieces", "园艺工具五件套", "8201.90.00", "GT"),
    ("Cookware Set Stainless 5 pieces", "不锈钢锅具五件套", "7323.93.00", "CW"),
    ("Extension Reel 25m 3x1.5mm", "25米电缆盘", "8544.42.00", "ER"),
    ("Desk Fan 16in 45W", "16寸台扇", "8414.51.00", "DF"),
]
UNITS = ["PCS", "SETS", "PAIRS", "CARTONS"]
FONTS = ["'Noto Sans CJK SC'", "'Noto Serif CJK SC'", "'WenQuanYi Micro Hei'",
         "'DejaVu Sans', 'Noto Sans CJK SC'"]


@dataclass
class DLine:
    model: str
    name_en: str
    name_zh: str
    hs: str
    unit: str
    quantity: int
    unit_price: Decimal
    per_carton: int
    cartons: int
    net: Decimal
    gross: Decimal
    cbm: Decimal
    factory: int
    carton_from: int = 0
    carton_to: int = 0
    amount_said: Decimal | None = None  # a seeded line amount

    @property
    def amount(self) -> Decimal:
        if self.amount_said is not None:
            return self.amount_said
        return (self.unit_price * self.quantity).quantize(CENT, ROUND_HALF_UP)


@dataclass
class DOrder:
    number: str
    contract: str
    po: str
    customer: tuple[str, str, str, str, str, str]
    chinese_name: bool
    currency: str
    term: str
    loading: str
    lines: list[DLine]
    order_date: dt.date
    loading_day: dt.date
    on_board: dt.date
    latest: dt.date
    freight: Decimal

    @property
    def destination(self) -> str:
        return self.customer[4]

    @property
    def place(self) -> str:
        return self.loading if self.term == "FOB" else self.destination

    @property
    def marks(self) -> str:
        return f"{self.customer[0]} / {self.po} / {self.destination.upper()} / C/NO. 1-UP"

    @property
    def factories(self) -> list[int]:
        return sorted({line.factory for line in self.lines})


def draw_order(n: int, rng: random.Random) -> DOrder:
    customer = rng.choice(CUSTOMERS)
    factories = rng.choice([1, 1, 2, 3])
    mixed = rng.random() < 0.5
    unit = rng.choice(UNITS)
    lines = []
    for k, product in enumerate(rng.sample(PRODUCTS, rng.randint(1, 7))):
        line_unit = rng.choice(UNITS) if mixed else unit
        per = 1 if line_unit == "CARTONS" else rng.choice([2, 4, 6, 8, 10, 12, 20, 24, 50])
        cartons = rng.randint(5, 450)
        quantity = per * cartons
        if per > 1 and rng.random() < 0.3:  # a part carton at the end
            quantity -= rng.randint(1, per - 1)
        net_ctn = D(rng.randint(20, 240)) / 10
        gross_ctn = net_ctn + D(rng.randint(4, 25)) / 10
        places = rng.choice([1, 2, 3])
        size = rng.randint(25, 80) * rng.randint(20, 60) * rng.randint(15, 50)
        model = f"{product[3]}-{rng.randint(10, 99)}{k}{rng.choice('ABCDEFGHKM')}"
        if rng.random() < 0.2:
            model += f"-{rng.choice(['UK', 'EU', 'US'])}-{rng.randint(100, 999)}"
        name = product[0] + (" with carry case, spare parts and user manual in four "
                             "languages" if rng.random() < 0.25 else "")
        lines.append(DLine(
            model, name, product[1], product[2], line_unit, quantity,
            D(rng.randint(50, 50000)) / 100, per, cartons,
            (net_ctn * cartons).quantize(D(10) ** -places),
            (gross_ctn * cartons).quantize(D(10) ** -places),
            (D(size) / D(1_000_000) * cartons).quantize(D("0.001")), k % factories))
    order_date = dt.date(2026, 9, 1) + dt.timedelta(days=rng.randint(0, 60))
    loading = order_date + dt.timedelta(days=rng.randint(40, 70))
    long = rng.random() < 0.3
    number = f"{'HZGD-EXP-' if long else 'PO-'}{2026}{n:05d}"
    return DOrder(number, f"SC-{number}", f"{customer[0]}-{rng.randint(1000, 9999)}", customer,
                  rng.random() < 0.6, customer[5], rng.choice(["FOB", "CFR", "CIF"]),
                  rng.choice(LOADING), lines, order_date, loading,
                  loading + dt.timedelta(days=rng.randint(1, 4)),
                  loading + dt.timedelta(days=12), D(rng.randint(900, 4200)))


def order_data(order: DOrder) -> dict[str, Any]:
    code, name_en, name_zh, country, port, _ = order.customer
    customer = {"code": code, "name_en": name_en, "country": country,
                "address_en": f"1 Harbour Road, {port}, {country}"}
    if order.chinese_name:
        customer["name_zh"] = name_zh
    data: dict[str, Any] = {
        "order_no": order.number, "contract_no": order.contract, "customer_po": order.po,
        "order_date": order.order_date, "customer": customer,
        "salesperson": {"name": "王丽", "name_en": "Wang Li"}, "currency": order.currency,
        "price_term": order.term, "port_of_loading": order.loading,
        "destination": f"{port}, {country}", "payment_terms": "30% T/T in advance, balance "
        "against copy of B/L", "delivery_date": order.loading_day,
        "latest_shipment_date": order.latest, "inspection": "in_house",
        "shipping_marks": order.marks,
        "items": [{"name_en": i.name_en, "name_zh": i.name_zh, "model": i.model,
                   "hs_code": i.hs, "manufacturer": FACTORIES[i.factory][0],
                   "quantity": i.quantity, "unit": i.unit, "unit_price": str(i.unit_price),
                   "packing": {"qty_per_carton": i.per_carton, "cartons": i.cartons,
                               **({"last_carton_qty": i.quantity - i.per_carton *
                                   (i.cartons - 1)} if i.quantity < i.per_carton * i.cartons
                                  else {}),
                               "net_weight_kg": str(i.net), "gross_weight_kg": str(i.gross),
                               "volume_cbm": str(i.cbm)}}
                  for i in order.lines],
    }
    if order.term != "FOB":
        data["freight_amount"] = str(order.freight)
    return data


# --- the documents, as data (a seeded discrepancy changes these) ---------------------------

@dataclass
class Sheet:
    doc_type: str
    lines: list[DLine]
    fields: dict[str, Any]
    factory: int | None = None  # one factory's own document


def sheets(order: DOrder, per_factory: bool) -> list[Sheet]:
    groups = [[ln for ln in order.lines if ln.factory == f] for f in order.factories] \
        if per_factory and len(order.factories) > 1 else [order.lines]
    out = []
    for n, group in enumerate(groups):
        lines = copy.deepcopy(group)
        first = 1
        for line in lines:
            line.carton_from, line.carton_to = first, first + line.cartons - 1
            first += line.cartons
        factory = group[0].factory if len(groups) > 1 else None
        invoice_no = f"FI{order.number[-5:]}-{n + 1}"
        buyer = (order.customer[1], order.customer[2] if order.chinese_name else "")
        common = {"order_no": order.number, "contract_no": order.contract, "po": order.po,
                  "seller": SELLER, "buyer": buyer,  # no Chinese name: in English
                  "loading": order.loading, "destination": order.destination,
                  "term": order.term, "place": order.place, "currency": order.currency,
                  "marks": order.marks, "date": order.loading_day, "invoice_no": invoice_no,
                  "title": None, "total": None, "words": None, "quantity_total": None}
        packing = {**common, "packages": sum(x.cartons for x in lines),
                   "gross": sum((x.gross for x in lines), D(0)),
                   "net": sum((x.net for x in lines), D(0)),
                   "cbm": sum((x.cbm for x in lines), D(0)), "packages_words": None}
        out.append(Sheet("commercial_invoice", lines, dict(common), factory))
        out.append(Sheet("packing_list", copy.deepcopy(lines), packing, factory))
    out.append(Sheet("bill_of_lading", [], {
        "seller": SELLER, "buyer": (order.customer[1], ""), "loading": order.loading,
        "destination": order.destination, "marks": order.marks,
        "packages": sum(x.cartons for x in order.lines),
        "gross": sum((x.gross for x in order.lines), D(0)), "on_board": order.on_board,
        "freight": "FREIGHT COLLECT" if order.term == "FOB" else "FREIGHT PREPAID",
        "clause": "", "signed": True, "bl_no": f"NGB{order.number[-5:]}A"}))
    return out


# --- the style of a document ------------------------------------------------------------------

LABELS: dict[str, tuple[list[str], list[str]]] = {  # field: (English wordings, Chinese)
    "invoice_no": (["Invoice No.", "Invoice No", "Invoice #", "Invoice Number", "Inv. No."],
                   ["发票号", "发票号码", "发票编号"]),
    "date": (["Date", "Invoice Date", "Date of issue"], ["日期", "开票日期"]),
    "order_no": (["Order No.", "Order #", "Sales Order No."], ["订单号", "订单编号"]),
    "contract_no": (["Contract No.", "S/C No.", "Sales Contract No.", "Contract #"],
                    ["合同号", "合同编号"]),
    "po": (["Buyer's Order No.", "Customer PO No.", "Your Order No."], ["客户订单号"]),
    "seller": (["Seller", "Exporter", "Shipper"], ["卖方", "出口商"]),
    "buyer": (["Buyer", "Sold to", "To Messrs."], ["买方", "进口商"]),
    "term": (["Terms of delivery", "Price term", "Trade terms"], ["价格条款", "贸易术语"]),
    "currency": (["Currency"], ["币种", "币别"]),
    "loading": (["Port of loading", "Loading port"], ["装运港", "起运港"]),
    "destination": (["Port of discharge", "Port of destination"], ["目的港", "卸货港"]),
    "marks": (["Shipping marks", "Marks & Nos.", "Marks"], ["唛头"]),
    "packages": (["Total packages", "Packages", "No. of cartons", "Total cartons"],
                 ["总件数", "件数"]),
    "gross": (["Gross weight", "G.W.", "Total gross weight"], ["毛重", "总毛重"]),
    "net": (["Net weight", "N.W.", "Total net weight"], ["净重", "总净重"]),
    "cbm": (["Measurement", "Volume", "Meas."], ["体积", "总体积"]),
    "bl_no": (["B/L No.", "Bill of Lading No."], ["提单号"]),
    "on_board": (["Shipped on board", "On board date"], ["装船日期"]),
}
HEADERS: dict[str, tuple[list[str], list[str]]] = {
    "no": (["No.", "Item"], ["序号"]),
    "model": (["Model", "Model No.", "Item No.", "Art. No."], ["型号", "货号"]),
    "description": (["Description", "Description of goods", "Commodity"], ["品名", "货物名称"]),
    "hs": (["HS Code"], ["HS编码", "海关编码"]),
    "quantity": (["Quantity", "Qty", "Q'ty"], ["数量"]),
    "unit": (["Unit"], ["单位"]),
    "unit_price": (["Unit Price", "Price", "U. Price"], ["单价"]),
    "amount": (["Amount", "Total Amount", "Value"], ["金额", "总价"]),
    "per_carton": (["Pcs/Ctn", "Qty/Ctn"], ["每箱数量", "装箱数"]),
    "cartons": (["Ctns", "Cartons", "Packages"], ["箱数", "件数"]),
    "range": (["C/No.", "Carton No.", "Ctn No."], ["箱号"]),
    "net": (["N.W.(kg)", "Net Weight (kg)", "N.W. KGS"], ["净重(kg)", "净重KG"]),
    "gross": (["G.W.(kg)", "Gross Weight (kg)", "G.W. KGS"], ["毛重(kg)", "毛重KG"]),
    "cbm": (["CBM", "Meas.(CBM)", "Volume (m3)"], ["体积(CBM)", "体积CBM"]),
}
TOTALS = (["TOTAL", "Total:", "GRAND TOTAL"], ["合计", "总计"])


@dataclass
class Style:
    lang: str
    words: dict[str, str]  # label and header wordings, chosen once per document
    colon: str
    numbers: str  # point, comma, space, plain, fullwidth
    prefix: str  # before amounts: "", "USD ", "$"
    volume_places: int
    ruling: str  # grid, rows, none
    pad_mm: float
    font: str
    size_pt: float
    invoice_columns: list[str]
    packing_columns: list[str]
    unit_column: bool
    ports_from_to: bool
    later_page: bool
    running: bool
    seal: bool
    total_word: str
    packages_words: bool
    no_style: str  # how "No." is written: "No.", "#", "编号"
    extra: dict[str, Any] = field(default_factory=dict)


def _pick(rng: random.Random, name: str, lang: str, table: dict[str, tuple[list[str],
                                                                           list[str]]]) -> str:
    en, zh = table[name]
    if lang == "en":
        return rng.choice(en)
    if lang == "zh":
        return rng.choice(zh)
    return f"{rng.choice(zh)} {rng.choice(en)}"


def draw_style(rng: random.Random, currency: str) -> Style:
    lang = rng.choice(["en", "zh", "bi"])
    chosen = {f"l.{k}": _pick(rng, k, lang, LABELS) for k in LABELS}
    chosen.update({f"h.{k}": _pick(rng, k, lang, HEADERS) for k in HEADERS})
    invoice = ["model", "quantity", "unit_price", "amount"]
    packing = ["model", "quantity", "per_carton", "cartons", "net", "gross"]
    for optional, where, chance in (("description", invoice, 0.8), ("no", invoice, 0.4),
                                    ("hs", invoice, 0.3), ("description", packing, 0.5),
                                    ("range", packing, 0.7), ("cbm", packing, 0.7)):
        if rng.random() < chance:
            where.insert(rng.randint(0, 1), optional)
    if rng.random() < 0.3:  # description before model, or after
        invoice.sort(key=lambda c: {"no": 0, "description": 1, "model": 2}.get(c, 5))
    unit_column = rng.random() < 0.5
    if unit_column:
        invoice.insert(invoice.index("quantity") + 1, "unit")
    total = TOTALS[0] if lang == "en" else TOTALS[1]
    return Style(
        lang=lang, words=chosen, colon=rng.choice([":", ": ", "：", " "]),
        numbers=rng.choice(["point", "point", "comma", "space", "plain", "fullwidth"]),
        prefix=rng.choice(["", "", f"{currency} ", "$" if currency == "USD" else "€"]),
        volume_places=rng.choice([2, 3]), ruling=rng.choice(["grid", "rows", "none"]),
        pad_mm=rng.choice([0.4, 0.8, 1.5, 2.5]), font=rng.choice(FONTS),
        size_pt=rng.choice([8, 9, 10]), invoice_columns=invoice, packing_columns=packing,
        unit_column=unit_column, ports_from_to=rng.random() < 0.3,
        later_page=rng.random() < 0.2, running=rng.random() < 0.4, seal=rng.random() < 0.4,
        total_word=rng.choice(total), packages_words=rng.random() < 0.4,
        no_style=rng.choice(["No.", "#", "编号"]))


# --- rendering ------------------------------------------------------------------------------

FULL = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


def num(value: Decimal | int, places: int, style: Style) -> str:
    text = f"{Decimal(value):,.{places}f}"
    if style.numbers == "comma":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    elif style.numbers == "space":
        text = text.replace(",", " ").replace(".", ",")
    elif style.numbers == "plain":
        text = text.replace(",", "")
    elif style.numbers == "fullwidth":
        text = text.translate(FULL)
    return text


def money(value: Decimal, style: Style) -> str:
    return f"{style.prefix}{num(value, 2, style)}"


def weight(value: Decimal, style: Style) -> str:
    places = max(1, -value.normalize().as_tuple().exponent)  # type: ignore[operator]
    return num(value, min(places, 3), style)


def _label(style: Style, name: str) -> str:
    return f"{style.words[f'l.{name}']}{style.colon}"


def _line(style: Style, name: str, value: str) -> str:
    return f"<p>{html.escape(_label(style, name))} {html.escape(value)}</p>"


def _party(names: tuple[str, str], style: Style) -> str:
    return names[1] if style.lang == "zh" and names[1] else names[0]


def _place(name: str, style: Style) -> str:
    return PORTS_ZH.get(name, name) if style.lang == "zh" else name


SEAL = base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160">'
    b'<circle cx="80" cy="80" r="74" fill="none" stroke="#d00" stroke-width="5"/>'
    b'<text x="80" y="88" font-size="20" fill="#d00" text-anchor="middle">&#9733;</text>'
    b'</svg>').decode()


def _head(sheet: Sheet, order: DOrder, style: Style, title: str) -> str:
    f = sheet.fields
    out = [f"<h1>{html.escape(title)}</h1>"]
    if sheet.factory is not None:
        out.append(f"<p>{FACTORIES[sheet.factory][0]} {FACTORIES[sheet.factory][1]}</p>")
    out.append(_line(style, "invoice_no", f["invoice_no"]))
    out.append(_line(style, "date", _date(f["date"], style)))
    out.append(_line(style, "order_no", f["order_no"]))
    out.append(_line(style, "contract_no", f["contract_no"]))
    out.append(_line(style, "po", f["po"]))
    seller = _line(style, "seller", _party(f["seller"], style))
    if style.seal:
        seller = (f'<div style="position: relative">{seller}<img src="data:image/svg+xml;base64,'
                  f'{SEAL}" style="position: absolute; left: 30mm; top: -8mm; width: 26mm; '
                  'opacity: 0.75"></div>')
    out.append(seller)
    out.append(_line(style, "buyer", _party(f["buyer"], style)))
    return "".join(out)


def _date(day: dt.date, style: Style) -> str:
    if style.lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return {"point": f"{day:%b}. {day.day}, {day.year}", "comma": f"{day:%d.%m.%Y}",
            "space": f"{day.day} {day:%B %Y}"}.get(style.numbers, day.isoformat())


def _ports(f: dict[str, Any], style: Style) -> str:
    loading, destination = _place(f["loading"], style), _place(f["destination"], style)
    if style.ports_from_to:
        return f"<p>From {loading} to {destination} by sea</p>"
    return _line(style, "loading", loading) + _line(style, "destination", destination)


def _table(columns: list[str], rows: list[list[str]], total: list[str], style: Style) -> str:
    heads = "".join(f"<th>{html.escape(style.words[f'h.{c}'])}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>"
                   for row in rows)
    last = "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in total) + "</tr>"
    if style.later_page:
        return (f'<table class="items"><tr>{heads}</tr>{body}</table>'
                f'<div style="height: 170mm"></div><table class="items"><tr>{heads}</tr>'
                f"{last}</table>")
    return f'<table class="items"><tr>{heads}</tr>{body}{last}</table>'


def _quantity(line: DLine, style: Style) -> str:
    text = num(line.quantity, 0, style)
    return text if style.unit_column else f"{text} {line.unit}"


def invoice_html(sheet: Sheet, order: DOrder, style: Style) -> str:
    f = sheet.fields
    title = f["title"] or {"en": "COMMERCIAL INVOICE", "zh": "商业发票",
                           "bi": "商业发票 COMMERCIAL INVOICE"}[style.lang]
    head = _head(sheet, order, style, title)
    term = f"{f['term']} {_place(f['place'], style)}"
    head += f"<p>{html.escape(_label(style, 'term'))} {html.escape(term)} (Incoterms 2020)</p>"
    head += _line(style, "currency", f["currency"]) + _ports(f, style)
    head += _line(style, "marks", f["marks"])
    rows = []
    for n, line in enumerate(sheet.lines, start=1):
        cells = {"no": str(n), "model": line.model, "description": line.name_zh
                 if style.lang == "zh" else line.name_en, "hs": line.hs,
                 "quantity": _quantity(line, style), "unit": line.unit,
                 "unit_price": money(line.unit_price, style), "amount": money(line.amount, style)}
        rows.append([cells[c] for c in style.invoice_columns])
    total = f["total"] if f["total"] is not None else sum((x.amount for x in sheet.lines), D(0))
    quantity = f["quantity_total"] if f["quantity_total"] is not None else \
        sum(x.quantity for x in sheet.lines)
    last = {"quantity": num(quantity, 0, style), "amount": money(total, style)}
    row = [last.get(c, "") for c in style.invoice_columns]
    row[0] = style.total_word
    said = f["words"] if f["words"] is not None else total
    layout = "zh" if style.lang == "zh" else "en"
    return (head + _table(style.invoice_columns, rows, row, style)
            + f"<p>{html.escape(words(said, f['currency'], layout))}</p>")


def _packages_words(count: int) -> str:
    return f"SAY TOTAL {num2words(count, lang='en').upper().replace(',', '')} CARTONS ONLY"


def packing_html(sheet: Sheet, order: DOrder, style: Style) -> str:
    f = sheet.fields
    title = f["title"] or {"en": "PACKING LIST", "zh": "装箱单",
                           "bi": "装箱单 PACKING LIST"}[style.lang]
    head = _head(sheet, order, style, title) + _ports(f, style) + _line(style, "marks",
                                                                        f["marks"])
    rows = []
    for line in sheet.lines:
        cells = {"model": line.model, "description": line.name_zh if style.lang == "zh"
                 else line.name_en, "quantity": _quantity(line, style),
                 "per_carton": str(line.per_carton), "cartons": num(line.cartons, 0, style),
                 "range": f"{line.carton_from}-{line.carton_to}",
                 "net": weight(line.net, style), "gross": weight(line.gross, style),
                 "cbm": num(line.cbm, style.volume_places, style)}
        rows.append([cells[c] for c in style.packing_columns])
    last = {"quantity": num(sum(x.quantity for x in sheet.lines), 0, style),
            "cartons": num(f["packages"], 0, style), "net": weight(f["net"], style),
            "gross": weight(f["gross"], style), "cbm": num(f["cbm"], style.volume_places, style)}
    row = [last.get(c, "") for c in style.packing_columns]
    row[0] = style.total_word
    summary = (_line(style, "packages", f"{num(f['packages'], 0, style)} CTNS")
               + _line(style, "gross", f"{weight(f['gross'], style)} KGS")
               + _line(style, "net", f"{weight(f['net'], style)} KGS")
               + _line(style, "cbm", f"{num(f['cbm'], style.volume_places, style)} CBM"))
    if style.packages_words or f["packages_words"] is not None:
        said = f["packages_words"] if f["packages_words"] is not None else f["packages"]
        summary += f"<p>{_packages_words(said)}</p>"
    return head + _table(style.packing_columns, rows, row, style) + summary


def bl_html(sheet: Sheet, order: DOrder, style: Style) -> str:
    f = sheet.fields
    english = copy.copy(style)
    english.lang = "en" if style.lang == "zh" else style.lang  # a carrier's form
    out = ["<h1>BILL OF LADING 海运提单</h1>",
           _line(english, "bl_no", f["bl_no"]),
           _line(english, "seller", f["seller"][0]), "<p>Consignee: TO ORDER</p>",
           f"<p>Notify party: {html.escape(f['buyer'][0])}</p>",
           _line(english, "loading", f["loading"]),
           _line(english, "destination", f["destination"]),
           _line(english, "marks", f["marks"]),
           f"<p>{num(f['packages'], 0, english)} CARTONS</p>",
           _line(english, "gross", f"{weight(f['gross'], english)} KGS"),
           f"<p>{f['freight']}</p>",
           f"<p>SHIPPED ON BOARD {f['on_board']:%d %b %Y}</p>"]
    if f["clause"]:
        out.append(f"<p>{f['clause']}</p>")
    if f["signed"]:
        out.append("<p>Signed by COSCO SHIPPING LINES CO., LTD. as carrier</p>")
    return "".join(out)


RENDER = {"commercial_invoice": invoice_html, "packing_list": packing_html,
          "bill_of_lading": bl_html}


def html_of(sheet: Sheet, order: DOrder, style: Style) -> str:
    rule = {"grid": "border: 0.5pt solid #333", "rows": "border-bottom: 0.4pt solid #999",
            "none": "border: none"}[style.ruling]
    running = ""
    if style.running:
        running = ("@top-right { content: 'Page ' counter(page) ' of ' counter(pages); "
                   "font-size: 7pt } @bottom-center { content: 'No. 8 Industrial Road, "
                   "Ningbo, China  Tel 0574-8888 8888'; font-size: 7pt }")
    css = (f"@page {{ size: A4; margin: 16mm 14mm; {running} }}"
           f"body {{ font-family: {style.font}; font-size: {style.size_pt}pt }}"
           "h1 { font-size: 14pt } p { margin: 1mm 0 }"
           "table.items { border-collapse: collapse; width: 100%; margin: 3mm 0 }"
           f"table.items td, table.items th {{ {rule}; padding: 0.6mm {style.pad_mm}mm;"
           " text-align: left; vertical-align: top }")
    body = RENDER[sheet.doc_type](sheet, order, style)
    return f"<html><head><meta charset='utf-8'><style>{css}</style></head><body>{body}</body></html>"


def pdf_of(sheet: Sheet, order: DOrder, style: Style) -> bytes:
    from weasyprint import HTML

    result: bytes = HTML(string=html_of(sheet, order, style)).write_pdf()
    return result
