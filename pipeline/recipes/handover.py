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
from ..pdf import IMAGE_SUFFIXES, image_to_pdf, open_pdf, stamp_font_path, stamp_pdf
from ..pdf.margins import in_free_margin
from ..pdf.pack import PackPart, build_pack
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


def hand_over(desk: Desk, order_no: str, *, on: dt.date | None = None, force: bool = False,
              by: str = "", reason: str = "") -> tuple[CheckResult, str, list[dict[str, Any]]]:
    """Check, then build the pack; refuse on errors unless forced (with who and why)."""
    if force and (not by or not reason):
        raise HandoverRefused("--force needs --by (who decides) and --reason (why)")
    with desk.store.open(order_no) as record:
        result = check_case(desk, record, on)
        result.report = file_report(desk, record, result)
        if result.errors and not force:
            raise HandoverRefused(
                f"order {order_no} has {len(result.errors)} error(s); nothing was handed over",
                hint="Fix them, or hand over anyway with --force --by NAME --reason TEXT.",
                findings=result.errors)
        path, manifest = _pack(desk, record, result, by, reason)
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


def _pack(desk: Desk, record: OrderRecord, result: CheckResult, by: str,
          reason: str) -> tuple[str, list[dict[str, Any]]]:
    rules = desk.settings.handover
    files, supporting = pack_documents(record.documents, rules.prefer)
    ordered = [t for t in rules.order if t in files] + sorted(
        t for t in files if t not in rules.order and files[t]["kind"] == "stamped")
    counts = result.counts()
    order = result.case.order
    source = f"gendan handover {record.ref.order_no}"
    manifest: list[dict[str, Any]] = []
    for doc_type in ordered:
        meta = files[doc_type]
        if sha256_file(desk.store.root / meta["path"]) != meta["sha256"]:
            raise ArchiveError(f"{meta['path']} no longer matches its sidecar",
                               hint="Run `gendan verify`; restore it from backup before "
                               "handing over.")
        who = "工厂 factory's" if meta["kind"] == "stamped" else "本公司 company's own"
        manifest.append({"title": title(doc_type), "path": meta["path"], "by": who,
                         "sha256": meta["sha256"], "pages": meta.get("pages") or 0})
    digest = sha256_bytes(json.dumps([manifest, str(result.case.handover_date), by, reason,
                                      counts], sort_keys=True).encode())
    if made := record.made_from(digest):  # the same pack of the same documents, made before
        return str(made[0]["path"]), made[0].get("manifest", manifest)
    with desk.store.work_folder() as work:
        parts = []
        for doc_type in ordered:
            meta = files[doc_type]
            path = desk.store.root / meta["path"]
            if meta["kind"] == "stamped":
                path = _handover_copy(desk, record, meta, work)
            parts.append(PackPart(title(doc_type), path))
        checklist = [{"title": title(t), "required": t in result.case.required,
                      "included": t in files}
                     for t in dict.fromkeys([*result.case.required, *ordered])]
        seal = desk.maker.template_file(desk.settings.company.seal)
        context = {"company": desk.settings.company.model_dump(),
                   "order": {**order.model_dump(), "contract_number": order.contract_number},
                   "date": result.case.handover_date, "checklist": checklist,
                   "errors": counts["error"], "warnings": counts["warning"],
                   "reviews": counts["review"], "forced_by": by, "forced_reason": reason,
                   "seal_url": seal.resolve().as_uri() if seal else "",
                   "logo_url": logo_url(desk), "prefer": rules.prefer,
                   "supporting": [{"title": title(m["doc_type"]), "path": m["path"],
                                   "by": "工厂 factory's" if m["kind"] == "stamped"
                                   else "本公司 company's own"} for m in supporting]}
        cover = _cover(desk, context, manifest, work)
        pack = work / "pack.pdf"
        font = stamp_font_path(desk.settings.stamp_font) if rules.page_numbers else None
        spans = build_pack([PackPart("交单清单 Hand-over checklist", cover), *parts], pack,
                           page_numbers=rules.page_numbers, font_path=font)
        total = spans[-1][2]
        flags = (f"handed over with {counts['error']} error(s) by decision of {by}: {reason}",
                 ) if result.errors else ()
        event = Event(recorded=desk.clock.now(), kind="handover", source=source,
                      summary=f"hand-over pack of {len(parts)} documents, {total} pages",
                      flags=flags, data={"date": str(result.case.handover_date),
                                         "forced": bool(result.errors), "by": by,
                                         "reason": reason})
        meta = {"pages": total, "manifest": manifest, "forced": bool(result.errors),
                "forced_by": by, "forced_reason": reason, "business_date":
                str(result.case.handover_date), **counts}
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
