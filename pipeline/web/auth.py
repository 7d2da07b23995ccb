"""Signing in and out, who may do what, and the form token every write must carry.

Sessions are a signed cookie (HttpOnly, SameSite=Strict) naming the person; the person's
role is read from the users file on every request, so a removed user is out at once. Every
POST needs the session's CSRF token (the form's `csrf` field or the X-CSRF-Token header).
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from .render import csrf_token, current_user, flash, office_of, page

if TYPE_CHECKING:
    from ..people import Person

__all__ = ["current_user", "may_read", "router", "writer"]

router = APIRouter()


def _to_login(request: Request) -> HTTPException:
    target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return HTTPException(status_code=303, headers={"Location": f"/login?next={target}"})


def may_read(request: Request) -> Person | None:
    """Dependency of every page: sign-in first when the server is open beyond this
    machine."""
    user = current_user(request)
    if user is None and office_of(request).read_login:
        raise _to_login(request)
    return user


async def _check_token(request: Request) -> None:
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    expected = request.session.get("csrf")
    if not sent or not expected or not hmac.compare_digest(str(sent), str(expected)):
        raise HTTPException(status_code=403, detail="the form has expired or did not come "
                            "from this page (no valid CSRF token): reload the page and try "
                            "again")


async def writer(request: Request) -> Person:
    """Dependency of every write: a signed-in person who may write, with the form token."""
    user = current_user(request)
    if user is None:
        raise HTTPException(status_code=403, detail="sign in first: every change needs a "
                            "signed-in person")
    await _check_token(request)
    if not user.writes:
        raise HTTPException(status_code=403, detail=f"{user.login} is a viewer and may only "
                            "read")
    return user


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return page(request, "login.html", {"next": _safe_next(next), "failed": False})


@router.post("/login")
async def login(request: Request, login: str = Form(...), password: str = Form(...),
                next: str = Form("/")) -> Response:
    await _check_token(request)
    office = office_of(request)
    name, client = login.strip(), request.client.host if request.client else ""
    wait = office.guard.wait(name, client)
    if wait:
        return page(request, "login.html", {"next": _safe_next(next), "failed": True,
                                            "login": login, "wait": wait}, status_code=429)
    person = office.people.verify(name, password)
    if person is None:
        office.guard.failed(name, client)
        return page(request, "login.html", {"next": _safe_next(next), "failed": True,
                                            "login": login}, status_code=401)
    office.guard.passed(name, client)
    request.session.clear()  # a new session for the signed-in person
    request.session["login"] = person.login
    request.session["generation"] = person.generation
    csrf_token(request)
    flash(request, "ok", f"欢迎 Welcome, {person.name} ({person.role_title})")
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await _check_token(request)
    user = current_user(request)
    if user is not None:  # the cookie may have been copied: every session of theirs ends
        office_of(request).people.end_sessions(user.login)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
