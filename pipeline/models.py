"""Validated data of the order flow: orders, customers, line items, archived documents.

No I/O here. Every field carries a description: docs/variables.md is generated from them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, computed_field, field_validator, model_validator

from .basics import (
    CURRENCIES,
    Day,
    Moment,
    NonNegative,
    Percent,
    Positive,
    Text,
    money,
)
from .basics import Strict as _Strict
from .credit import LetterOfCredit
from .payterms import PaymentTerm
from .terms import INCOTERMS, INSURED, ORIGIN, PREPAID

__all__ = [
    "CURRENCIES",
    "INCOTERMS",
    "Contact",
    "Customer",
    "Day",
    "LineItem",
    "Moment",
    "Order",
    "Packing",
    "Salesperson",
    "money",
]


class Contact(_Strict):
    name: str | None = Field(None, description="Contact person")
    phone: str | None = Field(None, description="Telephone")
    email: str | None = Field(None, description="E-mail address")
    fax: str | None = Field(None, description="Fax number")


class Customer(_Strict):
    code: Text = Field(description="Short customer code; names the customer's archive folder")
    name_en: Text = Field(description="Customer name in English, as on the contract")
    name_zh: str | None = Field(None, description="Customer name in Chinese (客户中文名)")
    address_en: str | None = Field(None, description="Address in English")
    address_zh: str | None = Field(None, description="Address in Chinese")
    country: str | None = Field(None, description="Country")
    contact: Contact | None = Field(None, description="Contact person at the customer")


class Salesperson(_Strict):
    name: Text = Field(description="Salesperson responsible for the order (业务员)")
    name_en: str | None = Field(None, description="Name in English")
    phone: str | None = Field(None, description="Telephone")
    email: str | None = Field(None, description="E-mail address")


class Packing(_Strict):
    qty_per_carton: int = Field(gt=0, description="Pieces per carton (每箱数量)")
    cartons: int = Field(gt=0, description="Number of cartons (箱数/件数)")
    net_weight_kg: NonNegative = Field(description="Net weight of the line in kg (净重)")
    gross_weight_kg: NonNegative = Field(description="Gross weight of the line in kg (毛重)")
    volume_cbm: NonNegative = Field(description="Volume of the line in cubic metres (体积)")
    carton_size_cm: str | None = Field(None, description="Carton size, e.g. 60x40x35")
    last_carton_qty: int | None = Field(None, gt=0, description="Pieces in the last carton "
                                        "when it is a part carton (尾箱数量), e.g. 4 for 1,150 "
                                        "pieces at 6 a carton in 192 cartons")

    @model_validator(mode="after")
    def _net_not_above_gross(self) -> Packing:
        if self.net_weight_kg > self.gross_weight_kg:
            raise ValueError(
                f"net weight {self.net_weight_kg} kg is above gross weight "
                f"{self.gross_weight_kg} kg; net must not exceed gross"
            )
        if self.last_carton_qty is not None and self.last_carton_qty >= self.qty_per_carton:
            raise ValueError(
                f"last_carton_qty {self.last_carton_qty} is not a part carton (a full carton "
                f"holds {self.qty_per_carton}); leave it out when every carton is full")
        return self

    @property
    def packed_qty(self) -> int:
        """What the cartons hold: full cartons, and the part carton if there is one."""
        if self.last_carton_qty is None:
            return self.qty_per_carton * self.cartons
        return self.qty_per_carton * (self.cartons - 1) + self.last_carton_qty


class LineItem(_Strict):
    name_en: Text = Field(description="Product name in English")
    name_zh: str | None = Field(None, description="Product name in Chinese (品名)")
    model: Text = Field(description="Model / specification (型号)")
    manufacturer: str | None = Field(None, description="Manufacturer or factory (生产厂家)")
    hs_code: str | None = Field(None, description="HS code (海关编码)")
    origin: str | None = Field(None, description="Country of origin, e.g. China (原产地)")
    warranty_months: int | None = Field(None, ge=0, le=240, description="Warranty in months "
                                        "from shipment (保修期); else the settings' default")
    quantity: Positive = Field(description="Quantity ordered (数量)")
    unit: str = Field("PCS", min_length=1, description="Unit of quantity, e.g. PCS, SETS")
    unit_price: NonNegative = Field(description="Unit price in the order currency (单价)")
    packing: Packing | None = Field(None, description="Packing of this line (包装)")
    remark: str | None = Field(None, description="Remark for this line")
    factory_price: NonNegative | None = Field(None, description="Purchase price per unit paid "
                                              "to the factory in CNY (采购单价), for its "
                                              "production order; never on the customer's "
                                              "documents")
    picture: str | None = Field(None, description="A picture of the product, relative to the "
                                "templates folder (e.g. assets/products/HT-2020.png); Word "
                                "templates show it as {{ item.picture }}")

    @computed_field(description="quantity x unit price, rounded to cents (金额)")  # type: ignore[prop-decorator]
    @property
    def amount(self) -> Decimal:
        return money(self.quantity * self.unit_price)

    @model_validator(mode="after")
    def _packing_matches_quantity(self) -> LineItem:
        p = self.packing
        if p is not None and p.packed_qty != self.quantity:
            full = p.qty_per_carton * (p.cartons - 1)
            tail = self.quantity - full
            hint = (f"; for a part carton add last_carton_qty: {tail}"
                    if 0 < tail < p.qty_per_carton and p.last_carton_qty is None else "")
            given = (f"{p.qty_per_carton} x {p.cartons - 1} + {p.last_carton_qty}"
                     if p.last_carton_qty else f"{p.qty_per_carton} x {p.cartons} cartons")
            raise ValueError(
                f"packing gives {given} = {p.packed_qty}, but quantity is {self.quantity}; "
                f"quantity must equal what the cartons hold{hint}"
            )
        return self


class ExpectedCost(_Strict):
    item: Text = Field(description="Cost item, e.g. factory price, freight, inspection fee")
    amount: NonNegative = Field(description="Expected amount in the order currency")
    remark: str | None = Field(None, description="Remark")


InspectionKind = Literal["in_house", "customer", "third_party"]


class Order(_Strict):
    order_no: Text = Field(description="Order number (订单号); names the order's archive folder")
    contract_no: str | None = Field(None, description="Sales contract number (合同号); when "
                                    "left out, numbered by [numbering] contract")
    customer_po: str | None = Field(None, description="The customer's own purchase order number")
    order_date: Day = Field(description="Date the order was received (下单日期)")
    quotation_no: str | None = Field(None, description="Quotation number (报价单号); when left "
                                     "out, numbered by [numbering] quotation")
    quotation_date: Day | None = Field(None, description="Date of the quotation (报价日期); "
                                        "default: the order date")
    contract_date: Day | None = Field(None, description="Date the contract is signed (签约日期); "
                                       "default: the order date")
    invoice_no: str | None = Field(None, description="Commercial invoice number (发票号); when "
                                   "left out, numbered by [numbering] invoice")
    invoice_date: Day | None = Field(None, description="Date of the commercial invoice and "
                                      "packing list (发票日期); default: the loading date, or "
                                      "the delivery date until loading is known")
    customer: Customer = Field(description="The customer")
    salesperson: Salesperson = Field(description="The salesperson responsible")
    items: list[LineItem] = Field(min_length=1, description="Line items, in order")
    currency: str = Field(description="ISO 4217 currency code, e.g. USD, EUR, CNY (币种)")
    price_term: Literal[INCOTERMS] = Field(  # type: ignore[valid-type]
        description="Incoterm: EXW FCA FAS FOB CFR CIF CPT CIP DAP DPU DDP (价格条款)"
    )
    port_of_loading: str | None = Field(None, description="Port of loading (装运港)")
    destination: Text = Field(description="Port or place of destination (目的地)")
    price_term_place: str | None = Field(
        None, description="Named place after the Incoterm, e.g. Hamburg; by default the port of "
        "loading for EXW FCA FAS FOB and the destination for the C- and D-terms (指定地点)")
    incoterms: Literal["2010", "2020"] = Field("2020", description="Incoterms edition")
    insurance_percent: Annotated[Decimal, Field(ge=100, le=200)] = Field(
        Decimal(110), description="CIF/CIP: insured value in percent of the invoice value "
        "(投保加成, 110 unless the contract says otherwise)")
    insurance_amount: NonNegative | None = Field(
        None, description="CIF/CIP: insured amount, when stated instead of the percent (保额)")
    insurance_cover: str | None = Field(
        None, description="CIF/CIP: the cover, e.g. Institute Cargo Clauses (A) (险别)")
    freight_amount: NonNegative | None = Field(
        None, description="Freight in the order currency; the C- and D-terms need it (运费)")
    payment_terms: Text = Field(description="Payment terms, e.g. 30% T/T in advance (付款方式)")
    prepayment_percent: Percent = Field(Decimal(0), description="Prepayment in percent (预付款)")
    payment_schedule: list[PaymentTerm] = Field(
        default_factory=list, description="The payment terms as instalments (percent, basis, "
        "days); by default from prepayment_percent or the letter of credit")
    commission_percent: Percent = Field(Decimal(0), description="Commission in percent (佣金)")
    delivery_date: Day = Field(description="Delivery date agreed with the customer (交货期)")
    latest_shipment_date: Day | None = Field(None, description="Latest date of shipment")
    inspection: InspectionKind = Field(
        "in_house", description="Who inspects: in_house, customer or third_party (验货方式)"
    )
    legal_inspection: bool = Field(
        False, description="Goods subject to legal commodity inspection (法定商检)"
    )
    packing_spec: str | None = Field(None, description="Packing specification text (包装要求)")
    shipping_marks: str | None = Field(None, description="Shipping marks as they must appear "
                                       "on the cartons and documents (唛头)")
    requirements: list[str] = Field(
        default_factory=list, description="Customer requirements, one per line (客户要求)"
    )
    expected_costs: list[ExpectedCost] = Field(
        default_factory=list, description="Expected costs for the contract review (预计费用)"
    )
    quotation_valid_days: int = Field(30, gt=0, description="Days the quotation stays valid")
    presentation_days: int = Field(21, gt=0, le=365, description="Days after shipment within "
                                   "which the documents are presented (UCP 600 art. 14(c): 21)")
    remarks: str | None = Field(None, description="Remarks (备注), printed where the customer "
                                "reads them: contract, invoices, packing list")
    letter_of_credit: LetterOfCredit | None = Field(None, description="The documentary credit "
                                                    "the order is paid under (信用证), if any")

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.upper()
        if code not in CURRENCIES:
            raise ValueError(
                f"unknown currency {value!r}; use an ISO 4217 code such as USD, EUR or CNY"
            )
        return code

    @model_validator(mode="after")
    def _schedule_whole(self) -> Order:
        shares = sum((t.percent for t in self.payment_schedule), Decimal(0))
        if self.payment_schedule and shares != 100:
            raise ValueError(f"payment_schedule adds up to {shares} %, not 100 %; the "
                             "instalments must share the whole amount")
        return self

    @model_validator(mode="after")
    def _named_place_known(self) -> Order:
        if self.price_term in ORIGIN and not (self.price_term_place or self.port_of_loading):
            raise ValueError(
                f"{self.price_term} names the place of loading or delivery: give "
                "port_of_loading (or price_term_place), e.g. Ningbo")
        return self

    @model_validator(mode="after")
    def _dates_in_order(self) -> Order:
        if self.delivery_date < self.order_date:
            raise ValueError(
                f"delivery_date {self.delivery_date} is before order_date {self.order_date}"
            )
        if self.latest_shipment_date and self.latest_shipment_date < self.order_date:
            raise ValueError(
                f"latest_shipment_date {self.latest_shipment_date} is before order_date "
                f"{self.order_date}"
            )
        return self

    @property
    def contract_number(self) -> str:
        return self.contract_no or f"SC-{self.order_no}"

    @property
    def named_place(self) -> str:
        """The place the price term names (Incoterms 2020)."""
        if self.price_term_place:
            return self.price_term_place
        if self.price_term in ORIGIN:
            return self.port_of_loading or ""
        return self.destination

    @property
    def term_text(self) -> str:
        """E.g. "CIF Hamburg, Incoterms 2020"."""
        return f"{self.price_term} {self.named_place}, Incoterms {self.incoterms}"

    @property
    def insured_amount(self) -> Decimal | None:
        """What the seller insures under CIF/CIP (110 % of the invoice value by default)."""
        if self.price_term not in INSURED:
            return None
        if self.insurance_amount is not None:
            return money(self.insurance_amount)
        return money(self.total_amount * self.insurance_percent / 100)

    @property
    def freight_prepaid(self) -> bool:
        """The seller pays the main carriage (C- and D-terms)."""
        return self.price_term in PREPAID

    @computed_field(description="Sum of the line amounts (合计金额)")  # type: ignore[prop-decorator]
    @property
    def total_amount(self) -> Decimal:
        return money(sum((i.amount for i in self.items), Decimal(0)))

    @computed_field(description="Sum of the expected costs")  # type: ignore[prop-decorator]
    @property
    def total_expected_cost(self) -> Decimal:
        return money(sum((c.amount for c in self.expected_costs), Decimal(0)))

    @computed_field(description="Sum of the quantities (总数量)")  # type: ignore[prop-decorator]
    @property
    def total_quantity(self) -> Decimal:
        return sum((i.quantity for i in self.items), Decimal(0))

    @computed_field(description="Total cartons, when every line has packing (总件数)")  # type: ignore[prop-decorator]
    @property
    def total_cartons(self) -> int | None:
        packs = self._packings()
        return None if packs is None else sum(p.cartons for p in packs)

    @computed_field(description="Total net weight in kg (总净重)")  # type: ignore[prop-decorator]
    @property
    def total_net_weight_kg(self) -> Decimal | None:
        packs = self._packings()
        return None if packs is None else sum((p.net_weight_kg for p in packs), Decimal(0))

    @computed_field(description="Total gross weight in kg (总毛重)")  # type: ignore[prop-decorator]
    @property
    def total_gross_weight_kg(self) -> Decimal | None:
        packs = self._packings()
        return None if packs is None else sum((p.gross_weight_kg for p in packs), Decimal(0))

    @computed_field(description="Total volume in cubic metres (总体积)")  # type: ignore[prop-decorator]
    @property
    def total_volume_cbm(self) -> Decimal | None:
        packs = self._packings()
        return None if packs is None else sum((p.volume_cbm for p in packs), Decimal(0))

    def _packings(self) -> list[Packing] | None:
        packs = [i.packing for i in self.items]
        if any(p is None for p in packs):
            return None
        return [p for p in packs if p is not None]
