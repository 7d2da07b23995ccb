"""Commands that read and look after the archive: orders, show, reindex, verify."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..errors import ExitCode, NotFoundError
from . import cli
from .common import State, amount, handles_errors, table


@cli.command()
@click.pass_obj
@handles_errors
def orders(state: State) -> None:
    """List the archived orders."""
    store = state.store()
    rows = [(o["customer"], o["customer_name"], o["order_no"], o["status"], amount(o),
             o["items"], o["documents"], o["pages"], o["delivery_date"])
            for o in store.index.orders()]
    if not rows:
        click.echo("no orders archived yet")
        return
    headers = ["customer", "name", "order", "status", "amount", "items", "docs", "pages",
               "delivery"]
    click.echo(table(headers, rows))
    click.echo(f"\narchive: {store.root}")


def _mark(document: dict[str, Any]) -> str:
    if document.get("missing"):
        return "  MISSING (run `gendan verify`)"
    if document.get("damaged"):
        return "  DAMAGED (run `gendan verify`)"
    return ""


@cli.command()
@click.argument("order_no")
@click.pass_obj
@handles_errors
def show(state: State, order_no: str) -> None:
    """Show one order and its archived documents."""
    from ..store import order_key

    store = state.store()
    card = store.index.card(order_key(order_no))
    if card is None:
        raise NotFoundError(f"order {order_no} is not in the index",
                            hint="Check `gendan orders`; run `gendan reindex` if it should be.")
    order, docs = card
    click.echo(f"order {order['order_no']}  customer {order['customer']} "
               f"{order['customer_name_zh'] or ''} {order['customer_name_en']}")
    click.echo(f"status {order['status']}  amount {amount(order)}  items {order['items']}  "
               f"delivery {order['delivery_date']}")
    click.echo(f"folder {store.root / order['folder']}\n")
    rows = [(d["kind"], d["doc_type"], f"v{d['version']}" + ("" if d["current"] else " (old)"),
             d.get("pages") or "", d["size"], d["file"] + _mark(d)) for d in docs]
    click.echo(table(["kind", "type", "version", "pages", "bytes", "file"], rows))


@cli.command()
@click.pass_obj
@handles_errors
def reindex(state: State) -> None:
    """Rebuild the index from the archive's sidecar files."""
    from ..reindex import reindex as rebuild

    store = state.store()
    count, notes = rebuild(store)
    for note in notes:
        click.echo(f"  {note}", err=True)
    click.echo(f"index rebuilt: {count} order(s)")


@cli.command()
@click.option("--repair", is_flag=True, help="Rebuild what is derived and move what is out "
              "of place to archive/.quarantine/ (never deletes an original).")
@click.option("--quick", is_flag=True, help="Compare sizes only, not sha256.")
@click.option("--json", "as_json", is_flag=True, help="Problems as JSON.")
@click.pass_obj
@handles_errors
def verify(state: State, repair: bool, quick: bool, as_json: bool) -> None:
    """Check the archive against its sidecars and the index; exit 1 on problems."""
    from ..desk import Desk
    from ..repair import repair as mend
    from ..verify import verify as inspect

    workspace = state.workspace()
    desk = Desk(workspace, state.settings())
    problems = inspect(desk.store, desk.parking, deep=not quick)
    if as_json:
        click.echo(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    elif problems:
        click.echo(table(["problem", "path", "detail", "repair"],
                         [(p.kind, p.path, p.detail, p.repair) for p in problems]))
    if repair and problems:
        for line in mend(desk.store, problems):
            click.echo(f"repaired: {line}", err=True)
        left = inspect(desk.store, desk.parking, deep=not quick)
        click.echo(f"{len(problems)} problem(s) found, {len(left)} left after repair")
        if left:
            sys.exit(int(ExitCode.other_error))
        return
    if not as_json:
        click.echo(f"{len(problems)} problem(s) in {workspace.archive}"
                   if problems else f"archive {workspace.archive} verified: no problems")
    if problems:
        sys.exit(int(ExitCode.other_error))
