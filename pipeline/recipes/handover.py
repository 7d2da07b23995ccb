"""`gendan handover`: check, then build the pack the customer (or the bank) receives.

    open the order -> check (report archived) -> errors refuse, unless forced with who and
    why -> for each document type the copy that goes in -> cover -> pack -> commit

What goes in: the company's own documents as gendan made them (sealed where they are for
the customer), and the factory's documents as the factory sent them with the hand-over
stamps ([[stamps]] purpose = "handover": the company seal on its invoice and packing list)
placed in a free margin: never the internal ARCHIVED stamp, never over the factory's
letterhead or figures. Of a pair (the company's invoice and the factory's), `[handover]
prefer` decides which goes in; the other is listed on the cover as supporting, archived.
Pages are numbered "n / N" across the pack.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from ..errors import ArchiveError
from ..filing import Filing, StagedFile
from ..flow import Event
from ..fsutil import sha256_bytes, sha256_file
from ..models import Order
from ..pdf import IMAGE_SUFFIXES, image_to_pdf, open_pdf, stamp_font_path, stamp_pdf
from ..pdf.margins import in_free_margin
from ..pdf.pack import PackPart, build_pack
from ..people import Person
from ..record import OrderRecord
from ..render import render_html_pdf
from .check import (
    NOT_CHECKED,
    CheckResult,
    HandoverRefused,
    check_case,
    file_report,
    title,
)
from .common import Desk, logo_url

__all__ = ["hand_over", "pack_documents"]


def pack_documents(documents: list[dict[str, Any]], prefer: str
                   ) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """For each document type, the current PDF that goes into the pack; and the ones that
    stay supporting (the other of a pair)."""
    by_type: dict[str, dict[str, dict[str, Any]]] = {}
    for meta in documents:
        if meta["current"] and meta["kind"] in {"generated", "stamped"} and \
                meta["file"].endswith(".pdf") and meta["doc_type"] not in NOT_CHECKED:
            by_type.setdefault(meta["doc_type"], {})[meta["kind"]] = meta
    first = "generated" if prefer == "company" else "stamped"
    chosen, supporting = {}, []
    for doc_type, kinds in by_type.items():
        pick = kinds.get(first) or next(iter(kinds.values()))
        chosen[doc_type] = pick
        supporting += [m for m in kinds.values() if m is not pick]
    return chosen, supporting


def may_force(order: Order, person: Person | None, reason: str) -> None:
    """A hand-over despite errors is a manager's decision: an identified manager or general
    manager, never the order's own salesperson, with a reason."""
    if person is None:
        raise HandoverRefused("a hand-over despite errors needs an identified manager or "
                              "general manager", hint="--by THEIR-LOGIN (their password is "
                              "asked, or --key THEIR-KEY), or the page signed in as them.")
    if person.role not in {"manager", "general_manager"}:
        raise HandoverRefused(f"{person.login} ({person.role}) may not hand over despite "
                              "errors", hint="Only a manager or the general manager decides "
                              "that; ask one.")
    if person.name == order.salesperson.name:
        raise HandoverRefused(f"{person.name} is the order's salesperson and may not force "
                              "its hand-over", hint="Another manager decides (four eyes).")
    if not reason.strip():
        raise HandoverRefused("a hand-over despite errors needs the reason (--reason)")


def hand_over(desk: Desk, order_no: str, *, on: dt.date | None = None, force: bool = False,
              forced_by: Person | None = None, reason: str = "",
              preview: Path | None = None) -> tuple[CheckResult, str, list[dict[str, Any]]]:
    """Check, then build the customer's pack and the office's record of the hand-over;
    refuse on errors unless a manager forces it (who and why). With `preview`, the
    customer's pack marked PREVIEW 预览 is written there, and nothing is archived."""
    with desk.store.open(order_no) as record:
        if force:
            may_force(record.order, forced_by, reason)
        result = check_case(desk, record, on)
        if preview is not None:
            manifest = _preview(desk, record, result, preview)
            return result, str(preview), manifest
        result.report = file_report(desk, record, result)
        if result.errors and not force:
            raise HandoverRefused(
                f"order {order_no} has {len(result.errors)} error(s); nothing was handed over",
                hint="Fix them, or a manager hands over anyway with --force --by LOGIN "
                "--reason TEXT.", findings=result.errors)
        path, manifest = _pack(desk, record, result, forced_by if result.errors else None,
                               reason if result.errors else "")
    return result, path, manifest


def _handover_copy(desk: Desk, record: OrderRecord, meta: dict[str, Any], work: Path) -> Path:
    """A factory document as the factory sent it, with the hand-over stamps in a free
    margin (the archived copy carries the internal ARCHIVED stamp instead)."""
    original = next((m for m in record.documents if m["kind"] == "original"
                     and m["source_sha256"] == meta["source_sha256"]), None)
    root: Path = desk.store.root
    if original is None:
        return root / str(meta["path"])
    source = root / str(original["path"])
    if sha256_file(source) != original["sha256"]:
        raise ArchiveError(f"{original['path']} no longer matches its sidecar",
                           hint="Run `gendan verify`; restore it from backup before handing "
                           "over.")
    folder = work / str(meta["doc_type"])
    folder.mkdir()
    if source.suffix.lower() in IMAGE_SUFFIXES:
        source = Path(image_to_pdf(source, folder / "scan.pdf"))
    specs = desk.stamps.specs(meta["doc_type"], "handover")
    if not specs:
        return source
    reader, info = open_pdf(source, text_pages=0)
    target = folder / "handover.pdf"
    stamp_pdf(reader, target, in_free_margin(source, specs, info.pages), {},
              desk.stamps.font(specs))
    return target


def _chosen(desk: Desk, record: OrderRecord
            ) -> tuple[dict[str, dict[str, Any]], list[str], list[dict[str, Any]]]:
    """The documents that go in (by type), their order, and the supporting ones."""
    rules = desk.settings.handover
    files, supporting = pack_documents(record.documents, rules.prefer)
    ordered = [t for t in rules.order if t in files] + sorted(
        t for t in files if t not in rules.order and files[t]["kind"] == "stamped")
    for doc_type in ordered:
        meta = files[doc_type]
        if sha256_file(desk.store.root / meta["path"]) != meta["sha256"]:
            raise ArchiveError(f"{meta['path']} no longer matches its sidecar",
                               hint="Run `gendan verify`; restore it from backup before "
                               "handing over.")
    return files, ordered, supporting


def _manifest(files: dict[str, dict[str, Any]], ordered: list[str], order: Order
              ) -> list[dict[str, Any]]:
    """What the cover lists: each document with the originals and copies presented (as
    the letter of credit asks, else one original)."""
    credit = order.letter_of_credit
    asked = {d.document: d for d in credit.documents} if credit else {}
    return [{"title": title(t), "path": files[t]["path"], "sha256": files[t]["sha256"],
             "pages": files[t].get("pages") or 0,
             "originals": asked[t].originals if t in asked else 1,
             "copies": asked[t].copies if t in asked else 0,
             "by": "工厂 factory's" if files[t]["kind"] == "stamped" else "本公司 company's own"}
            for t in ordered]


def _customer_pack(desk: Desk, record: OrderRecord, result: CheckResult,
                   files: dict[str, dict[str, Any]], ordered: list[str],
                   manifest: list[dict[str, Any]], work: Path, target: Path,
                   preview: bool = False) -> int:
    """What the customer (or the bank) examines: a cover as a bank expects it, the
    documents, bookmarks, page labels and numbers; nothing of the office's own."""
    rules = desk.settings.handover
    order = result.case.order
    parts = []
    for doc_type in ordered:
        meta = files[doc_type]
        path = desk.store.root / meta["path"]
        if meta["kind"] == "stamped":
            path = _handover_copy(desk, record, meta, work)
        parts.append(PackPart(title(doc_type), path))
    seal = desk.maker.template_file(desk.settings.company.seal)
    context = {"company": desk.settings.company.model_dump(),
               "order": {**order.model_dump(), "contract_number": order.contract_number},
               "date": result.case.handover_date,
               "seal_url": seal.resolve().as_uri() if seal and not preview else "",
               "logo_url": logo_url(desk)}
    cover = _cover(desk, context, manifest, work, "handover_cover.html")
    font = stamp_font_path(desk.settings.stamp_font) if rules.page_numbers or preview \
        else None
    spans = build_pack([PackPart("交单清单 Documents presented", cover), *parts], target,
                       page_numbers=rules.page_numbers, font_path=font, preview=preview)
    return spans[-1][2]


def _preview(desk: Desk, record: OrderRecord, result: CheckResult, target: Path
             ) -> list[dict[str, Any]]:
    """The customer's pack as it would go out, marked PREVIEW 预览; nothing archived."""
    files, ordered, _ = _chosen(desk, record)
    manifest = _manifest(files, ordered, result.case.order)
    with desk.store.work_folder() as work:
        made = work / "preview.pdf"
        _customer_pack(desk, record, result, files, ordered, manifest, work, made,
                       preview=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(made.read_bytes())
    return manifest


def _pack(desk: Desk, record: OrderRecord, result: CheckResult, forced_by: Person | None,
          reason: str) -> tuple[str, list[dict[str, Any]]]:
    files, ordered, supporting = _chosen(desk, record)
    counts = result.counts()
    source = f"gendan handover {record.ref.order_no}"
    manifest = _manifest(files, ordered, result.case.order)
    by = forced_by.name if forced_by else ""
    digest = sha256_bytes(json.dumps([manifest, str(result.case.handover_date), by, reason,
                                      counts], sort_keys=True).encode())
    if made := record.made_from(digest):  # the same pack of the same documents, made before
        before = next((m for m in made if m["doc_type"] == "handover_pack"), made[0])
        return str(before["path"]), before.get("manifest", manifest)
    with desk.store.work_folder() as work:
        pack = work / "pack.pdf"
        total = _customer_pack(desk, record, result, files, ordered, manifest, work, pack)
        signed = _signed(desk, pack, work, record.ref.order_no)
        if signed is not None:
            pack = signed
        office = _office_record(desk, result, files, ordered, supporting, manifest, forced_by,
                                reason, work)
        forced = bool(result.errors)
        who = f"{forced_by.name} ({forced_by.role})" if forced_by else ""
        flags = (f"handed over with {counts['error']} error(s), forced by {who}: {reason}",
                 ) if forced else ()
        summary = f"hand-over pack of {len(ordered)} documents, {total} pages"
        event = Event(recorded=desk.clock.now(), kind="handover", source=source,
                      summary=summary + (f"; FORCED by {who}: {reason}" if forced else ""),
                      flags=flags, data={"date": str(result.case.handover_date),
                                         "forced": forced, "by": by,
                                         "by_account": forced_by.login if forced_by else "",
                                         "role": forced_by.role if forced_by else "",
                                         "reason": reason})
        meta = {"pages": total, "manifest": manifest, "forced": forced,
                "signed": signed is not None,
                "forced_by": by, "forced_reason": reason, "business_date":
                str(result.case.handover_date), **counts}
        filed = record.commit(Filing(event, source, digest, [
            StagedFile(office, "handover_record", ".pdf", {"forced": forced, **counts,
                                                           "business_date": meta[
                                                               "business_date"]},
                       "handover"),
            StagedFile(pack, "handover_pack", ".pdf", meta, "handover")]))
    pack_meta = next(m for m in filed if m["doc_type"] == "handover_pack")
    return str(pack_meta["path"]), manifest


def _signed(desk: Desk, pack: Path, work: Path, order_no: str) -> Path | None:
    """The pack signed with the company's certificate, when the workspace has one."""
    from ..pdf.signing import Certificate, sign_pdf

    certificate = Certificate.of(desk.workspace.root)
    if not certificate.exists():
        return None
    target = work / "pack-signed.pdf"
    sign_pdf(pack, target, certificate, f"hand-over of order {order_no}", "CompanyHandOver")
    return target


def _office_record(desk: Desk, result: CheckResult, files: dict[str, dict[str, Any]],
                   ordered: list[str], supporting: list[dict[str, Any]],
                   manifest: list[dict[str, Any]], forced_by: Person | None, reason: str,
                   work: Path) -> Path:
    """The office's own record of the hand-over: the check, the decision, what went in
    and its digests (archived, never handed over)."""
    counts = result.counts()
    order = result.case.order
    checklist = [{"title": title(t), "required": t in result.case.required,
                  "included": t in files}
                 for t in dict.fromkeys([*result.case.required, *ordered])]
    context = {"company": desk.settings.company.model_dump(),
               "order": {**order.model_dump(), "contract_number": order.contract_number},
               "date": result.case.handover_date, "checklist": checklist,
               "errors": counts["error"], "warnings": counts["warning"],
               "reviews": counts["review"],
               "forced_by": f"{forced_by.name} ({forced_by.role})" if forced_by else "",
               "forced_reason": reason, "findings": [f.as_dict() for f in result.errors],
               "logo_url": logo_url(desk), "prefer": desk.settings.handover.prefer,
               "supporting": [{"title": title(m["doc_type"]), "path": m["path"],
                               "by": "工厂 factory's" if m["kind"] == "stamped"
                               else "本公司 company's own"} for m in supporting]}
    return render_html_pdf("handover_record.html", {**context, "manifest": manifest},
                           desk.workspace.template_dirs, work / "record.pdf").path


def _cover(desk: Desk, context: dict[str, Any], manifest: list[dict[str, Any]],
           work: Path, template: str) -> Path:
    """The cover, rendered until it knows its own page count (the manifest's page ranges
    start after it)."""
    cover_pages = 1
    for _ in range(3):
        start = cover_pages
        for row in manifest:
            row["first"], row["last"] = start + 1, start + row["pages"]
            start += row["pages"]
        cover = render_html_pdf(template, {**context, "manifest": manifest},
                                desk.workspace.template_dirs, work / "cover.pdf")
        if cover.pages == cover_pages:
            break
        cover_pages = cover.pages
    return cover.path
