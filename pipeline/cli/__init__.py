"""The `gendan` command: a thin layer over the library; the only place that prints or exits.

Exit codes are `errors.ExitCode`, turned from an error into the process's code in one
place (`common.handles_errors`). The libraries behind each command are imported by the
command, so that `gendan --help` and the read commands start fast. The commands live in
`intake` (init, run, watch, assign), `archive` (orders, show, reindex, verify ...) and
`checks` (check, handover, templates).
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from .common import State

__all__ = ["cli", "main"]


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


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="gendan")


from . import (  # noqa: E402, F401 - they register
    agenda,
    archive,
    books,
    checks,
    decisions,
    intake,
    lookup,
    mail,
    web,
)
