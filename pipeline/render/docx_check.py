"""Checking a Word template the way docxtpl will render it: every part (body, headers,
footers) patched as the renderer patches it, parsed, its names compared with what gendan
and the template's mapping give, then drawn once with test data; each problem named by the
paragraph, table, row and cell a person finds in Word."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from .docx_source import MARK, Place, jinja_source, place_of_line, word_parts
from .jinja_vars import Usage, usage, usage_of

__all__ = ["WordProblem", "check_word", "word_usage"]

# what every Word template has besides gendan's context (docx.word_context)
WORD_NAMES = {"seal", "logo", "subdoc", "loop", "range", "lipsum", "dict", "cycler",
              "joiner", "namespace"}


@dataclass(frozen=True)
class WordProblem:
    where: str
    message: str


def _line_in_template(exc: BaseException) -> int | None:
    """The template line a render error was raised on (Jinja puts it in the traceback)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == "<template>" and frame.lineno:
            return frame.lineno
    return getattr(exc, "lineno", None)


def word_usage(path: Path, env: jinja2.Environment) -> Usage:
    """Every name and path the template's parts use (for `templates map`)."""
    return usage_of([jinja_source(part)[0] for part in word_parts(path)], env)


def check_word(path: Path, env: jinja2.Environment, known: set[str],
               context: dict[str, Any] | None = None) -> list[WordProblem]:
    """Syntax, unknown names and (with `context`, already mapped and with Word's pictures)
    a test render of each part, every problem at its place."""
    problems: list[WordProblem] = []
    for part in word_parts(path):
        text, places = jinja_source(part)

        def where(line: int | None, places: list[Place] = places, text: str = text,
                  part_label: str = part.label) -> str:
            found = place_of_line(text, line, places) if line else None
            return str(found) if found else (part_label or "the body")

        try:
            tree = env.parse(text)
            env.compile(tree)  # an unknown filter is found here
        except jinja2.TemplateSyntaxError as exc:
            problems.append(WordProblem(where(exc.lineno), _syntax(exc)))
            problems += _names_one_by_one(text, places, env, known)
            continue
        found = usage(tree)
        unknown = {n: lines for n, lines in found.names.items()
                   if n not in known and n not in WORD_NAMES}
        for name, lines in sorted(unknown.items()):
            for place in dict.fromkeys(where(line) for line in lines):
                problems.append(WordProblem(place, _unknown(name)))
        if context is None or unknown:
            continue
        try:
            env.from_string(text).render(context)
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError) as exc:
            problems.append(WordProblem(where(_line_in_template(exc)),
                                        f"test render: {exc}"))
    return problems


def _unknown(name: str) -> str:
    return (f"unknown variable '{name}' (gendan's are in docs/variables.md; map your own in "
            "[templates.\"NAME\".variables])")


def _names_one_by_one(text: str, places: list[Place], env: jinja2.Environment,
                      known: set[str]) -> list[WordProblem]:
    """In a part that does not parse, each `{{ }}` on its own: the unknown names are
    still told, at their places."""
    found: list[WordProblem] = []
    pieces = MARK.split(text)  # text, index, text, index, text ...
    for n in range(1, len(pieces) - 1, 2):
        place, segment = places[int(pieces[n])], pieces[n + 1]
        for expression in re.findall(r"\{\{(.*?)\}\}", segment, re.DOTALL):
            try:
                names = set(usage(env.parse("{{" + expression + "}}")).names)
            except jinja2.TemplateSyntaxError:
                continue
            for name in sorted(names - known - WORD_NAMES):
                found.append(WordProblem(str(place), _unknown(name)))
    return found


def _syntax(exc: jinja2.TemplateSyntaxError) -> str:
    message = exc.message or "syntax error"
    if "end of print statement" in message or "unexpected '}'" in message:
        message += " (a tag not closed, or a word between the braces that Word split)"
    return message
