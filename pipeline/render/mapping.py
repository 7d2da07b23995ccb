"""An office's own variable names, mapped to gendan's, so that a template written for
years with `{{ customer_name }}` and `{% for i in lines %}{{ i.qty }}` works unchanged.

In gendan.toml, per template:

    [templates."order_tpl.docx".variables]
    customer_name = "order.customer.name_en"       # any gendan expression
    total_price = "totals.amount"
    lines = "items"                                # a list
    "lines[].qty" = "quantity"                     # each element's field: its own names,
    "lines[].desc" = "name_en ~ ' ' ~ name_zh"     # `item` and the whole context

The right side is a Jinja expression over gendan's variables (docs/variables.md), evaluated
in the same sandbox as the templates. `draft_mapping` proposes the closest gendan variable
for each name a template uses (`gendan templates map FILE`).
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from ..errors import TemplateError

__all__ = ["apply_mapping", "draft_mapping", "expression_env", "gendan_paths",
           "mapped_names"]


def expression_env() -> SandboxedEnvironment:
    """The sandbox a mapping's expressions are evaluated in (gendan's filters)."""
    from .context import FILTERS

    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    env.filters.update(FILTERS)
    return env


def mapped_names(variables: dict[str, str]) -> set[str]:
    """The top-level names a mapping gives the template."""
    return {key.split(".", 1)[0].removesuffix("[]") for key in variables}


def _set(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        child = target.get(part)
        child = dict(child) if isinstance(child, dict) else {}
        target[part] = child
        target = child
    target[last] = value


def _get(source: dict[str, Any], dotted: str) -> Any:
    value: Any = source
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def apply_mapping(context: dict[str, Any], variables: dict[str, str], template: str,
                  env: SandboxedEnvironment) -> dict[str, Any]:
    """`context` with the template's own names added (gendan's stay too)."""
    result = dict(context)

    def evaluate(key: str, expression: str, scope: dict[str, Any]) -> Any:
        try:
            return env.compile_expression(expression, undefined_to_none=False)(**scope)
        except jinja2.TemplateError as exc:
            raise TemplateError(
                f'[templates."{template}".variables] {key} = "{expression}": {exc}',
                hint="The right side is a gendan variable or expression, e.g. "
                "order.customer.name_en; see docs/variables.md.") from exc

    for key, expression in variables.items():
        if "[]" not in key:
            _set(result, key, evaluate(key, expression, context))
    for key, expression in variables.items():
        if "[]" not in key:
            continue
        listed, _, field = key.partition("[].")
        elements = _get(result, listed)
        if not isinstance(elements, list | tuple):
            raise TemplateError(
                f'[templates."{template}".variables] {key}: {listed} is not a list',
                hint=f'Map the list first, e.g. {listed} = "items".')
        copies = [dict(e) if isinstance(e, dict) else {"value": e} for e in elements]
        for element in copies:
            _set(element, field, evaluate(key, expression,
                                          {**context, **element, "item": element}))
        _set(result, listed, copies)
    return result


def gendan_paths(context_schema: dict[str, Any]) -> list[str]:
    """Every variable path gendan offers, from the JSON schema of its template context."""
    definitions = context_schema.get("$defs", {})
    found: list[str] = []

    def walk(schema: dict[str, Any], prefix: str, depth: int) -> None:
        if "$ref" in schema:
            schema = definitions[schema["$ref"].rsplit("/", 1)[-1]]
        for option in schema.get("anyOf", []):
            if option.get("type") != "null":
                walk(option, prefix, depth)
                return
        kind = schema.get("type")
        if kind == "object" and "properties" in schema and depth < 4:
            for name, sub in schema["properties"].items():
                walk(sub, f"{prefix}.{name}" if prefix else name, depth + 1)
        elif kind == "array" and isinstance(schema.get("items"), dict) and depth < 4:
            found.append(prefix)
            walk(schema["items"], f"{prefix}[]", depth + 1)
        elif prefix:
            found.append(prefix)

    walk(context_schema, "", 0)
    return found


# an office's word -> gendan's words for the same thing
SYNONYMS = {"qty": "quantity", "pcs": "quantity", "price": "unit_price", "desc": "name_en",
            "description": "name_en", "product": "name_en", "total": "amount",
            "sum": "amount", "client": "customer", "buyer": "customer", "no": "number",
            "num": "number", "nr": "number", "po": "customer_po", "ctn": "carton",
            "nw": "net_weight_kg", "gw": "gross_weight_kg", "cbm": "volume_cbm",
            "hs": "hs_code", "spec": "model", "sku": "model", "art": "model"}


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") \
        else word


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return [_singular(w) for w in re.split(r"[^a-z0-9]+", spaced) if w]


def _score(theirs: str, ours: str) -> float:
    """How well gendan's `ours` fits the office's `theirs`: the share of their words it
    has (a word or gendan's word for it), the share of its words that are theirs."""
    wanted = [{w, *SYNONYMS.get(w, "").split("_")} - {""} for w in _words(theirs)]
    have = set(_words(ours))
    covered = sum(bool(alternatives & have) for alternatives in wanted)
    used = len(have & set().union(*wanted)) if wanted else 0
    whole = difflib.SequenceMatcher(None, theirs.lower(), ours.lower()).ratio()
    return covered / max(len(wanted), 1) * 0.6 + used / max(len(have), 1) * 0.3 + whole * 0.1


def draft_mapping(template: str, used: dict[str, int], known: set[str],
                  paths: list[str], mapped: dict[str, str] | None = None) -> str:
    """A TOML draft mapping each of the template's own paths to gendan's closest one (or
    to what the settings map it to already, `mapped`)."""
    mapped = mapped or {}
    lines = [f'[templates."{template}".variables]']
    lists = sorted({p.split("[]", 1)[0] for p in used if "[]" in p}
                   - {p.split("[]", 1)[0] for p in paths if "[]" in p})
    scalars = [p for p in paths if "[]" not in p]
    own = [p for p in used if p.split(".", 1)[0].removesuffix("[]") not in known]
    for listed in lists:
        if listed.split(".", 1)[0] in known:
            continue
        if listed in mapped:
            lines.append(f'{_toml_key(listed)} = {_toml_text(mapped[listed])}  # as mapped now')
            continue
        lines.append(f'{_toml_key(listed)} = "items"  # the order\'s items')
    for path in sorted(own):
        if "[]" in path:
            listed, _, field = path.partition("[].")
            if not field or listed.split(".", 1)[0] in known:
                continue
            candidates = [p.split("[].", 1)[1] for p in paths if p.startswith("items[].")]
            target = f"{listed}[].{field}"
        else:
            if path in lists:
                continue
            candidates, target = scalars, path
        if target in mapped:
            lines.append(f'{_toml_key(target)} = {_toml_text(mapped[target])}  # as mapped now')
            continue
        best = max(candidates, key=lambda c: _score(path, c), default="")
        sure = _score(path, best) if best else 0.0
        note = "check it" if sure >= 0.55 else "a guess: check it, or fill in"
        if sure < 0.2:  # not one word in common
            best, note = "", "no gendan name is close: fill in (docs/variables.md)"
        lines.append(f'{_toml_key(target)} = "{best}"  # {note}')
    if len(lines) == 1:
        lines.append("# every name the template uses is gendan's own: nothing to map")
    return "\n".join(lines) + "\n"


def _toml_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'
