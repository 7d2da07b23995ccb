"""Read figures from the text of PDFs: a generic extractor for the usual Chinese and
English labels, and per-factory profiles (YAML) in the workspace, in the manner of
invoice2data. Every value keeps where it came from (document, page) and the text it was
read from; a value that cannot be parsed is kept as a problem, not dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

__all__ = ["Extracted", "Profile", "Value", "extract", "load_profiles", "parse_amount",
           "parse_date"]

NUMBER = r"[-+]?\d[\d,.\s']*\d|\d"
CURRENCIES = "USD|EUR|CNY|RMB|GBP|JPY|HKD|AUD|CAD|CHF|SGD|AED"
TERMS = "EXW|FCA|FAS|FOB|CFR|CNF|CIF|CPT|CIP|DAP|DPU|DDP"
MONTHS = {  # the first letters of month names in English, French, German and Dutch
    "jan": 1, "feb": 2, "fév": 2, "fev": 2, "mar": 3, "mär": 3, "maa": 3, "apr": 4, "avr": 4,
    "may": 5, "mai": 5, "mei": 5, "jun": 6, "juin": 6, "jul": 7, "juil": 7, "aug": 8, "aoû": 8,
    "aou": 8, "sep": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12, "déc": 12, "dez": 12,
}


def _month(name: str) -> int:
    name = name.lower()
    for size in (4, 3):
        if name[:size] in MONTHS:
            return MONTHS[name[:size]]
    raise ValueError(f"unknown month {name!r}")


@dataclass(frozen=True)
class Value:
    value: Any
    raw: str
    document: str
    page: int

    def where(self) -> str:
        return f"{self.document} p.{self.page}"


@dataclass
class Extracted:
    """What was read from one document."""

    document: str
    doc_type: str
    pages: int
    has_text: bool
    profile: str = "generic"
    fields: dict[str, Value] = field(default_factory=dict)
    items: list[dict[str, Value]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def get(self, name: str) -> Any:
        found = self.fields.get(name)
        return found.value if found else None


def parse_amount(text: str) -> Decimal:
    """'1,234.50' / '1.234,50' / '1 234,50' / '49,99' -> Decimal."""
    cleaned = re.sub(r"[\s']", "", text.strip())
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        head, _, tail = cleaned.rpartition(",")
        cleaned = f"{head.replace(',', '')}.{tail}" if len(tail) in (1, 2) else \
            cleaned.replace(",", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {text!r}") from exc


def parse_date(text: str) -> dt.date:
    """2026-11-27, 2026/11/27, 2026年11月27日, 27 Nov 2026, Nov 27, 2026, 27.11.2026, 8-9-2022."""
    value = text.strip()
    if m := re.match(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", value):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.match(r"(\d{1,2})[\s-]*([^\W\d_]{3,})\.?[\s,-]*(\d{4})", value):
        return dt.date(int(m[3]), _month(m[2]), int(m[1]))
    if m := re.match(r"([^\W\d_]{3,})\.?\s+(\d{1,2}),?\s+(\d{4})", value):
        return dt.date(int(m[3]), _month(m[1]), int(m[2]))
    if m := re.match(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", value):
        first, second = int(m[1]), int(m[2])
        if second > 12 >= first:  # 03/20/2023: month first, as in the US
            first, second = second, first
        return dt.date(int(m[3]), second, first)  # else day first, as in most of the world
    raise ValueError(f"not a date: {text!r}")


DATE = (r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?|\d{1,2}[\s-]*[^\W\d_]{3,}\.?"
        r"[\s,-]*\d{4}|[^\W\d_]{3,}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")
SEP = r"\s*(?:[:：#.]|No\.?)?\s*"
REF = r"[A-Z0-9][A-Z0-9\-/]*\d[A-Z0-9\-/]*"  # a reference number has a digit

GENERIC: dict[str, tuple[str, str]] = {
    # field: (regex with one group, kind)
    "invoice_no": (rf"(?:Invoice\s*No|Invoice\s*Number|Factuurnummer|Facture\s*n°|"
                   rf"Rechnungs?-?nr|发票号码?){SEP}([A-Z0-9\-/]*\d[A-Z0-9\-/]*)", "text"),
    "document_no": (rf"(?:Document\s*No|Ref(?:erence)?\s*No|编号\s*No\.?|编号){SEP}"
                    rf"([A-Z0-9][A-Z0-9\-/]{{2,}})", "text"),
    "order_no": (rf"(?:Order\s*No|P\.?O\.?\s*No|订单号){SEP}({REF})", "text"),
    "contract_no": (rf"(?:Contract\s*No|S/?C\s*No|合同号){SEP}({REF})", "text"),
    "date": (rf"(?:Invoice\s*Date|Date\s*of\s*Issue|Factuurdatum|Date|日期|\bdu)"
             rf"\s*[:：]?\s*({DATE})", "date"),
    "currency": (rf"(?:Currency|币种)\s*[:：]?\s*({CURRENCIES})\b", "text"),
    "price_term": (rf"\b({TERMS})\b(?=\s+[A-Z][a-z]|\s*\(|\s+\w)", "text"),
    "term_place": (rf"\b(?:{TERMS})\s+([A-Z][A-Za-z.'\-]+(?:\s[A-Z][A-Za-z.'\-]+)*)",
                   "text"),
    "freight_clause": (r"(FREIGHT\s+(?:PREPAID|COLLECT|PAYABLE\s+AT\s+DESTINATION)|"
                       r"运费(?:预付|到付|已付))", "text"),
    "insured_amount": (rf"(?:Insured\s*Amount|Amount\s*Insured|Sum\s*Insured|保险金额)"
                       rf"[^\d\n]{{0,16}}({NUMBER})", "amount"),
    "total_amount": (rf"(?:Grand\s*Total|Total\s*Amount|Total\s*TTC|TOTAL(?:\s*\([^)]*\))?|"
                     rf"Totaal|合计|总计|总金额|Factuur\s*totaal)\s*[:：]?\s*(?:{CURRENCIES}|€|\$)?"
                     rf"\s*(\d[\d,. ]*[.,]\d{{2}})(?!\d)", "last_amount"),
    "total_currency": (rf"(?:Total|Totaal|合计|总计)[^\n\d]{{0,20}}?\b({CURRENCIES})\b", "text"),
    "words": (r"\b(SAY\s+[A-Z ,\-]+?ONLY)\b", "text"),
    "packages": (r"(?:Packages?|件数|Total\s*Cartons?|CTNS?\.?)\s*[:：]?\s*(\d[\d,]*)\b", "amount"),
    "gross_weight_kg": (rf"(?:G\.\s?W\.?|Gross\s*Weight|毛重)[^\d\n]{{0,12}}({NUMBER})\s*"
                        rf"(?:KGS?|kg)", "amount"),
    "net_weight_kg": (rf"(?:N\.\s?W\.?|Net\s*Weight|净重)[^\d\n]{{0,12}}({NUMBER})\s*(?:KGS?|kg)",
                      "amount"),
    "volume_cbm": (rf"(?:Measurement|Volume|体积)[^\d\n]{{0,12}}({NUMBER})\s*(?:CBM|m3|M3)",
                   "amount"),
    "seller": (r"(?:Seller|Shipper|Exporter|卖方)\s*(?:The\s*Seller)?\s*[:：]?\s*([^\n]{3,80})",
               "text"),
    "buyer": (r"(?:Buyer|Consignee|Sold\s*to|Bill\s*to|买方)\s*(?:The\s*Buyer)?\s*[:：]?\s*"
              r"([^\n]{3,80})", "text"),
}
TITLES = [("proforma", r"PRO\s*-?\s*FORMA|形式发票"),
          ("commercial_invoice", r"COMMERCIAL\s+INVOICE|商业发票"),
          ("packing_list", r"PACKING\s+LIST|装箱单"),
          ("invoice", r"\bINVOICE\b|\bFACTUUR\b|\bRECHNUNG\b|发票")]


@dataclass(frozen=True)
class Profile:
    """A factory's own layout: keywords select it; its regexes win over the generic ones."""

    name: str
    keywords: tuple[str, ...]
    fields: dict[str, tuple[str, str]]
    item_pattern: str = ""
    item_fields: tuple[str, ...] = ()

    def matches(self, text: str) -> bool:
        return all(k.lower() in text.lower() for k in self.keywords)


def load_profiles(folder: Path) -> list[Profile]:
    """Profiles from `folder`/*.yml|yaml (keywords, fields: {name: regex}, items)."""
    profiles = []
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            fields = {k: (v if isinstance(v, str) else v["regex"],
                          "text" if isinstance(v, str) else v.get("type", "text"))
                      for k, v in (data.get("fields") or {}).items()}
            for pattern, _ in fields.values():
                re.compile(pattern)
            items = data.get("items") or {}
            profiles.append(Profile(data.get("name", path.stem), tuple(data["keywords"]),
                                    fields, items.get("regex", ""),
                                    tuple(items.get("fields", ()))))
        except (KeyError, TypeError, AttributeError, yaml.YAMLError, re.error) as exc:
            raise ConfigError(f"extraction profile {path}: {exc}",
                              hint="See docs/extraction.md for the profile format.") from exc
    return profiles


def _convert(raw: str, kind: str) -> Any:
    if kind in {"amount", "last_amount"}:
        return parse_amount(raw)
    if kind == "date":
        return parse_date(raw)
    return re.sub(r"\s+", " ", raw).strip()


def _title(text: str) -> str:
    head = text[:600].upper()
    for name, pattern in TITLES:
        if re.search(pattern, head):
            return name
    return ""


def extract(document: str, doc_type: str, texts: list[str], profiles: list[Profile],
            models: list[str]) -> Extracted:
    """Read what can be read from the page texts of one document."""
    result = Extracted(document, doc_type, len(texts), any(t.strip() for t in texts))
    if not result.has_text:
        result.problems.append("no text: needs review (a scan?)")
        return result
    full = "\n".join(texts)
    profile = next((p for p in profiles if p.matches(full)), None)
    patterns = dict(GENERIC)
    if profile is not None:
        result.profile = profile.name
        patterns.update(profile.fields)
    if title := _title(texts[0]):
        result.fields["title"] = Value(title, texts[0][:80], document, 1)
    for name, (pattern, kind) in patterns.items():
        flags = 0 if name in {"words", "price_term", "term_place"} else re.IGNORECASE
        hits = [(page, m) for page, text in enumerate(texts, start=1)
                for m in re.finditer(pattern, text, flags)]
        if kind == "last_amount":
            hits = hits[-1:]
        for page, match in hits[:1]:
            raw = match.group(1)
            try:
                result.fields[name] = Value(_convert(raw, kind), raw, document, page)
            except (ValueError, KeyError) as exc:
                result.problems.append(f"{name}: could not read {raw!r} on page {page} ({exc})")
            break
    result.items = _items(document, texts, models, profile,
                          numbers=doc_type in {"commercial_invoice", "proforma_invoice",
                                               "sales_contract"})
    return result


def _items(document: str, texts: list[str], models: list[str], profile: Profile | None,
           numbers: bool) -> list[dict[str, Value]]:
    """Item lines: with a profile's regex, else a line that names a model of the order (and
    on invoices and contracts carries quantity, unit price and amount, in that order)."""
    items: list[dict[str, Value]] = []
    for page, text in enumerate(texts, start=1):
        if profile is not None and profile.item_pattern:
            for match in re.finditer(profile.item_pattern, text, re.MULTILINE):
                items.append({name: Value(_convert(match.group(name), "amount")
                                          if name != "model" else match.group(name),
                                          match.group(0), document, page)
                              for name in profile.item_fields})
            continue
        for line in text.splitlines():
            for model in models:
                if not re.search(rf"(?<![\w-]){re.escape(model)}(?![\w-])", line):
                    continue
                found = re.findall(r"\d[\d,]*(?:\.\d+)?", line.split(model, 1)[1])
                item = {"model": Value(model, line, document, page)}
                try:
                    values = [parse_amount(n) for n in found]
                except ValueError:
                    continue
                if numbers and len(values) >= 3:
                    item["quantity"] = Value(values[0], line, document, page)
                    item["unit_price"] = Value(values[-2], line, document, page)
                    item["amount"] = Value(values[-1], line, document, page)
                items.append(item)
                break
    return items
