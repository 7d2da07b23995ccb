"""The pages that answer questions (GET): today, customers, a customer, an order, search,
the upload form; archived files and page thumbnails."""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
from decimal import Decimal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response

from ..doctypes import FACTORY_TYPES
from ..errors import NotFoundError
from ..people import Person
from .auth import may_read
from .render import office_of, page
from .views import (
    approval_role,
    customer_rows,
    due_label,
    kept,
    order_view,
    today_view,
)

__all__ = ["router"]

router = APIRouter()
FACTORY_TYPE_NAMES = sorted(set(FACTORY_TYPES) - {"order_data", "order_update"})
SHA = re.compile(r"^[0-9a-f]{64}$")
Reader = Depends(may_read)


@router.get("/")
def today(request: Request, page_no: int = Query(1, alias="page", ge=1, le=100_000),
          user: Person | None = Reader) -> Response:
    view = today_view(office_of(request), page_no)
    return page(request, "today.html", {**view, "due_label": due_label,
                                        "types": FACTORY_TYPE_NAMES})


@router.get("/customers")
def customers(request: Request, user: Person | None = Reader) -> Response:
    office = office_of(request)
    index = office.index()
    try:
        rows = kept(office, index, "customers",
                    lambda i: customer_rows(i.order_facts(), i.next_whats))
    finally:
        index.close()
    return page(request, "customers.html", {"customers": rows})


@router.get("/masters")
def masters_page(request: Request, user: Person | None = Reader) -> Response:
    """The master data: customers, products, factories, salespeople (masters/)."""
    found = office_of(request).desk.masters()
    return page(request, "masters.html", {
        "kinds": {kind: [r.model_dump(mode="json") for r in records.values()]
                  for kind, records in found.records.items()},
        "problems": [str(p) for p in found.problems]})


@router.get("/customers/{code}")
def customer(request: Request, code: str, user: Person | None = Reader) -> Response:
    from ..books.samples import samples
    from ..index import OrderFilter

    office = office_of(request)
    index = office.index()
    try:
        orders = index.orders(OrderFilter(customer=code))
    finally:
        index.close()
    master = office.desk.masters().customers.get(code)
    if not orders and master is None:
        raise HTTPException(status_code=404, detail=f"no orders of customer {code}")
    summary = customer_rows(orders)[0] if orders else {"name": master.name_en if master else "",
                                                       "orders": 0, "open": 0, "amounts": []}
    owed: dict[str, Decimal] = {}
    for o in orders:
        owed[o["currency"]] = owed.get(o["currency"], Decimal(0)) + Decimal(
            o.get("outstanding") or 0)
    return page(request, "customer.html", {
        "code": orders[0]["customer"] if orders else code, "summary": summary,
        "orders": orders, "master": master.model_dump(mode="json") if master else None,
        "owed": sorted((c, v) for c, v in owed.items() if v),
        "samples": [s.model_dump(mode="json") for s in samples(office.desk.workspace.books,
                                                                code)]})


@router.get("/orders/{order_no:path}")
def order(request: Request, order_no: str, user: Person | None = Reader) -> Response:
    office = office_of(request)
    try:
        view = order_view(office, order_no)
    except NotFoundError as exc:
        raise HTTPException(status_code=404, detail=exc.message) from exc
    may_approve = approval_role(user, view) if user else None
    return page(request, "order.html", {**view, "may_approve": may_approve,
                                        "today": office.desk.clock.today()})


@router.get("/search")
def search(request: Request, q: str = "", customer: str = "", order: str = "",
           model: str = "", type: str = "", date_from: str = "", date_to: str = "",
           all_versions: str = "", user: Person | None = Reader) -> Response:
    query = {"text": q.strip() or None, "customer": customer.strip() or None,
             "order": order.strip() or None, "model": model.strip() or None,
             "doc_type": type or None, "date_from": _day(date_from, "from"),
             "date_to": _day(date_to, "to"), "current": not all_versions}
    hits = []
    asked = any(v for k, v in query.items() if k != "current")
    if asked:
        index = office_of(request).index()
        try:
            hits = index.find(**query, limit=200)
        finally:
            index.close()
    context = {"hits": hits, "asked": asked, "q": q, "customer": customer, "order": order,
               "model": model, "type": type, "date_from": date_from, "date_to": date_to,
               "all_versions": all_versions, "types": _titles()}
    name = "search_hits.html" if request.headers.get("hx-request") else "search.html"
    return page(request, name, context)


def _titles() -> list[tuple[str, str]]:
    """Each document type once (the company's own and the factory's of one name are one
    type to search), with its name in Chinese and English."""
    from ..doctypes import GENERATED

    names = {**{k: f"{t.title_zh} {t.title_en}" for k, t in FACTORY_TYPES.items()
                if k in FACTORY_TYPE_NAMES},
             **{k: f"{t.title_zh} {t.title_en}" for k, t in GENERATED.items()}}
    return sorted(names.items(), key=lambda kv: kv[1].split(" ", 1)[-1])


def _day(text: str, which: str) -> str | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=f"the {which} date {text!r} is not a "
                            "date: write it as YYYY-MM-DD") from exc


@router.get("/upload")
def upload_form(request: Request, user: Person | None = Reader) -> Response:
    return page(request, "upload.html", {"outcomes": []})


@router.get("/files/{relative:path}")
def archived_file(request: Request, relative: str, download: str = "",
                  user: Person | None = Reader) -> Response:
    path = office_of(request).archived(relative)
    if path is None:
        raise HTTPException(status_code=404, detail="no such file in the archive")
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    inline = media in {"application/pdf", "image/png", "image/jpeg"} and not download
    return FileResponse(path, media_type=media, filename=path.name,
                        content_disposition_type="inline" if inline else "attachment")


@router.get("/thumbs/{sha256}/{number}.png")
def thumbnail(request: Request, sha256: str, number: int,
              user: Person | None = Reader) -> Response:
    from ..thumbs import Thumbnails

    if not SHA.match(sha256) or not 1 <= number <= 10_000:
        raise HTTPException(status_code=404, detail="no such page")
    office = office_of(request)
    thumbs = Thumbnails(office.archive)
    found = thumbs.cached(sha256, number)
    if found is None:
        index = office.index()
        try:
            relative = index.path_of(sha256)
        finally:
            index.close()
        path = office.archived(relative) if relative else None
        found = thumbs.get(path, sha256, number) if path else None
    if found is None:
        raise HTTPException(status_code=404, detail="this page cannot be shown")
    return FileResponse(found, media_type="image/png",
                        headers={"Cache-Control": "private, max-age=86400"})
