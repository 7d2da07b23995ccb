"""The updates that arrive for an order: approvals, inspection bookings, loading (with its
containers), the factory's confirmation, the shipment on board, the status. Validated data;
flow.py decides whether each is accepted and what it changes.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from .basics import Positive
from .models import CURRENCIES, Day, InspectionKind, Moment

__all__ = [
    "CHAIN",
    "PHONE",
    "PLATE",
    "ROLE_TITLES",
    "STATUSES",
    "ApprovalUpdate",
    "Container",
    "CreditNoteUpdate",
    "FactoryConfirmationUpdate",
    "InspectionUpdate",
    "LoadingUpdate",
    "OrderUpdate",
    "PaymentUpdate",
    "Proof",
    "Role",
    "SampleUpdate",
    "ShipmentUpdate",
    "StatusUpdate",
    "Strict",
    "Text",
    "update_adapter",
]

Role = Literal["salesperson", "manager", "general_manager"]
ROLE_TITLES: dict[str, tuple[str, str]] = {
    "salesperson": ("业务员", "Salesperson"),
    "manager": ("经理", "Manager"),
    "general_manager": ("总经理", "General Manager"),
}
CHAIN: tuple[Role, ...] = ("salesperson", "manager", "general_manager")
STATUSES = ("received", "confirmed", "in_production", "inspected", "loaded", "shipped",
            "handed_over", "registered", "closed", "cancelled")
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE = re.compile(rf"^[{PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{{4,5}}[A-HJ-NP-Z0-9挂学]?$")
PHONE = re.compile(r"^1\d{10}$")

Text = Annotated[str, Field(min_length=1, max_length=500)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Proof(Strict):
    """Who proved they made a decision, and how (pipeline/signatures.py)."""

    kind: Literal["key", "page", "command"] = Field(description="key: signed with the "
                                                    "person's own key; page, command: gendan "
                                                    "checked their sign-in or password")
    account: Text = Field(description="The person's user name (`gendan users list`)")
    value: Text = Field(description="The signature (key) or gendan's seal over the decision")


class ApprovalUpdate(Strict):
    update: Literal["approval"]
    order_no: Text
    role: Role = Field(description="salesperson (signs), manager or general_manager")
    by: Text = Field(description="Name of the person who signs or approves")
    decision: Literal["approved", "rejected"] = "approved"
    at: Moment = Field(description="When, e.g. 2026-11-05T10:30")
    remark: str | None = None
    account: str | None = Field(None, description="The signed-in account, when the approval "
                                "was given on the office's page (gendan serve)")
    revision: int | None = Field(None, ge=1, description="The revision of the order it "
                                 "approves (1 the first order file, 2 its first revision ...); "
                                 "a signed approval of an older revision is void")
    proof: Proof | None = Field(None, description="Who proved they made it (`gendan sign`, "
                                "`gendan approve`, the page); without it the approval is "
                                "refused unless [approval] trust_inbox = true")

    @property
    def verified(self) -> bool:
        return self.proof is not None


class InspectionUpdate(Strict):
    update: Literal["inspection"]
    order_no: Text
    kind: InspectionKind = Field(description="in_house, customer or third_party")
    inspector: Text = Field(description="QC inspector, customer's inspector or company")
    date: Day = Field(description="Date of the inspection")
    booked_on: Day = Field(description="Date the inspection was booked or notified")
    remark: str | None = None


EQUIPMENT = ("20GP", "40GP", "40HQ", "45HQ", "20RF", "40RF", "20OT", "40OT", "20FR", "40FR",
             "LCL", "TRUCK")

def _check_digit(owner_and_serial: str) -> int:
    """ISO 6346: each character's value (letters skip multiples of 11) times 2**position,
    summed, mod 11, mod 10."""
    values = {c: n for n, c in enumerate("0123456789")}
    number = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if number % 11 == 0:
            number += 1
        values[letter] = number
        number += 1
    total = sum(values[c] * 2 ** n for n, c in enumerate(owner_and_serial))
    return int(total % 11 % 10)


class Container(Strict):
    """One container (or truck) of a loading: what a forwarder and a customer look for."""

    type: Literal[EQUIPMENT] = Field(  # type: ignore[valid-type]
        description="20GP, 40GP, 40HQ, 45HQ, reefers 20RF/40RF, open tops, flat racks, LCL "
        "(part of a container) or TRUCK")
    number: str | None = Field(None, description="Container number (箱号), e.g. MSKU1234565 "
                               "(checked by its ISO 6346 check digit)")
    seal_no: str | None = Field(None, description="Seal number (封条号)")
    models: list[Text] = Field(default_factory=list, description="The models it holds")
    cartons: int | None = Field(None, gt=0, description="Cartons it holds")
    gross_weight_kg: Annotated[float, Field(ge=0)] | None = Field(None, description="Gross "
                                                                  "weight it holds, in kg")
    volume_cbm: Annotated[float, Field(ge=0)] | None = Field(None, description="Volume it "
                                                             "holds, in CBM")

    @field_validator("number")
    @classmethod
    def _iso6346(cls, value: str | None) -> str | None:
        if value is None:
            return None
        number = re.sub(r"[\s-]", "", value).upper()
        if not re.fullmatch(r"[A-Z]{3}[UJZ]\d{7}", number):
            raise ValueError(f"{value!r} is not a container number such as MSKU1234565 (four "
                             "letters ending in U, J or Z, then seven digits)")
        if _check_digit(number[:10]) != int(number[10]):
            raise ValueError(f"{value!r}: its check digit should be {_check_digit(number[:10])}"
                             "; a letter or digit is mistyped")
        return number


class LoadingUpdate(Strict):
    update: Literal["loading"]
    order_no: Text
    loading_time: Moment = Field(description="Loading time, e.g. 2027-01-12T08:30")
    equipment_model: str | None = Field(None, description="The model loaded, when one "
                                        "(装车资料: 设备型号); else `models`")
    models: list[Text] = Field(default_factory=list, description="The models loaded, when "
                               "several")
    truck_plate: Text = Field(description="Mainland plate, e.g. 浙B12345 or 浙BD12345")
    driver_name: str | None = None
    driver_phone: Text = Field(description="11 digits starting with 1")
    container_no: str | None = Field(None, description="One container's number (or give "
                                     "`containers`)")
    containers: list[Container] = Field(default_factory=list, description="The containers "
                                        "or trucks: type, number, seal, what each holds")
    remark: str | None = None

    @property
    def loaded_models(self) -> list[str]:
        """Every model the loading names (its own and its containers')."""
        named = ([self.equipment_model] if self.equipment_model else []) + list(self.models)
        named += [m for c in self.containers for m in c.models]
        return list(dict.fromkeys(named))

    @field_validator("truck_plate")
    @classmethod
    def _mainland_plate(cls, value: str) -> str:
        plate = value.replace(" ", "").replace("·", "").upper()
        if not PLATE.match(plate):
            raise ValueError(f"{value!r} is not a mainland plate such as 浙B12345 or 浙BD12345")
        return plate

    @field_validator("driver_phone")
    @classmethod
    def _mobile(cls, value: str) -> str:
        digits = re.sub(r"[\s-]", "", value).removeprefix("+86")
        if not PHONE.match(digits):
            raise ValueError(f"{value!r} is not a mobile number of 11 digits starting with 1")
        return digits


class FactoryConfirmationUpdate(Strict):
    update: Literal["factory_confirmation"]
    order_no: Text
    factory: Text
    confirmed_delivery_date: Day
    by: Text
    confirmed_on: Day
    remark: str | None = None


class ShipmentUpdate(Strict):
    """The goods on board: the bill of lading's number and on-board date, which date the
    shipment (and start the warranty)."""

    update: Literal["shipment"]
    order_no: Text
    bl_no: Text = Field(description="Bill of lading number (提单号)")
    on_board_date: Day = Field(description="Shipped on board date on the B/L (装船日期)")
    vessel: str | None = Field(None, description="Vessel and voyage, e.g. MSC AURORA 047E")
    carrier: str | None = Field(None, description="The carrier (船公司)")
    remark: str | None = None


class StatusUpdate(Strict):
    update: Literal["status"]
    order_no: Text
    status: Literal[STATUSES]  # type: ignore[valid-type]
    at: Moment
    remark: str | None = None


def _currency(value: str) -> str:
    if value.upper() not in CURRENCIES:
        raise ValueError(f"unknown currency {value!r}; use an ISO 4217 code such as USD")
    return value.upper()


Currency = Annotated[str, AfterValidator(_currency)]


class PaymentUpdate(Strict):
    """Money received from the customer on the order (到账): the bank's credit advice."""

    update: Literal["payment"]
    order_no: Text
    date: Day = Field(description="Date the money was received (到账日期)")
    amount: Positive = Field(description="Amount the customer paid, before the bank's charges")
    currency: Currency = Field(description="Currency of the payment; the order's")
    bank_charges: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)] = Field(
        Decimal(0), description="Charges the banks deducted (银行费用)")
    bank_ref: str | None = Field(None, description="The bank's reference (银行水单号)")
    invoice_no: str | None = Field(None, description="The invoice it pays, when it says")
    kind: Literal["deposit", "balance", "payment"] = Field("payment", description="deposit, "
                                                         "balance or payment")
    remark: str | None = None


class CreditNoteUpdate(Strict):
    """A credit note to the customer (a claim settled, a discount after the invoice)."""

    update: Literal["credit_note"]
    order_no: Text
    number: Text = Field(description="Credit note number")
    date: Day = Field(description="Date of the credit note")
    amount: Positive = Field(description="Amount credited")
    currency: Currency = Field(description="Currency; the order's")
    reason: Text = Field(description="Why it is credited")


class SampleUpdate(Strict):
    """A sample or catalogue sent to a customer (寄样品, 目录的寄送与登记), and later its
    follow-up: the same `id` again, with `followed_up_on` and the result."""

    update: Literal["sample"]
    id: Text = Field(description="The sample's own number, e.g. SMP-2026-031")
    customer: Text = Field(description="The customer's code")
    kind: Literal["sample", "catalogue"] = Field("sample", description="sample or catalogue")
    date: Day = Field(description="Date sent")
    models: list[Text] = Field(default_factory=list, description="The models sent")
    courier: str | None = Field(None, description="Courier, e.g. DHL")
    tracking_no: str | None = Field(None, description="Tracking number")
    cost: Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)] = Field(
        Decimal(0), description="What sending it cost, in CNY")
    paid_by: Literal["us", "customer", "freight_collect"] = Field(
        "us", description="us, customer or freight_collect (到付)")
    follow_up: Day | None = Field(None, description="When to ask the customer about it")
    followed_up_on: Day | None = Field(None, description="When it was followed up")
    result: str | None = Field(None, description="What the customer said")
    order_no: str | None = Field(None, description="The order it led to, if any")
    remark: str | None = None


OrderUpdate = Annotated[
    ApprovalUpdate | InspectionUpdate | LoadingUpdate | FactoryConfirmationUpdate
    | ShipmentUpdate | StatusUpdate | PaymentUpdate | CreditNoteUpdate,
    Field(discriminator="update"),
]
update_adapter: TypeAdapter[OrderUpdate] = TypeAdapter(OrderUpdate)
