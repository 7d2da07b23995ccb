"""A costed quotation written and kept: the internal costing sheet (XLSX and PDF), the
customer's quotation (PDF, without factories or costs) and the quotation's record, filed
under `books/quotations/NUMBER/vN/` with the inquiry kept byte for byte. An order that
names the quotation (`quotation_no`) is checked against it (验签订单) and takes its expected
costs from it, so that the contract review shows the margin.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..basics import money
from ..fsutil import safe_name
from .costing import Costing
from .folders import new_version, versions
from .sheets import Sheet, workbook

if TYPE_CHECKING:
    from ..config import Settings
    from ..models import Order
    from .masters import Masters

__all__ = ["COST_ITEMS", "check_against", "expected_costs", "file_quotation", "latest",
           "quotation_record", "quoted_order"]

COST_ITEMS = {"cost": "采购成本(退税后) Factory cost after rebate",
              "domestic": "国内费用 Inland freight and port charges",
              "freight": "海运费 Ocean freight", "insurance": "保险费 Insurance",
              "commission": "佣金 Commission"}
D = Decimal
RECORD = "quotation.json"


def _unit_costs(costing: Costing, term: str, n: int) -> dict[str, Decimal]:
    """What one unit of line `n` costs under `term`, in the quotation's currency."""
    line, rates = costing.lines[n], costing.rates
    price = line.prices[term]
    insured = term in ("CIF", "CIP")
    return {
        "cost": line.cost / rates.exchange_rate,
        "domestic": D(0) if term == "EXW" else line.domestic / rates.exchange_rate,
        "freight": line.freight if term in ("CFR", "CPT", "CIF", "CIP") else D(0),
        "insurance": price * rates.insurance_markup_percent / 100 *
        rates.insurance_rate_percent / 100 if insured else D(0),
        "commission": price * rates.commission_percent / 100,
    }


def quotation_record(costing: Costing, version: int) -> dict[str, Any]:
    """What the quotation offered, line by line and term by term, with the costs behind
    each price (JSON, in books/quotations/)."""
    inquiry = costing.inquiry
    return {
        "quotation_no": inquiry.quotation_no, "version": version,
        "date": inquiry.date.isoformat(), "valid_until": costing.valid_until.isoformat(),
        "customer": inquiry.customer, "currency": inquiry.currency.upper(),
        "terms": list(inquiry.terms), "port_of_loading": inquiry.port_of_loading,
        "destination": inquiry.destination, "exchange_rate": f"{costing.rates.exchange_rate}",
        "containers": costing.containers, "volume_cbm": f"{costing.volume_cbm}",
        "lines": [{"model": line.model, "quantity": f"{line.quantity}", "unit": line.unit,
                   "prices": {t: f"{p}" for t, p in line.prices.items()},
                   "unit_costs": {t: {k: f"{v:.4f}" for k, v in
                                      _unit_costs(costing, t, n).items()}
                                  for t in inquiry.terms}}
                  for n, line in enumerate(costing.lines)],
        "totals": {t: {"amount": f"{costing.total(t):.2f}", "margin": f"{costing.profit(t):.2f}",
                       "margin_percent": f"{costing.margin_share(t)}"} for t in inquiry.terms},
    }


def _sheets(costing: Costing) -> list[Sheet]:
    inquiry, rates = costing.inquiry, costing.rates
    cur = inquiry.currency.upper()
    terms = list(inquiry.terms)
    headers = ["型号 Model", "品名 Name", "HS", "工厂 Factory", "数量 Qty", "单位 Unit",
               "箱数 Ctns", "体积 CBM", "含税采购价 Factory price CNY", "退税 Rebate CNY",
               "实际成本 Cost CNY", "国内费用 Domestic CNY", f"海运费 Freight {cur}",
               "利润率 Margin %"] + [f"{t} {cur}" for t in terms] + \
        [f"{t} 金额 Amount" for t in terms]
    rows = [[line.model, line.name_zh or line.name_en, line.hs_code, line.factory,
             line.quantity, line.unit, line.cartons, line.volume_cbm, line.factory_price,
             line.rebate, line.cost, line.domestic, line.freight, line.margin_percent,
             *(line.prices[t] for t in terms), *(line.amount(t) for t in terms)]
            for line in costing.lines]
    below = [["合计 Total", "", "", "", sum((x.quantity for x in costing.lines), D(0)), "",
              sum(x.cartons for x in costing.lines), costing.volume_cbm, *[""] * 6,
              *[""] * len(terms), *(costing.total(t) for t in terms)]]
    below += [[f"{t} 毛利 Margin", costing.profit(t), f"{costing.margin_share(t)} %"]
              for t in terms]
    above = [[f"成本核算 Costing {inquiry.quotation_no}"],
             [f"客户 Customer {inquiry.customer}", f"日期 Date {inquiry.date}",
              f"有效期至 Valid until {costing.valid_until}"],
             [f"汇率 Exchange rate {rates.exchange_rate} CNY/{cur}",
              f"佣金 Commission {rates.commission_percent} %",
              f"保险 Insurance {rates.insurance_markup_percent} % x "
              f"{rates.insurance_rate_percent} %",
              f"货柜 Containers {_containers(costing)}",
              f"运费合计 Freight {cur} {costing.freight_total:,.2f}"]]
    return [Sheet("成本核算 Costing", headers, rows, above, below)]


def _containers(costing: Costing) -> str:
    return " + ".join(f"{n} x {k}" for k, n in costing.containers.items()) or "-"


def _context(costing: Costing, settings: Settings, masters: Masters,
             internal: bool) -> dict[str, Any]:
    inquiry = costing.inquiry
    customer = masters.customers.get(inquiry.customer)
    return {
        "company": settings.company.model_dump(mode="python"),
        "document": {"title_zh": "成本核算单" if internal else "报价单",
                     "title_en": "Costing sheet" if internal else "Quotation",
                     "number": inquiry.quotation_no, "date": inquiry.date, "draft": False,
                     "sealed": False},
        "customer": customer.model_dump(mode="python") if customer else
        {"code": inquiry.customer, "name_en": inquiry.customer, "name_zh": None},
        "inquiry": inquiry.model_dump(mode="python"), "currency": inquiry.currency.upper(),
        "terms": list(inquiry.terms), "lines": costing.lines, "valid_until": costing.valid_until,
        "totals": {t: costing.total(t) for t in inquiry.terms},
        "profit": {t: costing.profit(t) for t in inquiry.terms},
        "margin": {t: costing.margin_share(t) for t in inquiry.terms},
        "rates": costing.rates.model_dump(mode="python"), "containers": _containers(costing),
        "freight_total": costing.freight_total, "volume": costing.volume_cbm,
        "logo_url": "", "seal_url": "",
    }


def file_quotation(books: Path, costing: Costing, inquiry_file: Path, settings: Settings,
                   masters: Masters, template_dirs: list[Path]) -> tuple[Path, int]:
    """Write the costing sheet, the customer's quotation and the record into a new version
    folder of the quotation (nothing is overwritten: a second costing of the same number
    is its version 2); the folder and its version."""
    from ..render.html import render_html_pdf

    number = costing.inquiry.quotation_no
    name = safe_name(number)

    def write(work: Path, version: int) -> None:
        shutil.copyfile(inquiry_file, work / f"inquiry{inquiry_file.suffix.lower()}")
        (work / f"{name}-costing.xlsx").write_bytes(
            workbook(_sheets(costing), f"Costing {number}"))
        render_html_pdf("costing_sheet.html", _context(costing, settings, masters, True),
                        template_dirs, work / f"{name}-costing.pdf")
        render_html_pdf("quotation_offer.html", _context(costing, settings, masters, False),
                        template_dirs, work / f"{name}.pdf")
        (work / RECORD).write_text(json.dumps(quotation_record(costing, version),
                                              ensure_ascii=False, indent=2), "utf-8")

    return new_version(books / "quotations" / name, RECORD, write)


def latest(books: Path, number: str) -> dict[str, Any] | None:
    """The latest version of a filed quotation's record, if there is one."""
    found = versions(books / "quotations" / safe_name(number), RECORD)
    if not found:
        return None
    data: dict[str, Any] = json.loads((found[-1][1] / RECORD).read_text("utf-8"))
    return data


def check_against(order: Order, quotation: dict[str, Any]) -> list[str]:
    """验签订单: the customer's order against what was quoted (models, prices, quantities,
    term, currency, validity); each difference is a finding to settle before the contract."""
    found: list[str] = []
    number = quotation["quotation_no"]
    if order.currency != quotation["currency"]:
        found.append(f"quotation {number} was in {quotation['currency']}, the order is in "
                     f"{order.currency}")
    if order.price_term not in quotation["terms"]:
        found.append(f"quotation {number} priced {', '.join(quotation['terms'])}, the order "
                     f"asks {order.price_term}")
    valid = dt.date.fromisoformat(quotation["valid_until"])
    if order.order_date > valid:
        found.append(f"the order of {order.order_date} came after quotation {number} "
                     f"expired on {valid}")
    lines = {line["model"]: line for line in quotation["lines"]}
    for item in order.items:
        line = lines.get(item.model)
        if line is None:
            found.append(f"model {item.model} was not quoted in {number}")
            continue
        quoted = line["prices"].get(order.price_term)
        if quoted is not None and order.currency == quotation["currency"] and \
                D(quoted) != item.unit_price:
            found.append(f"model {item.model}: ordered at {item.unit_price} {order.currency}, "
                         f"quoted {quoted} {order.price_term}")
        if item.quantity < D(line["quantity"]):
            found.append(f"model {item.model}: {item.quantity:g} ordered, the price was "
                         f"quoted for {D(line['quantity']):g}")
    return found


def expected_costs(order: Order, quotation: dict[str, Any]) -> list[dict[str, Any]]:
    """The costs the quotation expected for this order's lines and term, by cost item."""
    term = order.price_term
    if term not in quotation["terms"] or order.currency != quotation["currency"]:
        return []
    lines = {line["model"]: line for line in quotation["lines"]}
    sums = {key: D(0) for key in COST_ITEMS}
    for item in order.items:
        line = lines.get(item.model)
        if line is None:
            return []
        for key, value in line["unit_costs"][term].items():
            sums[key] += D(value) * item.quantity
    return [{"item": COST_ITEMS[k], "amount": money(v),
             "remark": f"quotation {quotation['quotation_no']} v{quotation['version']}"}
            for k, v in sums.items() if v]


def quoted_order(books: Path, order: Order) -> tuple[Order, list[str]]:
    """An order that names a filed quotation: checked against it (the differences, as flags
    for the contract review) and, when it gives no expected costs, given the quotation's."""
    if not order.quotation_no:
        return order, []
    quotation = latest(books, order.quotation_no)
    if quotation is None:
        return order, []
    flags = [f"quotation: {f}" for f in check_against(order, quotation)]
    if not order.expected_costs:
        from ..models import ExpectedCost

        costs = [ExpectedCost.model_validate(c) for c in expected_costs(order, quotation)]
        if costs:
            order = order.model_copy(update={"expected_costs": costs})
    return order, flags
