"""A form for every order update, made from the model that reads the update's file: the
same fields, the same validation, the same errors by field; what the form sends becomes
an update file in the inbox, filed by the desk like any dropped one (so it obeys the same
rules and is archived byte for byte). Approvals have their own button (they are signed).

    GET  /orders/ORDER/update/KIND   the form
    POST /orders/ORDER/update/KIND   validated; refused with its errors, else filed
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined

from ..people import Person
from ..updates import (
    CreditNoteUpdate,
    FactoryConfirmationUpdate,
    InspectionUpdate,
    LoadingUpdate,
    PaymentUpdate,
    ShipmentUpdate,
    StatusUpdate,
)
from .auth import may_read, writer
from .render import flash, office_of, page

__all__ = ["FORMS", "fields_of", "router"]

router = APIRouter()
Reader = Depends(may_read)
Writer = Depends(writer)
Chosen = Form(...)  # the document types ticked
FORMS: dict[str, tuple[type[BaseModel], str]] = {
    "factory_confirmation": (FactoryConfirmationUpdate, "工厂确认 Factory confirmation"),
    "inspection": (InspectionUpdate, "验货 Inspection"),
    "loading": (LoadingUpdate, "装车 Loading"),
    "shipment": (ShipmentUpdate, "装船 Shipment"),
    "payment": (PaymentUpdate, "收款 Payment"),
    "credit_note": (CreditNoteUpdate, "贷项 Credit note"),
    "status": (StatusUpdate, "状态 Status"),
}
_HIDDEN = {"update", "order_no"}


def _kind(annotation: Any) -> tuple[str, list[str]]:
    """The input a field needs: text, date, datetime-local, number, select (its choices),
    lines (a list of texts) or yaml (anything nested)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kind(args[0])
    if origin is Literal:
        return "select", [str(a) for a in typing.get_args(annotation)]
    if origin in (typing.Union, types.UnionType) and args:
        return _kind(args[0])
    if origin is list:
        inner = typing.get_args(annotation)[0]
        return ("lines", []) if _kind(inner)[0] == "text" else ("yaml", [])
    if annotation is dt.date:
        return "date", []
    if annotation is dt.datetime:
        return "datetime-local", []
    if annotation in (int, float, Decimal):
        return "number", []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "yaml", []
    return "text", []


def fields_of(model: type[BaseModel]) -> list[dict[str, Any]]:
    out = []
    for name, info in model.model_fields.items():
        if name in _HIDDEN or name in {"proof", "account", "revision"}:
            continue
        kind, choices = _kind(info.rebuild_annotation())
        out.append({"name": name, "kind": kind, "choices": choices,
                    "required": info.is_required(), "help": info.description or "",
                    "default": "" if info.is_required() or info.default_factory is not None
                    or info.default in (None, PydanticUndefined) else str(info.default)})
    return out


def _data(model: type[BaseModel], form: dict[str, str], kind: str, order_no: str
          ) -> dict[str, Any]:
    """The form as the update's data: empty fields left out (their defaults apply), lists
    one a line, nested fields as YAML."""
    import yaml

    data: dict[str, Any] = {"update": kind, "order_no": order_no}
    for field in fields_of(model):
        value = (form.get(field["name"]) or "").strip()
        if not value:
            continue
        if field["kind"] == "lines":
            data[field["name"]] = [v.strip() for v in value.splitlines() if v.strip()]
        elif field["kind"] == "yaml":
            try:
                data[field["name"]] = yaml.safe_load(value)
            except yaml.YAMLError:
                data[field["name"]] = value  # the model says what is wrong with it
        else:
            data[field["name"]] = value
    return data


def _form(request: Request, order_no: str, kind: str, values: dict[str, str],
          errors: dict[str, str]) -> Response:
    model, title = FORMS[kind]
    return page(request, "update_form.html", {
        "order_no": order_no, "kind": kind, "title": title, "fields": fields_of(model),
        "values": values, "errors": errors, "forms": {k: t for k, (_, t) in FORMS.items()}})


def _known(request: Request, order_no: str, kind: str) -> None:
    if kind not in FORMS:
        raise HTTPException(status_code=404, detail=f"no form for {kind!r}; forms: "
                            + ", ".join(FORMS))
    if office_of(request).desk.store.locate(order_no) is None:
        raise HTTPException(status_code=404, detail=f"order {order_no} is not in the archive")


@router.get("/orders/{order_no:path}/update/{kind}")
def update_form(request: Request, order_no: str, kind: str,
                user: Person | None = Reader) -> Response:
    _known(request, order_no, kind)
    return _form(request, order_no, kind, {}, {})


@router.post("/orders/{order_no:path}/update/{kind}")
async def update_post(request: Request, order_no: str, kind: str,
                      user: Person = Writer) -> Response:
    import yaml

    from ..inbox import receive
    from ..intake.order_file import problems_of
    from ..updates import update_adapter

    _known(request, order_no, kind)
    form = {k: str(v) for k, v in (await request.form()).items() if k != "csrf"}
    model, _ = FORMS[kind]
    data = _data(model, form, kind, order_no)
    try:
        update_adapter.validate_python(data)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for problem in problems_of(exc, None):
            name = problem.path.split(".")[-1].split("[")[0] if "." in problem.path \
                else problem.path.split("[")[0]
            errors.setdefault(name, f"found {problem.found}; expected {problem.expected}")
        return _form(request, order_no, kind, form, errors)
    office = office_of(request)
    now = office.desk.clock.now()
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")
    name = f"{kind}_{order_no}_{now:%Y%m%d-%H%M%S}_{user.login}.yaml"

    def work() -> Any:
        with office.writing:
            path = receive(body, name, office.workspace.inbox,
                           mode=office.desk.store.file_mode)
            return office.desk.process(path)

    from starlette.concurrency import run_in_threadpool

    outcome = await run_in_threadpool(work)
    ok = outcome.status in {"archived", "duplicate"}
    flash(request, "ok" if ok else "error", f"{FORMS[kind][1]}: {outcome.status}: "
          + "; ".join([outcome.message, *outcome.problems, *outcome.reasons[:3]]))
    from urllib.parse import quote

    return RedirectResponse(f"/orders/{quote(order_no, safe='')}", status_code=303)


@router.get("/forms/{name}.xlsx")
def excel_form(request: Request, name: str, user: Person | None = Reader) -> Response:
    """The bilingual Excel order form (order.xlsx) or update form (update.xlsx), to fill in
    and upload."""
    import tempfile

    from ..intake.form import write_order_form

    if name not in {"order", "update"}:
        raise HTTPException(status_code=404, detail="forms: order.xlsx, update.xlsx")
    with tempfile.TemporaryDirectory(prefix="gendan-form-") as work:
        target = write_order_form(Path(work) / f"{name}.xlsx", update=name == "update")
        data = target.read_bytes()
    return Response(data, media_type="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet", headers={
                        "Content-Disposition": f'attachment; filename="gendan-{name}-form.xlsx"'})


@router.post("/orders/{order_no:path}/send")
def send(request: Request, order_no: str, to: str = Form(...), cc: str = Form(""),
         doc_types: list[str] = Chosen, message: str = Form(""),
         user: Person = Writer) -> Response:
    """The documents chosen mailed to the customer (as `gendan send`)."""
    from urllib.parse import quote

    from ..errors import GendanError
    from ..mail.send import send_documents

    office = office_of(request)
    split = [a.strip() for a in re.split(r"[,;\s]+", to) if a.strip()]
    copies = [a.strip() for a in re.split(r"[,;\s]+", cc) if a.strip()]
    try:
        with office.writing:
            sent = send_documents(office.desk, order_no, doc_types, to=split, cc=copies,
                                  note=f"{message.strip()[:1000]}" if message.strip() else "")
        flash(request, "ok", f"sent {', '.join(sent.files)} to {', '.join(sent.to)} "
              f"({sent.message_id}) by {user.name}")
    except GendanError as exc:
        flash(request, "error", f"not sent: {exc.message} {exc.hint}".strip())
    return RedirectResponse(f"/orders/{quote(order_no, safe='')}#send", status_code=303)
