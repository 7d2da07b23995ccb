"""Commands on what is due: due, ledger, calendar."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ExitCode, GendanError
from . import cli
from .common import State, handles_errors, table

if TYPE_CHECKING:
    from ..agenda import Due

DATE = click.DateTime(["%Y-%m-%d"])


def _today(state: State) -> dt.date:
    from ..clock import clock_from_env

    return clock_from_env().today()


def _write(output: Path, data: bytes) -> None:
    if output.exists():
        raise GendanError(f"{output} exists already", hint="Name another file with -o.")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".part")
    partial.write_bytes(data)
    partial.replace(output)


SHOWN = 100  # steps in the table unless --limit or --all says otherwise


@cli.command()
@click.option("--days", type=int, default=None,
              help="Only what is due within N days (and everything overdue).")
@click.option("--customer", help="One customer's orders.")
@click.option("--json", "as_json", is_flag=True, help="The whole agenda as JSON.")
@click.option("--limit", type=click.IntRange(1), default=SHOWN, show_default=True,
              help="Show the N most urgent steps.")
@click.option("--all", "show_all", is_flag=True, help="Show every step.")
@click.pass_obj
@handles_errors
def due(state: State, days: int | None, customer: str | None, as_json: bool, limit: int,
        show_all: bool) -> None:
    """What is due on the open orders, overdue first, with how many of each kind; exit 1
    when anything is overdue."""
    from ..agenda import agenda
    from ..books.samples import due_rows

    today = _today(state)
    index, samples = state.index(), due_rows(state.workspace().books)
    if as_json or show_all:
        items = agenda([*index.due_rows(customer), *samples], today, days, customer)
        counts = _counts(items)
    else:  # from the index's table of due steps: only what is shown is read
        until = (today + dt.timedelta(days=days)).isoformat() if days is not None \
            else "9999-12-31"
        first = [{**step, "due": [step]} for step in index.due_steps(until, limit, customer)]
        items = agenda([*first, *samples], today, days, customer)[:limit]
        counts = _counts(agenda(samples, today, days, customer))
        for c in index.due_counts(until, today.isoformat(), customer):
            total, overdue = counts.get(c["kind"], (0, 0))
            counts[c["kind"]] = (total + c["count"], overdue + c["overdue"])
    steps, overdue = (sum(n[i] for n in counts.values()) for i in (0, 1))
    if as_json:
        click.echo(json.dumps({"today": today.isoformat(), "overdue": overdue,
                               "items": [d.as_dict() for d in items]},
                              ensure_ascii=False, indent=2))
    elif not items:
        click.echo(f"nothing due{f' within {days} days' if days is not None else ''} "
                   f"({today})")
    else:
        shown = [(d.date.isoformat(), "OVERDUE" if d.overdue else
                 ("today" if d.days_left == 0 else f"{d.days_left} d"),
                 d.order_no, d.customer, d.what, d.action) for d in items]
        click.echo(table(["due", "left", "order", "customer", "what", "to do"], shown))
        if len(items) < steps:
            click.echo(f"\nthe {len(items):,} most urgent of {steps:,} steps; "
                       "--limit N or --all for more, --json for the whole agenda")
        if len(counts) > 1:
            click.echo("\n" + "; ".join(f"{kind} {n:,}" + (f" ({late:,} overdue)" if late
                                                              else "")
                                        for kind, (n, late) in sorted(counts.items())))
        click.echo(f"\n{steps:,} step(s) due, {overdue:,} overdue (today {today})")
    if overdue:
        sys.exit(int(ExitCode.other_error))


def _counts(items: list[Due]) -> dict[str, tuple[int, int]]:
    """Per kind of step: how many, and how many of them overdue."""
    counts: dict[str, tuple[int, int]] = {}
    for d in items:
        total, late = counts.get(d.kind, (0, 0))
        counts[d.kind] = (total + 1, late + d.overdue)
    return counts


@cli.command()
@click.option("--from", "date_from", type=DATE, help="Orders from this order date.")
@click.option("--to", "date_to", type=DATE, help="Orders up to this order date.")
@click.option("--customer", help="One customer's orders.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "json"]), default=None,
              help="Default: from the file name, else xlsx.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Where to write it (default: ledger-YYYY-MM-DD.xlsx).")
@click.pass_obj
@handles_errors
def ledger(state: State, date_from: dt.datetime | None, date_to: dt.datetime | None,
           customer: str | None, fmt: str | None, output: Path | None) -> None:
    """The business registration ledger (业务登记): one row per order, totals per customer
    and month."""
    from ..agenda import ledger_csv, ledger_json, ledger_rows, ledger_totals, ledger_xlsx

    today = _today(state)
    fmt = fmt or (output.suffix.lstrip(".").lower() if output is not None and
                  output.suffix.lower() in {".xlsx", ".csv", ".json"} else "xlsx")
    output = output or Path(f"ledger-{today}.{fmt}")
    rows = ledger_rows(state.index().orders(), date_from.date() if date_from else None,
                       date_to.date() if date_to else None, customer)
    data = {"xlsx": lambda: ledger_xlsx(rows, f"业务登记 Ledger {today}"),
            "csv": lambda: ledger_csv(rows), "json": lambda: ledger_json(rows)}[fmt]()
    _write(output, data)
    totals = ledger_totals(rows)
    currencies: dict[str, float] = {}
    for t in totals:
        currencies[t["currency"]] = currencies.get(t["currency"], 0) + float(t["amount"])
    amounts = "; ".join(f"{c} {a:,.2f}" for c, a in sorted(currencies.items()))
    click.echo(f"wrote {output}: {len(rows)} order(s), {len(totals)} customer-month "
               f"total(s){'; ' + amounts if amounts else ''}")


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("orders.ics"), show_default=True, help="Where to write it.")
@click.option("--by-salesperson", is_flag=True,
              help="Also one file per salesperson beside it (orders-NAME.ics).")
@click.option("--customer", help="One customer's orders.")
@click.pass_obj
@handles_errors
def calendar(state: State, output: Path, by_salesperson: bool, customer: str | None) -> None:
    """The orders' dates as a calendar (.ics): re-import it to update the events."""
    from ..agenda import calendar as make
    from ..clock import clock_from_env
    from ..fsutil import safe_name

    now = clock_from_env().now()
    rows = [r for r in state.index().orders() if r["status"] not in
            {"closed", "cancelled"} and (not customer or r["customer"].casefold()
                                         == customer.casefold())]
    files = {output: rows}
    if by_salesperson:
        for name in sorted({r.get("salesperson") or "" for r in rows}):
            mine = [r for r in rows if (r.get("salesperson") or "") == name]
            files[output.with_name(f"{output.stem}-{safe_name(name or 'none')}.ics")] = mine
    for path, chosen in files.items():
        path.unlink(missing_ok=True)  # a calendar is exported again to update it
        _write(path, make(chosen, now, f"gendan {path.stem}"))
        click.echo(f"wrote {path}: {len(chosen)} order(s)")
