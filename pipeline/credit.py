"""A documentary letter of credit (信用证) as the order carries it: what the bank will pay
against, and the documents and dates it asks for (UCP 600).

No I/O here. The rules that check a presentation against the credit are in
compliance/rules_credit.py; the documents print "drawn under" from `drawn_under`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from .basics import Day, Positive, Strict, Text
from .doctypes import FACTORY_TYPES, GENERATED

__all__ = ["CreditDocument", "LetterOfCredit"]


def _document_type(value: object) -> object:
    """A document type's key, or its title in English or Chinese (Bill of Lading, 提单)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    for kind in (*GENERATED.values(), *FACTORY_TYPES.values()):
        if text.casefold() in {kind.key, kind.title_en.casefold(), kind.title_zh}:
            return kind.key
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,60}", text):
        raise ValueError(f"{text[:40]!r} is not a document type: write its name as gendan "
                         "does (commercial_invoice, bill_of_lading, certificate_of_origin ...) "
                         "or its title (Bill of Lading, 提单)")
    return text


class CreditDocument(Strict):
    document: Annotated[str, BeforeValidator(_document_type)] = Field(
        description="The document type the credit asks for, as gendan names it "
        "(commercial_invoice, packing_list, bill_of_lading, certificate_of_origin, "
        "insurance_policy, inspection_certificate ...) or by its title (Bill of Lading, 提单)")
    originals: Annotated[int, Field(ge=0, le=20)] = Field(1, description="Originals required")
    copies: Annotated[int, Field(ge=0, le=20)] = Field(0, description="Copies required")
    wording: str | None = Field(None, description="What the credit says of it, e.g. \"signed "
                                "commercial invoice in 3 originals indicating L/C No.\"")

    @property
    def count_text(self) -> str:
        """E.g. "3 originals + 2 copies" (正本 3 份, 副本 2 份)."""
        parts = [f"{self.originals} original{'s' if self.originals != 1 else ''}"]
        if self.copies:
            parts.append(f"{self.copies} cop{'ies' if self.copies != 1 else 'y'}")
        return " + ".join(parts)


def _documents(value: object) -> object:
    """The documents as one line, as typed in a spreadsheet cell: "commercial_invoice 3+2;
    Packing List 3; 提单 3+3" (the name, the originals, + the copies)."""
    if not isinstance(value, str):
        return value
    found = []
    for part in re.split(r"[;；\n]+", value):
        if not part.strip():
            continue
        match = re.fullmatch(r"\s*(.+?)\s+(\d+)(?:\s*\+\s*(\d+))?\s*", part)
        if match is None:
            raise ValueError(f"{part.strip()[:40]!r}: write each document as its name, the "
                             "originals and + the copies, e.g. commercial_invoice 3+2; "
                             "提单 3+3")
        found.append({"document": match[1], "originals": int(match[2]),
                      "copies": int(match[3] or 0)})
    return found


def _lines(value: object) -> object:
    """Conditions typed in one cell, one a line."""
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    return value


class LetterOfCredit(Strict):
    number: Text = Field(description="The credit's number (信用证号), e.g. LC-DXB-2026-0117")
    issue_date: Day = Field(description="Date of issue (开证日期)")
    issuing_bank: Text = Field(description="The issuing bank (开证行), name and city")
    advising_bank: str | None = Field(None, description="The advising bank (通知行)")
    amount: Positive = Field(description="The credit's amount, in the order currency (信用证金额)")
    tolerance_percent: Annotated[Decimal, Field(ge=0, le=10)] = Field(
        Decimal(0), description="More or less allowed on the amount and quantity, in percent "
        "(e.g. 5 for +/- 5 %; UCP 600 art. 30)")
    expiry_date: Day = Field(description="Date of expiry (到期日): documents presented by then")
    expiry_place: str | None = Field(None, description="Place of expiry (到期地点), e.g. China")
    latest_shipment_date: Day | None = Field(None, description="Latest date of shipment the "
                                             "credit allows; else the order's")
    presentation_days: Annotated[int, Field(gt=0, le=365)] = Field(
        21, description="Days after shipment within which documents are presented (交单期)")
    partial_shipment: bool = Field(False, description="Partial shipments allowed (分批装运)")
    transhipment: bool = Field(False, description="Transhipment allowed (转运)")
    goods: str | None = Field(None, description="The credit's description of the goods, which "
                              "the commercial invoice must carry (UCP 600 art. 18(c))")
    documents: Annotated[list[CreditDocument], BeforeValidator(_documents)] = Field(
        default_factory=list, description="The documents required, with originals and copies "
        "(单据要求); in one line: commercial_invoice 3+2; 提单 3+3")
    conditions: Annotated[list[str], BeforeValidator(_lines)] = Field(
        default_factory=list, description="Special conditions (附加条款), each as the credit "
        "words it")

    @model_validator(mode="after")
    def _dates_in_order(self) -> LetterOfCredit:
        if self.expiry_date < self.issue_date:
            raise ValueError(f"expiry_date {self.expiry_date} is before issue_date "
                             f"{self.issue_date}")
        if self.latest_shipment_date and self.latest_shipment_date > self.expiry_date:
            raise ValueError(f"latest_shipment_date {self.latest_shipment_date} is after the "
                             f"credit's expiry_date {self.expiry_date}")
        return self

    @property
    def drawn_under(self) -> str:
        """As the documents print it: Drawn under L/C No. ... dated ... issued by ..."""
        return (f"Drawn under L/C No. {self.number} dated {self.issue_date:%d %b %Y} issued "
                f"by {self.issuing_bank}")

    @property
    def most(self) -> Decimal:
        """The most the credit pays (its amount plus the tolerance)."""
        return self.amount * (100 + self.tolerance_percent) / 100
