"""One validated settings object, read from the workspace's gendan.toml.

Everything has an embedded default, so a folder with no gendan.toml (the repository root,
say) works as a workspace. Unknown keys are errors, named by their path, never ignored.
"""

from __future__ import annotations

import re
import string
import tomllib
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    ValidationError,
    model_validator,
)

from .errors import ConfigError
from .sections import Limits, Mail, Ocr
from .sections import Section as _Section

__all__ = ["VARIABLE_KEY", "ArchiveSettings", "DocTypeSettings", "Limits", "Ocr", "Settings",
           "Stamp", "TemplateSettings", "load_settings"]


def _inside_templates(value: str) -> str:
    """A settings path is relative to the templates folder and stays inside it."""
    path = PurePosixPath(value.replace("\\", "/"))
    if value and (path.is_absolute() or ".." in path.parts or ":" in value):
        raise ValueError(f"{value!r} leads outside the templates folder; give a path inside "
                         "it, such as assets/seal.png")
    return value


TemplatePath = Annotated[str, AfterValidator(_inside_templates)]


class Bank(_Section):
    beneficiary: str = "Hangzhou Gendan Trading Co., Ltd."
    bank_name: str = "Bank of China, Hangzhou Branch"
    bank_address: str = "321 Fengqi Road, Hangzhou, China"
    account: str = "3560 0000 0000 0000 000"
    swift: str = "BKCHCNBJ910"


class Company(_Section):
    name_zh: str = "杭州跟单贸易有限公司"
    name_en: str = "Hangzhou Gendan Trading Co., Ltd."
    address_zh: str = "浙江省杭州市上城区凤起路321号"
    address_en: str = "321 Fengqi Road, Shangcheng District, Hangzhou 310003, China"
    phone: str = "+86 571 8700 0000"
    fax: str = "+86 571 8700 0001"
    email: str = "export@gendan.example"
    website: str = "www.gendan.example"
    seal: TemplatePath = Field("assets/seal.png", description="The company seal (公章/合同专用章), "
                               "relative to the templates folder: on the documents gendan "
                               "makes, in stamps with image = \"seal\", and in the hand-over "
                               "pack")
    logo: TemplatePath = Field("", description="The company logo, relative to the templates "
                               "folder (optional)")
    bank: Bank = Bank()


class Documents(_Section):
    default_currency: str = "USD"
    on_order: list[str] | None = Field(
        None, description="Documents made when an order arrives; default: the whole set"
    )
    word_to_pdf: bool = Field(True, description="Convert Word-only documents with LibreOffice")
    libreoffice_timeout: float = Field(120, gt=0)
    warm_libreoffice: bool = Field(
        True, description="Keep one LibreOffice running while `gendan watch` or `gendan "
        "serve` runs, and through a run with two or more order files: a Word document then "
        "converts in about 0.1-0.3 s instead of about 1 s. Needs LibreOffice's uno module "
        "for uno_python (Debian: python3-uno); without it, each document starts its own")
    uno_python: str = Field(
        "/usr/bin/python3", description="The Python that has LibreOffice's uno module, "
        "which runs the warm LibreOffice's helper")
    factory_sees_customer: list[str] = Field(
        default_factory=list, description="Customer codes whose name and destination the "
        "factories may see on production orders; for the others a factory sees the "
        "customer's order number, the requirements and the shipping marks only")
    seconds_per_document: float = Field(
        300, gt=0, description="Time to draw one document in a child of its own (a template "
        "that takes longer fails that document); the one of a set drawn first (the fewest "
        "item lines), and all with [limits] workers = 1, are drawn in the run's own process, "
        "without this limit")


class DocTypeSettings(_Section):
    """A document type added (or a bundled one changed) by the workspace."""

    title_en: str
    title_zh: str
    html: TemplatePath = ""
    word: TemplatePath = ""
    excel: TemplatePath = Field("", description="An .xlsx template: the document also as a "
                                "workbook (openpyxl; docs/variables.md)")
    number_prefix: str = "DOC"
    needs_approval: bool = False
    sealed: bool = False
    on_order: bool = True

    @model_validator(mode="after")
    def _has_template(self) -> DocTypeSettings:
        if not self.html and not self.word and not self.excel:
            raise ValueError("a document type needs an html, a word or an excel template")
        return self


# a template's own variable: name, dotted, a list's element as name[].field
VARIABLE_KEY = re.compile(r"^[A-Za-z_]\w*(?:\[\])?(?:\.[A-Za-z_]\w*(?:\[\])?)*$")


def _variable_keys(value: dict[str, str]) -> dict[str, str]:
    for key, expression in value.items():
        if not VARIABLE_KEY.fullmatch(key):
            raise ValueError(f"{key!r} is not a template variable name (letters, digits, _, "
                             "dots; a list's element as name[].field)")
        if "[]" in key and not key.split("[]", 1)[1].startswith("."):
            raise ValueError(f"{key!r}: give the element's field, e.g. lines[].qty")
        if not expression.strip():
            raise ValueError(f"{key!r} maps to nothing: give a gendan variable, e.g. "
                             "order.customer.name_en")
    return value


class TemplateSettings(_Section):
    """One template's own variable names, mapped to gendan's (docs/variables.md)."""

    variables: Annotated[dict[str, str], AfterValidator(_variable_keys)] = Field(
        default_factory=dict, description="The template's name = a gendan variable or "
        "expression; a list's fields as \"lines[].qty\" = \"quantity\"")


class Approval(_Section):
    general_manager_threshold: dict[str, Decimal] = Field(
        default_factory=lambda: {
            "USD": Decimal(50000),
            "EUR": Decimal(45000),
            "CNY": Decimal(350000),
        },
        description="Per currency: at or above this amount the general manager must approve",
    )
    trust_inbox: bool = Field(False, description="Take approvals that nobody proved they "
                              "made (unsigned files in the inbox); each is marked unverified "
                              "wherever it shows. Off: they are refused")


class Warranty(_Section):
    """How long the goods are under warranty, counted from shipment: an item's own
    `warranty_months` first, then its model's here, then its customer's, then `months`."""

    months: int = Field(12, ge=0, le=240, description="Default warranty in months")
    models: dict[str, int] = Field(default_factory=dict,
                                   description="Months per model, e.g. HT-2020 = 24")
    customers: dict[str, int] = Field(default_factory=dict,
                                      description="Months per customer code, e.g. ACME = 18")


class Inspection(_Section):
    in_house_days: int = Field(7, ge=0)
    customer_days: int = Field(7, ge=0)
    third_party_days: int = Field(14, ge=0)

    def lead_days(self) -> dict[str, int]:
        """Days before delivery, by inspection kind (in_house, customer, third_party)."""
        return {"in_house": self.in_house_days, "customer": self.customer_days,
                "third_party": self.third_party_days}


STAMP_VARIABLES = frozenset(
    "order customer customer_name type type_en type_zh received page pages file version".split()
)

Position = Literal[
    "top-left", "top-center", "top-right", "middle-left", "center", "middle-right",
    "bottom-left", "bottom-center", "bottom-right",
]


class Stamp(_Section):
    """One stamp: archive text with variables, or an image such as the company seal."""

    types: list[str] = Field(["*"], description="Document types it applies to; * for all")
    text: str = Field("", description="Stamp text; {order} {customer} {type_zh} {page}/{pages}...")
    image: TemplatePath = Field("", description="\"seal\" for the company seal, or an image "
                                "relative to templates/")
    purpose: Literal["archive", "handover"] = Field(
        "archive", description="archive: on the archived copy of a factory document; "
        "handover: on the copy in the hand-over pack, placed in a free margin")
    position: Position = "top-right"
    offset_mm: tuple[float, float] = (0.0, 0.0)
    width_mm: float = Field(62.0, gt=0, le=400)
    height_mm: float | None = Field(None, gt=0, le=400)
    rotation: float = Field(0.0, ge=-360, le=360)
    opacity: float = Field(0.9, ge=0, le=1)
    pages: Literal["all", "first", "last"] | list[int] = "all"
    color: str = Field("#c8102e", pattern=r"^#[0-9a-fA-F]{6}$")

    @model_validator(mode="after")
    def _text_or_image(self) -> Stamp:
        if bool(self.text) == bool(self.image):
            raise ValueError("a stamp has either text or an image")
        for _, name, _, _ in string.Formatter().parse(self.text):
            if name is not None and name not in STAMP_VARIABLES:
                raise ValueError(
                    f"{{{name}}} is not a stamp variable; use {', '.join(sorted(STAMP_VARIABLES))}"
                )
        return self

    def applies_to(self, doc_type: str) -> bool:
        return "*" in self.types or doc_type in self.types


ARCHIVE_STAMP = Stamp(
    text="{customer} 存档 ARCHIVED\n{order} · {type_zh} {type_en} v{version}\n"
    "收到 Received {received} · {page}/{pages}",
)
HANDOVER_SEAL = Stamp(
    types=["commercial_invoice", "packing_list"], image="seal", purpose="handover",
    position="bottom-right", width_mm=36.0, rotation=-8.0, opacity=0.85, pages="last",
)


class Watch(_Section):
    stable_seconds: float = Field(1.0, ge=0, description="Size and mtime unchanged this long")
    rescan_seconds: float = Field(30.0, gt=0, description="Full inbox rescan interval")
    retries: int = Field(3, ge=1, description="Attempts for a damaged file before rejecting")
    retry_seconds: float = Field(2.0, ge=0, description="Wait between attempts")
    pause_seconds: float = Field(30.0, gt=0, description="Pause after a full disk, then retry")


# What each Incoterm adds to the hand-over: the transport document for carriage by sea the
# seller arranges or hands over to (FOB, CFR, CIF), the insurance policy where the seller
# insures (CIF, CIP), and the export declaration wherever the seller clears export (all
# but EXW).
BY_PRICE_TERM: dict[str, tuple[str, ...]] = {
    "EXW": (),
    "FCA": ("customs_declaration",),
    "FAS": ("customs_declaration",),
    "FOB": ("bill_of_lading", "customs_declaration"),
    "CFR": ("bill_of_lading", "customs_declaration"),
    "CIF": ("bill_of_lading", "insurance_policy", "customs_declaration"),
    "CPT": ("customs_declaration",),
    "CIP": ("insurance_policy", "customs_declaration"),
    "DAP": ("customs_declaration",),
    "DPU": ("customs_declaration",),
    "DDP": ("customs_declaration",),
}


class CustomerDocuments(_Section):
    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)


class Handover(_Section):
    """What a hand-over needs, and how the pack is put together."""

    required: list[str] = Field(default_factory=lambda: [
        "sales_contract", "commercial_invoice", "packing_list", "warranty_card", "user_manual",
        "transport_contract", "loading_notice"])
    inspected: list[str] = Field(default_factory=lambda: ["inspection_report"],
                                 description="Added when the customer or a third party inspects")
    legal_inspection: list[str] = Field(default_factory=lambda: ["inspection_certificate"])
    by_price_term: dict[str, list[str]] = Field(
        default_factory=lambda: {term: list(docs) for term, docs in BY_PRICE_TERM.items()},
        description="Documents each Incoterm adds (docs/settings.md)")
    customers: dict[str, CustomerDocuments] = Field(default_factory=dict)
    prefer: Literal["company", "factory"] = Field(
        "company", description="Of a pair (the company's own commercial invoice and packing "
        "list, or the factory's), which goes into the pack; the other is listed on the cover "
        "as a supporting document, archived")
    order: list[str] = Field(default_factory=lambda: [
        "sales_contract", "commercial_invoice", "packing_list", "bill_of_lading",
        "insurance_policy", "certificate_of_origin", "customs_declaration",
        "inspection_certificate", "fumigation_certificate", "phytosanitary_certificate",
        "inspection_report", "warranty_card", "user_manual", "transport_contract",
        "loading_notice"], description="Order of the documents in the pack")
    weight_tolerance_percent: Decimal = Field(Decimal("0.5"), ge=0)
    volume_tolerance_percent: Decimal = Field(Decimal("2"), ge=0)
    page_numbers: bool = True


def _pattern(value: str) -> str:
    from .numbering import unknown_variables

    if unknown := unknown_variables(value):
        raise ValueError(f"{{{unknown[0]}}} is not a numbering variable; use {{order_no}} "
                         "{customer} {year} {yy} {month} {seq}")
    return value


Pattern = Annotated[str, AfterValidator(_pattern)]


class Numbering(_Section):
    """Patterns for the company's own numbers (docs/settings.md); {seq} counts."""

    quotation: Pattern = Field("QT-{order_no}", description="Quotation number")
    contract: Pattern = Field("SC-{order_no}", description="Sales contract number")
    invoice: Pattern = Field("CI-{order_no}", description="Commercial invoice number")


class ArchiveSettings(_Section):
    file_mode: str = Field("", pattern=r"^(|0?[0-7]{3})$",
                           description="Mode of archived files, e.g. \"0640\"; empty: the "
                           "umask decides (0644 under the usual 022)")

    def mode(self) -> int | None:
        return int(self.file_mode, 8) if self.file_mode else None


class StoreSettings(_Section):
    url: str = Field("", pattern=r"^(|postgres(ql)?://.*)$",
                     description="Empty: the workspace keeps its index and locks itself "
                     "(SQLite, TinyDB, files). postgresql://user@host/db: the registry, locks, "
                     "journal, counters and index in PostgreSQL, for several machines "
                     "(docs/shared.md); GENDAN_STORE_URL, when set, is used instead")
    schema_name: str = Field("", pattern=r"^(|[a-z_][a-z0-9_]{0,62})$",
                        description="The PostgreSQL schema (several workspaces in one "
                        "database); empty: the database's default")
    archive_url: str = Field("", pattern=r"^(|s3a?://[^/].*|/.+|file://.+)$",
                             description="Empty: the archive is the workspace's archive/ "
                             "folder alone. s3://bucket/prefix (or a folder every machine "
                             "mounts): the archive's shared copy, which archive/ then works "
                             "from (docs/shared.md); GENDAN_ARCHIVE_URL, when set, is used "
                             "instead")
    archive_endpoint: str = Field("", pattern=r"^(|https?://.+)$",
                                  description="The S3-compatible service's address (MinIO, "
                                  "Ceph, a cloud's); empty: AWS's, or AWS_ENDPOINT_URL")


class Settings(_Section):
    company: Company = Company()
    documents: Documents = Documents()
    approval: Approval = Approval()
    inspection: Inspection = Inspection()
    stamps: list[Stamp] = Field(default_factory=lambda: [ARCHIVE_STAMP, HANDOVER_SEAL])
    stamp_font: str = Field("", description="TrueType CJK font for stamp text; empty: auto")
    watch: Watch = Watch()
    doctypes: dict[str, DocTypeSettings] = Field(default_factory=dict)
    templates: dict[str, TemplateSettings] = Field(default_factory=dict)
    handover: Handover = Handover()
    archive: ArchiveSettings = ArchiveSettings()
    store: StoreSettings = StoreSettings()
    limits: Limits = Limits()
    ocr: Ocr = Ocr()
    mail: Mail = Mail()
    numbering: Numbering = Numbering()
    warranty: Warranty = Warranty()


MOVED = {"documents.seal_image": "moved: set seal in [company] (one seal for the documents, "
         "the stamps and the hand-over pack)"}


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def load_settings(path: Path) -> Settings:
    """Read gendan.toml; a missing file gives the embedded defaults."""
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}",
                          hint="Fix that line; `gendan init NEWDIR` writes a commented example "
                          "to compare with.") from exc
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            if err["type"] == "extra_forbidden" and _where(err["loc"]) in MOVED:
                problems.append(f"{_where(err['loc'])}: {MOVED[_where(err['loc'])]}")
            elif err["type"] == "extra_forbidden":
                problems.append(f"{_where(err['loc'])}: unknown key")
            else:
                problems.append(f"{_where(err['loc'])}: {err['msg']} (found {err['input']!r})")
        raise ConfigError(
            f"{path}: " + "; ".join(problems),
            hint="Remove or correct these keys; `gendan init` writes a commented example.",
        ) from exc
