"""Word templates rendered by docxtpl in a Jinja sandbox, with autoescaping.

Without autoescape an `&` or `<` in the data would corrupt the document's XML.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2.sandbox import SandboxedEnvironment

from ..errors import TemplateError
from .context import FILTERS

__all__ = ["RenderedDocx", "find_template", "render_docx"]


@dataclass(frozen=True)
class RenderedDocx:
    path: Path
    template: str
    template_path: Path


def find_template(name: str, template_dirs: list[Path]) -> Path:
    for folder in template_dirs:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise TemplateError(f"template {name} not found in {', '.join(map(str, template_dirs))}")


def render_docx(
    template_name: str, context: dict[str, Any], template_dirs: list[Path], target: Path
) -> RenderedDocx:
    """Render the Word template `template_name` with `context` to the .docx `target`."""
    source = find_template(template_name, template_dirs)
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    env.filters.update(FILTERS)
    try:
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
    return RenderedDocx(target, template_name, source)
