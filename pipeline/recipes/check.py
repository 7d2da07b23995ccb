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
from ..doctypes import FACTORY_TYPES, GENERATED
from ..errors import ArchiveError, GendanError
from ..filing import Filing, StagedFile
from ..flow import Event
from ..fsutil import sha256_bytes, sha256_file
from ..models import Order
from ..pdf import open_pdf, page_texts, stamp_font_path
from ..pdf.pack import PackPart, build_pack
from ..record import OrderRecord
from ..render import render_html_pdf
from .common import Desk

__all__ = ["CheckResult", "HandoverRefused", "check_order", "hand_over"]

NOT_CHECKED = {"order_data", "order_update", "compliance_report", "handover_pack",
               "handover_checklist", "registration_sheet", "quotation", "production_order",
               "contract_review", "inspection_notice"}


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
    files: dict[str, dict[str, Any]]  # doc_type -> the file that represents it

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
    rules = desk.settings.handover
    required = list(rules.required)
    if order.inspection in {"customer", "third_party"}:
        required += rules.inspected
    if order.legal_inspection:
        required += rules.legal_inspection
    required += rules.by_price_term.get(order.price_term, [])
    customer = rules.customers.get(order.customer.code)
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


def document_text(desk: Desk, record: OrderRecord, meta: dict[str, Any]) -> list[str]:
    """The page texts of an archived PDF, read once and cached beside it by content."""
    cached = record.text(meta["sha256"])
    if cached is not None:
        return cached
    reader, _ = open_pdf(desk.store.root / meta["path"], text_pages=0)
    texts = page_texts(reader)
    record.write_text(meta["sha256"], texts)
    return texts


def _read(desk: Desk, record: OrderRecord, files: dict[str, dict[str, Any]]) -> list[Extracted]:
    originals = {m["source_sha256"]: m for m in record.documents if m["kind"] == "original"}
    profiles = load_profiles(desk.workspace.root / "profiles")
    models = [i.model for i in record.order.items]
    extracted = []
    for doc_type, meta in sorted(files.items()):
        source = meta
        texts: list[str] = [""] * (meta.get("pages") or 1)  # a scanned image: no text layer
        original = originals.get(meta["source_sha256"])
        if meta["kind"] == "stamped" and original:
            source = original  # read it without our stamp
        if source["file"].lower().endswith(".pdf"):
            texts = document_text(desk, record, source)
        extracted.append(extract(meta["path"], doc_type, texts, profiles, models))
    return extracted


def check_case(desk: Desk, record: OrderRecord, on: dt.date | None) -> CheckResult:
    """Every rule over the order's current documents (the caller holds its lock)."""
    order, workflow = record.order, record.workflow
    files = _representatives(record.documents)
    with record.caching():
        extracted = _read(desk, record, files)
    rules = desk.settings.handover
    present: dict[str, list[str]] = {}
    for meta in record.current():
        if meta["kind"] != "original":
            present.setdefault(meta["doc_type"], []).append(meta["file"])
    case = Case(order=order, workflow=workflow, documents=extracted,
                required=required_documents(desk, order), present=present,
                drafts=[m["file"] for m in files.values() if m.get("draft")],
                company_names=(desk.settings.company.name_zh, desk.settings.company.name_en),
                thresholds=desk.settings.approval.general_manager_threshold,
                lead_days=desk.settings.inspection.lead_days(),
                handover_date=on or desk.clock.today(),
                tolerances=Tolerances(weight_percent=rules.weight_tolerance_percent,
                                      volume_percent=rules.volume_tolerance_percent))
    return CheckResult(record.ref.order_no, run_rules(case), extracted, "", case, files)


def check_order(desk: Desk, order_no: str, *, on: dt.date | None = None,
                archive_report: bool = True) -> CheckResult:
    """Run every rule over the order's current documents; archive the report as a PDF."""
    with desk.store.open(order_no) as record:
        result = check_case(desk, record, on)
        if archive_report:
            result.report = _archive_report(desk, record, result)
    return result


def _archive_report(desk: Desk, record: OrderRecord, result: CheckResult) -> str:
    counts = result.counts()
    order = result.case.order
    context = {
        "company": desk.settings.company.model_dump(), "checked": result.case.handover_date,
        "order": {**order.model_dump(), "contract_number": order.contract_number},
        "findings": [f.as_dict() for f in result.findings], "rules": len(RULES),
        "errors": counts["error"], "warnings": counts["warning"], "reviews": counts["review"],
        "documents": [{"document": d.document, "doc_type": d.doc_type, "pages": d.pages,
                       "read": ", ".join(f"{k}={v.value}" for k, v in d.fields.items())
                       or ("no text" if not d.has_text else "nothing recognised")}
                      for d in result.documents],
    }
    digest = sha256_bytes(json.dumps(context, default=str, sort_keys=True).encode())
    source = f"gendan check {result.order_no}"
    with desk.store.work_folder() as work:
        pdf = render_html_pdf("compliance_report.html", context, desk.workspace.template_dirs,
                              work / "report.pdf")
        event = Event(recorded=desk.clock.now(), kind="check", source=source,
                      summary=f"check: {counts['error']} error(s), {counts['warning']} "
                      f"warning(s), {counts['review']} to review",
                      data={"counts": counts, "date": str(result.case.handover_date),
                            "findings": [f.as_dict() for f in result.findings]})
        staged = StagedFile(pdf.path, "compliance_report", ".pdf", {"pages": pdf.pages, **counts})
        filed = record.commit(Filing(event, source, digest, [staged]))
    return str(filed[0]["path"])


def hand_over(desk: Desk, order_no: str, *, on: dt.date | None = None, force: bool = False,
              by: str = "", reason: str = "") -> tuple[CheckResult, str, list[dict[str, Any]]]:
    """Check, then build the pack; refuse on errors unless forced (with who and why)."""
    if force and (not by or not reason):
        raise HandoverRefused("--force needs --by (who decides) and --reason (why)")
    with desk.store.open(order_no) as record:
        result = check_case(desk, record, on)
        result.report = _archive_report(desk, record, result)
        if result.errors and not force:
            raise HandoverRefused(
                f"order {order_no} has {len(result.errors)} error(s); nothing was handed over",
                hint="Fix them, or hand over anyway with --force --by NAME --reason TEXT.",
                findings=result.errors)
        path, manifest = _pack(desk, record, result, by, reason)
    return result, path, manifest


def _pack(desk: Desk, record: OrderRecord, result: CheckResult, by: str,
          reason: str) -> tuple[str, list[dict[str, Any]]]:
    rules = desk.settings.handover
    files = result.files
    ordered = [t for t in rules.order if t in files] + sorted(
        t for t, meta in files.items() if t not in rules.order and meta["kind"] == "stamped")
    manifest: list[dict[str, Any]] = []
    parts = []
    for doc_type in ordered:
        meta = files[doc_type]
        path = desk.store.root / meta["path"]
        if sha256_file(path) != meta["sha256"]:
            raise ArchiveError(f"{meta['path']} no longer matches its sidecar",
                               hint="Run `gendan verify`; restore it from backup before "
                               "handing over.")
        parts.append(PackPart(title(doc_type), path))
        manifest.append({"title": title(doc_type), "path": meta["path"],
                         "sha256": meta["sha256"], "pages": meta.get("pages") or 0})
    counts = result.counts()
    order = result.case.order
    checklist = [{"title": title(t), "required": t in result.case.required,
                  "included": t in files}
                 for t in dict.fromkeys([*result.case.required, *ordered])]
    seal = desk.maker.template_file(desk.settings.documents.seal_image)
    context = {"company": desk.settings.company.model_dump(),
               "order": {**order.model_dump(), "contract_number": order.contract_number},
               "date": result.case.handover_date, "checklist": checklist,
               "errors": counts["error"], "warnings": counts["warning"],
               "reviews": counts["review"], "forced_by": by, "forced_reason": reason,
               "seal_url": seal.resolve().as_uri() if seal else ""}
    source = f"gendan handover {record.ref.order_no}"
    with desk.store.work_folder() as work:
        cover = _cover(desk, context, manifest, work)
        pack = work / "pack.pdf"
        font = stamp_font_path(desk.settings.stamp_font) if rules.page_numbers else None
        spans = build_pack([PackPart("交单清单 Hand-over checklist", cover), *parts], pack,
                           page_numbers=rules.page_numbers, font_path=font)
        total = spans[-1][2]
        digest = sha256_bytes(json.dumps(manifest, sort_keys=True).encode() +
                              str(result.case.handover_date).encode())
        flags = (f"handed over with {counts['error']} error(s) by decision of {by}: {reason}",
                 ) if result.errors else ()
        event = Event(recorded=desk.clock.now(), kind="handover", source=source,
                      summary=f"hand-over pack of {len(parts)} documents, {total} pages",
                      flags=flags, data={"date": str(result.case.handover_date),
                                         "forced": bool(result.errors), "by": by,
                                         "reason": reason})
        meta = {"pages": total, "manifest": manifest, "forced": bool(result.errors),
                "forced_by": by, "forced_reason": reason, **counts}
        filed = record.commit(Filing(event, source, digest,
                                     [StagedFile(pack, "handover_pack", ".pdf", meta,
                                                 "handover")]))
    return str(filed[0]["path"]), manifest


def _cover(desk: Desk, context: dict[str, Any], manifest: list[dict[str, Any]],
           work: Path) -> Path:
    """The cover, rendered until it knows its own page count (the manifest's page ranges
    start after it)."""
    cover_pages = 1
    for _ in range(3):
        start = cover_pages
        for row in manifest:
            row["first"], row["last"] = start + 1, start + row["pages"]
            start += row["pages"]
        cover = render_html_pdf("handover_cover.html", {**context, "manifest": manifest},
                                desk.workspace.template_dirs, work / "cover.pdf")
        if cover.pages == cover_pages:
            break
        cover_pages = cover.pages
    return cover.path
