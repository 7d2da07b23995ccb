"""What every command shares: the workspace and settings it works on, one handler that
turns an error into one clear line and its exit code, and tables that line up Chinese."""

from __future__ import annotations

import sys
import traceback
import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import GendanError
from ..workspace import Workspace

if TYPE_CHECKING:
    from ..config import Settings
    from ..desk import Desk
    from ..index import Index
    from ..store import OrderStore

__all__ = ["State", "amount", "handles_errors", "table"]

F = TypeVar("F", bound=Callable[..., Any])


def _width(text: str) -> int:
    if text.isascii():
        return len(text)
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


def amount(order: dict[str, Any]) -> str:
    return f"{order['currency']} {Decimal(order['total_amount']):,.2f}"


class State:
    def __init__(self, workspace: Path | None, verbose: bool) -> None:
        self.workspace_arg = workspace
        self.verbose = verbose

    def workspace(self) -> Workspace:
        return Workspace.locate(self.workspace_arg)

    def settings(self) -> Settings:
        from ..config import load_settings

        return load_settings(self.workspace().config_path)

    def store(self) -> OrderStore:
        """The archive, for reading: settings are validated, nothing is created."""
        from ..shared import open_store
        from ..summary import Policy

        workspace = self.workspace()
        settings = self.settings()
        return open_store(workspace, url=settings.store.url, schema=settings.store.schema_name,
                          file_mode=settings.archive.mode(),
                          policy=Policy.from_settings(settings),
                          archive_url=settings.store.archive_url,
                          archive_endpoint=settings.store.archive_endpoint)

    def index(self) -> Index:
        """The index alone, for questions: no settings, no models (a quick start-up)."""
        from ..index import Index

        return Index.of(self.workspace())

    def desk(self) -> Desk:
        from ..desk import Desk

        workspace = self.workspace()
        return Desk(workspace, self.settings())


def handles_errors(func: F) -> F:
    """Turn a GendanError into one clear line and its exit code (traceback with -v)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            try:
                return func(*args, **kwargs)
            except OSError as exc:  # any write the archive refused: full or read-only
                from ..fsutil import DISK_FULL

                if exc.errno not in DISK_FULL:
                    raise
                from ..errors import DiskFullError

                where = f" ({exc.filename})" if exc.filename else ""
                raise DiskFullError(f"the archive cannot be written: {exc.strerror}{where}; "
                                    "nothing was half done",
                                    hint="Free some space, or make the archive writable, "
                                    "then run the command again.") from exc
        except GendanError as exc:
            state = click.get_current_context().find_object(State)
            if state is not None and state.verbose:
                traceback.print_exc()
            click.echo(f"gendan: error: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"  what to do: {exc.hint}", err=True)
            sys.exit(int(exc.exit_code))

    return wrapper  # type: ignore[return-value]


def status_text(row: dict[str, Any]) -> str:
    """An order's status as people read it: a forced hand-over says so."""
    status = str(row.get("status") or "")
    forced = row.get("forced") and status in {"handed_over", "registered", "closed"}
    return f"{status} (FORCED)" if forced else status
