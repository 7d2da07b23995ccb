"""The `gendan` command: a thin layer over the library; the only place that prints or exits.

Exit codes: 0 success; 1 a gendan error; 2 usage; 3 configuration or workspace;
4 input rejected; 5 template or conversion; 6 archive or index; 7 not found.
`gendan run` exits 4 when any file was rejected (the others are still processed).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import traceback
import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from .compliance import RULES
from .config import Workspace, load_settings
from .doctypes import FACTORY_TYPES
from .errors import GendanError, NotFoundError
from .handover import HandoverRefused, check_order, hand_over
from .outcome import Outcome
from .process import Desk
from .template_check import check_templates, list_templates
from .watch import InboxWatcher

__all__ = ["cli", "main"]

F = TypeVar("F", bound=Callable[..., Any])


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table that lines up Chinese (double-width) text too."""
    cells = [[str(c) for c in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        padded = (c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True))
        lines.append("  ".join(padded).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _amount(order: dict[str, Any]) -> str:
    return f"{order['currency']} {Decimal(order['total_amount']):,.2f}"


class State:
    def __init__(self, workspace: Path | None, verbose: bool) -> None:
        self.workspace_arg = workspace
        self.verbose = verbose

    def desk(self) -> Desk:
        workspace = Workspace.locate(self.workspace_arg)
        return Desk(workspace, load_settings(workspace.config_path))


def handles_errors(func: F) -> F:
    """Turn a GendanError into one clear line and its exit code (traceback with -v)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GendanError as exc:
            state = click.get_current_context().find_object(State)
            if state is not None and state.verbose:
                traceback.print_exc()
            click.echo(f"gendan: error: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"  what to do: {exc.hint}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gendan", prog_name="gendan")
@click.option("--workspace", "-w", type=click.Path(path_type=Path), default=None,
              help="Workspace folder (default: $GENDAN_HOME, else the current folder).")
@click.option("--verbose", "-v", is_flag=True, help="Log each step; show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None, verbose: bool) -> None:
    """gendan (跟单): the merchandiser's document desk."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = State(workspace, verbose)


EXAMPLE_CONFIG = '''\
# gendan workspace settings. Every key is optional: what is left out takes the
# built-in default shown here. Unknown keys are reported as errors.

[company]
name_zh = "杭州跟单贸易有限公司"
name_en = "Hangzhou Gendan Trading Co., Ltd."
address_zh = "浙江省杭州市上城区凤起路321号"
address_en = "321 Fengqi Road, Shangcheng District, Hangzhou 310003, China"
phone = "+86 571 8700 0000"
fax = "+86 571 8700 0001"
email = "export@gendan.example"
website = "www.gendan.example"

[company.bank]
beneficiary = "Hangzhou Gendan Trading Co., Ltd."
bank_name = "Bank of China, Hangzhou Branch"
bank_address = "321 Fengqi Road, Hangzhou, China"
account = "3560 0000 0000 0000 000"
swift = "BKCHCNBJ910"

[documents]
# The seal image, relative to templates/ (the workspace's own, else the bundled one).
seal_image = "assets/seal.png"
default_currency = "USD"

[approval]
# At or above these amounts (per order currency) the general manager must also approve.
general_manager_threshold = { USD = 50000, EUR = 45000, CNY = 350000 }

[inspection]
# Days before the delivery date by which each kind of inspection is notified or booked.
in_house_days = 7
customer_days = 7
third_party_days = 14

[watch]
stable_seconds = 1.0    # a file is taken when size and mtime are unchanged this long
rescan_seconds = 30.0   # full rescan of the inbox (events can be missed)
retries = 3             # attempts for a damaged PDF (it may still be copying)
retry_seconds = 2.0

# Stamps on the stamped copy of each factory document. Each [[stamps]] has either
# `text` or `image`. Variables in text: {order} {customer} {customer_name} {type}
# {type_en} {type_zh} {received} {page} {pages} {file} {version}.
# position: top-left top-center top-right middle-left center middle-right
#           bottom-left bottom-center bottom-right; offset_mm = [right, up];
# pages: "all", "first", "last" or a list such as [1, 3]. types: ["*"] for all.
# stamp_font = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"  # TrueType CJK font

[[stamps]]
types = ["*"]
text = """{customer} 存档 ARCHIVED
{order} · {type_zh} {type_en} v{version}
收到 Received {received} · {page}/{pages}"""
position = "top-right"
width_mm = 62.0
opacity = 0.9
pages = "all"
color = "#c8102e"

[[stamps]]
types = ["commercial_invoice", "packing_list"]
image = "assets/seal.png"
position = "bottom-right"
offset_mm = [-10.0, 12.0]
width_mm = 36.0
rotation = -8.0
opacity = 0.85
pages = "last"
'''


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path))
@handles_errors
def init(folder: Path) -> None:
    """Create a workspace: gendan.toml, inbox/, archive/ and templates/."""
    workspace = Workspace(folder.resolve())
    workspace.ensure_folders()
    (workspace.root / "templates").mkdir(exist_ok=True)
    if not workspace.config_path.exists():
        workspace.config_path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    load_settings(workspace.config_path)
    click.echo(f"workspace ready at {workspace.root}")
    click.echo(f"  drop order files into {workspace.inbox} and run `gendan -w {folder} run`")


@cli.command()
@click.pass_obj
@handles_errors
def run(state: State) -> None:
    """Process every file in the inbox once, then exit."""
    desk = state.desk()
    outcomes = desk.run_once()
    if not outcomes:
        click.echo(f"inbox {desk.workspace.inbox} is empty")
        return
    rows = [(o.file, o.status, o.order_no or "",
             f"{len(o.documents)} file(s): {o.message}" if o.documents else o.message)
            for o in outcomes]
    rejected = [o for o in outcomes if o.status == "rejected"]
    click.echo(table(["file", "status", "order", "documents / reason"], rows))
    for outcome in outcomes:
        for problem in outcome.problems:
            click.echo(f"  {outcome.file}: {problem}", err=True)
    unmatched = [o for o in outcomes if o.status == "unmatched"]
    if unmatched:
        click.echo(f"{len(unmatched)} file(s) wait for their order in {desk.workspace.unmatched}; "
                   "`gendan assign FILE ORDER` files one by hand", err=True)
    if rejected:
        click.echo(f"{len(rejected)} file(s) rejected; reasons in {desk.workspace.rejected}",
                   err=True)
        sys.exit(4)


def _outcome_line(outcome: Outcome) -> str:
    detail = ", ".join(outcome.documents) or outcome.message
    return f"{outcome.status:<9} {outcome.file}  {outcome.order_no or ''}  {detail}".rstrip()


@cli.command()
@click.option("--poll", is_flag=True, help="Poll the folder (for network shares) instead of "
              "relying on file system events.")
@click.pass_obj
@handles_errors
def watch(state: State, poll: bool) -> None:
    """Watch the inbox and process each file once it is complete (Ctrl-C to stop)."""
    desk = state.desk()

    def report(outcome: Outcome) -> None:
        click.echo(_outcome_line(outcome))
        for line in outcome.problems + (outcome.reasons if state.verbose else []):
            click.echo(f"          {line}")

    click.echo(f"watching {desk.workspace.inbox}{' (polling)' if poll else ''}; Ctrl-C stops")
    InboxWatcher(desk, poll=poll, report=report).run_forever()
    click.echo("stopped")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("order_no")
@click.option("--type", "doc_type", type=click.Choice(sorted(FACTORY_TYPES)), default=None,
              help="Document type; by default read from the file name and text.")
@click.pass_obj
@handles_errors
def assign(state: State, file: Path, order_no: str, doc_type: str | None) -> None:
    """File a factory document under ORDER_NO (e.g. one waiting in inbox/_unmatched/)."""
    outcome = state.desk().assign(file, order_no, doc_type)
    click.echo(_outcome_line(outcome))
    for line in outcome.reasons + outcome.problems:
        click.echo(f"  {line}")
    if outcome.status not in {"archived", "duplicate"}:
        sys.exit(4)


@cli.command()
@click.pass_obj
@handles_errors
def orders(state: State) -> None:
    """List the archived orders."""
    desk = state.desk()
    rows = [
        (o["customer"], o["customer_name_zh"] or o["customer_name_en"], o["order_no"],
         _amount(o), o["items"], o["documents"], o["pages"], o["delivery_date"])
        for o in desk.index.orders()
    ]
    if not rows:
        click.echo("no orders archived yet")
        return
    headers = ["customer", "name", "order", "amount", "items", "docs", "pages", "delivery"]
    click.echo(table(headers, rows))
    click.echo(f"\narchive: {desk.workspace.archive}")


@cli.command()
@click.argument("order_no")
@click.pass_obj
@handles_errors
def show(state: State, order_no: str) -> None:
    """Show one order and its archived documents."""
    desk = state.desk()
    order = desk.index.order(order_no)
    if order is None:
        raise NotFoundError(f"order {order_no} is not in the index",
                            hint="Check `gendan orders`; run `gendan reindex` if it should be.")
    click.echo(f"order {order['order_no']}  customer {order['customer']} "
               f"{order['customer_name_zh'] or ''} {order['customer_name_en']}")
    click.echo(f"amount {_amount(order)}  items {order['items']}  "
               f"delivery {order['delivery_date']}")
    click.echo(f"folder {desk.workspace.archive / order['folder']}\n")
    docs = desk.index.documents(order["customer"], order_no)
    rows = [(d["kind"], d["doc_type"], f"v{d['version']}" + ("" if d["current"] else " (old)"),
             d.get("pages") or "", d["size"], d["file"]) for d in docs]
    click.echo(table(["kind", "type", "version", "pages", "bytes", "file"], rows))


@cli.command()
@click.argument("order_no")
@click.option("--json", "as_json", is_flag=True, help="Findings as JSON.")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Hand-over date to check against (default: today).")
@click.pass_obj
@handles_errors
def check(state: State, order_no: str, as_json: bool, on: dt.datetime | None) -> None:
    """Check an order's documents before hand-over; exit 1 when there is an error."""
    result = check_order(state.desk(), order_no, on=on.date() if on else None)
    if as_json:
        click.echo(json.dumps({"order": result.order_no, "counts": result.counts(),
                               "report": result.report,
                               "findings": [f.as_dict() for f in result.findings]},
                              ensure_ascii=False, indent=2))
    else:
        if not result.documents:
            click.echo(f"nothing to check yet: order {order_no} has no documents that can be "
                       "read (only what is missing is reported)")
        rows = [(f.severity, f.rule, f.message) for f in result.findings]
        if rows:
            click.echo(table(["severity", "rule", "message"], rows))
        counts = result.counts()
        click.echo(f"{len(RULES)} rules over {len(result.documents)} documents: "
                   f"{counts['error']} error(s), {counts['warning']} warning(s), "
                   f"{counts['review']} to review; report {result.report}")
    if result.errors:
        sys.exit(1)


@cli.command()
@click.argument("order_no")
@click.option("--force", is_flag=True, help="Hand over despite errors (needs --by, --reason).")
@click.option("--by", default="", help="Who decides to hand over despite errors.")
@click.option("--reason", default="", help="Why.")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Hand-over date (default: today).")
@click.pass_obj
@handles_errors
def handover(state: State, order_no: str, force: bool, by: str, reason: str,
             on: dt.datetime | None) -> None:
    """Check, then build the bookmarked hand-over pack and archive it under handover/."""
    desk = state.desk()
    try:
        result, path, manifest = hand_over(desk, order_no, on=on.date() if on else None,
                                           force=force, by=by, reason=reason)
    except HandoverRefused as refused:
        for finding in refused.findings:
            click.echo(f"  error [{finding.rule}]: {finding.message}", err=True)
        raise
    for finding in result.findings:
        click.echo(f"  {finding.severity}: {finding.message}")
    click.echo(f"hand-over pack: {desk.workspace.archive / path}")
    click.echo(table(["document", "pages", "sha256"],
                     [(m["title"], f"{m['first']}-{m['last']}", m["sha256"][:16])
                      for m in manifest]))


@cli.group()
def templates() -> None:
    """List the document templates, or check them."""


@templates.command("list")
@click.pass_obj
@handles_errors
def templates_list(state: State) -> None:
    """Each document type and the templates it is made from (bundled or your own)."""
    rows = [(r["type"], r["title"], r["engine"], r["template"], r["from"])
            for r in list_templates(state.desk().maker)]
    click.echo(table(["type", "title", "engine", "template", "from"], rows))


@templates.command("check")
@click.argument("name", required=False)
@click.option("--items", default=500, show_default=True, help="Line items in the test render.")
@click.pass_obj
@handles_errors
def templates_check(state: State, name: str | None, items: int) -> None:
    """Check templates: syntax, unknown variables, a test render with hostile data."""
    checked, problems = check_templates(state.desk().maker, name, items)
    for problem in problems:
        click.echo(f"  {problem}")
    click.echo(f"{len(checked)} document type(s) checked, {len(problems)} problem(s)")
    if problems:
        sys.exit(5)


@cli.command()
@click.pass_obj
@handles_errors
def reindex(state: State) -> None:
    """Rebuild the index from the archive's sidecar files."""
    count = state.desk().reindex()
    click.echo(f"index rebuilt: {count} order(s)")


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="gendan")

