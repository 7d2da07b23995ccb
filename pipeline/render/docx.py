"""Word templates rendered by docxtpl in a Jinja sandbox, with autoescaping.

Without autoescape an `&` or `<` in the data would corrupt the document's XML.
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

__all__ = ["RenderedDocx", "find_template", "render_docx"]


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


def render_docx(
    template_name: str, context: dict[str, Any], template_dirs: list[Path], target: Path
) -> RenderedDocx:
    """Render the Word template `template_name` with `context` to the .docx `target`."""
    source = find_template(template_name, template_dirs)
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    env.filters.update(FILTERS)
    try:
        from docx.shared import Mm  # Word's libraries: only when a Word document is made
        from docxtpl import DocxTemplate, InlineImage

        document = DocxTemplate(source)
        ctx = dict(context)
        seal = ctx.get("seal_path")
        ctx["seal"] = InlineImage(document, seal, width=Mm(38)) if seal else ""
        document.render(ctx, jinja_env=env, autoescape=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        document.save(target)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"Word template {source.name}, line {exc.lineno} of its XML: {exc.message}",
            hint="A tag may be split across runs or misspelt; retype it in Word in one go.",
        ) from exc
    except (jinja2.UndefinedError, jinja2.exceptions.SecurityError) as exc:
        raise TemplateError(f"Word template {source.name}: {exc}") from exc
    if linked := external_media(target):
        target.unlink()
        raise TemplateError(
            f"Word template {source.name} links to a file outside the document "
            f"({linked[0]}): it would be read when the document is converted or opened",
            hint="Insert the picture into the template (not linked); images may come only "
            "from the templates folder.")
    return RenderedDocx(target, template_name, source)


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
