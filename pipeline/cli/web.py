"""The office's page and its people: `gendan serve`, `gendan users`."""

from __future__ import annotations

import sys

import click

from ..people import ROLES
from . import cli
from .common import State, handles_errors, table


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but this machine requires sign-in to read.")
@click.option("--port", default=8750, show_default=True, help="Port to listen on.")
@click.option("--name", "names", multiple=True, help="A name the page is reached by (e.g. "
              "gendan.office.lan); requests naming another host are refused. Repeatable.")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Certificate (PEM) to serve HTTPS with, beyond this machine.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Its private key (PEM).")
@click.option("--behind-proxy", is_flag=True, help="A reverse proxy in front terminates "
              "HTTPS (the cookies are then marked Secure all the same).")
@click.pass_obj
@handles_errors
def serve(state: State, host: str, port: int, names: tuple[str, ...], tls_cert: str | None,
          tls_key: str | None, behind_proxy: bool) -> None:
    """Serve the office's page: today, customers, orders, search, upload, approvals."""
    import uvicorn

    from ..errors import ConfigError
    from ..people import People
    from ..web import create_app, is_loopback

    workspace = state.workspace()
    local = is_loopback(host)
    if bool(tls_cert) != bool(tls_key):
        raise ConfigError("--tls-cert and --tls-key go together", hint="Give both.")
    secure = bool(tls_cert) or behind_proxy
    if not local and not secure:
        raise ConfigError(f"serving on {host} (beyond this machine) needs HTTPS: passwords "
                          "and session cookies would cross the network in clear",
                          hint="Give --tls-cert and --tls-key, or --behind-proxy when a "
                          "reverse proxy in front serves HTTPS.")
    if not People(workspace.root).all():
        click.echo("no users yet: the page can be read but nothing changed; add one with "
                   "`gendan users add NAME --role manager`", err=True)
    extra = (*names, *(() if local or host in {"0.0.0.0", "::"} else (host,)))
    app = create_app(workspace.root, read_login=not local, secure_cookie=secure, hosts=extra)
    scheme = "https" if tls_cert else "http"
    where = f"{scheme}://{host if ':' not in host else f'[{host}]'}:{port}/"
    click.echo(f"gendan serves {workspace.root} at {where}"
               + ("" if local else " (sign-in required to read: open beyond this machine)"))
    maker = app.state.office.desk.maker
    maker.warm_office()  # one LibreOffice while the page is served
    try:
        uvicorn.run(app, host=host, port=port, ssl_certfile=tls_cert, ssl_keyfile=tls_key,
                    proxy_headers=behind_proxy,
                    log_level="warning" if not state.verbose else "info")
    finally:
        maker.cool_office()


@cli.group()
def users() -> None:
    """The people who may sign in to the page (roles: salesperson, manager,
    general_manager, viewer)."""


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("password", hide_input=True, confirmation_prompt=True))


@users.command("add")
@click.argument("login")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What they may do.")
@click.option("--name", default="", help="The name they sign with, as on the orders "
              "(e.g. 李强); default: LOGIN.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
@handles_errors
def users_add(state: State, login: str, role: str, name: str, password_stdin: bool) -> None:
    """Add a user; the password is kept only as an argon2 hash."""
    from ..people import People

    people = People(state.workspace().root)
    person = people.add(login, name, role, _password(password_stdin))
    click.echo(f"added {person.login} ({person.name}, {person.role}) to {people.path}")


@users.command("list")
@click.pass_obj
@handles_errors
def users_list(state: State) -> None:
    """The users and their roles."""
    from ..people import People

    found = People(state.workspace().root).all()
    if not found:
        click.echo("no users yet: `gendan users add NAME --role ROLE`")
        return
    click.echo(table(["user", "signs as", "role"], [(p.login, p.name, p.role) for p in found]))


@users.command("password")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
@handles_errors
def users_password(state: State, login: str, password_stdin: bool) -> None:
    """Set a user's password."""
    from ..people import People

    People(state.workspace().root).set_password(login, _password(password_stdin))
    click.echo(f"password of {login} changed")


@users.command("remove")
@click.argument("login")
@click.pass_obj
@handles_errors
def users_remove(state: State, login: str) -> None:
    """Remove a user (signed out at their next request)."""
    from ..people import People

    People(state.workspace().root).remove(login)
    click.echo(f"removed {login}")
