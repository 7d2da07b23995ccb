"""The writes (POST), each by a signed-in person with the form's token, one at a time in
this server and through the same desk and recipes as the command:

    upload    -> into the inbox -> desk.process (as a dropped file)
    assign    -> desk.assign (as `gendan assign`)
    try again -> back into the inbox -> desk.process
    approve   -> an approval update file into the inbox, signed by the person -> process
    check     -> recipes.check_order;  hand-over -> recipes.hand_over
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from ..errors import GendanError, NotFoundError
from ..inbox import receive, take_back
from ..outcome import Outcome
from ..people import Person
from .auth import writer
from .render import flash, office_of, page
from .views import approval_role, order_view, parked

__all__ = ["router"]

router = APIRouter()
Writer = Depends(writer)
CHUNK = 1 << 20


def _order_page(order_no: str, anchor: str = "") -> RedirectResponse:
    from urllib.parse import quote

    return RedirectResponse(f"/orders/{quote(order_no, safe='')}{anchor}", status_code=303)


def _say(request: Request, outcome: Outcome) -> None:
    ok = outcome.status in {"archived", "duplicate"}
    detail = "; ".join([outcome.message, *outcome.problems, *outcome.reasons[:3]])
    flash(request, "ok" if ok else "error", f"{outcome.file}: {outcome.status}: {detail}")


async def _read(upload: UploadFile, limit: int) -> bytes:
    parts, size = [], 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise HTTPException(status_code=413, detail=f"{upload.filename}: larger than "
                                f"{limit // CHUNK} MB, the largest file the inbox takes "
                                "([limits] in gendan.toml)")
        parts.append(chunk)
    return b"".join(parts)


@router.post("/upload")
async def upload(request: Request, files: list[UploadFile], user: Person = Writer) -> Response:
    office = office_of(request)
    limits = office.settings.limits
    limit = int(max(limits.pdf_mb, limits.workbook_mb, limits.order_file_mb,
                    limits.image_mb) * CHUNK)
    received = [(f.filename or "upload", await _read(f, limit)) for f in files if f.filename]
    if not received:
        raise HTTPException(status_code=400, detail="choose at least one file to upload")
    outcomes: list[Outcome] = []

    def work() -> None:
        with office.writing:
            for name, data in received:
                if why := _not_theirs(office, user, name, data):
                    outcomes.append(Outcome(name, "refused", why))
                    continue
                path = receive(data, name, office.workspace.inbox,
                               mode=office.desk.store.file_mode)
                outcome = office.desk.process(path)
                if outcome.status == "vanished":  # a watcher took it first
                    outcome = Outcome(outcome.file, "taken", "the watcher took this file "
                                      "first; see it on today's page")
                outcomes.append(outcome)
            outcomes.extend(office.desk.take_later())

    from starlette.concurrency import run_in_threadpool

    await run_in_threadpool(work)
    name = "outcomes.html" if request.headers.get("hx-request") else "upload.html"
    return page(request, name, {"outcomes": outcomes})


def _not_theirs(office: Any, user: Person, name: str, data: bytes) -> str:
    """Why an uploaded file may not come from this person ("" when it may): a file from the
    page is the signed-in person's, so it carries only their own decisions, in their role,
    signed with their key; and only a manager re-assigns an order to another salesperson."""
    if not name.lower().endswith((".yaml", ".yml", ".json")):
        return ""
    import yaml

    try:
        found = yaml.safe_load(data.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return ""  # the inbox says what is wrong with it
    if not isinstance(found, dict):
        return ""
    if found.get("update") == "approval":
        proof: dict[str, Any] = found["proof"] if isinstance(found.get("proof"), dict) else {}
        if found.get("by") != user.name or found.get("role") != user.role or \
                proof.get("account") != user.login:
            return (f"an approval by {found.get('by')} ({found.get('role')}) uploaded by "
                    f"{user.login}: a file from the page may carry only your own decisions, "
                    "signed with your key; use the Approve button on the order's page")
        return ""
    if "items" in found and "order_no" in found and not user.approves:
        located = office.desk.store.locate(str(found.get("order_no")))
        salesperson = (found.get("salesperson") or {}).get("name") \
            if isinstance(found.get("salesperson"), dict) else None
        if located is not None and salesperson:
            with office.desk.store.open(str(found["order_no"])) as record:
                before = record.order.salesperson.name
            if salesperson != before:
                return (f"a revision that gives order {found['order_no']} to {salesperson} "
                        f"(now {before}'s): only a manager re-assigns an order")
    return ""


def _parked_path(request: Request, folder: str, name: str) -> Path:
    """A file in one of the inbox's side folders, named as the page listed it."""
    if folder not in {"unmatched", "waiting", "rejected", "failed"}:
        raise HTTPException(status_code=400, detail=f"no inbox folder {folder}")
    listed = {p.name: p for p in parked(office_of(request), folder)}
    if name not in listed:
        raise HTTPException(status_code=404, detail=f"{name} is no longer waiting in "
                            f"inbox/_{folder}/ (filed or removed meanwhile)")
    return office_of(request).workspace.side_folder(folder) / name


@router.post("/inbox/assign")
def assign(request: Request, name: str = Form(...), order_no: str = Form(...),
           doc_type: str = Form(""), user: Person = Writer) -> Response:
    office = office_of(request)
    path = _parked_path(request, "unmatched", name)
    try:
        with office.writing:
            outcome = office.desk.assign(path, order_no.strip(), doc_type or None)
    except GendanError as exc:
        flash(request, "error", f"{name}: {exc.message} {exc.hint}".strip())
        return RedirectResponse("/#unmatched", status_code=303)
    _say(request, outcome)
    return RedirectResponse("/#unmatched", status_code=303)


@router.post("/inbox/retry")
def retry(request: Request, folder: str = Form(...), name: str = Form(...),
          user: Person = Writer) -> Response:
    office = office_of(request)
    path = _parked_path(request, folder, name)
    with office.writing:
        back = take_back(path, office.workspace.inbox)
        outcome = office.desk.process(back)
    _say(request, outcome)
    return RedirectResponse(f"/#{folder}", status_code=303)


def _approval(order_no: str, user: Person, role: str, decision: str, remark: str,
              now: Any, revision: int, secret: str) -> bytes:
    """The signed-in person's decision, vouched for by gendan (signatures.attest)."""
    from ..signatures import attest

    update: dict[str, Any] = {"update": "approval", "order_no": order_no, "role": role,
                              "by": user.name, "decision": decision,
                              "at": now.strftime("%Y-%m-%dT%H:%M"), "account": user.login,
                              "revision": revision}
    if remark.strip():
        update["remark"] = remark.strip()[:500]
    update["proof"] = attest(update, user.login, "page", secret)
    return json.dumps(update, ensure_ascii=False, indent=2).encode("utf-8")


@router.post("/orders/{order_no:path}/approve")
def approve(request: Request, order_no: str, decision: str = Form("approved"),
            remark: str = Form(""), user: Person = Writer) -> Response:
    office = office_of(request)
    if decision not in {"approved", "rejected"}:
        raise HTTPException(status_code=400, detail="decide approved or rejected")
    with office.writing:
        try:
            view = order_view(office, order_no)
        except NotFoundError as exc:
            raise HTTPException(status_code=404, detail=exc.message) from exc
        role_why = approval_role(user, view)
        if role_why is None or role_why[1]:
            why = role_why[1] if role_why else f"{user.login} may not sign contract reviews"
            raise HTTPException(status_code=403, detail=f"{user.name} cannot sign the review "
                                f"of {order_no}: {why}")
        now = office.desk.clock.now()
        from ..flow import revision

        data = _approval(view["order"].order_no, user, role_why[0], decision, remark, now,
                         revision(view["workflow"]), office.people.secret())
        name = f"approval_{view['order'].order_no}_{role_why[0]}_{now:%Y%m%d-%H%M%S}.json"
        path = receive(data, name, office.workspace.inbox, mode=office.desk.store.file_mode)
        outcome = office.desk.process(path)
    _say(request, outcome)
    return _order_page(order_no, "#approvals")


@router.post("/orders/{order_no:path}/check")
def check(request: Request, order_no: str, user: Person = Writer) -> Response:
    from ..recipes import check_order

    office = office_of(request)
    try:
        with office.writing:
            result = check_order(office.desk, order_no)
    except GendanError as exc:
        flash(request, "error", f"check {order_no}: {exc.message}")
        return _order_page(order_no)
    counts = result.counts()
    flash(request, "error" if counts["error"] else "ok",
          f"检查 check {order_no}: {counts['error']} error(s), {counts['warning']} "
          f"warning(s), {counts['review']} to review")
    return _order_page(order_no, "#check")


@router.post("/orders/{order_no:path}/preview")
def preview(request: Request, order_no: str, user: Person = Writer) -> Response:
    """The customer's pack as it would go out, marked PREVIEW 预览: nothing is archived
    and the status does not change."""
    import tempfile

    from ..recipes import hand_over

    office = office_of(request)
    try:
        with tempfile.TemporaryDirectory() as tmp, office.writing:
            target = Path(tmp) / f"{order_no}-preview.pdf"
            hand_over(office.desk, order_no, preview=target)
            data = target.read_bytes()
    except GendanError as exc:
        flash(request, "error", f"preview {order_no}: {exc.message}")
        return _order_page(order_no, "#handover")
    name = quote(f"{order_no}-preview.pdf")
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


@router.post("/orders/{order_no:path}/handover")
def handover(request: Request, order_no: str, force: str = Form(""), reason: str = Form(""),
             user: Person = Writer) -> Response:
    from ..recipes import HandoverRefused, hand_over

    office = office_of(request)
    forced = bool(force)
    if forced and not user.approves:
        raise HTTPException(status_code=403, detail="only a manager or the general manager "
                            "may hand over despite errors")
    if forced and not reason.strip():
        flash(request, "error", "a hand-over despite errors needs the reason")
        return _order_page(order_no, "#handover")
    try:
        with office.writing:
            _, path, manifest = hand_over(office.desk, order_no, force=forced,
                                          forced_by=user if forced else None,
                                          reason=reason.strip())
    except HandoverRefused as refused:
        flash(request, "error", f"交单 hand-over refused: {refused.message}: " + "; ".join(
            f"[{f.rule}] {f.message}" for f in refused.findings[:6]))
        return _order_page(order_no, "#check")
    except GendanError as exc:
        flash(request, "error", f"hand-over {order_no}: {exc.message}")
        return _order_page(order_no)
    flash(request, "ok", f"交单资料 hand-over pack made: {Path(path).name} "
          f"({len(manifest)} documents)")
    return _order_page(order_no, "#handover")
