"""Decisions by identified people: `gendan users key`, `gendan sign`, `gendan approve`.

A decision (an approval, a rejection, a forced hand-over) counts only from the person who
holds the role, proven by their password or their own key (pipeline/signatures.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import cli
from .common import State, handles_errors
from .web import users

if TYPE_CHECKING:
    from ..people import Person

__all__ = ["identify"]


def identify(state: State, login: str, key: Path | None, password_stdin: bool,
             what: str) -> Person:
    """The user `login`, once they proved it: their own key (a challenge signed with it)
    or their password. Raises InputError otherwise."""
    from ..errors import InputError
    from ..people import People

    people = People(state.workspace().root)
    if key is not None:
        from ..signatures import sign_update

        person = people.get(login)
        challenge = {"order_no": what, "role": "identify", "by": login, "at": "now",
                     "decision": "approved", "revision": 0}
        if person is not None and person.public_key:
            from ..signatures import proof_matches

            proof = sign_update(challenge, login, key.read_bytes())
            if proof_matches("key", proof, challenge, person, people):
                return person
        raise InputError(f"the key {key} is not {login}'s",
                         hint="Use the key `gendan users key` wrote for you, or leave --key "
                         "out and give your password.")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else \
        str(click.prompt(f"{login}'s password", hide_input=True))
    found = people.verify(login, password)
    if found is None:
        raise InputError(f"{login}: wrong user name or password",
                         hint="`gendan users list` shows who may decide; a manager sets a "
                         "forgotten password with `gendan users password`.")
    return found


@users.command("key")
@click.argument("login")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="Where to write the private key (never over a file).")
@click.pass_obj
@handles_errors
def users_key(state: State, login: str, output: Path) -> None:
    """Make LOGIN's own signing key: the public half is kept in the users file, the
    private half written to OUTPUT for that person alone (mode 0600)."""
    from ..errors import GendanError
    from ..people import People

    if output.exists():
        raise GendanError(f"{output} exists already", hint="Name another file with -o.")
    private = People(state.workspace().root).make_key(login)
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private)
    click.echo(f"wrote {output}: {login}'s private key; keep it to yourself. Sign an "
               f"approval with `gendan sign FILE --user {login} --key {output}`")


def _read_update(path: Path) -> dict[str, Any]:
    import yaml

    from ..errors import InputError

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a YAML or JSON update: {exc}",
                         hint="See docs/order-updates.md.") from exc
    if not isinstance(data, dict) or data.get("update") != "approval":
        raise InputError(f"{path}: not an approval update (update: approval)",
                         hint="Only approvals and rejections are signed.")
    return data


def _revision(state: State, order_no: str) -> int:
    """The order's revision as archived here (1 when it is not archived yet)."""
    from ..flow import revision

    store = state.desk().store
    if store.locate(order_no) is None:
        return 1
    with store.open(order_no) as record:
        return revision(record.workflow)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "login", required=True, help="Your user name.")
@click.option("--key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="Your private key (from `gendan users key`).")
@click.pass_obj
@handles_errors
def sign(state: State, file: Path, login: str, key: Path) -> None:
    """Sign an approval (or rejection) update with your own key, for the order as it
    stands now; the file is rewritten with its revision and the signature."""
    import yaml

    from ..flow import update_adapter
    from ..signatures import sign_update

    data = _read_update(file)
    data.pop("proof", None)
    data.setdefault("revision", _revision(state, str(data.get("order_no"))))
    parsed = update_adapter.validate_python(data).model_dump(mode="json", exclude_none=True)
    parsed["proof"] = sign_update(parsed, login, key.read_bytes())
    if file.suffix.lower() == ".json":
        file.write_text(json.dumps(parsed, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        file.write_text(yaml.safe_dump(parsed, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    click.echo(f"signed {file}: {parsed['role']} {parsed['by']} {parsed['decision']} "
               f"{parsed['order_no']} (revision {parsed['revision']})")


@cli.command()
@click.argument("order_no")
@click.option("--role", type=click.Choice(["salesperson", "manager", "general_manager"]),
              required=True, help="The role you sign in.")
@click.option("--user", "login", required=True, help="Your user name.")
@click.option("--decision", type=click.Choice(["approved", "rejected"]), default="approved",
              show_default=True)
@click.option("--remark", default="", help="A remark on the review.")
@click.option("--key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Sign with your own key instead of giving your password.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
@handles_errors
def approve(state: State, order_no: str, role: str, login: str, decision: str, remark: str,
            key: Path | None, password_stdin: bool) -> None:
    """Approve (or reject) ORDER_NO's contract review as yourself: the same rules as an
    approval that arrives in the inbox or on the page."""
    from ..errors import ExitCode
    from ..inbox import receive
    from ..signatures import attest, sign_update

    person = identify(state, login, key, password_stdin, order_no)
    desk = state.desk()
    now = desk.clock.now()
    update: dict[str, Any] = {"update": "approval", "order_no": order_no, "role": role,
                              "by": person.name, "decision": decision,
                              "at": now.strftime("%Y-%m-%dT%H:%M"),
                              "revision": _revision(state, order_no)}
    if remark.strip():
        update["remark"] = remark.strip()[:500]
    update["proof"] = sign_update(update, person.login, key.read_bytes()) if key else \
        attest(update, person.login, "command", _secret(state))
    name = f"approval_{order_no}_{role}_{now:%Y%m%d-%H%M%S}.json"
    path = receive(json.dumps(update, ensure_ascii=False, indent=2).encode("utf-8"),
                   name, desk.workspace.inbox, mode=desk.store.file_mode)
    outcome = desk.process(path)
    click.echo(f"{outcome.status}: {outcome.message}")
    for line in outcome.problems + outcome.reasons:
        click.echo(f"  {line}")
    if outcome.status != "archived":
        sys.exit(int(ExitCode.input_rejected))


def _secret(state: State) -> str:
    from ..people import People

    return People(state.workspace().root).secret()
