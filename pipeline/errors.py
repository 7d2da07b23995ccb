"""The exception tree of gendan and the exit codes, in one place.

    GendanError                      1  other_error: anything we raise on purpose
    ├── ConfigError                  3  config: gendan.toml missing, malformed, unknown keys
    ├── WorkspaceError               3  config: not a workspace, or not usable
    ├── InputError                   4  input_rejected: an incoming file cannot be accepted
    │   ├── OrderDataError           4  order data with bad fields (lists every problem)
    │   │   └── UpdateRejectedError  4  an order update that contradicts the order
    │   ├── UnsupportedFileError     4  a file type gendan does not take
    │   ├── LimitError               4  a file over one of the [limits]
    │   ├── UnsafeFileError          4  a link, device or file outside the workspace
    │   ├── OrderConflictError       4  an order number already filed for another customer
    │   ├── BadPdfError              4  empty, not a PDF, no pages, password-protected
    │   │   └── IncompleteFileError  4  truncated or corrupt: may still be copying, retried
    │   ├── UnmatchedError           4  no order could be determined (to inbox/_unmatched)
    │   └── WaitingError             4  an update that waits for another (to inbox/_waiting)
    ├── TemplateError                5  template: a template is missing or fails to render
    ├── ConversionError              5  template: Word -> PDF conversion failed
    ├── ArchiveError                 6  archive: the archive could not be written or read
    │   ├── DiskFullError            6  no space left (or a read-only archive): stop, retry
    │   └── BusyError                6  an order is locked by another gendan for too long
    ├── IndexError_                  6  archive: the index could not be written or read
    └── NotFoundError                7  not_found: an order or document that is not archived

`ExitCode` names every code; the CLI turns an error into its code in one handler.
Exit code 1 is also what `check`, `verify` and `due` return when they find something.
Compliance failures are not exceptions: they are findings (data).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "ArchiveError",
    "BadPdfError",
    "BusyError",
    "ConfigError",
    "ConversionError",
    "DiskFullError",
    "ExitCode",
    "FieldProblem",
    "GendanError",
    "IncompleteFileError",
    "IndexError_",
    "InputError",
    "LimitError",
    "NotFoundError",
    "OrderConflictError",
    "OrderDataError",
    "TemplateError",
    "UnmatchedError",
    "UnsafeFileError",
    "UnsupportedFileError",
    "UpdateRejectedError",
    "WaitingError",
    "WorkspaceError",
]


class ExitCode(IntEnum):
    """Every exit code of the `gendan` command (docs/cli.md lists the same)."""

    ok = 0
    other_error = 1  # also: check found errors, verify found problems, due has overdue items
    usage = 2
    config = 3
    input_rejected = 4
    template = 5  # also: `run` made an order's set with a document that failed
    archive = 6
    not_found = 7


class GendanError(Exception):
    """Base of every error gendan raises on purpose; `exit_code` is what the CLI returns."""

    exit_code = ExitCode.other_error

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()

    def __reduce__(self) -> tuple[object, ...]:  # survives pickling (child processes)
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls: type[GendanError], state: dict[str, object]) -> GendanError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class ConfigError(GendanError):
    exit_code = ExitCode.config


class WorkspaceError(GendanError):
    exit_code = ExitCode.config


class InputError(GendanError):
    exit_code = ExitCode.input_rejected
    retryable = False


@dataclass(frozen=True)
class FieldProblem:
    """One bad field: where it is, what was found, what is expected."""

    path: str
    found: str
    expected: str

    def __str__(self) -> str:
        return f"{self.path}: found {self.found}; expected {self.expected}"


class OrderDataError(InputError):
    """Order data that cannot be used; carries every problem, not only the first."""

    def __init__(self, source: str, problems: list[FieldProblem], *, hint: str = "",
                 what: str = "the order data") -> None:
        self.source = source
        self.problems = problems
        count = len(problems)
        first = problems[0] if problems else None
        summary = f"{source}: {count} problem{'s' if count != 1 else ''} in {what}"
        if first is not None:
            summary += f" (first: {first})"
        super().__init__(
            summary,
            hint=hint or "Correct the fields listed and drop the file into the inbox again.",
        )

    def report(self) -> str:
        """A multi-line report for NAME.error.txt."""
        lines = [f"File: {self.source}", f"Rejected: {len(self.problems)} problem(s)", ""]
        lines += [f"- {p}" for p in self.problems]
        lines += ["", f"What to do: {self.hint}"]
        return "\n".join(lines) + "\n"


class UpdateRejectedError(OrderDataError):
    """An order update that contradicts the order (the order is left as it was)."""

    def __init__(self, order_no: str, problems: list[FieldProblem]) -> None:
        super().__init__(f"update for order {order_no}", problems,
                         hint="Correct the update and drop it into the inbox again.")


class UnsupportedFileError(InputError):
    pass


class LimitError(InputError):
    """A file over one of the limits in [limits]: too large, too deep, too many pages..."""


class UnsafeFileError(InputError):
    """A symbolic or hard link, a device or FIFO, or a path outside the workspace."""


class OrderConflictError(InputError):
    """An order number that is already filed, for another customer."""


class BadPdfError(InputError):
    pass


class IncompleteFileError(BadPdfError):
    """Truncated or corrupt; it may still be being copied, so it is retried first."""

    retryable = True


class UnmatchedError(InputError):
    """No order could be determined; the file waits in inbox/_unmatched/."""


class WaitingError(InputError):
    """An update that depends on one not yet arrived; it waits in inbox/_waiting/."""


class TemplateError(GendanError):
    exit_code = ExitCode.template


class ConversionError(GendanError):
    exit_code = ExitCode.template


class ArchiveError(GendanError):
    exit_code = ExitCode.archive


class DiskFullError(ArchiveError):
    """The disk is full or the archive read-only: the run stops, the inbox is kept."""


class BusyError(ArchiveError):
    """An order stayed locked by another gendan process for longer than the wait."""


class IndexError_(GendanError):
    exit_code = ExitCode.archive


class NotFoundError(GendanError):
    exit_code = ExitCode.not_found
