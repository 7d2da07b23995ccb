"""Commands that bring files in: init, run, watch, assign; worker and jobs (the shared
queue)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..doctypes import FACTORY_TYPES
from ..errors import ExitCode, GendanError
from ..workspace import Workspace
from . import cli
from .common import State, handles_errors, table

if TYPE_CHECKING:
    from ..desk import Desk
    from ..outcome import Outcome

FACTORY_TYPE_NAMES = sorted(set(FACTORY_TYPES) - {"order_data", "order_update"})



@cli.command()
@click.argument("folder", type=click.Path(path_type=Path))
@handles_errors
def init(folder: Path) -> None:
    """Create a workspace: gendan.toml, inbox/, archive/ and templates/."""
    from ..config import load_settings
    from ..example_config import EXAMPLE_CONFIG

    workspace = Workspace(folder.resolve())
    workspace.ensure_folders()
    workspace.own_templates.mkdir(exist_ok=True)
    if not workspace.config_path.exists():
        workspace.config_path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    load_settings(workspace.config_path)
    click.echo(f"workspace ready at {workspace.root}")
    click.echo(f"  drop order files into {workspace.inbox} and run `gendan -w {folder} run`")


def _report_outcomes(outcomes: list[Outcome], desk: Desk) -> None:
    rows = [(o.file, o.status, o.order_no or "",
             f"{len(o.documents)} file(s): {o.message}" if o.documents else o.message)
            for o in outcomes]
    click.echo(table(["file", "status", "order", "documents / reason"], rows))
    for outcome in outcomes:
        for problem in outcome.problems:
            click.echo(f"  {outcome.file}: {problem}", err=True)
    by_status = {s: [o for o in outcomes if o.status == s]
                 for s in ("unmatched", "waiting", "rejected", "failed")}
    ws = desk.workspace
    if by_status["unmatched"]:
        click.echo(f"{len(by_status['unmatched'])} file(s) wait for their order in "
                   f"{ws.unmatched}; `gendan assign FILE ORDER` files one by hand", err=True)
    if by_status["waiting"]:
        click.echo(f"{len(by_status['waiting'])} update(s) wait for an earlier one in "
                   f"{ws.waiting}", err=True)
    if by_status["rejected"]:
        click.echo(f"{len(by_status['rejected'])} file(s) rejected; reasons in {ws.rejected}",
                   err=True)
    if by_status["failed"]:
        click.echo(f"{len(by_status['failed'])} file(s) failed inside gendan; kept with the "
                   f"details to report in {ws.failed}", err=True)


@cli.command()
@click.pass_obj
@handles_errors
def run(state: State) -> None:
    """Process every file in the inbox once, then exit."""
    desk = state.desk()
    for line in desk.recover():
        click.echo(f"recovered: {line}", err=True)
    outcomes = desk.run_once()
    if not outcomes:
        click.echo(f"inbox {desk.workspace.inbox} is empty")
        return
    _report_outcomes(outcomes, desk)
    if any(o.status in {"rejected", "failed"} for o in outcomes):
        sys.exit(int(ExitCode.input_rejected))
    if failed := [f for o in outcomes for f in o.failed]:
        click.echo(f"{len(failed)} document(s) could not be made; the rest of each set was "
                   "made and filed (`gendan templates check` names the problem)", err=True)
        sys.exit(int(ExitCode.template))


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
    from ..watch import InboxWatcher

    desk = state.desk()

    def report(outcome: Outcome) -> None:
        click.echo(_outcome_line(outcome))
        for line in outcome.problems + (outcome.reasons if state.verbose else []):
            click.echo(f"          {line}")

    def daily() -> None:
        from ..agenda import agenda

        today = desk.clock.today()
        items = [d for d in agenda(desk.store.index.orders(), today) if d.days_left <= 0]
        overdue = sum(d.overdue for d in items)
        click.echo(f"{today}: {len(items) - overdue} step(s) due today, {overdue} overdue"
                   + (" (gendan due)" if items else ""))
        for d in items[:15]:
            click.echo(f"  {'OVERDUE' if d.overdue else 'today  '} {d.date} {d.order_no} "
                       f"{d.customer}: {d.what}")
        if len(items) > 15:
            click.echo(f"  ... and {len(items) - 15} more")

    def mail() -> None:
        from ..mail.receive import read_mailboxes

        for r in read_mailboxes(desk):
            if not r.skipped:
                click.echo(f"mail {r.mailbox}: {r.sender} {r.subject!r}: " + (
                    f"NOT TAKEN: {r.error}" if r.error else "; ".join(
                        f"{n} {s}" + (f" ({o})" if o else "") for n, s, o in r.files)))

    boxes = len(desk.settings.mail.mailboxes)
    click.echo(f"watching {desk.workspace.inbox}{' (polling)' if poll else ''}"
               + (f" and {boxes} mailbox(es) every {desk.settings.mail.poll_seconds:.0f} s"
                  if boxes else "") + "; Ctrl-C stops")
    InboxWatcher(desk, poll=poll, report=report, daily=daily,
                 mail=mail if boxes else None).run_forever()
    click.echo("stopped")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("order_no")
@click.option("--type", "doc_type", type=click.Choice(FACTORY_TYPE_NAMES), default=None,
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
        sys.exit(int(ExitCode.input_rejected))


@cli.command("order-form")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("order-form.xlsx"), show_default=True, help="Where to write it.")
@click.option("--update", is_flag=True, help="The form for an order update instead.")
@handles_errors
def order_form(output: Path, update: bool) -> None:
    """Write the bilingual Excel form for an order (or an update) to fill in."""
    from ..intake.form import write_order_form

    if output.exists():
        raise GendanError(f"{output} exists already", hint="Name another file with -o.")
    write_order_form(output, update=update)
    click.echo(f"wrote {output}: fill it in and drop it into the inbox")


@cli.command()
@click.option("--once", is_flag=True, help="Stop when no job is left (else run for ever).")
@click.option("--lease", "lease_seconds", type=click.FloatRange(min=2), default=60.0,
              show_default=True, help="Seconds a job is held without a sign of life before "
              "another worker takes it again.")
@click.option("--attempts", type=click.IntRange(min=1), default=3, show_default=True,
              help="Attempts before a job stops being tried (it is listed by `gendan jobs`).")
@click.pass_obj
@handles_errors
def worker(state: State, once: bool, lease_seconds: float, attempts: int) -> None:
    """File the shared inbox's files from the queue, beside other workers on this and
    other machines (needs [store] url: docs/shared.md)."""
    from ..worker import queue_of, work

    desk = state.desk()
    queue = queue_of(desk, lease_seconds=lease_seconds, attempts=attempts)

    def report(job: Any, outcome: Outcome | None, error: str) -> None:
        if error:
            click.echo(f"job {job.id} attempt {job.attempts}/{job.max_attempts} failed: "
                       f"{error.strip().splitlines()[-1]}", err=True)
        elif outcome is not None:
            click.echo(_outcome_line(outcome))

    count = work(desk, queue, once=once, stable_seconds=0 if once else
                 desk.settings.watch.stable_seconds, report=report)
    click.echo(f"{count} job(s) done")


@cli.command()
@click.option("--all", "everything", is_flag=True, help="Done jobs too.")
@click.option("--retry", "again", type=int, multiple=True, metavar="JOB",
              help="Give a job that stopped being tried its attempts again.")
@click.pass_obj
@handles_errors
def jobs(state: State, everything: bool, again: tuple[int, ...]) -> None:
    """The shared queue's jobs: waiting, being done, and those that stopped being tried
    (with their reason)."""
    from ..worker import queue_of

    queue = queue_of(state.desk())
    for job_id in again:
        if not queue.again(job_id):
            raise GendanError(f"job {job_id} is not one that stopped being tried",
                              hint="`gendan jobs` lists them (state failed).")
        click.echo(f"job {job_id} will be tried again")
    states = ("todo", "doing", "failed", "done") if everything else ("todo", "doing", "failed")
    rows = [(str(j["id"]), j["state"], f"{j['attempts']}/{j['max_attempts']}",
             str(j["payload"].get("path", "")), j["worker"] or "",
             (j["error"] or "").strip().splitlines()[-1:][0] if j["error"] else "")
            for j in queue.listing(states)]
    counts = queue.counts()
    click.echo(table(["job", "state", "attempts", "file", "worker", "reason"], rows)
               if rows else "no job waiting")
    click.echo(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "the queue is empty")
