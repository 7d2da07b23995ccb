"""The quotation costed (计算报价单): from an inquiry (customer, models, quantities, terms,
ports, currency) to a price per line and Incoterm, the way an export costing sheet works.

Per unit, in CNY: the factory price with VAT, less the export rebate (price / (1 + VAT) x
rebate rate) is the actual cost; inland freight (per CBM) and the port charges (per
shipment, shared by volume) are the domestic costs. Converted at the exchange rate into
the quotation's currency, with the ocean freight per unit (per CBM, or the cheapest set of
containers for the volume, shared by volume), the price is

    FOB = (cost + domestic) / (1 - commission - margin)
    CFR = (cost + domestic + freight) / (1 - commission - margin)
    CIF = (cost + domestic + freight) / (1 - markup x insurance rate - commission - margin)

(FCA as FOB, CPT as CFR, CIP as CIF; EXW without the domestic costs), so that commission,
insurance and margin are shares of the price asked. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from ..basics import CURRENCIES, Day, NonNegative, Percent, Positive, Strict, Text, money
from .masters import Masters, ProductRecord

__all__ = [
    "CAPACITY_CBM",
    "Costing",
    "CostingLine",
    "Inquiry",
    "Rates",
    "containers_for",
    "cost_inquiry",
    "rebate_rate",
]

Term = Literal["EXW", "FCA", "FOB", "CFR", "CPT", "CIF", "CIP"]
CAPACITY_CBM = {"20GP": Decimal(28), "40GP": Decimal(58), "40HQ": Decimal(68)}  # loadable
D = Decimal
Markup = Annotated[Decimal, Field(ge=100, le=200)]


class Freight(Strict):
    per_cbm: NonNegative | None = Field(None, description="Ocean freight per CBM (LCL), in the "
                                        "quotation's currency")
    per_container: dict[Literal["20GP", "40GP", "40HQ"], NonNegative] = Field(
        default_factory=dict, description="Ocean freight per container, e.g. {40HQ: 3200}")
    lcl_up_to_cbm: NonNegative = Field(D(15), description="Volumes up to this go LCL (per "
                                       "CBM) when both rates are given")

    @model_validator(mode="after")
    def _some_rate(self) -> Freight:
        if self.per_cbm is None and not self.per_container:
            raise ValueError("give per_cbm or per_container (or both)")
        return self


class Rates(Strict):
    """The costing's rates; masters/costing.yaml holds the office's, an inquiry's `rates`
    override them."""

    exchange_rate: Positive = Field(description="CNY per unit of the quotation's currency "
                                    "(the bank's buying rate used, 汇率)")
    margin_percent: Percent = Field(D(10), description="Margin asked, in percent of the price")
    commission_percent: Percent = Field(D(0), description="Commission, in percent of the price")
    inland_freight_per_cbm: NonNegative = Field(D(0), description="Factory to port, CNY per CBM")
    port_charges: NonNegative = Field(D(0), description="Customs, port and THC per shipment, "
                                      "in CNY, shared by volume")
    freight: Freight | None = Field(None, description="Ocean freight (C-terms)")
    insurance_rate_percent: Percent = Field(D("0.3"), description="Insurance premium rate")
    rebate_by_hs: dict[str, Percent] = Field(default_factory=dict, description="Export "
                                             "rebate rates by HS code or its first digits, "
                                             "e.g. {'8467': 13, '3926': 13}; the longest "
                                             "that fits a product's code counts")
    insurance_markup_percent: Markup = Field(D(110), description="Insured value in percent "
                                             "of the price (110)")

    @model_validator(mode="after")
    def _room_left(self) -> Rates:
        shares = self.margin_percent + self.commission_percent + \
            self.insurance_markup_percent * self.insurance_rate_percent / 100
        if shares >= 100:
            raise ValueError(f"margin, commission and insurance take {shares} % of the price; "
                             "together they must stay under 100 %")
        return self


class InquiryLine(Strict):
    model: Text = Field(description="A model in masters/products/")
    quantity: Positive = Field(description="Quantity asked")
    margin_percent: Percent | None = Field(None, description="This line's margin, when not "
                                           "the rates'")
    factory_price: NonNegative | None = Field(None, description="This inquiry's factory price "
                                              "(CNY with VAT), when not the master's")


class Inquiry(Strict):
    quotation_no: Text = Field(description="The quotation's number")
    date: Day = Field(description="Date of the quotation")
    customer: Text = Field(description="Customer code in masters/customers/")
    currency: str = Field(description="Currency of the quotation")
    terms: list[Term] = Field(default_factory=lambda: ["FOB"],  # type: ignore[arg-type]
                              min_length=1,
                              description="Incoterms to price: EXW FCA FOB CFR CPT CIF CIP")
    port_of_loading: Text = Field(description="Port of loading")
    destination: Text = Field(description="Port of destination")
    valid_days: int = Field(30, gt=0, le=365, description="Days the quotation holds")
    lines: list[InquiryLine] = Field(min_length=1, description="Models and quantities")
    rates: dict[str, Any] = Field(default_factory=dict, description="Rates that override "
                                  "masters/costing.yaml for this inquiry")
    remarks: str | None = None

    @model_validator(mode="after")
    def _currency(self) -> Inquiry:
        if self.currency.upper() not in CURRENCIES:
            raise ValueError(f"unknown currency {self.currency!r}; use an ISO 4217 code")
        return self


@dataclass(frozen=True)
class CostingLine:
    model: str
    name_en: str
    name_zh: str
    hs_code: str
    unit: str
    factory: str
    quantity: Decimal
    cartons: int
    volume_cbm: Decimal
    factory_price: Decimal  # CNY a unit, VAT included
    rebate: Decimal  # CNY a unit
    cost: Decimal  # CNY a unit, after the rebate
    domestic: Decimal  # CNY a unit: inland freight and port charges
    freight: Decimal  # quotation currency a unit
    margin_percent: Decimal
    prices: dict[str, Decimal]  # term -> unit price asked, rounded to cents
    profit: dict[str, Decimal]  # term -> margin a unit at the rounded price

    def amount(self, term: str) -> Decimal:
        return money(self.prices[term] * self.quantity)


@dataclass(frozen=True)
class Costing:
    inquiry: Inquiry
    rates: Rates
    lines: list[CostingLine]
    containers: dict[str, int]
    freight_total: Decimal
    volume_cbm: Decimal

    @property
    def valid_until(self) -> dt.date:
        return self.inquiry.date + dt.timedelta(days=self.inquiry.valid_days)

    def total(self, term: str) -> Decimal:
        return sum((line.amount(term) for line in self.lines), D(0))

    def profit(self, term: str) -> Decimal:
        return money(sum((line.profit[term] * line.quantity for line in self.lines), D(0)))

    def margin_share(self, term: str) -> Decimal:
        total = self.total(term)
        return (self.profit(term) / total * 100).quantize(D("0.1")) if total else D(0)


def containers_for(volume: Decimal, rates: dict[str, Decimal]) -> dict[str, int]:
    """The cheapest set of containers that holds `volume` CBM, at the given rates."""
    kinds = [k for k in CAPACITY_CBM if k in rates]
    best: tuple[Decimal, dict[str, int]] | None = None
    top = {k: math.ceil(volume / CAPACITY_CBM[k]) + 1 for k in kinds}
    for counts in itertools.product(*(range(top[k] + 1) for k in kinds)):
        chosen = dict(zip(kinds, counts, strict=True))
        room = sum((CAPACITY_CBM[k] * n for k, n in chosen.items()), D(0))
        if room < volume or not any(counts):
            continue
        price = sum((rates[k] * n for k, n in chosen.items()), D(0))
        if best is None or price < best[0] or (price == best[0] and sum(counts) <
                                               sum(best[1].values())):
            best = (price, {k: n for k, n in chosen.items() if n})
    return best[1] if best else {}


def _units(value: Decimal, places: str = "0.0001") -> Decimal:
    return value.quantize(D(places), rounding=ROUND_HALF_UP)


def _carton(product: ProductRecord, quantity: Decimal) -> tuple[int, Decimal]:
    """Cartons and volume of a line (a part carton counts whole)."""
    cbm = product.carton_cbm
    if not product.qty_per_carton or cbm is None:
        return 0, D(0)
    cartons = math.ceil(quantity / product.qty_per_carton)
    return cartons, _units(cbm * cartons, "0.001")


def cost_inquiry(inquiry: Inquiry, masters: Masters, rates: Rates) -> Costing:
    """The costing of every line and term (ValueError naming the line for a model the
    master data does not know, or one without a factory price)."""
    products = []
    for n, line in enumerate(inquiry.lines, start=1):
        product = masters.products.get(line.model)
        if product is None:
            raise ValueError(f"lines[{n - 1}] (line {n}): model {line.model!r} is not in "
                             "masters/products/; add it or correct the model")
        if (line.factory_price or product.factory_price) is None:
            raise ValueError(f"lines[{n - 1}] (line {n}): model {line.model} has no "
                             "factory_price; give it in the product or the inquiry line")
        products.append(product)
    packed = [_carton(p, line.quantity) for p, line in zip(products, inquiry.lines,
                                                            strict=True)]
    volume = sum((v for _, v in packed), D(0))
    freight_total, containers = D(0), dict[str, int]()
    needs_freight = any(t in ("CFR", "CPT", "CIF", "CIP") for t in inquiry.terms)
    if needs_freight:
        if rates.freight is None:
            raise ValueError("rates.freight: the C-terms need the ocean freight; give "
                             "freight: {per_cbm: ...} or {per_container: {40HQ: ...}}")
        if volume <= 0:
            raise ValueError("the products have no carton size and pieces per carton, so "
                             "the freight cannot be shared; add them to masters/products/")
        freight_total, containers = _freight(volume, rates.freight)
    lines = [_line(inquiry, rates, p, line, cartons, cbm, volume, freight_total)
             for p, line, (cartons, cbm) in zip(products, inquiry.lines, packed, strict=True)]
    return Costing(inquiry, rates, lines, containers, freight_total, volume)


def rebate_rate(product: ProductRecord, rates: Rates) -> Decimal:
    """The product's own rebate rate, else the one its HS code's longest prefix has."""
    if product.rebate_percent is not None:
        return product.rebate_percent
    code = "".join(c for c in product.hs_code or "" if c.isdigit())
    fits = [k for k in rates.rebate_by_hs if code.startswith("".join(c for c in k
                                                                      if c.isdigit()))]
    return D(rates.rebate_by_hs[max(fits, key=len)]) if code and fits else D(0)


def _freight(volume: Decimal, freight: Freight) -> tuple[Decimal, dict[str, int]]:
    if freight.per_cbm is not None and (not freight.per_container or
                                        volume <= freight.lcl_up_to_cbm):
        return money(freight.per_cbm * volume), {"LCL": 1}
    rates: dict[str, Decimal] = {str(k): D(v) for k, v in freight.per_container.items()}
    chosen = containers_for(volume, rates)
    return money(sum((rates[k] * n for k, n in chosen.items()), D(0))), chosen


def _line(inquiry: Inquiry, rates: Rates, product: ProductRecord, line: InquiryLine,
          cartons: int, cbm: Decimal, volume: Decimal, freight_total: Decimal) -> CostingLine:
    price = D(line.factory_price if line.factory_price is not None else
              product.factory_price or 0)
    rebate = price / (1 + product.vat_percent / 100) * rebate_rate(product, rates) / 100
    cost = price - rebate
    share = cbm / volume if volume else D(0)
    domestic = (rates.inland_freight_per_cbm * cbm + rates.port_charges * share) / line.quantity
    freight = freight_total * share / line.quantity
    margin = (line.margin_percent if line.margin_percent is not None else
              rates.margin_percent) / 100
    commission = rates.commission_percent / 100
    insurance = rates.insurance_markup_percent / 100 * rates.insurance_rate_percent / 100
    fx = rates.exchange_rate
    prices: dict[str, Decimal] = {}
    profit: dict[str, Decimal] = {}
    for term in inquiry.terms:
        base = (cost if term == "EXW" else cost + domestic) / fx
        carried = term in ("CFR", "CPT", "CIF", "CIP")
        insured = term in ("CIF", "CIP")
        base += freight if carried else 0
        asked = money(base / (1 - commission - margin - (insurance if insured else 0)))
        prices[term] = asked
        profit[term] = _units(asked * (1 - commission - (insurance if insured else 0)) - base)
    return CostingLine(product.model, product.name_en, product.name_zh or "",
                       product.hs_code or "", product.unit, product.factory or "",
                       line.quantity, cartons, cbm, price, _units(rebate), _units(cost),
                       _units(domestic), _units(freight), margin * 100, prices, profit)
