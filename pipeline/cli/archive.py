"""Commands that look after the archive: reindex, verify, migrate, export, import."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import ExitCode
from . import cli
from .common import State, handles_errors, table


@cli.command()
@click.pass_obj
@handles_errors
def reindex(state: State) -> None:
    """Rebuild the index from the archive's sidecar files."""
    from ..pdf.search import search_texts
    from ..reindex import reindex as rebuild

    store = state.store()
    count, notes = rebuild(store, reader=search_texts)
    for note in notes:
        click.echo(f"  {note}", err=True)
    click.echo(f"index rebuilt: {count} order(s)")


@cli.command()
@click.option("--to", "url", default="", metavar="postgresql://...",
              help="The database that is to hold the registry, locks, counters and index.")
@click.option("--schema", "schema", default="", help="A schema of its own in that database.")
@click.option("--archive", "archive_url", default="", metavar="s3://bucket/prefix",
              help="The archive's shared copy: S3-compatible storage, or a folder every "
              "machine mounts.")
@click.option("--endpoint", default="", metavar="https://...",
              help="The S3-compatible service's address (MinIO, Ceph, ...).")
@click.pass_obj
@handles_errors
def migrate(state: State, url: str, schema: str, archive_url: str, endpoint: str) -> None:
    """Move the workspace onto the shared backend: its files copied to the shared archive,
    registry, counters and index written into PostgreSQL from them, each verified by
    checksum."""
    from ..errors import ConfigError
    from ..pdf.search import search_texts
    from ..shared import migrate as move
    from ..shared import share_archive

    if not url and not archive_url:
        raise ConfigError("say where to: --to postgresql://... and/or --archive s3://...",
                          hint="See `gendan migrate --help` and docs/shared.md.")
    if url and not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(f"--to {url!r} is not a PostgreSQL URL",
                          hint="Write postgresql://user@host/database (the database must "
                          "exist; gendan makes its tables).")
    if schema and not schema.replace("_", "a").isalnum():
        raise ConfigError(f"--schema {schema!r}: letters, digits and _ only",
                          hint="Name a schema such as gendan or office_hz.")
    source = state.store()
    settings = []
    problems: list[str] = []
    if archive_url:
        count, damage = share_archive(source, archive_url, endpoint)
        click.echo(f"copied {count} order(s) to {archive_url}")
        problems += [f"{kind}: {path} {detail}" for kind, path, detail in damage]
        settings += [f"archive_url = \"{archive_url}\""] + \
            ([f"archive_endpoint = \"{endpoint}\""] if endpoint else [])
    if url:
        target, count, notes, found = move(source, url, schema, reader=search_texts)
        for note in notes:
            click.echo(f"  {note}", err=True)
        documents = len(target.index.catalogue.document_rows())
        click.echo(f"migrated {count} order(s), {documents} document(s), "
                   f"{len(target.counters())} counter(s)")
        problems += [f"{p.kind}: {p.path} {p.detail}" for p in found]
        settings = [f"url = \"{url}\""] + ([f"schema_name = \"{schema}\""] if schema else []) \
            + settings
    if problems:
        for line in problems:
            click.echo(f"  {line}", err=True)
        click.echo(f"{len(problems)} problem(s) found by verify: fix them (`gendan verify "
                   "--repair`) and run migrate again", err=True)
        sys.exit(1)
    click.echo("verified: every file matches its checksum" +
               (" and the index the archive" if url else " in the shared copy"))
    click.echo(f"now set in {state.workspace().config_path}:\n  [store]\n  "
               + "\n  ".join(settings))


@cli.command()
@click.option("--repair", is_flag=True, help="Rebuild what is derived and move what is out "
              "of place to archive/.quarantine/ (never deletes an original).")
@click.option("--quick", is_flag=True, help="Compare sizes only, not sha256.")
@click.option("--json", "as_json", is_flag=True, help="Problems as JSON.")
@click.option("--forget-quarantine", "forget", type=click.IntRange(min=0), default=None,
              metavar="DAYS", help="Delete what repairs moved to archive/.quarantine/ more "
              "than DAYS days ago (looked at and not wanted).")
@click.pass_obj
@handles_errors
def verify(state: State, repair: bool, quick: bool, as_json: bool, forget: int | None) -> None:
    """Check the archive against its sidecars and the index; exit 1 on problems."""
    if forget is not None:
        _forget_quarantine(state, forget)
    from ..desk import Desk
    from ..repair import repair as mend
    from ..verify import verify as inspect

    workspace = state.workspace()
    desk = Desk(workspace, state.settings())
    problems = inspect(desk.store, desk.parking, deep=not quick)
    if not quick:
        problems += _signatures(desk)
    if as_json:
        click.echo(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    elif problems:
        click.echo(table(["problem", "path", "detail", "repair"],
                         [(p.kind, p.path, p.detail, p.repair) for p in problems]))
    if repair and problems:
        from ..pdf.search import search_texts

        for line in mend(desk.store, problems, read_text=search_texts):
            click.echo(f"repaired: {line}", err=True)
        left = inspect(desk.store, desk.parking, deep=not quick)
        click.echo(f"{len(problems)} problem(s) found, {len(left)} left after repair")
        if left:
            sys.exit(int(ExitCode.other_error))
        return
    if not as_json:
        click.echo(f"{len(problems)} problem(s) in {workspace.archive}"
                   if problems else f"archive {workspace.archive} verified: no problems")
        _tell_quarantine(desk.store.quarantine)
    if problems:
        sys.exit(int(ExitCode.other_error))


def _quarantined(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def _tell_quarantine(folder: Path) -> None:
    """What repairs have set aside, so that it is looked at (never deleted unasked)."""
    found = _quarantined(folder)
    if found:
        files = sum(1 for f in found for p in f.rglob("*") if p.is_file()
                    and p.name != "report.txt")
        click.echo(f"quarantine: {files} file(s) set aside by {len(found)} repair(s) in "
                   f"{folder} (each folder's report.txt says why); look at them, then "
                   "`gendan verify --forget-quarantine DAYS`")


def _forget_quarantine(state: State, days: int) -> None:
    import datetime as dt
    import shutil

    folder = state.workspace().archive / ".quarantine"
    limit = dt.datetime.now().timestamp() - days * 86400
    gone = [f for f in _quarantined(folder) if f.stat().st_mtime < limit]
    for old in gone:
        shutil.rmtree(old)
    click.echo(f"quarantine: {len(gone)} repair folder(s) older than {days} day(s) deleted")


def _signatures(desk: Any) -> list[Any]:
    """Each signed document (a sealed one, a hand-over pack) still carries the company's
    signature over all of it."""
    from ..pdf.signing import Certificate, check_signatures
    from ..store import SIDECAR_SUFFIX
    from ..verify import Problem

    certificate = Certificate.of(desk.workspace.root)
    found = []
    for folder in desk.store.order_folders():
        for sidecar in sorted([*(folder / "generated").glob(f"*{SIDECAR_SUFFIX}"),
                               *(folder / "handover").glob(f"*{SIDECAR_SUFFIX}")]):
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            pack = sidecar.with_name(sidecar.name[: -len(SIDECAR_SUFFIX)])
            if not meta.get("signed") or not pack.is_file():
                continue
            check = check_signatures(pack, certificate)
            if not check.ok:
                why = ("no signature" if not check.signed else "changed after it was signed"
                       if not check.intact else "something was added after the signature")
                found.append(Problem("signature broken", desk.store.relative(pack), why,
                                     "report"))
    return found


@cli.command("export")
@click.argument("names", nargs=-1, required=True, metavar="CUSTOMER|ORDER...")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="A .zip file, or a new (or empty) folder.")
@click.option("--current", is_flag=True, help="Current versions only (and every original).")
@click.pass_obj
@handles_errors
def export_command(state: State, names: tuple[str, ...], output: Path, current: bool) -> None:
    """Export orders (or all of a customer's) with a manifest of sha256 checksums."""
    from ..books.accounts import customer_books
    from ..transfer import export_orders, resolve

    store = state.store()
    refs = resolve(store, names)
    root = state.workspace().root
    done = export_orders(store, refs, output, current=current,
                         exported=store.clock.now().isoformat(timespec="seconds"),
                         workspace=root,
                         books=customer_books(root, {r.customer for r in refs}))
    click.echo(f"exported {len(done.orders)} order(s), {done.documents} document(s), "
               f"{done.files} file(s), {done.size / 1e6:,.1f} MB to {done.target} "
               "(manifest.json, manifest.csv, manifest.xlsx)")


@cli.command("import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.pass_obj
@handles_errors
def import_command(state: State, source: Path) -> None:
    """Import an export: every checksum verified first; what is here already is skipped."""
    from ..imports import Decisions, import_orders
    from ..people import People

    state.workspace().ensure_folders()
    approval = state.settings().approval
    decisions = Decisions(People(state.workspace().root), approval.general_manager_threshold,
                          approval.trust_inbox)
    result = import_orders(state.store(), source, decisions)
    click.echo(f"imported {len(result.orders)} order(s): {result.filed} file(s) filed, "
               f"{result.skipped} already here")
    for conflict in result.conflicts:
        click.echo(f"  not imported: {conflict}", err=True)
    if result.conflicts:
        sys.exit(int(ExitCode.input_rejected))
