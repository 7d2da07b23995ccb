"""What happened to one inbox file: the record `run`, `watch` and `assign` report."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Outcome"]


@dataclass
class Outcome:
    """What happened to one inbox file."""

    file: str
    status: str  # archived | duplicate | rejected | unmatched | waiting | vanished | skipped
    message: str
    order_no: str | None = None
    documents: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # documents that could not be made
