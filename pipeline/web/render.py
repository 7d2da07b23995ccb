"""Pages from the Jinja templates beside this module (autoescaped), with what every page
shows: who is signed in, the form token, the messages left by the last action."""

from __future__ import annotations

import secrets
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

if TYPE_CHECKING:
    from ..people import Person
    from . import Office

__all__ = ["csrf_token", "current_user", "flash", "office_of", "page", "templates"]

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
templates.env.autoescape = True


def _money(value: Any) -> str:
    try:
        return f"{Decimal(str(value)):,.2f}"
    except ArithmeticError:
        return str(value)


templates.env.filters["money"] = _money
STATUS_WORDS = {"received": "已接单 received", "confirmed": "已确认 confirmed",
                "in_production": "生产中 in production", "inspected": "已验货 inspected",
                "loaded": "已装车 loaded", "shipped": "已装船 shipped",
                "handed_over": "已交单 handed over", "registered": "已登记 registered",
                "closed": "已结案 closed", "cancelled": "已取消 cancelled"}
templates.env.filters["status"] = lambda value: STATUS_WORDS.get(str(value), str(value))
DUE_FORMS = {"approval": "#approvals", "production_notice": "#approvals",
             "factory_confirmation": "/update/factory_confirmation",
             "inspection": "/update/inspection", "loading": "/update/loading",
             "shipment": "/update/shipment", "payment": "/update/payment",
             "registration": "/update/status", "handover": "#handover",
             "documents": "/upload", "legal_inspection": "/upload"}


def _due_link(order_no: str, kind: str) -> str:
    """Where on the page a due step is done (its form), instead of a file to write."""
    target = DUE_FORMS.get(kind, "")
    if not target or order_no.startswith(("sample ", "catalogue ")):
        return ""
    if target == "/upload":
        return target
    return f"/orders/{quote(order_no, safe='')}{target}"


templates.env.globals["due_link"] = _due_link
templates.env.filters["url"] = lambda value: quote(str(value), safe="/")

TYPE_TITLES: dict[str, str] = {}


def _title(doc_type: str) -> str:
    if not TYPE_TITLES:
        from ..doctypes import FACTORY_TYPES, GENERATED

        for kinds in (FACTORY_TYPES, GENERATED):
            for key, kind in kinds.items():
                TYPE_TITLES[key] = f"{kind.title_zh} {kind.title_en}"
        TYPE_TITLES.update({"order_data": "订单数据 Order data",
                            "order_update": "订单更新 Order update",
                            "compliance_report": "检查报告 Compliance report",
                            "handover_pack": "交单资料 Hand-over pack"})
    return TYPE_TITLES.get(doc_type, doc_type)


templates.env.filters["title"] = _title


def csrf_token(request: Request) -> str:
    """The session's form token (made on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def flash(request: Request, kind: str, text: str) -> None:
    """A message for the next page (after a redirect)."""
    request.session["flash"] = [*request.session.get("flash", []), [kind, text]][-8:]


def office_of(request: Request) -> Office:
    return request.app.state.office  # type: ignore[no-any-return]


def current_user(request: Request) -> Person | None:
    """The signed-in person, while their session holds (see auth.py)."""
    login = request.session.get("login")
    if not login:
        return None
    person = office_of(request).people.get(str(login))
    if person is None or request.session.get("generation") != person.generation:
        request.session.clear()  # removed, signed out elsewhere, or a new password or role
        return None
    return person


def page(request: Request, name: str, context: dict[str, Any], *,
         status_code: int = 200) -> HTMLResponse:
    office = getattr(request.app.state, "office", None)
    messages = request.session.pop("flash", []) if "session" in request.scope else []
    user = current_user(request) if "session" in request.scope else None
    base = {"request": request, "user": user, "messages": messages,
            "csrf": csrf_token(request) if "session" in request.scope else "",
            "read_login": office.read_login if office else False,
            "company": office.settings.company if office else None}
    return templates.TemplateResponse(request, name, {**base, **context},
                                      status_code=status_code)
