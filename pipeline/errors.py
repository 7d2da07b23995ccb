"""The exception tree of gendan, each error paired with the exit code the CLI uses.

    GendanError                      exit 1  (anything we raise on purpose)
    ├── ConfigError                  exit 3  gendan.toml missing, malformed or with unknown keys
    ├── WorkspaceError               exit 3  the workspace folder is not usable
    ├── InputError                   exit 4  an incoming file cannot be accepted
    │   ├── OrderDataError           exit 4  order data with bad fields (lists every problem)
    │   │   └── UpdateRejectedError  exit 4  an order update that contradicts the order
    │   ├── UnsupportedFileError     exit 4  a file type gendan does not take
    │   ├── BadPdfError              exit 4  empty, not a PDF, no pages, password-protected
    │   │   └── IncompleteFileError  exit 4  truncated or corrupt: may still be copying, retried
    │   └── UnmatchedError           exit 4  no order could be determined (to inbox/_unmatched)
    ├── TemplateError                exit 5  a template is missing or fails to render
    ├── ConversionError              exit 5  Word -> PDF conversion failed
    ├── ArchiveError                 exit 6  the archive could not be written or read
    ├── IndexError_                  exit 6  the index could not be written or read
    └── NotFoundError                exit 7  an order or document that is not in the archive

Exit code 0 is success; 2 is a usage error (reported by click). Compliance failures are
not exceptions: they are findings (data).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ArchiveError",
    "BadPdfError",
    "ConfigError",
    "ConversionError",
    "FieldProblem",
    "GendanError",
    "IncompleteFileError",
    "IndexError_",
    "InputError",
    "NotFoundError",
    "OrderDataError",
    "TemplateError",
    "UnmatchedError",
    "UnsupportedFileError",
    "UpdateRejectedError",
    "WorkspaceError",
]


class GendanError(Exception):
    """Base of every error gendan raises on purpose; `exit_code` is what the CLI returns."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ConfigError(GendanError):
    exit_code = 3


class WorkspaceError(GendanError):
    exit_code = 3


class InputError(GendanError):
    exit_code = 4
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

    def __init__(self, source: str, problems: list[FieldProblem], *, hint: str = "") -> None:
        self.source = source
        self.problems = problems
        count = len(problems)
        first = problems[0] if problems else None
        summary = f"{source}: {count} problem{'s' if count != 1 else ''} in the order data"
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


class UnsupportedFileError(InputError):
    pass


class BadPdfError(InputError):
    pass


class IncompleteFileError(BadPdfError):
    """Truncated or corrupt; it may still be being copied, so it is retried first."""

    retryable = True


class UpdateRejectedError(OrderDataError):
    """An order update that contradicts the order (the order is left as it was)."""

    def __init__(self, order_no: str, problems: list[FieldProblem]) -> None:
        super().__init__(f"update for order {order_no}", problems,
                         hint="Correct the update and drop it into the inbox again.")


class UnmatchedError(InputError):
    """No order could be determined; the file waits in inbox/_unmatched/."""


class TemplateError(GendanError):
    exit_code = 5


class ConversionError(GendanError):
    exit_code = 5


class ArchiveError(GendanError):
    exit_code = 6


class IndexError_(GendanError):
    exit_code = 6


class NotFoundError(GendanError):
    exit_code = 7
