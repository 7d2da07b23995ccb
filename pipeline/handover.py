"""`gendan check` and `gendan handover`: read every current document of an order, run
the rule catalogue, archive the report; build, archive and record the hand-over pack.

    read the archive -> extract -> rules -> findings (+ report PDF in generated/)
    findings without errors (or --force, who and why) -> cover -> pack -> handover/
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .archive import StagedFile
from .compliance import (
    RULES,
    Case,
    Extracted,
    Finding,
    Tolerances,
    extract,
    load_profiles,
    run_rules,
)
from .doctypes import FACTORY_TYPES, GENERATED
from .errors import GendanError
from .flow import Event
from .fsutil import sha256_bytes, sha256_file
from .pdf import open_pdf, page_texts, stamp_font_path
from .pdf.pack import PackPart, build_pack
from .process import Desk
from .render import render_html_pdf

__all__ = ["CheckResult", "HandoverRefused", "check_order", "hand_over"]

NOT_CHECKED = {"order_data", "order_update", "compliance_report", "handover_pack",
               "handover_checklist", "registration_sheet", "quotation", "production_order",
               "contract_review", "inspection_notice"}


class HandoverRefused(GendanError):
    """The hand-over was refused; `findings` are the errors that stopped it."""

    exit_code = 1

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
    files: dict[str, dict[str, Any]]  # doc_type -> the file that represents it

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.severity == s)
                for s in ("error", "warning", "review")}


def _title(doc_type: str) -> str:
    kind = GENERATED.get(doc_type) or FACTORY_TYPES.get(doc_type)
    return f"{kind.title_zh} {kind.title_en}" if kind else doc_type


def _required(desk: Desk, case_order: Any) -> list[str]:
    rules = desk.settings.handover
    required = list(rules.required)
    if case_order.inspection in {"customer", "third_party"}:
        required += rules.inspected
    if case_order.legal_inspection:
        required += rules.legal_inspection
    required += rules.by_price_term.get(case_order.price_term, [])
    customer = rules.customers.get(case_order.customer.code)
    if customer is not None:
        required = [d for d in required + customer.add if d not in customer.remove]
    return list(dict.fromkeys(required))


def _representatives(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """For each document type, the current PDF that represents it: the factory's stamped
    copy if there is one, else the company's own."""
    chosen: dict[str, dict[str, Any]] = {}
    for kind in ("generated", "stamped"):  # stamped last: it wins
        for meta in documents:
            if meta["kind"] == kind and meta["current"] and meta["file"].endswith(".pdf") \
                    and meta["doc_type"] not in NOT_CHECKED:
                chosen[meta["doc_type"]] = meta
    return chosen


def check_order(desk: Desk, order_no: str, *, on: dt.date | None = None,
                archive_report: bool = True) -> CheckResult:
    """Run every rule over the order's current documents; archive the report as a PDF."""
    order, workflow = desk.workflow(order_no)
    order_dir = desk.archive.order_dir(order)
    entry = desk.archive.entry(order_dir)
    files = _representatives(entry.documents)
    originals = {m["source_sha256"]: m for m in entry.documents if m["kind"] == "original"}
    profiles = load_profiles(desk.workspace.root / "profiles")
    models = [i.model for i in order.items]
    extracted = []
    for doc_type, meta in sorted(files.items()):
        source = desk.workspace.archive / meta["path"]
        original = originals.get(meta["source_sha256"])
        texts: list[str] = [""] * (meta.get("pages") or 1)  # a scanned image: no text layer
        if meta["kind"] != "stamped" or not original or \
                original["file"].lower().endswith(".pdf"):
            if meta["kind"] == "stamped" and original:
                source = desk.workspace.archive / original["path"]  # read it without our stamp
            reader, _ = open_pdf(source, text_pages=0)
            texts = page_texts(reader)
        extracted.append(extract(meta["path"], doc_type, texts, profiles, models))
    lead = desk.settings.inspection.lead_days()
    rules = desk.settings.handover
    drafts = [m["file"] for m in files.values() if m.get("draft")]
    present: dict[str, list[str]] = {}
    for meta in entry.documents:
        if meta["current"] and meta["kind"] != "original":
            present.setdefault(meta["doc_type"], []).append(meta["file"])
    case = Case(order=order, workflow=workflow, documents=extracted,
                required=_required(desk, order), present=present, drafts=drafts,
                company_names=(desk.settings.company.name_zh, desk.settings.company.name_en),
                thresholds=desk.settings.approval.general_manager_threshold, lead_days=lead,
                handover_date=on or dt.date.today(),
                tolerances=Tolerances(weight_percent=rules.weight_tolerance_percent,
                                      volume_percent=rules.volume_tolerance_percent))
    findings = run_rules(case)
    result = CheckResult(order.order_no, findings, extracted, "", case, files)
    if archive_report:
        result.report = _archive_report(desk, result, order_dir)
    return result


def _archive_report(desk: Desk, result: CheckResult, order_dir: Path) -> str:
    counts = result.counts()
    context = {
        "company": desk.settings.company.model_dump(), "checked": result.case.handover_date,
        "order": {**result.case.order.model_dump(), "contract_number":
                  result.case.order.contract_number},
        "findings": [f.as_dict() for f in result.findings], "rules": len(RULES),
        "errors": counts["error"], "warnings": counts["warning"], "reviews": counts["review"],
        "documents": [{"document": d.document, "doc_type": d.doc_type, "pages": d.pages,
                       "read": ", ".join(f"{k}={v.value}" for k, v in d.fields.items())
                       or ("no text" if not d.has_text else "nothing recognised")}
                      for d in result.documents],
    }
    digest = sha256_bytes(json.dumps(context, default=str, sort_keys=True).encode())
    with desk.work_folder() as work:
        pdf = render_html_pdf("compliance_report.html", context, desk.workspace.template_dirs,
                              work / "report.pdf")
        entry = desk.archive.add_made(order_dir, [StagedFile(pdf.path, "compliance_report",
                                                             ".pdf", {"pages": pdf.pages,
                                                                      **counts})],
                                      f"gendan check {result.order_no}", digest)
        desk.index.record(entry.order, entry.documents)
    return str(next(d["path"] for d in entry.documents if d["source_sha256"] == digest))


def hand_over(desk: Desk, order_no: str, *, on: dt.date | None = None, force: bool = False,
              by: str = "", reason: str = "") -> tuple[CheckResult, str, list[dict[str, Any]]]:
    """Check, then build the pack; refuse on errors unless forced (with who and why)."""
    result = check_order(desk, order_no, on=on)
    if result.errors and not force:
        raise HandoverRefused(
            f"order {order_no} has {len(result.errors)} error(s); nothing was handed over",
            hint="Fix them, or hand over anyway with --force --by NAME --reason TEXT.",
            findings=result.errors)
    if force and (not by or not reason):
        raise HandoverRefused("--force needs --by (who decides) and --reason (why)")
    order, workflow = desk.workflow(order_no)
    order_dir = desk.archive.order_dir(order)
    rules = desk.settings.handover
    files = result.files
    ordered = [t for t in rules.order if t in files] + sorted(
        t for t, meta in files.items() if t not in rules.order and meta["kind"] == "stamped")
    manifest: list[dict[str, Any]] = []
    with desk.work_folder() as work:
        parts = []
        for doc_type in ordered:
            meta = files[doc_type]
            path = desk.workspace.archive / meta["path"]
            if sha256_file(path) != meta["sha256"]:
                raise GendanError(f"{meta['path']} no longer matches its sidecar",
                                  hint="Restore it from backup before handing over.")
            parts.append(PackPart(_title(doc_type), path))
            manifest.append({"title": _title(doc_type), "path": meta["path"],
                             "sha256": meta["sha256"], "pages": meta.get("pages") or 0})
        counts = result.counts()
        checklist = [{"title": _title(t), "required": t in result.case.required,
                      "included": t in files} for t in dict.fromkeys(
                          [*result.case.required, *ordered])]
        seal = desk.maker.template_file(desk.settings.documents.seal_image)
        context = {"company": desk.settings.company.model_dump(),
                   "order": {**order.model_dump(), "contract_number": order.contract_number},
                   "date": result.case.handover_date, "checklist": checklist,
                   "errors": counts["error"], "warnings": counts["warning"],
                   "reviews": counts["review"], "forced_by": by, "forced_reason": reason,
                   "seal_url": seal.resolve().as_uri() if seal else ""}
        cover_pages = 1
        for _ in range(2):  # the second pass knows how many pages the cover itself has
            start = cover_pages
            for row in manifest:
                row["first"], row["last"] = start + 1, start + row["pages"]
                start += row["pages"]
            cover = render_html_pdf("handover_cover.html", {**context, "manifest": manifest},
                                    desk.workspace.template_dirs, work / "cover.pdf")
            if cover.pages == cover_pages:
                break
            cover_pages = cover.pages
        pack = work / "pack.pdf"
        font = stamp_font_path(desk.settings.stamp_font) if rules.page_numbers else None
        spans = build_pack([PackPart("交单清单 Hand-over checklist", cover.path), *parts], pack,
                           page_numbers=rules.page_numbers, font_path=font)
        total = spans[-1][2]
        digest = sha256_bytes(json.dumps(manifest, sort_keys=True).encode() +
                              str(result.case.handover_date).encode())
        summary = f"hand-over pack of {len(parts)} documents, {total} pages"
        flags = (f"handed over with {counts['error']} error(s) by decision of {by}: {reason}",
                 ) if result.errors else ()
        event = Event(recorded=dt.datetime.now().replace(microsecond=0), kind="handover",
                      source=f"gendan handover {order_no}", summary=summary, flags=flags)
        workflow = workflow.model_copy(update={"history": (*workflow.history, event)})
        meta = {"pages": total, "manifest": manifest, "forced": bool(result.errors),
                "forced_by": by, "forced_reason": reason, **counts}
        entry = desk.archive.add_made(order_dir, [StagedFile(pack, "handover_pack", ".pdf", meta,
                                                             "handover")],
                                      f"gendan handover {order_no}", digest, workflow)
        desk.index.record(entry.order, entry.documents)
    path = next(d["path"] for d in entry.documents
                if d["doc_type"] == "handover_pack" and d["source_sha256"] == digest)
    return result, path, manifest
