"""Commands on the office's books: master data (masters, customers, products, factories,
salespeople), the quotation costed (quote, accept) and the statement of account."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import GendanError, InputError, OrderDataError
from . import cli
from .common import State, handles_errors, table

if TYPE_CHECKING:
    from ..books.masters import Masters

DATE = click.DateTime(["%Y-%m-%d"])


def _masters(state: State, strict: bool = True) -> Masters:
    from ..books.masters import Masters

    masters = Masters.load(state.workspace().masters)
    if strict and masters.problems:
        raise OrderDataError("masters/", masters.problems, what="the master data",
                             hint="Correct the files listed (or import them again).")
    return masters


@cli.group()
def masters() -> None:
    """Master data kept once: customers, products, factories, salespeople (masters/)."""


@masters.command("import")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row; write nothing.")
@click.pass_obj
@handles_errors
def masters_import(state: State, workbook: Path, dry_run: bool) -> None:
    """Import master data from WORKBOOK (sheets Customers, Products, Factories,
    Salespeople): every row checked first, then one YAML file a record."""
    from ..books.importing import import_masters

    settings = state.settings()
    counts = import_masters(workbook, state.workspace().masters,
                            max_rows=settings.limits.workbook_rows, dry_run=dry_run)
    if dry_run:
        click.echo(f"{counts['unchanged']} record(s) read, all valid; nothing written")
    else:
        click.echo(f"{counts['added']} added, {counts['changed']} changed, "
                   f"{counts['unchanged']} unchanged (in {state.workspace().masters})")


@masters.command("check")
@click.pass_obj
@handles_errors
def masters_check(state: State) -> None:
    """Validate every master data file; exit 2 naming each problem."""
    found = _masters(state)
    click.echo(", ".join(f"{len(found.records[k])} {k}" for k in found.records) + ": valid")


def _listing(state: State, kind: str, as_json: bool) -> None:
    found = _masters(state, strict=False)
    records = found.records[kind]
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json", exclude_none=True)
                               for r in records.values()], ensure_ascii=False, indent=2))
        return
    columns: dict[str, tuple[str, ...]] = {
        "customers": ("code", "name_en", "name_zh", "country", "currency", "price_term",
                      "payment_terms", "salesperson"),
        "products": ("model", "name_en", "name_zh", "hs_code", "unit", "factory",
                     "factory_price", "rebate_percent", "qty_per_carton", "carton_size_cm"),
        "factories": ("code", "name", "address"),
        "salespeople": ("code", "name", "name_en", "role", "phone", "email"),
    }
    names = columns[kind]
    click.echo(table(names, [[getattr(r, n) for n in names] for r in records.values()]))
    click.echo(f"\n{len(records)} {kind}" + ("" if records else f" (add them as YAML files "
                                               f"under masters/{kind}/, or `gendan masters "
                                               "import book.xlsx`)"))
    for problem in found.problems:
        click.echo(f"problem: {problem}", err=True)


def _list_command(kind: str) -> None:
    @cli.command(name=kind, help=f"List the {kind} of the master data (masters/{kind}/).")
    @click.option("--json", "as_json", is_flag=True, help="As JSON.")
    @click.pass_obj
    @handles_errors
    def command(state: State, as_json: bool) -> None:
        _listing(state, kind, as_json)


for _kind in ("customers", "products", "factories", "salespeople"):
    _list_command(_kind)


def _rates(state: State, override: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    from ..books.costing import Rates
    from ..intake.data import DataLimits, load_yaml

    path = state.workspace().masters / "costing.yaml"
    base = load_yaml(path.read_bytes(), "masters/costing.yaml", DataLimits()) \
        if path.is_file() else {}
    try:
        return Rates.model_validate({**(base or {}), **override})
    except ValidationError as exc:
        from ..intake.order_file import problems_of

        raise OrderDataError("masters/costing.yaml + the inquiry's rates",
                             problems_of(exc, None), what="the costing rates") from exc


@cli.command()
@click.argument("inquiry_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
@handles_errors
def quote(state: State, inquiry_file: Path) -> None:
    """Cost INQUIRY_FILE (customer, models, quantities, terms, ports, currency): the
    costing sheet (XLSX, PDF) and the customer's quotation, filed under books/quotations/."""
    from pydantic import ValidationError

    from ..books.costing import Inquiry, cost_inquiry
    from ..books.quote import file_quotation
    from ..intake.order_file import load_data, problems_of

    workspace = state.workspace()
    settings = state.settings()
    if inquiry_file.suffix.lower() not in {".yaml", ".yml", ".json"}:
        raise InputError(f"{inquiry_file.name}: an inquiry is a YAML or JSON file",
                         hint="See docs/books.md and examples/books/inquiry-NORD.yaml.")
    data, locate, _ = load_data(inquiry_file, inquiry_file.name)
    try:
        inquiry = Inquiry.model_validate(data)
    except ValidationError as exc:
        raise OrderDataError(inquiry_file.name, problems_of(exc, locate),
                             what="the inquiry") from exc
    found = _masters(state)
    if inquiry.customer not in found.customers:
        raise InputError(f"{inquiry_file.name}: customer {inquiry.customer!r} is not in "
                         "masters/customers/", hint="Add the customer (or `gendan masters "
                         "import`), or correct the code.")
    rates = _rates(state, inquiry.rates)
    try:
        costing = cost_inquiry(inquiry, found, rates)
    except ValueError as exc:
        raise InputError(f"{inquiry_file.name}: {exc}",
                         hint="Correct the inquiry or the master data.") from exc
    folder, version = file_quotation(workspace.books, costing, inquiry_file, settings, found,
                                     workspace.template_dirs)
    terms = list(inquiry.terms)
    rows = [[line.model, f"{line.quantity:g}", *(f"{line.prices[t]:,.2f}" for t in terms)]
            for line in costing.lines]
    click.echo(table(["model", "qty", *terms], rows))
    click.echo("total   " + "  ".join(f"{t} {inquiry.currency} {costing.total(t):,.2f} "
                                      f"(margin {costing.margin_share(t)} %)" for t in terms))
    click.echo(f"quotation {inquiry.quotation_no} v{version}: {folder}")


@cli.command()
@click.argument("quotation_no")
@click.option("--order-no", required=True, help="The new order's number.")
@click.option("--term", required=True, help="The Incoterm the customer took, e.g. FOB.")
@click.option("--delivery-date", type=DATE, required=True, help="Delivery date agreed.")
@click.option("--order-date", type=DATE, default=None, help="Default: today.")
@click.option("--payment-terms", default=None, help="Default: the customer's.")
@click.pass_obj
@handles_errors
def accept(state: State, quotation_no: str, order_no: str, term: str,
           delivery_date: dt.datetime, order_date: dt.datetime | None,
           payment_terms: str | None) -> None:
    """Make the order from a filed quotation the customer accepted: an order file with
    the quoted lines and prices, dropped into the inbox (filed like any order)."""
    import yaml

    from ..books.quote import latest
    from ..clock import clock_from_env

    workspace = state.workspace()
    record = latest(workspace.books, quotation_no)
    if record is None:
        raise GendanError(f"quotation {quotation_no} is not filed in books/quotations/",
                          hint="Cost it first with `gendan quote INQUIRY`.")
    term = term.upper()
    if term not in record["terms"]:
        raise GendanError(f"quotation {quotation_no} priced {', '.join(record['terms'])}, "
                          f"not {term}", hint="Choose one of the quoted terms.")
    today = order_date.date() if order_date else clock_from_env().today()
    order: dict[str, Any] = {
        "order_no": order_no, "order_date": today.isoformat(),
        "quotation_no": quotation_no, "quotation_date": record["date"],
        "customer": record["customer"], "currency": record["currency"], "price_term": term,
        "port_of_loading": record["port_of_loading"], "destination": record["destination"],
        "delivery_date": delivery_date.date().isoformat(),
        "items": [{"model": line["model"], "quantity": line["quantity"],
                   "unit_price": line["prices"][term]} for line in record["lines"]],
    }
    if payment_terms:
        order["payment_terms"] = payment_terms
    target = workspace.inbox / f"{order_no}.yaml"
    if target.exists():
        raise GendanError(f"{target} exists already", hint="Wait until it is filed.")
    partial = workspace.inbox / f".{order_no}.yaml.part"
    partial.write_text(yaml.safe_dump(order, allow_unicode=True, sort_keys=False), "utf-8")
    partial.replace(target)
    click.echo(f"order {order_no} from quotation {quotation_no} ({term}): {target}")


@cli.command()
@click.argument("customer")
@click.option("--from", "date_from", type=DATE, default=None, help="Default: the year's start.")
@click.option("--to", "date_to", type=DATE, default=None, help="Default: today.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The PDF to write (the workbook beside it); default SOA-CUSTOMER-DATE.pdf.")
@click.pass_obj
@handles_errors
def statement(state: State, customer: str, date_from: dt.datetime | None,
              date_to: dt.datetime | None, output: Path | None) -> None:
    """The statement of account (对账表) of CUSTOMER for a period: invoices, receipts,
    credit notes, the balance brought forward and carried, and the ageing (PDF and XLSX)."""
    from ..books.accounts import customer_statements, statement_pdf, statement_xlsx
    from ..clock import clock_from_env

    today = clock_from_env().today()
    end = date_to.date() if date_to else today
    start = date_from.date() if date_from else end.replace(month=1, day=1)
    if start > end:
        raise GendanError(f"--from {start} is after --to {end}", hint="Swap the dates.")
    store = state.store()
    sheets = customer_statements(store, customer, start, end)
    if not sheets:
        raise GendanError(f"customer {customer} has no invoice or payment up to {end}",
                          hint="Check the code with `gendan customers` or `gendan orders`.")
    found = _masters(state, strict=False)
    record = found.customers.get(sheets[0].customer) or next(
        (c for c in found.customers.values() if c.code.casefold() == customer.casefold()),
        None)
    shown = record.model_dump(mode="python") if record else {"code": customer,
                                                             "name_en": customer}
    pdf = output or Path(f"SOA-{customer}-{end:%Y%m%d}.pdf")
    xlsx = pdf.with_suffix(".xlsx")
    for path in (pdf, xlsx):
        if path.exists():
            raise GendanError(f"{path} exists already", hint="Name another file with -o.")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pages = statement_pdf(sheets, shown, state.settings(), state.workspace().template_dirs,
                          pdf, today)
    xlsx.write_bytes(statement_xlsx(sheets, f"Statement {customer} {end}"))
    for s in sheets:
        ageing = ", ".join(f"{b}: {v:,.2f}" for b, v in s.ageing.items())
        click.echo(f"{s.currency}: brought forward {s.brought_forward:,.2f}, invoiced "
                   f"{s.invoiced:,.2f}, received {s.received:,.2f}, credited "
                   f"{s.credited:,.2f}, carried {s.carried:,.2f}")
        click.echo(f"  ageing as at {end}: {ageing}; advances {s.advances:,.2f}")
    click.echo(f"written {pdf} ({pages} page(s)) and {xlsx}")
