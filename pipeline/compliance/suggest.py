"""`gendan profile suggest FILE`: a draft extraction profile for one factory's layout,
from one of its documents. What the generic reading found is written as patterns anchored
on the document's own labels; what it did not find is listed with the lines that may hold
it, for a person to finish; the item lines get a pattern when the table could not be read
as a table. The draft is checked by reading the document with it before it is shown."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .extract import Extracted, Profile, extract, line_texts
from .fields import CASE_SENSITIVE, GENERIC
from .layout import read_words

__all__ = ["Suggestion", "suggest_profile"]

# what a value of each field looks like, for the pattern that captures it
SHAPES = {
    "text": r"(.+?)\s*$",
    "ref": r"([A-Z0-9][A-Z0-9\-/_.]*\d[A-Z0-9\-/_]*)",
    "date": r"(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?|\d{1,2}[\s-]*[^\W\d_]{3,}\.?"
            r"[\s,-]*\d{4}|[^\W\d_]{3,}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})",
    "amount": r"([-+]?\d[\d,.' ]*\d|\d)",
}
REFERENCES = {"invoice_no", "order_no", "contract_no", "customer_po", "document_no", "bl_no"}
SKIP = {"title", "words", "words_zh", "clauses", "on_board", "price_term", "term_place",
        "freight_clause", "total_currency"}  # read by their own wording, not by a label
ITEM_NAMES = ("quantity", "unit_price", "amount")


@dataclass
class Suggestion:
    text: str  # the YAML, with comments
    profile: Profile
    read: Extracted  # the document read with the draft
    generic: Extracted  # ... and without it


def _kind(name: str) -> str:
    return GENERIC[name][1] if name in GENERIC else "text"


def _shape(name: str) -> str:
    if name in REFERENCES:
        return SHAPES["ref"]
    kind = _kind(name)
    return SHAPES["amount"] if kind in {"amount", "last_amount", "count"} else \
        SHAPES["date"] if kind == "date" else SHAPES["text"]


def _label(field: str, lines: list[str]) -> str | None:
    """The label the generic reading found the field's value after, as the document
    writes it ('发票号 Invoice No.:' before 'FI-1'), from the first line it matched."""
    pattern = GENERIC[field][0]
    flags = 0 if field in CASE_SENSITIVE else re.IGNORECASE
    for line in lines:
        found = re.search(pattern, line, flags)
        if found is None:
            continue
        group = next((n for n, g in enumerate(found.groups(), start=1) if g is not None), 0)
        head = line[found.start():found.start(group)].strip() if group else ""
        return head or None
    return None


def _pattern(label: str, name: str) -> str:
    words = [re.escape(w) for w in label.split()]
    return r"\s*".join(words) + r"\s*" + _shape(name)


def _keywords(lines: list[str], generic: Extracted) -> list[str]:
    """What tells this layout from others: the issuer's name and the heading."""
    found: list[str] = []
    seller = generic.get("seller")
    heading = next((line.strip() for line in lines if line.strip()), "")
    for text in (heading, seller):
        if text and len(text) <= 60 and text not in found:
            found.append(text)
    return found[:2]


MODEL_LIKE = r"[A-Z]{1,5}[-/]?\d{2,6}[A-Z0-9\-/]*"


def _item_pattern(generic: Extracted, lines: list[str], models: list[str]) -> tuple[str, str]:
    """A pattern for the item lines (and the line it was made from) when the table was
    not read: a model (the order's, or what looks like one at the start of a line), then
    the last three figures of the line (quantity, unit price, amount)."""
    if any("amount" in i for i in generic.items):
        return "", ""
    figures = r"\s+".join(rf"(?P<{n}>[\d,.]+)" for n in ITEM_NAMES) + r"\s*$"
    for line in lines:
        model = next((m for m in models if m in line), None)
        if model is None:
            found = re.match(rf"\s*({MODEL_LIKE})\b", line)
            model = found[1] if found else None
        if model is None:
            continue
        numbers = re.findall(r"(?<![\w.,])\d[\d,.]*(?![\w])", line.split(model, 1)[1])
        if len(numbers) >= 3:
            return rf"^\s*(?P<model>{MODEL_LIKE})\b.*?\s{figures}", line
    return "", ""


# for a field not read: words its label may have, and the shape of its value
HINTS: dict[str, tuple[tuple[str, ...], str]] = {
    "invoice_no": (("inv", "发票"), "ref"), "order_no": (("order", "p/o", "po", "订单"), "ref"),
    "contract_no": (("contract", "s/c", "合同"), "ref"),
    "date": (("date", "issued", "dated", "日期"), "date"),
    "seller": (("seller", "from", "exporter", "shipper", "卖方"), "text"),
    "buyer": (("buyer", "messrs", "to", "consignee", "买方"), "text"),
    "total_amount": (("total", "合计", "总计"), "amount"),
    "packages": (("package", "ctn", "carton", "件数"), "amount"),
    "gross_weight_kg": (("gross", "g.w", "毛重"), "amount"),
    "net_weight_kg": (("net", "n.w", "净重"), "amount"),
    "currency": (("currency", "币"), "text"), "price_term": (("term", "条款"), "text"),
}


def _proposals(field: str, lines: list[str]) -> list[str]:
    """Commented patterns for a field not read, from the lines that look like its label
    and value: to uncomment once checked."""
    words, shape = HINTS.get(field, ((field.split("_")[0],), "text"))
    out = []
    for line in lines:
        labelled = re.match(r"\s*([^:：#]{1,30}?)\s*[:：#]+\s*(\S.*)$", line) or \
            re.match(r"\s*([A-Za-z]+)\s+(\S.*)$", line)
        if not labelled:
            continue
        label, value = labelled[1].strip(), labelled[2]
        if not any(re.search(rf"(?<![a-z]){re.escape(w)}" + (r"(?![a-z])" if len(w) <= 3
                                                             else ""), label.lower())
                   for w in words):
            continue
        if not re.match(SHAPES[shape].rstrip("$").replace(r"\s*$", ""), value):
            continue
        between = line[line.find(label) + len(label):line.find(value)]
        pattern = _pattern(label + between.strip(), field) if between.strip() else \
            r"\s*".join(re.escape(w) for w in label.split()) + r"\s+" + SHAPES[shape]
        out.append(f"#   {field}: '{pattern}'   <- {line.strip()[:60]}")
    return out[:2]


def suggest_profile(pdf: Path, texts: list[str], doc_type: str, models: list[str],
                    name: str = "") -> Suggestion:
    """Draft a profile from `pdf` (its page `texts`, read as `doc_type`); `models` help
    find the item lines."""
    words = read_words(pdf)
    lines_by_page = line_texts(words) if words and any(words) else texts
    generic = extract(pdf.name, doc_type, texts, [], models, words)
    lines = [line for page in lines_by_page for line in page.splitlines()]
    fields: dict[str, str | dict[str, str]] = {}
    notes: dict[str, str] = {}
    for field, value in generic.fields.items():
        if field in SKIP or field not in GENERIC or not value.raw:
            continue
        label = _label(field, lines)
        if label is None or not re.search(r"[A-Za-z\u4e00-\u9fff]", label):
            continue
        pattern = _pattern(label, field)
        kind = _kind(field)
        fields[field] = pattern if kind == "text" else {
            "regex": pattern, "type": "amount" if kind in {"last_amount", "count"} else kind}
        notes[field] = f"read: {str(value.value)[:50]}"
    item_regex, item_line = _item_pattern(generic, lines, models)
    keywords = _keywords(lines, generic)
    issuer = (keywords[-1] if keywords else pdf.stem)[:40]
    profile_name = name or f"{issuer} {doc_type.replace('_', ' ')}"
    data: dict[str, object] = {"name": profile_name, "keywords": keywords, "fields": fields}
    if item_regex:
        data["items"] = {"regex": item_regex, "fields": ["model", *ITEM_NAMES]}
    profile = Profile(profile_name, tuple(keywords),
                      {k: (v, "text") if isinstance(v, str) else (v["regex"], v["type"])
                       for k, v in fields.items()},
                      item_regex, ("model", *ITEM_NAMES) if item_regex else ())
    read = extract(pdf.name, doc_type, texts, [profile], models, words)
    return Suggestion(_render(data, notes, pdf, doc_type, generic, read, lines, item_line),
                      profile, read, generic)


def _render(data: dict[str, object], notes: dict[str, str], pdf: Path, doc_type: str,
            generic: Extracted, read: Extracted, lines: list[str], item_line: str) -> str:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200)
    out = []
    for line in text.splitlines():  # say beside each pattern what it read
        field = re.match(r"\s{2}(\w+):", line)
        note = notes.get(field[1]) if field else None
        out.append(f"{line}  # {note}" if note and not line.rstrip().endswith(":") else line)
        if field and note and line.rstrip().endswith(":"):
            out.append(f"    # {note}")
    head = [f"# Extraction profile drafted by `gendan profile suggest` from {pdf.name}",
            f"# ({doc_type}, {dt.date.today()}). Check every pattern against the document, "
            "then save it in the",
            "# workspace's profiles/ folder (docs/extraction.md). All keywords must be in a "
            "document for the",
            f"# profile to be used. Required fields read: {read.read_count} of "
            f"{len(read.required)} (without the profile: {generic.read_count}).", ""]
    tail = []
    for missing in read.missing:
        if missing == "items":
            tail.append("# items: no item line read; write a pattern for them under items: "
                        "regex (named groups model, quantity, unit_price, amount)")
            continue
        proposals = [p for name in missing.split(" or ") for p in _proposals(name, lines)]
        tail.append(f"# {missing}: not read." + (" Perhaps (uncomment under fields: once "
                                                 "checked):" if proposals else
                                                 " No line looks like it."))
        tail += proposals
    if item_line:
        tail.append(f"# items: the pattern was made from the line: {item_line[:100]}")
    return "\n".join(head + out + (["", *tail] if tail else [])) + "\n"
