"""What the examiner read from a document, as plain JSON (to keep it), and the signature of
the reading: the examiner's own code and the extraction profiles, so that a reading kept
before any change to either is never used after it."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from .extract import Extracted, Profile
from .values import Value

__all__ = ["extracted_from_json", "extracted_to_json", "reading_key"]

_READING = ("extract.py", "table_items.py", "layout.py", "cells.py", "header.py", "page_words.py",
            "columns.py", "values.py", "fields.py", "kept_form.py", "amounts.py")


class NotKept(ValueError):
    """A value of a kind this form does not keep: the document is read again next time."""


@functools.cache
def _code_signature() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for path in [here / name for name in _READING] + [here.parent / "words.py"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def reading_key(sha256: str, document: str, doc_type: str, models: list[str],
                profiles: list[Profile]) -> str:
    """One reading: these bytes, named and typed so, for these models, by this code and
    these profiles."""
    parts = [sha256, document, doc_type, models, _code_signature(),
             [[p.name, list(p.keywords), p.fields, p.item_pattern, list(p.item_fields)]
              for p in profiles]]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {"date": value.isoformat()}
    raise NotKept(type(value).__name__)


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        if "decimal" in value:
            return Decimal(value["decimal"])
        return dt.date.fromisoformat(value["date"])
    return value


def _value(v: Value) -> list[Any]:
    return [_plain(v.value), v.raw, v.document, v.page, v.how, v.confirmed]


def _from(row: list[Any]) -> Value:
    return Value(_typed(row[0]), row[1], row[2], row[3], *row[4:6])


def _pairs(values: dict[str, Value]) -> list[list[Any]]:
    return [[name, _value(v)] for name, v in values.items()]


def _values(pairs: list[list[Any]]) -> dict[str, Value]:
    return {name: _from(row) for name, row in pairs}


def extracted_to_json(read: Extracted) -> dict[str, Any] | None:
    """`read` as plain data, or None if it holds a value this form does not keep."""
    try:
        return {"document": read.document, "doc_type": read.doc_type, "pages": read.pages,
                "has_text": read.has_text, "profile": read.profile,
                # pairs, not objects: the order read is kept (JSON is written sorted)
                "fields": _pairs(read.fields), "items": [_pairs(i) for i in read.items],
                "totals": _pairs(read.totals),
                "problems": read.problems, "required": read.required,
                "missing": read.missing, "text": read.text}
    except NotKept:
        return None


def extracted_from_json(data: dict[str, Any]) -> Extracted:
    return Extracted(
        data["document"], data["doc_type"], data["pages"], data["has_text"], data["profile"],
        _values(data["fields"]), [_values(item) for item in data["items"]],
        _values(data["totals"]),
        list(data["problems"]), list(data["required"]), list(data["missing"]),
        str(data.get("text", "")))
