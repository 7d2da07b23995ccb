"""`gendan check` and `gendan handover`, under the order's lock from reading to filing:

    open the order -> read its current documents -> rules -> findings -> report -> commit
    open the order -> check -> (no errors, or forced: who and why) -> cover -> pack -> commit
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..compliance import (
    RULES,
    Case,
    Extracted,
    Finding,
    Tolerances,
    extract,
    load_profiles,
    run_rules,
)
from ..compliance.confirm import read_by_ocr
from ..compliance.kept_form import extracted_from_json, extracted_to_json, reading_key
from ..compliance.layout import WORDS_VERSION, read_words, words_from_rows, words_to_rows
from ..dates import checked_as_of
from ..doctypes import FACTORY_TYPES, GENERATED, NOT_CHECKED
from ..due import required_documents as due_required
from ..errors import GendanError
from ..filing import Filing, StagedFile
from ..flow import Event
from ..fsutil import sha256_bytes
from ..kept import keep_reading, keep_words, kept_reading, kept_words
from ..models import Order
from ..record import OrderRecord
from ..sandbox import preload, run_all, workers
from .common import Desk, logo_url

__all__ = [
    "NOT_CHECKED",
    "CheckResult",
    "HandoverRefused",
    "check_case",
    "check_order",
    "file_report",
    "title",
]

# documents whose tables and fields are read from their word boxes, not their text alone
TABLE_TYPES = {"commercial_invoice", "proforma_invoice", "sales_contract", "packing_list",
               "bill_of_lading", "insurance_policy", "certificate_of_origin",
               "inspection_report", "customs_declaration"}


class HandoverRefused(GendanError):
    """The hand-over was refused; `findings` are the errors that stopped it."""

    def __init__(self, message: str, *, hint: str = "",
                 findings: list[Finding] | None = None) -> None:
        super().__init__(message, hint=hint)
        self.findings = findings or []


@dataclass
class CheckResult:
    order_no: str
    findings: list[Finding]
    documents: list[Extracted]
    report: str  # archived report file, or "" when not archived
    case: Case
    files: list[dict[str, Any]]  # the documents read

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.severity == s)
                for s in ("error", "warning", "review")}


def title(doc_type: str) -> str:
    kind = GENERATED.get(doc_type) or FACTORY_TYPES.get(doc_type)
    return f"{kind.title_zh} {kind.title_en}" if kind else doc_type


def required_documents(desk: Desk, order: Order) -> list[str]:
    return due_required(desk.settings.handover, order)


def _checked(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every current PDF the examiner reads: the company's and the factory's alike (they
    must agree with each other too)."""
    return [m for m in documents if m["current"] and m["kind"] in {"generated", "stamped"}
            and m["file"].endswith(".pdf") and m["doc_type"] not in NOT_CHECKED]


def _first_sight(pdf: Path, texts: list[str] | None, want_words: bool
                 ) -> tuple[list[str], list[Any] | None]:
    """In a child: what the check has not read of one PDF before: its page texts as pypdf
    reads them (what the examiner's patterns are made for), and its words and boxes (a
    document with tables, if it has text)."""
    if texts is None:
        from ..pdf import open_pdf, page_texts

        texts = page_texts(open_pdf(pdf, text_pages=0)[0])
    words = words_to_rows(read_words(pdf)) if want_words and any(t.strip() for t in texts) \
        else None
    return texts, words


def _sight(desk: Desk, record: OrderRecord, sources: list[dict[str, Any]]
           ) -> dict[str, tuple[list[str], list[Any] | None]]:
    """The texts and words of each source PDF, by sha256: kept ones as they were kept, the
    others read side by side (one child per processor) and kept for the next check."""
    archive = desk.store.root
    seen: dict[str, tuple[list[str] | None, list[Any] | None]] = {}
    jobs: list[tuple[Any, ...]] = []
    for source in sources:
        if source["sha256"] in seen:
            continue
        texts = record.text(source["sha256"], reader="pypdf")  # a faster reading is not it
        tables = source["doc_type"] in TABLE_TYPES or source.get("ocr", False)
        words = kept_words(archive, source["sha256"], WORDS_VERSION) if tables else None
        seen[source["sha256"]] = (texts, words)
        if texts is None or (tables and words is None and any(t.strip() for t in texts)):
            jobs.append((archive / source["path"], texts, tables and words is None))
    limits = desk.settings.limits
    if len(jobs) > 1:  # imported once here, not once in every child
        preload("pdfplumber", "pipeline.pdf.inspect")
    results = run_all(_first_sight, jobs, at_once=workers(limits.workers),
                      seconds=limits.seconds_per_file, memory_mb=limits.memory_mb,
                      what=lambda n: str(jobs[n][0].name))
    by_path = {s["path"]: s["sha256"] for s in sources}
    for job, result in zip(jobs, results, strict=True):
        if isinstance(result, BaseException):
            raise result
        sha256 = by_path[job[0].relative_to(archive).as_posix()]
        texts, words = result
        if job[1] is None:
            record.write_text(sha256, texts)
        if words is not None:
            keep_words(archive, sha256, WORDS_VERSION, words)
        seen[sha256] = (texts, words if words is not None else seen[sha256][1])
    return {sha256: (texts or [], words) for sha256, (texts, words) in seen.items()}


def _read(desk: Desk, record: OrderRecord, files: list[dict[str, Any]]) -> list[Extracted]:
    originals = {m["source_sha256"]: m for m in record.documents if m["kind"] == "original"}
    profiles = load_profiles(desk.workspace.root / "profiles")
    models = [i.model for i in record.order.items]
    readings: dict[int, Extracted] = {}
    unread: list[tuple[int, dict[str, Any], dict[str, Any], str]] = []
    for n, meta in enumerate(files):
        source = meta
        original = originals.get(meta["source_sha256"])
        if meta["kind"] == "stamped" and original and not meta.get("ocr"):
            source = original  # read it without our stamp (a scan: its copy read by OCR)
        key = reading_key(source["sha256"], meta["path"], meta["doc_type"], models, profiles)
        if (kept := kept_reading(desk.store.root, key)) is not None:
            readings[n] = extracted_from_json(kept)  # read the same way before
        else:
            unread.append((n, meta, {**source, "doc_type": meta["doc_type"],
                                     "ocr": bool(meta.get("ocr"))}, key))
    sight = _sight(desk, record, [s for _, _, s, _ in unread if s["file"].lower()
                                  .endswith(".pdf")])
    for n, meta, source, key in unread:
        texts: list[str] = [""] * (meta.get("pages") or 1)  # a scanned image: no text layer
        words = None
        if source["sha256"] in sight:
            texts, rows = sight[source["sha256"]]
            words = words_from_rows(rows) if rows is not None else None
        read = extract(meta["path"], meta["doc_type"], texts, profiles, models, words)
        if meta.get("ocr"):
            read_by_ocr(read, record.order)
        if (plain := extracted_to_json(read)) is not None:
            keep_reading(desk.store.root, key, plain)
        readings[n] = read
    for n, meta in enumerate(files):  # a scan: whether OCR saw a red seal on it
        if isinstance(meta.get("ocr"), dict):
            readings[n].sealed = bool(meta["ocr"].get("seal_pages"))
    return [readings[n] for n in range(len(files))]


def check_case(desk: Desk, record: OrderRecord, on: dt.date | None) -> CheckResult:
    """Every rule over the order's current documents (the caller holds its lock)."""
    order, workflow = record.order, record.workflow
    files = _checked(record.documents)
    with record.caching():
        extracted = _read(desk, record, files)
    rules = desk.settings.handover
    as_of, basis = (on, "given") if on else checked_as_of(order, workflow, desk.clock.today())
    present: dict[str, list[str]] = {}
    for meta in record.current():
        if meta["kind"] != "original":
            present.setdefault(meta["doc_type"], []).append(meta["file"])
    case = Case(order=order, workflow=workflow, documents=extracted,
                required=required_documents(desk, order), present=present,
                drafts=[m["file"] for m in files if m.get("draft")],
                company_names=(desk.settings.company.name_zh, desk.settings.company.name_en),
                thresholds=desk.settings.approval.general_manager_threshold,
                lead_days=desk.settings.inspection.lead_days(),
                handover_date=as_of,
                date_basis=basis, seal_types=tuple(desk.settings.ocr.seal_types),
                tolerances=Tolerances(weight_percent=rules.weight_tolerance_percent,
                                      volume_percent=rules.volume_tolerance_percent))
    return CheckResult(record.ref.order_no, run_rules(case), extracted, "", case, files)


def check_order(desk: Desk, order_no: str, *, on: dt.date | None = None,
                archive_report: bool = True) -> CheckResult:
    """Run every rule over the order's current documents; archive the report as a PDF."""
    with desk.store.open(order_no) as record:
        result = check_case(desk, record, on)
        if archive_report:
            result.report = file_report(desk, record, result)
    return result


def file_report(desk: Desk, record: OrderRecord, result: CheckResult) -> str:
    counts = result.counts()
    order = result.case.order
    context = {
        "company": desk.settings.company.model_dump(), "checked": result.case.handover_date,
        "checked_basis": result.case.date_basis,
        "logo_url": logo_url(desk),
        "order": {**order.model_dump(), "contract_number": order.contract_number},
        "findings": [f.as_dict() for f in result.findings], "rules": len(RULES),
        "errors": counts["error"], "warnings": counts["warning"], "reviews": counts["review"],
        "documents": [{"document": d.document, "doc_type": d.doc_type, "pages": d.pages,
                       "read": ", ".join(f"{k}={v.value}" for k, v in d.fields.items())
                       or ("no text" if not d.has_text else "nothing recognised")}
                      for d in result.documents],
    }
    digest = sha256_bytes(json.dumps(context, default=str, sort_keys=True).encode())
    if made := record.made_from(digest):  # the same findings on the same documents
        return str(made[0]["path"])
    from ..documents import read_back
    from ..render import render_html_pdf

    source = f"gendan check {result.order_no}"
    with desk.store.work_folder() as work:
        pdf = render_html_pdf("compliance_report.html", context, desk.workspace.template_dirs,
                              work / "report.pdf")
        texts, reader = read_back(pdf.path, "compliance_report", pdf.pages)
        event = Event(recorded=desk.clock.now(), kind="check", source=source,
                      summary=f"check: {counts['error']} error(s), {counts['warning']} "
                      f"warning(s), {counts['review']} to review",
                      data={"counts": counts, "date": str(result.case.handover_date),
                            "findings": [f.as_dict() for f in result.findings]})
        staged = StagedFile(pdf.path, "compliance_report", ".pdf", {"pages": pdf.pages, **counts},
                            texts=tuple(texts), texts_reader=reader)
        filed = record.commit(Filing(event, source, digest, [staged]))
    return str(filed[0]["path"])
