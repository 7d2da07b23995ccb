"""HTML templates (Jinja, autoescaped, sandboxed) rendered to PDF by WeasyPrint.

Templates and order data can reach nothing but `data:` URLs and the templates' own
`assets/` folders: no local files elsewhere, no network.
"""

from __future__ import annotations

import functools
import gc
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from ..errors import TemplateError
from .context import FILTERS

__all__ = ["RenderedPdf", "asset_fetcher", "drawn_lines", "html_environment",
           "import_weasyprint", "render_html_pdf"]

log = logging.getLogger(__name__)


@functools.cache
def import_weasyprint() -> None:
    """Import WeasyPrint (when the first document is drawn, not when gendan starts).

    Its library loader tries each library's names on every system in turn (Windows and
    macOS names first), and cffi asks `ctypes.util.find_library` about each name that does
    not load, which runs ldconfig or a compiler: ~0.2 s. On Linux the names that load are
    the sonames, which dlopen finds itself, so those questions are skipped here.

    What is loaded then is frozen (gc.freeze): the collections while documents are drawn
    walk what the drawing makes, not every module, class and function loaded (a quotation
    as `gendan run`: 0.80 s against 0.85)."""
    import ctypes.util
    import sys

    real = ctypes.util.find_library
    if sys.platform.startswith("linux"):
        ctypes.util.find_library = lambda name: None
    try:
        import weasyprint  # noqa: F401
    finally:
        ctypes.util.find_library = real
    gc.freeze()


@functools.cache
def _fetcher_class() -> type:
    import_weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):  # type: ignore[misc]
        """Allows `data:` URLs and files inside the given asset folders; blocks the rest."""

        def __init__(self, asset_roots: list[Path]) -> None:
            super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)
            self.roots = [root.resolve() for root in asset_roots]
            self.blocked: list[str] = []
            self.missing: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                target = Path(unquote(urlsplit(url).path)).resolve()
                if any(target.is_relative_to(root) for root in self.roots):
                    if target.is_file():
                        return super().fetch(url, headers)
                    self.missing.append(url)
                    raise ValueError(f"not found: {url}")
            self.blocked.append(url)
            log.warning("blocked a template's request for %s (only assets/ may be used)", url)
            raise ValueError(f"blocked: {url} is outside the templates' assets folders")

    return AssetFetcher


def asset_fetcher(asset_roots: list[Path]) -> Any:
    """A URL fetcher that allows `data:` URLs and files inside the given asset folders and
    blocks the rest (its `blocked` and `missing` say what a template asked for)."""
    return _fetcher_class()(asset_roots)


class ConfinedLoader(jinja2.FileSystemLoader):
    """Templates from the template folders only: a template file that is a link leading
    out of its folder is not found."""

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not any(real.is_relative_to(Path(d).resolve()) for d in self.searchpath):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


def html_environment(template_dirs: list[Path]) -> SandboxedEnvironment:
    return _environment(tuple(template_dirs))


@functools.lru_cache(maxsize=8)
def _environment(template_dirs: tuple[Path, ...]) -> SandboxedEnvironment:
    """One environment per set of template folders, so that each template is compiled once
    per process (Jinja reloads a template whose file changed)."""
    env = SandboxedEnvironment(
        loader=ConfinedLoader([str(d) for d in template_dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def drawn_lines(template_name: str, template_dirs: list[Path], items: int) -> int:
    """How many item lines a template draws: all `items` where it (or what it includes or
    extends) names the context's `items`, none otherwise. What its drawing time grows
    with: the documents that draw the most are started first."""
    dirs, waiting, seen = tuple(template_dirs), [template_name], set()
    while waiting:
        name = waiting.pop()
        if name not in seen:
            seen.add(name)
            reads, named = _names(dirs, name)
            if reads:
                return items
            waiting += named
    return 0


def _names(template_dirs: tuple[Path, ...], name: str) -> tuple[bool, tuple[str, ...]]:
    """Whether a template names `items`, and the templates it includes, extends or imports
    (its source read each time: a template changed while the watcher runs counts as it
    is now). One that is missing is taken to name `items` (its error is told when drawn)."""
    env = _environment(template_dirs)
    assert env.loader is not None
    try:
        source = env.loader.get_source(env, name)[0]
    except jinja2.TemplateError:
        return True, ()
    return _names_in(env, name, source)


@functools.lru_cache(maxsize=256)
def _names_in(env: SandboxedEnvironment, name: str, source: str
              ) -> tuple[bool, tuple[str, ...]]:
    """`_names` of a source, as Jinja's lexer reads it (no parsing: this runs before
    anything is drawn). One that cannot be read, or names another only when it runs, is
    taken to name `items`."""
    try:
        tokens = [(token.type, token.value) for token in env.lexer.tokenize(source, name)]
    except jinja2.TemplateError:
        return True, ()
    named: list[str] = []
    for (kind, value), (after, target) in itertools.pairwise(tokens):
        if kind == "name" and value in ("include", "extends", "import", "from"):
            if after == "string":
                named.append(target)
            elif value in ("include", "extends"):
                return True, ()
    return any(token == ("name", "items") for token in tokens), tuple(named)


@dataclass(frozen=True)
class RenderedPdf:
    path: Path
    pages: int
    template: str
    template_path: Path
    blocked_urls: tuple[str, ...]
    missing_urls: tuple[str, ...] = ()


def render_html_pdf(
    template_name: str, context: dict[str, Any], template_dirs: list[Path], target: Path
) -> RenderedPdf:
    """Render `template_name` with `context` to the PDF `target`."""
    env = html_environment(template_dirs)
    try:
        template = env.get_template(template_name)
        markup = template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"template {exc.filename or template_name}, line {exc.lineno}: {exc.message}",
            hint="Fix the template syntax; `gendan templates check` shows every problem.",
        ) from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(
            f"template {template_name} not found in {', '.join(map(str, template_dirs))}"
        ) from exc
    except (jinja2.UndefinedError, jinja2.exceptions.SecurityError, TypeError) as exc:
        raise TemplateError(f"template {template_name}: {exc}") from exc
    source = Path(template.filename or template_dirs[-1] / template_name)
    import_weasyprint()
    from weasyprint import HTML

    # an assets folder counts only where it stays inside its templates folder: a link
    # from templates/assets to / would otherwise open every file of the machine
    fetcher = asset_fetcher([d / "assets" for d in template_dirs
                             if (d / "assets").resolve().is_relative_to(d.resolve())])
    document = HTML(
        string=markup, base_url=str(source.parent) + "/", url_fetcher=fetcher
    ).render()
    target.parent.mkdir(parents=True, exist_ok=True)
    document.write_pdf(target)
    return RenderedPdf(target, len(document.pages), template_name, source, tuple(fetcher.blocked),
                       tuple(fetcher.missing))
