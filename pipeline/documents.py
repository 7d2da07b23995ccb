"""Making the company's documents for one order: which types, from which templates,
with which state (DRAFT, seal), into a work folder, ready to be committed.

HTML templates become PDFs (WeasyPrint); Word templates become .docx files (docxtpl),
and PDFs by LibreOffice when the type has no HTML template. A template that fails
fails only its document.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Settings
from .doctypes import GENERATED, NOT_CHECKED, ON_ORDER, DocType
from .errors import ConversionError, GendanError, LimitError
from .filing import StagedFile
from .flow import Workflow
from .fsutil import safe_name, sha256_file
from .models import Order
from .sandbox import Child, ChildFailure, run_all, workers
from .workspace import Workspace

if TYPE_CHECKING:
    from .render.office import Office

__all__ = ["DocumentMaker", "Made", "read_back"]

log = logging.getLogger(__name__)


@dataclass
class Made:
    staged: list[StagedFile]
    failures: list[str]
    notices: list[str]
    no_libreoffice: str = ""  # what to tell (once per run) when LibreOffice is missing


class DocumentMaker:
    def __init__(self, workspace: Workspace, settings: Settings) -> None:
        self.workspace = workspace
        self.settings = settings
        self.types: dict[str, DocType] = dict(GENERATED)
        for key, custom in settings.doctypes.items():
            base = self.types.get(key, DocType(key, custom.title_en, custom.title_zh))
            self.types[key] = replace(base, title_en=custom.title_en, title_zh=custom.title_zh,
                                      html=custom.html, word=custom.word, excel=custom.excel,
                                      number_prefix=custom.number_prefix,
                                      needs_approval=custom.needs_approval, sealed=custom.sealed)
        self._find_own_templates()
        self._told_no_libreoffice = False
        self.office: Office | None = None  # the warm LibreOffice, while one is kept
        self._told_cold = False

    def _find_own_templates(self) -> None:
        """A template in the workspace's templates/ named after a document type is that
        type's: KEY.docx makes its Word document (and its PDF, unless the workspace has a
        KEY.html too), KEY.xlsx a workbook beside it. What gendan.toml says wins."""
        own = self.workspace.own_templates
        if not own.is_dir() or own.resolve() == self.workspace.template_dirs[-1].resolve():
            return
        for key, doc in list(self.types.items()):
            if key in self.settings.doctypes:
                continue
            if (own / f"{key}.docx").is_file():
                html = doc.html if (own / f"{key}.html").is_file() else ""
                doc = replace(doc, word=f"{key}.docx", html=html)
            if (own / f"{key}.xlsx").is_file():
                doc = replace(doc, excel=f"{key}.xlsx")
            self.types[key] = doc

    def variables(self, template: str) -> dict[str, str]:
        """The template's own names mapped to gendan's ([templates."NAME".variables])."""
        found = self.settings.templates.get(template)
        return dict(found.variables) if found else {}

    def warm_office(self) -> None:
        """Keep one LibreOffice running for the conversions to come (a watcher, the page's
        server, a run with several orders), unless [documents] says otherwise; it starts in
        the background. `cool_office` stops it."""
        docs = self.settings.documents
        if not (docs.word_to_pdf and docs.warm_libreoffice):
            return
        if self.office is None:
            from .render.convert import find_libreoffice
            from .render.office import Office

            soffice = find_libreoffice()
            if soffice is None:
                return
            self.office = Office(soffice, python=docs.uno_python,
                                 timeout=docs.libreoffice_timeout)
        self.office.start()

    def cool_office(self) -> None:
        if self.office is not None:
            self.office.stop()
            self.office = None

    def on_order(self) -> tuple[str, ...]:
        chosen = self.settings.documents.on_order
        if chosen is not None:
            return tuple(chosen)
        custom = tuple(k for k, c in self.settings.doctypes.items()
                       if c.on_order and k not in ON_ORDER)
        return ON_ORDER + custom

    def needs_workflow(self, key: str) -> bool:
        """Made only once the workflow has something (the loading notice: loading)."""
        doc = self.types.get(key)
        return bool(doc and doc.needs)

    def template_file(self, relative: str) -> Path | None:
        return self.workspace.template_file(relative)

    def make(self, order: Order, workflow: Workflow, keys: tuple[str, ...], work: Path,
             documents: list[dict[str, Any]] | None = None,
             checklist: list[dict[str, Any]] | None = None) -> Made:
        """Render each document type in `keys` into `work`: one here, the others several at
        once in children (one per processor, [limits] workers); the results in the order of
        `keys`. The hand-over checklist counts the documents made beside it as archived: it
        is drawn with them, as if they all came out, and again if one of them failed."""
        if "handover_checklist" not in keys or len(keys) == 1:
            return self._make(order, workflow, keys, work, documents, checklist)
        others = tuple(k for k in keys if k != "handover_checklist")
        planned = {key for key in (k.partition("@")[0] for k in others)
                   if key in self.types and self._due_now(self.types[key], workflow)}
        made = self._make(order, workflow, keys, work, documents, checklist,
                          self._counted(order, checklist, planned))
        staged = {s.doc_type for s in made.staged if s.kind == "generated"}
        if planned <= staged:
            return made
        kept = Made([s for s in made.staged if s.doc_type != "handover_checklist"],
                    [f for f in made.failures if not f.startswith("handover_checklist")],
                    made.notices)
        last = self._make(order, workflow, ("handover_checklist",), work, documents,
                          self._counted(order, checklist, staged))
        return Made(kept.staged + last.staged, kept.failures + last.failures,
                    kept.notices + [n for n in last.notices if n not in kept.notices])

    @staticmethod
    def _due_now(doc: DocType, workflow: Workflow) -> bool:
        """Whether the workflow has what the document type needs (a loading notice waits
        for the loading details)."""
        return not doc.needs or getattr(workflow, doc.needs) is not None

    @staticmethod
    def _counted(order: Order, checklist: list[dict[str, Any]] | None,
                 made: set[str]) -> list[dict[str, Any]]:
        """The checklist's rows with the documents of the types in `made` counted as
        archived, each in its next version."""
        rows = [dict(row) for row in checklist or []]
        for row in rows:
            if row["doc_type"] in made:
                version = (row["version"] or 0) + 1
                row.update(archived=True, version=version,
                           file=f"{order.order_no}_{row['doc_type']}_v{version}.pdf")
        return rows

    def _make(self, order: Order, workflow: Workflow, keys: tuple[str, ...], work: Path,
              documents: list[dict[str, Any]] | None = None,
              checklist: list[dict[str, Any]] | None = None,
              counted: list[dict[str, Any]] | None = None) -> Made:
        """`counted`: the rows the hand-over checklist shows (else `checklist`)."""
        made = Made([], [], [])
        jobs: list[tuple[Any, ...]] = []
        for entry in keys:
            key, _, only = entry.partition("@")  # production_order@FACTORY: that one only
            doc = self.types.get(key)
            if doc is None:
                made.failures.append(f"{key}: no such document type")
                continue
            if not self._due_now(doc, workflow):
                continue
            rows = counted if counted is not None and key == "handover_checklist" else checklist
            jobs += [(doc, order, workflow, work, documents or [], factory, rows or [])
                     for factory in self._parts(doc, order, only)]
        at_once = workers(self.settings.limits.workers)
        seconds = self.settings.documents.seconds_per_document
        memory_mb = self.settings.limits.memory_mb
        slow = ("The template takes too long to draw; check its loops, or raise [documents] "
                "seconds_per_document.")
        # the HTML document with the fewest item lines here first (WeasyPrint, fonts, styles
        # then loaded for every child), the others most lines first (a long one left to the
        # end keeps the other processors waiting); a Word one to convert before, on its own
        from .render.context import factory_lines
        from .render.html import drawn_lines

        lines = [drawn_lines(doc.html, self.workspace.template_dirs,
                             len(factory_lines(order, factory))) if doc.html else 0
                 for doc, *_, factory, _ in jobs]
        first = min((n for n, j in enumerate(jobs) if j[0].html), key=lines.__getitem__, default=0)
        early = {n: Child(self._made, job, what=job[0].key, seconds=seconds, memory_mb=memory_mb,
                          slow=slow)
                 for n, job in enumerate(jobs) if at_once > 1 and n != first
                 and job[0].word and not job[0].html and self.settings.documents.word_to_pdf}
        results: dict[int, Made | BaseException] = {}
        if jobs:
            results[first] = run_all(self._made, [jobs[first]], at_once=1, what=str, seconds=0,
                                     memory_mb=0)[0]
        rest = sorted((n for n in range(len(jobs)) if n != first and n not in early),
                      key=lambda n: -lines[n])
        for n, result in zip(rest, run_all(self._made, [jobs[n] for n in rest],
                                           at_once=at_once, what=lambda i: jobs[rest[i]][0].key,
                                           seconds=seconds, memory_mb=memory_mb, slow=slow),
                                   strict=True):
            results[n] = result
        for n, child in early.items():
            try:
                results[n] = child.result()
            except (GendanError, ChildFailure) as exc:
                results[n] = exc
        for n, job in enumerate(jobs):
            result = results[n]
            if isinstance(result, BaseException):
                doc, factory = job[0], job[5]
                log.error("%s: %s", doc.key, getattr(result, "detail", result))
                what_to_do = f" ({result.hint})" if isinstance(result, LimitError) else ""
                made.failures.append(f"{doc.key}{' ' + factory if factory else ''}: {result}"
                                     + what_to_do)
                continue
            made.staged += result.staged
            made.failures += result.failures
            made.notices += [note for note in result.notices if note not in made.notices]
            if result.no_libreoffice and not self._told_no_libreoffice:
                self._told_no_libreoffice = True
                made.notices.append(result.no_libreoffice)
        self._tell_cold()
        return made

    def _made(self, doc: DocType, order: Order, workflow: Workflow, work: Path,
              documents: list[dict[str, Any]], factory: str | None,
              checklist: list[dict[str, Any]]) -> Made:
        """One document (one factory's, for a production order per factory)."""
        made = Made([], [], [])
        made.staged += self._one(doc, order, workflow, work, documents, made, factory,
                                 checklist=checklist)
        return made

    @staticmethod
    def _parts(doc: DocType, order: Order, only: str) -> list[str | None]:
        """One production order per factory when the items come from several (None: one
        document for the whole order)."""
        from .render.context import factories

        makers = factories(order) if doc.key == "production_order" else []
        if len(makers) < 2:
            return [None]
        return [f for f in makers if not only or f == only] or [None]

    def render(self, key: str, order: Order, work: Path,
               workflow: Workflow | None = None) -> list[StagedFile]:
        """Render one document type; raises the template's error (for checks and tests)."""
        made = Made([], [], [])
        staged = self._one(self.types[key], order, workflow or Workflow(), work, [], made)
        if made.failures:
            raise GendanError(made.failures[0])
        return staged

    def _one(self, doc: DocType, order: Order, workflow: Workflow, work: Path,
             documents: list[dict[str, Any]], made: Made, factory: str | None = None, *,
             checklist: list[dict[str, Any]] | None = None) -> list[StagedFile]:
        from .render import document_context, render_docx, render_html_pdf

        dirs = self.workspace.template_dirs
        seal = self.template_file(self.settings.company.seal)
        logo = self.template_file(self.settings.company.logo) if self.settings.company.logo \
            else None
        context = document_context(doc, order, self.settings, seal=seal, workflow=workflow,
                                   documents=documents, factory=factory, logo=logo,
                                   checklist=checklist)
        state: dict[str, Any] = {"draft": context["document"]["draft"],
                                 "sealed": context["document"]["sealed"],
                                 "number": context["document"]["number"],
                                 "business_date": context["document"]["date"].isoformat()}
        variant = ""
        if factory is not None:
            state["factory"] = factory or "未指定工厂 (no manufacturer given)"
            variant = safe_name(factory or "unassigned")
            work = work / variant
            work.mkdir(exist_ok=True)
        staged = []
        if doc.html:
            target = work / f"{doc.key}.pdf"
            pdf = render_html_pdf(doc.html, self._own_names(doc.html, context), dirs, target)
            meta = {**state, "template": pdf.template, "pages": pdf.pages,
                    "template_sha256": sha256_file(pdf.template_path)}
            if pdf.missing_urls:
                meta["missing_urls"] = list(pdf.missing_urls)
                made.notices.append(f"{doc.key}: the template's "
                                    f"{', '.join(u.rsplit('/', 1)[-1] for u in pdf.missing_urls)}"
                                    " could not be loaded (not in the templates' assets/)")
            if pdf.blocked_urls:
                meta["blocked_urls"] = list(pdf.blocked_urls)
                made.notices.append(f"{doc.key}: the template asked for "
                                    f"{', '.join(pdf.blocked_urls)[:200]}, which was refused "
                                    "(only the templates' assets/ may be used)")
            if state["sealed"] and self._company_signs(target):
                meta["signed"] = True
            texts, reader = read_back(target, doc.key, pdf.pages)
            staged.append(StagedFile(target, doc.key, ".pdf", meta, variant=variant,
                                     texts=texts, texts_reader=reader))
        if doc.word:
            target = work / f"{doc.key}.docx"
            word = render_docx(doc.word, context, dirs, target, self.variables(doc.word))
            meta = {**state, "template": word.template, "pages": None,
                    "template_sha256": sha256_file(word.template_path)}
            staged.append(StagedFile(target, doc.key, ".docx", meta, variant=variant))
            if not doc.html and self.settings.documents.word_to_pdf:
                staged.extend(self._word_pdf(doc, target, meta, made))
        if doc.excel:
            staged.append(self._workbook(doc, context, work, state, variant))
        return staged

    def _company_signs(self, pdf: Path) -> bool:
        """A sealed document signed with the company's certificate (PAdES), when the
        workspace has one (`gendan config cert`): a copy changed later shows as changed."""
        from .pdf.signing import Certificate, sign_pdf

        certificate = Certificate.of(self.workspace.root)
        if not certificate.exists():
            return False
        signed = pdf.with_name(f"signed-{pdf.name}")
        sign_pdf(pdf, signed, certificate, "sealed by the company")
        signed.replace(pdf)
        return True

    def _own_names(self, template: str, context: dict[str, Any]) -> dict[str, Any]:
        variables = self.variables(template)
        if not variables:
            return context
        from .render.mapping import apply_mapping, expression_env

        return apply_mapping(context, variables, template, expression_env())

    def _workbook(self, doc: DocType, context: dict[str, Any], work: Path,
                  state: dict[str, Any], variant: str) -> StagedFile:
        """The document as a workbook, from its Excel template."""
        from .errors import TemplateError
        from .render.mapping import expression_env
        from .render.xlsx import render_xlsx

        source = self.template_file(doc.excel)
        if source is None:
            raise TemplateError(f"Excel template {doc.excel} not found in the templates "
                                "folders", hint="Put it in the workspace's templates/ or fix "
                                f"[doctypes.{doc.key}] excel.")
        target = render_xlsx(source, self._own_names(doc.excel, context), expression_env(),
                             work / f"{doc.key}.xlsx")
        meta = {**state, "template": doc.excel, "pages": None,
                "template_sha256": sha256_file(source)}
        return StagedFile(target, doc.key, ".xlsx", meta, variant=variant)

    def _word_pdf(self, doc: DocType, docx: Path, meta: dict[str, Any],
                  made: Made) -> list[StagedFile]:
        """The PDF of a Word-only document; without LibreOffice, say so once per run."""
        from .render.convert import LibreOfficeMissing, docx_to_pdf

        try:
            pdf = docx_to_pdf(docx, docx.parent / "pdf", office=self.office,
                              timeout=self.settings.documents.libreoffice_timeout)
        except LibreOfficeMissing as exc:
            made.no_libreoffice = f"{exc.message}. {exc.hint}"  # told once, by `make`
            return []
        except ConversionError as exc:
            made.failures.append(f"{doc.key} (PDF): {exc}")  # the .docx is kept
            return []
        texts, reader = read_back(pdf, doc.key)  # a text per page: the count too
        return [StagedFile(pdf, doc.key, ".pdf", {**meta, "pages": len(texts),
                                                  "converted_from": "docx"},
                           variant=safe_name(meta["factory"]) if "factory" in meta else "",
                           texts=texts, texts_reader=reader)]

    def _tell_cold(self) -> None:
        """Say once (in this process) that the warm LibreOffice could not be used."""
        if self.office is not None and self.office.unavailable and not self._told_cold:
            self._told_cold = True
            log.warning("the warm LibreOffice is not used, so each Word document starts a "
                        "LibreOffice of its own (about 1 s): %s", self.office.unavailable)


def read_back(pdf: Path, doc_type: str, pages: int | None = None
              ) -> tuple[tuple[str, ...], str]:
    """The page texts of a document gendan made (of its `pages`, if known), read back once
    (for `gendan find`, and as the check reads them where it reads this type), and which
    reader read them."""
    if doc_type in NOT_CHECKED:
        from .pdf.search import search_texts  # Poppler's pdftotext: no pypdf

        texts, reader = search_texts(pdf, pages)
        return tuple(texts), reader
    from pypdf import PdfReader

    from .pdf import page_texts

    return tuple(page_texts(PdfReader(pdf))), "pypdf"
