"""The office's page (`gendan serve`): the archive, the agenda, approvals, checks and the
hand-over pack in a browser, served by the same library as the command.

    request -> session (signed cookie) -> who may do what -> the library -> a page

Nothing here writes to the archive by itself: an upload is put into the inbox and goes
through the desk exactly as a dropped file does; an approval is the same order update a
file would be (written into the inbox, then processed), signed by the signed-in person;
the check and the hand-over call the recipes the command calls. Writes in one server go
one at a time (and across processes the store's locks hold, as for the command).

`pages` answers the questions (GET), `actions` does the writes (POST, signed in, with the
form's CSRF token), `auth` signs people in, `views` gathers what a page shows.
"""

from __future__ import annotations

import ipaddress
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from ..clock import Clock
from ..config import Settings, load_settings
from ..desk import Desk
from ..people import People
from ..workspace import Workspace
from .guard import SignInGuard
from .render import page

__all__ = ["create_app", "is_loopback"]

HERE = Path(__file__).resolve().parent
SESSION_HOURS = 12


def is_loopback(host: str) -> bool:
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Office:
    """What every request shares: the workspace, its desk, the people, one writer."""

    def __init__(self, workspace: Workspace, settings: Settings, *, read_login: bool,
                 clock: Clock | None = None) -> None:
        self.workspace = workspace
        self.settings = settings
        self.read_login = read_login
        self.people = People(workspace.root)
        self.guard = SignInGuard()
        self.desk = Desk(workspace, settings, clock=clock)
        self.writing = threading.Lock()  # the desk's intake is one file at a time

    @property
    def archive(self) -> Path:
        return self.workspace.archive

    def archived(self, relative: str) -> Path | None:
        """An archived file by its archive-relative path (see `file_in_archive`); one this
        machine lacks is fetched from the archive's shared copy, checked by its sha256."""
        from .views import file_in_archive

        path = file_in_archive(self.archive, relative)
        remote = self.desk.store.remote
        if path is None and remote is not None and remote.fetch(relative) is not None:
            path = file_in_archive(self.archive, relative)
        return path

    def index(self) -> Any:
        """A fresh view of the index for this request (SQLite connections stay in their
        thread)."""
        from ..index import Index

        return Index.of(self.workspace)


def _security_headers(response: Response) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'")


LOCAL_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")


def create_app(root: Path, *, read_login: bool = False, clock: Clock | None = None,
               secure_cookie: bool = False, hosts: tuple[str, ...] = ()) -> FastAPI:
    """The page for the workspace at `root`. `read_login`: sign-in is needed to read too
    (always so when served beyond this machine). Only requests naming this machine, or
    one of `hosts`, in their Host header are answered (a page elsewhere that points a name
    at this machine, DNS rebinding, reads nothing)."""
    workspace = Workspace.locate(root)
    workspace.ensure_folders()
    settings = load_settings(workspace.config_path)
    office = Office(workspace, settings, read_login=read_login, clock=clock)
    app = FastAPI(title="gendan", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.office = office

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        _security_headers(response)
        return response

    from starlette.middleware.trustedhost import TrustedHostMiddleware

    app.add_middleware(SessionMiddleware, secret_key=office.people.secret(),
                       session_cookie="gendan_session", max_age=SESSION_HOURS * 3600,
                       same_site="strict", https_only=secure_cookie)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=[*LOCAL_NAMES, *hosts])
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 303 and exc.headers:  # sign in first
            return Response(status_code=303, headers=exc.headers)
        return page(request, "error.html", {"status": exc.status_code, "detail": exc.detail},
                    status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors())
        return page(request, "error.html", {"status": 400,
                                            "detail": f"the form is missing or has a wrong "
                                                      f"value in: {fields}"}, status_code=400)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> HTMLResponse:
        import logging

        logging.getLogger(__name__).exception("the page failed on %s", request.url.path)
        return page(request, "error.html", {"status": 500, "detail": "gendan failed on this "
                                            "request; the details are in the server's log"},
                    status_code=500)

    from . import actions, auth, forms, pages, parked

    app.include_router(auth.router)
    app.include_router(parked.router)
    app.include_router(forms.router)  # before the order's page, whose path takes the rest
    app.include_router(pages.router)
    app.include_router(actions.router)
    return app
