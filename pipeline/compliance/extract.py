"""Read what a document says: its labelled fields (`fields.py`), its item table read as a
table (`layout.py`), its totals, its amounts in words; from the words and their boxes when
the PDF has them (born-digital), else from the page texts. Per-factory profiles (YAML, in
the manner of invoice2data) add or replace patterns for a layout the generic reading
misses. Every value keeps where it came from; what a document must show and does not is
counted, so that silence means something (`missing`, `read_count`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from .amounts import count_en_value, words_en_value, words_zh_value
from .fields import CASE_SENSITIVE, GENERIC, REQUIRED, TITLES
from .layout import Word, find_tables, lines_of
from .table_items import model_in, table_items
from .values import (
    CURRENCY_NAMES,
    Value,
    decimal_comma,
    number_style,
    parse_amount,
    parse_count,
    parse_date,
)

__all__ = ["Extracted", "Profile", "Value", "extract", "line_texts", "load_profiles",
           "parse_amount",
           "parse_date"]

FROM_TOTALS = {"total_amount": "amount", "packages": "cartons", "gross_weight_kg":
               "gross_weight_kg", "net_weight_kg": "net_weight_kg", "volume_cbm": "volume_cbm",
               "total_quantity": "quantity"}


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
    totals: dict[str, Value] = field(default_factory=dict)  # the item table's total row
    problems: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    text: str = ""  # the whole text, kept for the documents whose wording is compared
    scope: tuple[str, ...] = ()  # the models of the lines it covers (none: the whole order)
    sealed: bool | None = None  # a scan: whether a red seal was seen on it (None: not a scan)

    def get(self, name: str) -> Any:
        found = self.fields.get(name)
        return found.value if found else None

    @property
    def read_count(self) -> int:
        return len(self.required) - len(self.missing)


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


def _convert(raw: str, kind: str, name: str = "") -> Any:
    if kind in {"amount", "last_amount"}:
        return parse_amount(raw)
    if kind == "count":  # a number of packages: 1,530 / 1.530 / 1 530 are all 1530
        return parse_count(raw)
    if kind == "date":
        return parse_date(raw)
    text = re.sub(r"\s+", " ", raw).strip()
    if name in {"currency", "total_currency"}:
        return CURRENCY_NAMES.get(text, text.upper())
    return text


def _title(text: str) -> str:
    head = text[:600].upper()
    for name, pattern in TITLES:
        if re.search(pattern, head):
            return name
    return ""


def line_texts(pages: list[list[Word]]) -> list[str]:
    """Each page's text, a line per line of words (in reading order, cells apart)."""
    texts = []
    for words in pages:
        texts.append("\n".join("   ".join(c.text for c in line.cells)
                               for line in lines_of(words)))
    return texts


COUNTED = re.compile(r"\b(?:CARTONS?|CTNS?|PACKAGES?|PKGS?|PIECES|PCS|SETS?|PALLETS?|UNITS?|"
                     r"PAIRS?|CASES?|BAGS?|DRUMS?|ROLLS?|BOXES)\s+ONLY$")
LABEL_FIRST = {"packages"}  # fields whose pattern lists the labelled form first
# whose whole text is kept: the credit's description of the goods (UCP 600 art. 18(c)), the
# factory that made a document (its letterhead)
WORDING = {"commercial_invoice", "packing_list"}


def extract(document: str, doc_type: str, texts: list[str], profiles: list[Profile],
            models: list[str], words: list[list[Word]] | None = None) -> Extracted:
    """Read what can be read from one document (`words`: its word boxes, when it has)."""
    if words and any(words):
        texts = line_texts(words) + texts[len(words):]
    result = Extracted(document, doc_type, len(texts), any(t.strip() for t in texts))
    if not result.has_text:
        result.problems.append("no text: needs review (a scan?)")
        _required(result)
        return result
    full = "\n".join(texts)
    if doc_type in WORDING:
        result.text = full
    with number_style(decimal_comma(full)):  # 2.300 is 2300 where 1.234,50 is written
        _read(result, texts, full, profiles, models, words, doc_type)
    _required(result)
    return result


def _read(result: Extracted, texts: list[str], full: str, profiles: list[Profile],
          models: list[str], words: list[list[Word]] | None, doc_type: str) -> None:
    document = result.document
    profile = next((p for p in profiles if p.matches(full)), None)
    patterns = dict(GENERIC)
    if profile is not None:
        result.profile = profile.name
        patterns.update(profile.fields)
    if title := _title(texts[0]):
        result.fields["title"] = Value(title, texts[0][:80], document, 1)
    for name, (pattern, kind) in patterns.items():
        _field(result, name, pattern, kind, texts)
    _amounts_in_words(result)
    tables = find_tables(words) if words else []
    if profile is not None and profile.item_pattern:
        result.items = _profile_items(document, texts, profile)
    elif tables:
        spaced = bool(re.search(r"(?<![\d,.])\d{1,3}(?: \d{3})+,\d{1,3}(?!\d)", full))
        result.items, result.totals = table_items(document, tables, models, spaced)
    if not result.items:
        result.items = _line_items(document, texts, models, doc_type)
    if doc_type == "inspection_report" and "inspection_result" not in result.fields:
        _result_in_table(result, texts)
    for name, column in FROM_TOTALS.items():  # a total the labels did not give
        if name not in result.fields and column in result.totals:
            result.fields[name] = result.totals[column]


def _field(result: Extracted, name: str, pattern: str, kind: str, texts: list[str]) -> None:
    flags = 0 if name in CASE_SENSITIVE else re.IGNORECASE
    hits = [(page, match) for page, text in enumerate(texts, start=1)
            for match in re.finditer(pattern, text, flags | re.MULTILINE)]
    if name == "words":  # "SAY ... CARTONS ONLY" counts packages; it is not the amount
        hits = [(p, m) for p, m in hits if not COUNTED.search(m.group(1))]
    if name == "packages":  # "1,094 CARTONS" without a label: only as a line of its own on a
        hits = [(p, m) for p, m in hits if m.lastindex == 1 or (  # transport document, never
            result.doc_type not in SCOPED_PAPERS and _alone(m))]  # an invoice's item row
    if name in LABEL_FIRST:  # a labelled value before one that only looks like it
        hits.sort(key=lambda hit: next(n for n, g in enumerate(hit[1].groups()) if g is not None))
    if kind == "last_amount":
        hits = hits[-1:]
    for page, match in hits[:1]:
        group = next((n for n, g in enumerate(match.groups(), start=1) if g is not None), 0)
        raw = match.group(group) if group else ""
        label = match.string[match.start():match.start(group)] if group else ""
        try:
            value = Value(_convert(raw, kind, name), raw, result.document, page,
                          f"labelled '{label.strip()[:30]}'", "labelled")
        except (ValueError, KeyError) as exc:
            result.problems.append(f"{name}: could not read {raw!r} on page {page} ({exc})")
            continue
        if "\n" in label.strip(" \t"):  # the value stands under its label, not beside it
            value = value.unsure("the value stands on the line under its label")
        elif kind != "text" and kind != "date" and _crowded(match, group):
            value = value.unsure("its line holds other figures too")
        elif name in TWICE_SURE and (other := _other_reading(
                [h for h in hits[1:] if h[1].lastindex == match.lastindex], value, kind, name)):
            value = value.unsure(f"also read as '{other}'")
        result.fields[name] = value


def _crowded(match: re.Match[str], group: int) -> bool:
    """Other figures on the value's line (a total row: quantity, cartons, amount side by
    side), where a figure's edges are not sure."""
    text = match.string
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    line = text[start:end if end >= 0 else len(text)]
    rest = line.replace(match.group(group), " ", 1)
    return bool(re.search(r"\d", re.sub(r"(?i)\b(?:[A-Z]{1,4}[-/]?\d[\w-]*|\d+\s*[x×*]\s*"
                                        r"\d+)", "", rest)))


def _alone(match: re.Match[str]) -> bool:
    """The match is (nearly) all its line says: no other figure, a few words at most."""
    text = match.string
    end = text.find("\n", match.end())
    line = text[text.rfind("\n", 0, match.start()) + 1:end if end >= 0 else len(text)]
    rest = line.replace(match.group(0), " ")
    return not re.search(r"\d", rest) and len(rest.split()) <= 4


SCOPED_PAPERS = {"commercial_invoice", "packing_list", "proforma_invoice", "sales_contract"}
# fields read once per document: a second, different reading puts the first in doubt
TWICE_SURE = {"invoice_no", "order_no", "contract_no", "customer_po", "bl_no", "packages",
              "gross_weight_kg", "net_weight_kg", "volume_cbm"}


def _other_reading(hits: list[tuple[int, re.Match[str]]], value: Value, kind: str,
                   name: str) -> str:
    for page, match in hits:
        raw = next((g for g in match.groups() if g is not None), "")
        try:
            other = _convert(raw, kind, name)
        except (ValueError, KeyError):
            continue
        if other != value.value:
            return f"{raw} (p.{page})"
    return ""


def _result_in_table(result: Extracted, texts: list[str]) -> None:
    """A report without an overall result line: the worst result in its table."""
    for pattern in (r"\b(FAIL(?:ED)?|REJECTED)\b|(不合格)", r"\b(PASS(?:ED)?|ACCEPTED)\b|(合格)"):
        for page, text in enumerate(texts, start=1):
            found = re.search(pattern, text)
            if found:
                raw = found.group(found.lastindex or 0)
                result.fields["inspection_result"] = Value(raw, raw, result.document, page)
                return


def _amounts_in_words(result: Extracted) -> None:
    """The amounts in words as numbers (`words_value`, `words_zh_value`)."""
    if (said := result.fields.get("packages_words")) is not None and \
            (count := count_en_value(said.value)) is not None:
        result.fields["packages_words_value"] = replace(said, value=count)
    for name, parse in (("words", words_en_value), ("words_zh", words_zh_value)):
        found = result.fields.get(name)
        if found is None:
            continue
        value = parse(found.value)
        if value is None:
            result.problems.append(f"{name}: could not read the amount in words "
                                   f"{found.value[:60]!r} (p.{found.page})")
        else:
            result.fields[f"{name}_value"] = replace(found, value=value)


def _profile_items(document: str, texts: list[str], profile: Profile) -> list[dict[str, Value]]:
    items = []
    for page, text in enumerate(texts, start=1):
        for match in re.finditer(profile.item_pattern, text, re.MULTILINE):
            items.append({name: Value(_convert(match.group(name), "amount")
                                      if name != "model" else match.group(name),
                                      match.group(0), document, page,
                                      f"profile {profile.name}", "the layout's profile")
                          for name in profile.item_fields})
    return items


def _line_items(document: str, texts: list[str], models: list[str], doc_type: str
                ) -> list[dict[str, Value]]:
    """Without a table: a line that names a model of the order; on invoices and contracts
    its last three figures are quantity, unit price and amount (read from the right, so a
    "20V" in the product's name is not taken for a quantity)."""
    priced = doc_type in {"commercial_invoice", "proforma_invoice", "sales_contract"}
    items: list[dict[str, Value]] = []
    for page, text in enumerate(texts, start=1):
        for line in text.splitlines():
            model = model_in(line, models)
            if model is None:
                continue
            if not priced:  # "Models: HT-2020, LM-1600": every model the line names
                named = [m for m in models if model_in(line, [m])]
                items += [{"model": Value(m, line, document, page, "named on a line")}
                          for m in named]
                continue
            item = {"model": Value(model, line, document, page, "a line naming it", "")}
            tail = line.split(model, 1)[1]
            found = re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])", tail)
            try:
                values = [parse_amount(n) for n in found]
            except ValueError:
                values = []
            if priced and len(values) >= 3:
                for key, found_value in zip(("quantity", "unit_price", "amount"), values[-3:],
                                            strict=True):
                    item[key] = Value(found_value, line, document, page,
                                      f"{key}: a figure of the line, from the right", "")
            items.append(item)
    return items


def _required(result: Extracted) -> None:
    for need in REQUIRED.get(result.doc_type, ()):
        names = need if isinstance(need, tuple) else (need,)
        label = " or ".join(names)
        result.required.append(label)
        if names == ("items",):
            priced = result.doc_type in {"commercial_invoice", "proforma_invoice",
                                         "sales_contract"}
            read = any("model" in i and (not priced or "amount" in i) for i in result.items)
        else:
            read = any(n in result.fields for n in names)
        if not read:
            result.missing.append(label)
