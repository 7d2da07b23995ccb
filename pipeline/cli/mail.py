"""Commands on mail: send (documents to the customer by SMTP), mail (factories' mail read
from IMAP mailboxes into the inbox)."""

from __future__ import annotations

import click

from . import cli
from .common import State, handles_errors


@cli.command()
@click.argument("order_no")
@click.argument("doc_types", nargs=-1, required=True)
@click.option("--to", "to", multiple=True, required=True, help="Address (repeatable).")
@click.option("--cc", multiple=True, help="Copy to (repeatable).")
@click.option("--message", default="", help="A line of your own in the mail's text.")
@click.pass_obj
@handles_errors
def send(state: State, order_no: str, doc_types: tuple[str, ...], to: tuple[str, ...],
         cc: tuple[str, ...], message: str) -> None:
    """Mail ORDER_NO's current documents (e.g. proforma_invoice sales_contract
    loading_notice handover_pack) to the customer by SMTP; filed in the order's history."""
    from ..mail.send import send_documents

    sent = send_documents(state.desk(), order_no, list(doc_types), to=list(to), cc=list(cc),
                          note=message)
    click.echo(f"sent {', '.join(sent.files)} to {', '.join(sent.to)}: {sent.subject} "
               f"({sent.message_id}); filed as {sent.archived}")


@cli.command("mail")
@click.pass_obj
@handles_errors
def mail_command(state: State) -> None:
    """Read the mailboxes of [mail]: each new message's attachments go through the inbox,
    the message is kept with what it brought and moved to the done folder."""
    from ..mail.receive import read_mailboxes

    desk = state.desk()
    state.workspace().ensure_folders()
    with desk.intake():
        taken = read_mailboxes(desk)
    for r in taken:
        if r.skipped:
            click.echo(f"{r.mailbox}: {r.message_id} seen before, moved to the done folder")
            continue
        what = "; ".join(f"{n} {s}" + (f" ({o})" if o else "") for n, s, o in r.files) \
            or "no attachment"
        click.echo(f"{r.mailbox}: {r.sender} {r.subject!r}: "
                   + (f"NOT TAKEN: {r.error}" if r.error else what))
    failed = [r for r in taken if r.error]
    click.echo(f"{len(taken)} message(s), {len(failed)} left in the mailbox")
    if failed:
        raise SystemExit(4)
