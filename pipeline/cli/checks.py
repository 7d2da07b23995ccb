"""Commands before hand-over and on templates: check, handover, templates."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from ..errors import ExitCode
from . import cli
from .common import State, handles_errors, table


@cli.command()
@click.argument("order_no", required=False)
@click.option("--json", "as_json", is_flag=True, help="Findings as JSON.")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Hand-over date to check against (default: today, or the order's planned "
              "invoice or shipment date when that is later).")
@click.option("--explain", "explain", metavar="RULE", default=None,
              help="Say what a rule checks and why (its reference); no order needed.")
@click.pass_obj
@handles_errors
def check(state: State, order_no: str | None, as_json: bool, on: dt.datetime | None,
          explain: str | None) -> None:
    """Check an order's documents before hand-over; exit 1 when there is an error."""
    from ..compliance import RULES
    from ..recipes import check_order

    if explain is not None:
        click.echo(_explain(explain))
        return
    if order_no is None:
        raise click.UsageError("give the order to check (or --explain RULE)")

    result = check_order(state.desk(), order_no, on=on.date() if on else None)
    if as_json:
        click.echo(json.dumps({"order": result.order_no, "counts": result.counts(),
                               "as_of": str(result.case.handover_date),
                               "as_of_basis": result.case.date_basis,
                               "report": result.report,
                               "findings": [f.as_dict() for f in result.findings],
                               "documents": [{"document": d.document, "type": d.doc_type,
                                              "required": d.required, "not_read": d.missing}
                                             for d in result.documents]},
                              ensure_ascii=False, indent=2))
    else:
        if not result.documents:
            click.echo(f"nothing to check yet: order {order_no} has no documents that can be "
                       "read (only what is missing is reported)")
        rows = [(f.severity, f"{f.rule}\n{f.title}", f.message) for f in result.findings]
        if rows:
            click.echo(table(["severity", "rule", "message"], rows))
        read = [(d.document.rsplit("/", 1)[-1], d.doc_type,
                 f"{d.read_count} of {len(d.required)}" if d.required else "-",
                 ", ".join(d.missing) or ("no text" if not d.has_text else ""))
                for d in result.documents]
        if read:
            click.echo(table(["document", "type", "fields read", "not read"], read))
        counts = result.counts()
        if result.case.date_basis not in {"given", "today"}:
            click.echo(f"checked as of {result.case.handover_date}: {result.case.date_basis} "
                       "(--date to check as of another day)")
        click.echo(f"{len(RULES)} rules over {len(result.documents)} documents: "
                   f"{counts['error']} error(s), {counts['warning']} warning(s), "
                   f"{counts['review']} to review; report {result.report}")
    if result.errors:
        sys.exit(int(ExitCode.other_error))


def _explain(rule_id: str) -> str:
    import inspect

    from ..compliance import RULES
    from ..errors import NotFoundError

    rule = RULES.get(rule_id)
    if rule is None:
        near = [r for r in RULES if rule_id.split(".")[0] in r] or sorted(RULES)[:8]
        raise NotFoundError(f"no rule {rule_id}", hint=f"Rules: {', '.join(sorted(near))} "
                            "(all of them in docs/rules.md).")
    lines = [f"{rule.id} ({rule.severity}): {rule.title_zh}", f"  {rule.title}",
             f"Reference: {rule.reference}"]
    if rule.why:
        lines.append(f"Why: {rule.why}")
    doc = inspect.getdoc(rule.check)
    if doc:
        lines.append(doc)
    what = {"error": "an error stops the hand-over unless it is forced (who and why)",
            "warning": "a warning is reported; it does not stop the hand-over",
            "review": "for a person to look at; it does not stop the hand-over"}
    lines.append(what[rule.severity].capitalize() + ".")
    return "\n".join(lines)


@cli.command()
@click.argument("order_no")
@click.option("--force", is_flag=True, help="Hand over despite errors: a manager's decision "
              "(needs --by and --reason).")
@click.option("--by", "login", default="", help="The manager or general manager who decides "
              "(user name; their password is asked, or give --key).")
@click.option("--key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="The deciding manager's own key instead of the password.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--reason", default="", help="Why.")
@click.option("--preview", is_flag=True, help="Build the customer's pack marked PREVIEW 预览 "
              "and archive nothing (the status does not change).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where the preview goes (default: ORDER_NO-preview.pdf here).")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Hand-over date (default: today).")
@click.pass_obj
@handles_errors
def handover(state: State, order_no: str, force: bool, login: str, key: Path | None,
             password_stdin: bool, reason: str, preview: bool, output: Path | None,
             on: dt.datetime | None) -> None:
    """Check, then build the customer's bookmarked pack and the office's record of the
    hand-over, and archive both under handover/ (or, with --preview, only show the pack)."""
    from ..recipes import HandoverRefused, hand_over
    from .decisions import identify

    desk = state.desk()
    forced_by = None
    if force:
        if not login:
            raise HandoverRefused("--force needs --by: the user name of the manager or "
                                  "general manager who decides",
                                  hint="e.g. --by li.qiang --reason TEXT (their password is "
                                  "asked); `gendan users list` shows who may decide.")
        forced_by = identify(state, login, key, password_stdin, order_no)
    target = (output or Path(f"{order_no}-preview.pdf")) if preview else None
    try:
        result, path, manifest = hand_over(desk, order_no, on=on.date() if on else None,
                                           force=force, forced_by=forced_by, reason=reason,
                                           preview=target)
    except HandoverRefused as refused:
        for finding in refused.findings:
            click.echo(f"  error [{finding.rule}]: {finding.message}", err=True)
        raise
    for finding in result.findings:
        click.echo(f"  {finding.severity}: {finding.message}")
    if target is not None:
        click.echo(f"preview (nothing archived, status unchanged): {target}")
        return
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
    from ..template_check import list_templates

    found = list_templates(state.desk().maker)
    rows = [(r["type"], r["title"], r["engine"], r["template"], r["from"])
            for r in found]
    click.echo(table(["type", "title", "engine", "template", "from"], rows))
    for row in (r for r in found if r["use"]):
        click.echo(f"{row['template']} is not used; to make a document of it, add to "
                   f"gendan.toml:\n  {row['use']}")


@templates.command("map")
@click.argument("name")
@click.pass_obj
@handles_errors
def templates_map(state: State, name: str) -> None:
    """Draft a mapping of a template's own variable names to gendan's, to edit and add to
    gendan.toml."""
    from ..template_check import draft_for

    click.echo(draft_for(state.desk().maker, name), nl=False)


@templates.command("check")
@click.argument("name", required=False)
@click.option("--items", default=500, show_default=True, help="Line items in the test render.")
@click.pass_obj
@handles_errors
def templates_check(state: State, name: str | None, items: int) -> None:
    """Check templates: syntax, unknown variables, a test render with hostile data."""
    from ..template_check import check_templates

    checked, problems = check_templates(state.desk().maker, name, items)
    for problem in problems:
        click.echo(f"  {problem}")
    click.echo(f"{len(checked)} document type(s) checked, {len(problems)} problem(s)")
    if problems:
        sys.exit(int(ExitCode.template))


@cli.group()
def config() -> None:
    """Check the workspace's settings and what they point to."""


@config.command("check")
@click.pass_obj
@handles_errors
def config_check(state: State) -> None:
    """Validate gendan.toml, the seal and logo, the templates and LibreOffice; show what
    will be used."""
    from ..render.convert import find_libreoffice
    from ..template_check import check_templates, list_templates

    workspace = state.workspace()
    settings = state.settings()  # a bad key is exit 3 here
    desk = state.desk()  # a missing seal, logo or stamp image is exit 3 here
    maker = desk.maker
    found = workspace.config_path if workspace.config_path.is_file() else "(none: defaults)"
    rows = [
        ("settings", str(found)),
        ("company", f"{settings.company.name_zh} {settings.company.name_en}"),
        ("seal", str(maker.template_file(settings.company.seal))),
        ("logo", str(maker.template_file(settings.company.logo)) if settings.company.logo
         else "(none)"),
        ("numbers", f"quotation {settings.numbering.quotation} · contract "
                    f"{settings.numbering.contract} · invoice {settings.numbering.invoice}"),
        ("inspection lead days", ", ".join(f"{k} {v}" for k, v in
                                           settings.inspection.lead_days().items())),
        ("hand-over pack", f"prefer the {settings.handover.prefer}'s of a pair"),
        ("file mode", settings.archive.file_mode or "the umask decides"),
    ]
    office = find_libreoffice()
    rows.append(("LibreOffice", office or "not installed: Word-only documents stay .docx"))
    if office and settings.documents.word_to_pdf:
        from ..render.office import can_keep_warm

        docs = settings.documents
        why = can_keep_warm(docs.uno_python) if docs.warm_libreoffice else "turned off"
        rows.append(("warm LibreOffice", f"not kept, each Word document starts its own: {why}"
                     if why else f"kept by watch, serve and runs of several orders "
                     f"({docs.uno_python})"))
    own = [r for r in list_templates(maker) if r["from"] != "bundled"]
    rows.append(("own templates", ", ".join(r["template"] for r in own) or "(none)"))
    click.echo(table(["setting", "in use"], rows))
    _, problems = check_templates(maker, render=False)
    for problem in problems:
        click.echo(f"  {problem}")
    click.echo(f"{len(problems)} template problem(s)" if problems else "settings and templates "
               "are in order")
    if problems:
        sys.exit(int(ExitCode.template))


@config.command("cert")
@click.option("--force", is_flag=True, help="Replace the certificate there is (packs signed "
              "with the old one then no longer check).")
@click.pass_obj
@handles_errors
def config_cert(state: State, force: bool) -> None:
    """Make the company's self-signed certificate, with which hand-over packs are signed
    (PAdES): a pack changed after hand-over shows as changed in any PDF reader."""
    from ..errors import GendanError
    from ..pdf.signing import Certificate, make_certificate

    where = Certificate.of(state.workspace().root)
    if where.exists() and not force:
        raise GendanError(f"{where.cert} exists already", hint="--force replaces it.")
    name = state.settings().company.name_en
    make_certificate(where, name)
    click.echo(f"wrote {where.cert} (and its key, mode 0600): hand-over packs are now signed "
               f"by {name}")


@cli.group()
def profile() -> None:
    """Extraction profiles for factory layouts the generic reading misses."""


@profile.command("suggest")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "doc_type", default=None,
              help="Document type (default: recognised from the name and text).")
@click.option("--order", "order_no", default=None,
              help="An archived order whose models the document lists (finds item lines).")
@click.option("--name", default="", help="Name of the profile.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the draft here (never over an existing file) instead of printing it.")
@click.pass_obj
@handles_errors
def profile_suggest(state: State, file: Path, doc_type: str | None, order_no: str | None,
                    name: str, output: Path | None) -> None:
    """Draft a profile from one of a factory's documents, to check and save in profiles/."""
    from ..compliance.suggest import suggest_profile
    from ..errors import GendanError
    from ..intake.identify import identify_type
    from ..pdf import open_pdf, page_texts

    if output is not None and output.exists():
        raise GendanError(f"{output} exists already", hint="Name another file with -o.")
    models: list[str] = []
    if order_no is not None:
        with state.desk().store.open(order_no) as record:
            models = [i.model for i in record.order.items]
    reader, _ = open_pdf(file, text_pages=0)
    texts = page_texts(reader)
    if doc_type is None:
        doc_type, _ = identify_type(file.name, texts[:2])
    suggestion = suggest_profile(file, texts, doc_type, models, name)
    if output is None:
        click.echo(suggestion.text, nl=False)
        return
    output.write_text(suggestion.text, encoding="utf-8")
    click.echo(f"wrote {output}: {suggestion.read.read_count} of "
               f"{len(suggestion.read.required)} required fields read with it; check it, then "
               "move it into profiles/")
