"""Master data kept once: customers, products, factories and salespeople, one YAML file a
record under `masters/` in the workspace (`masters/customers/ACME.yaml` ...), validated
like orders. An order may name a customer code and its lines' models only; what it leaves
out is filled from here before it is validated, so the filed order carries the values used
and a later change to the master data never changes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from ..basics import NonNegative, Percent, Strict, Text
from ..errors import FieldProblem, OrderDataError
from ..models import Contact, Customer, Salesperson
from ..terms import INCOTERMS

__all__ = ["KINDS", "CustomerRecord", "FactoryRecord", "Masters", "ProductRecord",
           "SalespersonRecord", "carton_cbm", "fill_order", "filler", "packing_for"]


class Bank(Strict):
    name: Text = Field(description="Bank (开户行)")
    account: Text = Field(description="Account number (账号)")
    holder: str | None = Field(None, description="Account holder, when not the factory")


class FactoryRecord(Strict):
    code: Text = Field(description="Short factory code, e.g. NBHT")
    name: Text = Field(description="The factory's name as the order names its manufacturer "
                       "(生产厂家), e.g. 宁波海天电器有限公司")
    name_en: str | None = Field(None, description="Name in English")
    address: str | None = Field(None, description="Address")
    contact: Contact | None = Field(None, description="Contact person at the factory")
    bank: Bank | None = Field(None, description="The factory's bank, for its payments")


class ProductRecord(Strict):
    model: Text = Field(description="Model (型号), the key an order's line names")
    name_en: Text = Field(description="Product name in English")
    name_zh: str | None = Field(None, description="Product name in Chinese (品名)")
    hs_code: str | None = Field(None, description="HS code (海关编码)")
    origin: str = Field("China", description="Country of origin")
    unit: str = Field("PCS", min_length=1, description="Unit of quantity")
    factory: str | None = Field(None, description="Code of the factory that makes it")
    factory_price: NonNegative | None = Field(None, description="Purchase price per unit in "
                                              "CNY, VAT included (含税采购价)")
    vat_percent: Percent = Field(Decimal(13), description="VAT in the factory price (增值税率)")
    rebate_percent: Percent | None = Field(None, description="Export VAT rebate rate of its HS "
                                           "code (出口退税率); else masters/costing.yaml's "
                                           "rebate_by_hs for its HS code, else 0")
    qty_per_carton: int | None = Field(None, gt=0, description="Pieces per carton")
    carton_net_kg: NonNegative | None = Field(None, description="Net weight of a full carton")
    carton_gross_kg: NonNegative | None = Field(None, description="Gross weight of a full "
                                                "carton")
    carton_size_cm: str | None = Field(None, description="Carton size, e.g. 60x40x35")
    warranty_months: int | None = Field(None, ge=0, le=240, description="Warranty in months")
    picture: str | None = Field(None, description="Picture, relative to the templates folder")

    @field_validator("carton_size_cm")
    @classmethod
    def _size(cls, value: str | None) -> str | None:
        if value is not None and _dimensions(value) is None:
            raise ValueError(f"{value!r} is not a carton size such as 60x40x35 (cm)")
        return value

    @property
    def carton_cbm(self) -> Decimal | None:
        return carton_cbm(self.carton_size_cm) if self.carton_size_cm else None


class CustomerRecord(Customer):
    """The customer as the order needs it, and the terms an order of theirs starts from."""

    currency: str | None = Field(None, description="Default currency")
    price_term: Literal[INCOTERMS] | None = Field(None, description="Default Incoterm")  # type: ignore[valid-type]
    payment_terms: str | None = Field(None, description="Default payment terms")
    prepayment_percent: Percent | None = Field(None, description="Default deposit in percent")
    commission_percent: Percent | None = Field(None, description="Default commission")
    port_of_loading: str | None = Field(None, description="Default port of loading")
    destination: str | None = Field(None, description="Default destination")
    shipping_marks: str | None = Field(None, description="Their shipping marks (唛头)")
    salesperson: str | None = Field(None, description="Code of the salesperson in charge")


class SalespersonRecord(Salesperson):
    code: Text = Field(description="Short code, e.g. LI")
    role: Literal["salesperson", "manager", "general_manager", "merchandiser"] = Field(
        "salesperson", description="Their role in the office")


KINDS: dict[str, tuple[type[Strict], str]] = {
    "customers": (CustomerRecord, "code"), "products": (ProductRecord, "model"),
    "factories": (FactoryRecord, "code"), "salespeople": (SalespersonRecord, "code"),
}
_CUSTOMER_FIELDS = set(Customer.model_fields)
_SALES_FIELDS = set(Salesperson.model_fields)
_DEFAULTS = ("currency", "price_term", "payment_terms", "prepayment_percent",
             "commission_percent", "port_of_loading", "destination", "shipping_marks")


def _dimensions(size: str) -> tuple[Decimal, Decimal, Decimal] | None:
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[x×*]\s*(\d+(?:\.\d+)?)\s*[x×*]\s*"
                         r"(\d+(?:\.\d+)?)\s*(?:cm)?\s*", size, re.I)
    return None if found is None else (Decimal(found[1]), Decimal(found[2]), Decimal(found[3]))


def carton_cbm(size: str) -> Decimal | None:
    """A carton's volume in CBM from its size in cm (60x40x35 -> 0.084)."""
    dims = _dimensions(size)
    return None if dims is None else dims[0] * dims[1] * dims[2] / Decimal(1_000_000)


def _round(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def packing_for(product: ProductRecord, quantity: Decimal) -> dict[str, Any] | None:
    """The line's packing from the product's carton: full cartons and a part carton for
    the rest, whose net weight is its share of a full one and whose carton weighs the same
    (gross - net of a full carton). None when the product's carton is not known whole."""
    qpc, net, gross = product.qty_per_carton, product.carton_net_kg, product.carton_gross_kg
    cbm = product.carton_cbm
    if qpc is None or net is None or gross is None or cbm is None or quantity % 1:
        return None
    full, rest = divmod(int(quantity), qpc)
    cartons = full + (1 if rest else 0)
    part_net = net * rest / qpc
    packing: dict[str, Any] = {
        "qty_per_carton": qpc, "cartons": cartons,
        "net_weight_kg": _round(net * full + part_net, "0.01"),
        "gross_weight_kg": _round(gross * full + (part_net + gross - net if rest else 0),
                                  "0.01"),
        "volume_cbm": _round(cbm * cartons, "0.001"),
        "carton_size_cm": product.carton_size_cm,
    }
    if rest:
        packing["last_carton_qty"] = rest
    return packing


@dataclass
class Masters:
    """Every master record of a workspace, by kind and key; `problems` lists the files
    that could not be read (each names its file and field)."""

    records: dict[str, dict[str, Any]] = field(default_factory=lambda: {k: {} for k in KINDS})
    files: dict[tuple[str, str], str] = field(default_factory=dict)
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def customers(self) -> dict[str, CustomerRecord]:
        return self.records["customers"]

    @property
    def products(self) -> dict[str, ProductRecord]:
        return self.records["products"]

    @property
    def factories(self) -> dict[str, FactoryRecord]:
        return self.records["factories"]

    @property
    def salespeople(self) -> dict[str, SalespersonRecord]:
        return self.records["salespeople"]

    def __bool__(self) -> bool:
        return any(self.records.values())

    @classmethod
    def load(cls, root: Path) -> Masters:
        """The records under `root` (the workspace's masters/ folder); a missing folder is
        no master data."""
        from ..intake.data import DataLimits, load_yaml

        masters = cls()
        for kind, (model, key) in KINDS.items():
            folder = root / kind
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.y*ml")):
                name = f"masters/{kind}/{path.name}"
                try:
                    data = load_yaml(path.read_bytes(), name, DataLimits())
                    record = model.model_validate(data)
                except OrderDataError as exc:
                    masters.problems += [FieldProblem(f"{name}: {p.path}", p.found,
                                                      p.expected) for p in exc.problems]
                    continue
                except ValidationError as exc:
                    from ..intake.order_file import problems_of

                    masters.problems += [FieldProblem(f"{name}: {p.path}", p.found,
                                                      p.expected)
                                         for p in problems_of(exc, None)]
                    continue
                value = getattr(record, key)
                if value in masters.records[kind]:
                    masters.problems.append(FieldProblem(
                        f"{name}: {key}", repr(value), f"a {key} of its own: "
                        f"{masters.files[(kind, value)]} has it already"))
                    continue
                masters.records[kind][value] = record
                masters.files[(kind, value)] = name
        return masters


def filler(masters: Masters) -> Callable[[Any], Any] | None:
    """What completes an order's data from the master data (None when there is none); a
    problem names the master file that could not be read as well."""
    if not masters and not masters.problems:
        return None

    def fill(data: Any) -> Any:
        try:
            return fill_order(data, masters)
        except OrderDataError as exc:
            raise OrderDataError("order", exc.problems + masters.problems,
                                 hint=exc.hint) from exc

    return fill


def _problem(where: str, found: str, expected: str) -> FieldProblem:
    return FieldProblem(where, found, expected)


def fill_order(data: Any, masters: Masters) -> Any:
    """The order data with what it leaves out filled from the master data. Only fields the
    order does not give are filled; a code the master data does not know is a problem of
    the order, named by its field (OrderDataError)."""
    if not isinstance(data, dict) or "update" in data or not masters:
        return data
    data = dict(data)
    problems: list[FieldProblem] = []
    customer = data.get("customer")
    code = customer if isinstance(customer, str) else \
        customer.get("code") if isinstance(customer, dict) else None
    record = masters.customers.get(code) if isinstance(code, str) else None
    if record is not None and isinstance(code, str):
        given = customer if isinstance(customer, dict) else {}
        base = record.model_dump(mode="python", include=_CUSTOMER_FIELDS, exclude_none=True)
        data["customer"] = {**base, **given}
        for name in _DEFAULTS:
            value = getattr(record, name)
            if value is not None and data.get(name) is None:
                data[name] = value
        if record.salesperson and data.get("salesperson") is None:
            data["salesperson"] = record.salesperson
    elif isinstance(customer, str):
        problems.append(_problem("customer", repr(customer)[:40], "a customer code in "
                                 "masters/customers/, or the customer in full (code, name_en)"))
    seller = data.get("salesperson")
    if isinstance(seller, str):
        person = masters.salespeople.get(seller) or next(
            (p for p in masters.salespeople.values() if p.name == seller), None)
        if person is None:
            problems.append(_problem("salesperson", repr(seller)[:40], "a salesperson's code "
                                     "or name in masters/salespeople/, or the salesperson in "
                                     "full (name, phone, email)"))
        else:
            data["salesperson"] = person.model_dump(mode="python", include=_SALES_FIELDS,
                                                    exclude_none=True)
    items = data.get("items")
    if isinstance(items, list):
        data["items"] = _fill_items(items, masters, problems)
    if problems:
        raise OrderDataError("order", problems, hint="Add the record to masters/ (or `gendan "
                             "masters import`), or give the fields in the order itself.")
    return data


def _fill_items(items: list[Any], masters: Masters, problems: list[FieldProblem]
                ) -> list[Any]:
    out: list[Any] = []
    for n, item in enumerate(items):
        model = item.get("model") if isinstance(item, dict) else None
        product = masters.products.get(model) if isinstance(model, str) else None
        if product is None:
            if isinstance(item, dict) and "name_en" not in item and "model" in item:
                problems.append(_problem(f"items[{n}].model (line item {n + 1})",
                                         repr(item["model"])[:40], "a model in "
                                         "masters/products/, or the line in full (name_en, "
                                         "unit_price ...)"))
            out.append(item)
            continue
        line = dict(item)
        own = product.model_dump(mode="python", exclude_none=True)
        for name in ("name_en", "name_zh", "hs_code", "origin", "unit", "factory_price",
                     "warranty_months", "picture"):
            if name in own and line.get(name) is None:
                line[name] = own[name]
        factory = masters.factories.get(product.factory or "")
        if line.get("manufacturer") is None and (factory or product.factory):
            line["manufacturer"] = factory.name if factory else product.factory
        if line.get("packing") is None and "quantity" in line:
            try:
                quantity = Decimal(str(line["quantity"]))
            except ArithmeticError:
                quantity = None
            packing = packing_for(product, quantity) if quantity is not None else None
            if packing is not None:
                line["packing"] = packing
        out.append(line)
    return out
