"""YAML and JSON read as data a person wrote, and nothing else.

- No YAML tags beyond the safe ones, no anchors or aliases (an alias bomb never expands),
  no implicit dates (an impossible date reaches validation as text, reported by field).
- A key given twice is an error naming the key and both lines, never "the last one wins".
- Numbers are exact decimals; NaN, infinity, base-60 (`1:30`) and over-long numbers are
  refused with what to write instead.
- Nesting deeper than the limit, and text fields longer than the limit, are refused by
  field path; the value itself is never quoted beyond a short excerpt.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from yaml.events import AliasEvent

from ..errors import FieldProblem, LimitError, OrderDataError

__all__ = ["DataLimits", "check_shape", "load_json", "load_yaml", "short"]


class DataLimits:
    """The limits that apply to parsed data (from [limits])."""

    def __init__(self, depth: int = 20, number_digits: int = 30, text_chars: int = 4000,
                 items: int = 2000) -> None:
        self.depth = depth
        self.number_digits = number_digits
        self.text_chars = text_chars
        self.items = items


def short(value: object, width: int = 40) -> str:
    """A short, printable excerpt of a value for an error message (never the whole)."""
    text = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", text)
    return text if len(text) <= width else text[: width - 3] + "..."


def _problem(name: str, where: str, found: str, expected: str) -> OrderDataError:
    return OrderDataError(name, [FieldProblem(where, found, expected)])


class _Loader(yaml.SafeLoader):
    """Safe YAML, as described in the module docstring."""

    limits = DataLimits()

    def compose_node(self, parent: Any, index: Any) -> Any:  # no anchors or aliases
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.constructor.ConstructorError(
                None, None, "an alias (*name): repeat the value instead", event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    f"{key!r} first given on line {seen[key].line + 1}", node.start_mark,
                    f"{key!r} given twice: keep one", key_node.start_mark)
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _number(loader: _Loader, node: Any) -> Decimal | int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    plain = text.lower().lstrip("+-")
    if ":" in text:
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is a base-60 number in YAML: write it as a plain number "
            "(or in quotes, if it is text)", node.start_mark)
    if plain in {".nan", ".inf", "nan", "inf"}:
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a number an order can use: write a finite number",
            node.start_mark)
    if len(re.sub(r"\D", "", text)) > loader.limits.number_digits:
        raise yaml.constructor.ConstructorError(
            None, None, f"a number of {len(text)} digits: at most "
            f"{loader.limits.number_digits} digits", node.start_mark)
    try:
        if node.tag.endswith(":int"):
            return int(text, 0) if plain.startswith(("0x", "0o", "0b")) else int(text)
        return Decimal(text)
    except (ValueError, InvalidOperation) as exc:
        raise yaml.constructor.ConstructorError(None, None, f"{text!r} is not a number",
                                                node.start_mark) from exc


_Loader.add_constructor("tag:yaml.org,2002:float", _number)
_Loader.add_constructor("tag:yaml.org,2002:int", _number)


def load_yaml(data: bytes, name: str, limits: DataLimits) -> Any:
    loader_class = type("_Limited", (_Loader,), {"limits": limits})
    try:
        return yaml.load(data.decode("utf-8-sig"), Loader=loader_class)
    except UnicodeDecodeError as exc:
        raise _problem(name, "the file", f"bytes that are not UTF-8 ({exc.reason})",
                       "UTF-8 text") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "the file"
        raise _problem(name, where, f"YAML error: {exc.problem}", "valid YAML") from exc
    except yaml.YAMLError as exc:
        raise _problem(name, "the file", "a YAML error", "valid YAML") from exc
    except RecursionError as exc:
        raise LimitError(f"{name}: the data is nested too deeply",
                         hint=f"Nesting deeper than {limits.depth} levels is refused.") from exc


def load_json(data: bytes, name: str, limits: DataLimits) -> Any:
    def constant(text: str) -> Any:
        raise ValueError(f"{text} is not a number an order can use: write a finite number")

    def number(text: str) -> Decimal | int:
        if len(re.sub(r"\D", "", text)) > limits.number_digits:
            raise ValueError(f"a number of {len(text)} digits: at most "
                             f"{limits.number_digits} digits")
        return Decimal(text) if any(c in text for c in ".eE") else int(text)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise ValueError(f"{key!r} given twice: keep one")
            out[key] = value
        return out

    try:
        return json.loads(data.decode("utf-8-sig"), parse_float=number, parse_int=number,
                          parse_constant=constant, object_pairs_hook=pairs)
    except UnicodeDecodeError as exc:
        raise _problem(name, "the file", f"bytes that are not UTF-8 ({exc.reason})",
                       "UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise _problem(name, where, f"JSON error: {exc.msg}", "valid JSON") from exc
    except ValueError as exc:
        raise _problem(name, "the file", str(exc), "valid order data") from exc
    except RecursionError as exc:
        raise LimitError(f"{name}: the data is nested too deeply",
                         hint=f"Nesting deeper than {limits.depth} levels is refused.") from exc


def check_shape(data: Any, name: str, limits: DataLimits) -> None:
    """Depth, text length and number of items, before validation (every problem at once)."""
    problems: list[FieldProblem] = []

    def walk(value: Any, path: str, depth: int) -> None:
        if depth > limits.depth:
            problems.append(FieldProblem(path or "(top level)", f"nesting deeper than "
                                         f"{limits.depth} levels", "flat order data"))
            return
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key), depth + 1)
        elif isinstance(value, list):
            for n, inner in enumerate(value):
                walk(inner, f"{path}[{n}]", depth + 1)
        elif isinstance(value, str) and len(value) > limits.text_chars:
            problems.append(FieldProblem(path, f"text of {len(value):,} characters "
                                         f"({short(value)})",
                                         f"at most {limits.text_chars:,} characters"))

    if isinstance(data, dict) and isinstance(data.get("items"), list) and \
            len(data["items"]) > limits.items:
        raise LimitError(f"{name}: {len(data['items']):,} line items",
                         hint=f"An order may have at most {limits.items:,} items ([limits] "
                         "items); split it into several orders, or raise the limit.")
    walk(data, "", 0)
    if problems:
        raise OrderDataError(name, problems[:50])
