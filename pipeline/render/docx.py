"""Word templates rendered by docxtpl in a Jinja sandbox, with autoescaping.

Without autoescape an `&` or `<` in the data would corrupt the document's XML. docxtpl's
whole syntax works: `{%tr %}`, `{%tc %}`, `{%p %}`, `{%cellbg %}`, headers and footers;
`{{r x}}` and `{{p x}}` take plain text too (made into a run or a paragraph), a RichText or
a sub-document; `{{ seal }}` and `{{ logo }}` are pictures, `{{ item.picture }}` a product's
picture where the item names one, and `{{p subdoc("terms.docx") }}` includes another Word
file from the templates folder. A template's own variable names are mapped to gendan's
(`mapping.py`).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from ..errors import TemplateError
from ..workspace import find_inside
from .context import FILTERS

__all__ = ["RenderedDocx", "find_template", "render_docx", "word_context", "word_environment",
           "word_template"]


@dataclass(frozen=True)
class RenderedDocx:
    path: Path
    template: str
    template_path: Path


def find_template(name: str, template_dirs: list[Path]) -> Path:
    found = find_inside(name, template_dirs)
    if found is not None:
        return found
    raise TemplateError(f"template {name} not found in {', '.join(map(str, template_dirs))}")


def word_environment() -> SandboxedEnvironment:
    """The sandbox Word templates are rendered (and checked) in: gendan's filters, and
    `as_run` / `as_paragraph`, which `{{r }}` and `{{p }}` are given (docx_source.patch)."""
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    env.filters.update(FILTERS)
    env.filters["as_run"] = _as_run
    env.filters["as_paragraph"] = _as_paragraph
    return env


def _as_run(value: Any) -> Any:
    from docxtpl import InlineImage, Listing, RichText

    if isinstance(value, RichText | InlineImage | Listing):
        return value
    return RichText("" if value is None else str(value))


def _as_paragraph(value: Any) -> Any:
    from docxtpl import RichText, RichTextParagraph
    from docxtpl.subdoc import Subdoc

    if isinstance(value, Subdoc | RichTextParagraph):
        return value
    paragraph = RichTextParagraph()
    paragraph.add(value if isinstance(value, RichText) else
                  RichText("" if value is None else str(value)))
    return paragraph


def word_context(document: Any, context: dict[str, Any], template_dirs: list[Path]
                 ) -> dict[str, Any]:
    """`context` with what only Word has: the seal, the logo and products' pictures as
    pictures, and `subdoc(name)` for another Word file of the templates folder."""
    from docx.shared import Mm  # Word's libraries: only when a Word document is made
    from docxtpl import InlineImage

    ctx = dict(context)
    seal = ctx.get("seal_path")
    ctx["seal"] = InlineImage(document, seal, width=Mm(38)) if seal else ""
    logo = ctx.get("logo_path")
    ctx["logo"] = InlineImage(document, logo, height=Mm(14)) if logo else ""
    items = []
    for item in ctx.get("items") or []:
        picture = find_inside(str(item.get("picture") or ""), template_dirs)
        items.append({**item, "picture": InlineImage(document, str(picture), width=Mm(30))
                      if picture else ""} if isinstance(item, dict) else item)
    ctx["items"] = items

    def subdoc(name: str) -> Any:
        found = find_inside(str(name), template_dirs)
        if found is None or found.suffix.lower() != ".docx":
            raise TemplateError(f"subdoc({name!r}): no such Word file in the templates folder",
                                hint="Put the .docx to include in templates/ (or a folder "
                                "in it) and name it relative to templates/.")
        return document.new_subdoc(str(found))

    ctx["subdoc"] = subdoc
    return ctx


def word_template(source: Path) -> Any:
    """docxtpl's DocxTemplate for `source`, patching the XML the way gendan's check reads
    it (docx_source.patch)."""
    from docxtpl import DocxTemplate

    from .docx_source import patch

    class GendanTemplate(DocxTemplate):  # type: ignore[misc]
        def patch_xml(self, src_xml: str) -> str:
            return patch(src_xml)

    return GendanTemplate(source)


def render_docx(
    template_name: str, context: dict[str, Any], template_dirs: list[Path], target: Path,
    variables: dict[str, str] | None = None,
) -> RenderedDocx:
    """Render the Word template `template_name` with `context` (and the template's own
    names, `variables`) to the .docx `target`."""
    source = find_template(template_name, template_dirs)
    env = word_environment()
    try:
        document = word_template(source)
        ctx = word_context(document, context, template_dirs)
        if variables:
            from .mapping import apply_mapping

            ctx = apply_mapping(ctx, variables, template_name, env)
        document.render(ctx, jinja_env=env, autoescape=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        document.save(target)
    except jinja2.TemplateSyntaxError as exc:
        where = _place(source, env) or f"line {exc.lineno} of its XML"
        raise TemplateError(
            f"Word template {source.name}, {where}: {exc.message}",
            hint="A tag may be split across runs or misspelt; retype it in Word in one go "
            "(`gendan templates check` names every problem).",
        ) from exc
    except (jinja2.UndefinedError, jinja2.exceptions.SecurityError) as exc:
        raise TemplateError(f"Word template {source.name}: {exc}",
                            hint="`gendan templates check` names the paragraph or cell; "
                            "see docs/variables.md for gendan's names.") from exc
    if linked := external_media(target):
        target.unlink()
        raise TemplateError(
            f"Word template {source.name} links to a file outside the document "
            f"({linked[0]}): it would be read when the document is converted or opened",
            hint="Insert the picture into the template (not linked); images may come only "
            "from the templates folder.")
    return RenderedDocx(target, template_name, source)


def _place(source: Path, env: SandboxedEnvironment) -> str:
    """The paragraph, cell, header or footer whose tag does not parse."""
    from .docx_source import jinja_source, place_of_line, word_parts

    try:
        for part in word_parts(source):
            text, places = jinja_source(part)
            try:
                env.compile(text)
            except jinja2.TemplateSyntaxError as exc:
                found = place_of_line(text, exc.lineno, places)
                return str(found) if found else (part.label or "the body")
    except Exception:  # the place is a courtesy; the error itself is what matters
        return ""
    return ""


_EXTERNAL = re.compile(rb'<Relationship [^>]*Type="[^"]*/(?:image|oleObject|package|'
                       rb'attachedTemplate|subDocument|frame)"[^>]*TargetMode="External"[^>]*>|'
                       rb'<Relationship [^>]*TargetMode="External"[^>]*Type="[^"]*/(?:image|'
                       rb'oleObject|package|attachedTemplate|subDocument|frame)"[^>]*>')


def external_media(docx: Path) -> list[str]:
    """Pictures, objects or templates a Word file links to outside itself (a hyperlink is
    fine: it is only followed when someone clicks it)."""
    found = []
    with zipfile.ZipFile(docx) as package:
        for name in package.namelist():
            if name.endswith(".rels"):
                for match in _EXTERNAL.finditer(package.read(name)):
                    target = re.search(rb'Target="([^"]*)"', match.group(0))
                    found.append(target.group(1).decode("utf-8", "replace")[:80] if target
                                 else "?")
    return found
