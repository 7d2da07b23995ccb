"""Commands that answer questions about the archive: find, orders, show, history. Each
prints a table for people, or `--json` / `--csv` for other programs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import click

from ..errors import NotFoundError
from . import cli
from .common import State, amount, handles_errors, status_text, table

STATUSES = ("received", "confirmed", "in_production", "inspected", "loaded", "shipped",
            "handed_over", "registered", "closed", "cancelled")
DATE = click.DateTime(["%Y-%m-%d"])
SHOWN = 100  # orders in the table unless --limit or --all says otherwise


def _iso(value: dt.datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def emit(headers: Sequence[str], rows: Sequence[Sequence[Any]], records: list[dict[str, Any]],
         as_json: bool, as_csv: bool) -> bool:
    """Print `records` as JSON or `rows` as CSV when asked; True when done."""
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False, indent=2, default=str))
        return True
    if as_csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows([["" if c is None else c for c in row] for row in rows])
        click.echo(buffer.getvalue(), nl=False)
        return True
    return False


def _card(state: State, order_no: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from ..fsutil import order_key

    card = state.index().card(order_key(order_no))
    if card is None:
        raise NotFoundError(f"order {order_no} is not in the index",
                            hint="Check `gendan orders`; run `gendan reindex` if it should be.")
    return card


@cli.command()
@click.argument("text", required=False)
@click.option("--customer", help="Customer code.")
@click.option("--order", "order_no", help="Order number (any case).")
@click.option("--type", "doc_type", help="Document type, e.g. packing_list.")
@click.option("--model", help="Model number, with or without separators (HT-2020, ht2020).")
@click.option("--from", "date_from", type=DATE, help="Documents dated from (YYYY-MM-DD).")
@click.option("--to", "date_to", type=DATE, help="Documents dated up to (YYYY-MM-DD).")
@click.option("--status", type=click.Choice(STATUSES), help="The order's status.")
@click.option("--current/--all-versions", default=True,
              help="Current versions only (default), or old versions too.")
@click.option("--limit", default=200, show_default=True, help="At most this many hits.")
@click.option("--json", "as_json", is_flag=True, help="Hits as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Hits as CSV.")
@click.pass_obj
@handles_errors
def find(state: State, text: str | None, customer: str | None, order_no: str | None,
         doc_type: str | None, model: str | None, date_from: dt.datetime | None,
         date_to: dt.datetime | None, status: str | None, current: bool, limit: int,
         as_json: bool, as_csv: bool) -> None:
    """Find archived documents by the words on their pages and by what they are."""
    index = state.index()
    hits = index.find(text=text, customer=customer, order=order_no, doc_type=doc_type,
                      model=model, date_from=_iso(date_from), date_to=_iso(date_to),
                      status=status, current=current, limit=limit)
    until: dict[str, str | None] = {}
    if model:
        from ..index import OrderFilter, joined_model

        wanted = joined_model(model)
        for row in index.orders(OrderFilter(model=model)):
            for item in row.get("warranty") or []:
                if joined_model(item["model"]) == wanted:
                    until[row["order_no"]] = item["until"] or "from shipment"
    records = [{**h.as_dict(), **({"warranty_until": until.get(h.order_no)} if model else {})}
               for h in hits]
    headers = ["order", "customer", "type", "version", "date", "page", "file", "snippet"]
    rows: list[tuple[Any, ...]] = [
        (h.order_no, h.customer, h.doc_type, f"v{h.version}" + ("" if h.current else " old"),
         h.date, h.page or "", h.file, h.snippet) for h in hits]
    if model:
        headers.insert(5, "warranty until")
        rows = [(*r[:5], until.get(h.order_no) or "", *r[5:]) for r, h in zip(rows, hits,
                                                                              strict=True)]
    if emit(headers, rows, records, as_json, as_csv):
        return
    if not hits:
        click.echo("nothing found")
        return
    click.echo(table(headers, rows))
    more = " (the first; narrow it or raise --limit)" if len(hits) >= limit else ""
    click.echo(f"\n{len(hits)} hit(s){more}")


@cli.command()
@click.argument("customer", required=False)
@click.option("--status", type=click.Choice(STATUSES), help="Only orders in this status.")
@click.option("--from", "date_from", type=DATE, help="From this date (YYYY-MM-DD).")
@click.option("--to", "date_to", type=DATE, help="Up to this date (YYYY-MM-DD).")
@click.option("--on", "date_field", type=click.Choice(["order", "delivery", "shipment"]),
              default="order", show_default=True, help="Which date --from/--to apply to.")
@click.option("--model", help="Orders with this model (any separators).")
@click.option("--json", "as_json", is_flag=True, help="Orders as JSON (every one that matches).")
@click.option("--csv", "as_csv", is_flag=True, help="Orders as CSV (every one that matches).")
@click.option("--limit", type=click.IntRange(1), default=None,
              help=f"Show at most N, the newest first (the table: {SHOWN} by default).")
@click.option("--all", "show_all", is_flag=True, help="Show every order that matches.")
@click.pass_obj
@handles_errors
def orders(state: State, customer: str | None, status: str | None,
           date_from: dt.datetime | None, date_to: dt.datetime | None, date_field: str,
           model: str | None, as_json: bool, as_csv: bool, limit: int | None,
           show_all: bool) -> None:
    """List the archived orders: status, amount, what is due next; totals per currency.
    Beyond a screenful the table shows the newest (by order date) and says how many more."""
    from ..index import OrderFilter

    where = OrderFilter(customer=customer, status=status, date_from=_iso(date_from),
                        date_to=_iso(date_to), date_field=date_field, model=model)
    index = state.index()
    totals = index.order_totals(where)
    count = sum(n for _, n in totals.values())
    if limit is None and not (as_json or as_csv or show_all):
        limit = SHOWN
    newest = limit if limit is not None and not show_all and count > limit else None
    found = index.orders(where, newest)
    headers = ["customer", "name", "order", "status", "currency", "amount", "items",
               "delivery", "shipped", "next due", "what", "warnings"]
    rows = [(o["customer"], o["customer_name"], o["order_no"], status_text(o), o["currency"],
             f"{Decimal(o['total_amount']):,.2f}", o["items"], o["delivery_date"],
             o.get("shipment_date") or "", o.get("next_due") or "", o.get("next_what") or "",
             len(o.get("warnings") or []) + len(o.get("review") or [])) for o in found]
    if as_csv:  # figures as figures
        rows = [(*r[:5], o["total_amount"], *r[6:]) for r, o in zip(rows, found, strict=True)]
    if emit(headers, rows, found, as_json, as_csv):
        return
    if not found:
        click.echo("no orders" + (" match" if any((customer, status, date_from, date_to, model))
                                  else " archived yet"))
        return
    click.echo(table(headers, rows))
    if newest is not None:
        click.echo(f"\nthe {len(found):,} newest of {count:,} orders (by order date); narrow "
                   "with a customer, --status, --from/--to or --model, or show --all")
    click.echo("\n" + "; ".join(f"{currency} {total:,.2f} in {n:,} order(s)"
                                for currency, (total, n) in sorted(totals.items())))
    click.echo(f"archive: {state.workspace().archive}")


def _mark(document: dict[str, Any]) -> str:
    if document.get("missing"):
        return "  MISSING (run `gendan verify`)"
    if document.get("damaged"):
        return "  DAMAGED (run `gendan verify`)"
    return ""


@cli.command()
@click.argument("order_no")
@click.option("--current", is_flag=True, help="Current versions only.")
@click.option("--json", "as_json", is_flag=True, help="The order and its documents as JSON.")
@click.pass_obj
@handles_errors
def show(state: State, order_no: str, current: bool, as_json: bool) -> None:
    """Show one order: status, what is due, warnings, warranty, its archived documents."""

    order, docs = _card(state, order_no)
    if current:
        docs = [d for d in docs if d.get("current")]
    if as_json:
        click.echo(json.dumps({"order": order, "documents": docs}, ensure_ascii=False,
                              indent=2, default=str))
        return
    click.echo(f"order {order['order_no']}  customer {order['customer']} "
               f"{order['customer_name_zh'] or ''} {order['customer_name_en']}")
    click.echo(f"status {status_text(order)}  amount {amount(order)}  items {order['items']}  "
               f"delivery {order['delivery_date']}  shipped {order.get('shipment_date') or '-'}")
    if order.get("forced"):
        click.echo(f"hand-over {order['forced']}")
    click.echo(f"folder {state.workspace().archive / order['folder']}")
    for due in order.get("due") or []:
        click.echo(f"due {due['date']}: {due['what']} ({due['action']})")
    for warning in order.get("warnings") or []:
        click.echo(f"warning: {warning}")
    for finding in order.get("review") or []:
        click.echo(f"last check: {finding}")
    if order.get("warranty"):
        click.echo("warranty: " + "; ".join(
            f"{w['model']} {w['months']} months" + (f" until {w['until']}" if w["until"]
                                                    else " from shipment")
            for w in order["warranty"]))
    rows = [(d["kind"], d["doc_type"], f"v{d['version']}" + ("" if d["current"] else " (old)"),
             d.get("business_date") or "", d.get("pages") or "", d["size"], d["file"] + _mark(d))
            for d in docs]
    click.echo("")
    click.echo(table(["kind", "type", "version", "date", "pages", "bytes", "file"], rows))


@cli.command()
@click.argument("order_no")
@click.option("--json", "as_json", is_flag=True, help="The timeline as JSON.")
@click.pass_obj
@handles_errors
def history(state: State, order_no: str, as_json: bool) -> None:
    """An order's timeline: what arrived, what it changed, what was made and why."""
    from ..attention import warning_history
    from ..timeline import timeline

    store = state.store()
    with store.open(order_no) as record:
        warnings = warning_history(record.order, record.events, dict(store.policy.lead_days))
        entries = timeline(record.events, record.documents, warnings)
    if as_json:
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2, default=str))
        return
    for entry in entries:
        business = f"  [{entry['business_date']}]" if entry["business_date"] else ""
        click.echo(f"{entry['recorded'][:16].replace('T', ' ')}  #{entry['seq']} "
                   f"{entry['kind']}: {entry['summary']}{business}")
        click.echo(f"    from {entry['source']}")
        for change in entry["changes"]:
            click.echo(f"    changed {change}")
        for flag in dict.fromkeys(entry["flags"] + entry["raised"]):
            click.echo(f"    warning: {flag}")
        for gone in entry["cleared"]:
            click.echo(f"    cleared: {gone}")
        for doc in entry["documents"]:
            click.echo(f"    {doc['kind']:9} {doc['file']}" + (f"  ({doc['why']})"
                                                               if doc["why"] else ""))
    sys.stdout.flush()
