"""An order's history as people read it (`gendan history`): each event in the order it
happened, with its business date, what it changed (a revised order, field by field and
item by item), its warnings, and the files it brought: the file that arrived, the
documents made or remade from it, and why."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .flow import Event

__all__ = ["timeline"]

# where each kind of event keeps the date it is about (not the date it was recorded)
BUSINESS_DATE = {"approval": "at", "inspection": "date", "loading": "loading_time",
                 "factory_confirmation": "confirmed_delivery_date", "check": "date",
                 "handover": "date"}


def _why(event: Event, meta: dict[str, Any]) -> str:
    kind = meta.get("kind")
    if kind == "original":
        return "received" + (f" as {meta['received_name']}" if meta.get("received_name") else "")
    if kind == "stamped":
        return "stamped copy of the original"
    version = int(meta.get("version") or 1)
    if event.kind == "order":
        return "made for the new order" if version == 1 and not event.data.get("revised") \
            else "remade: the order changed"
    if version > 1:
        return f"remade after the {event.kind.replace('_', ' ')} (replaces v{version - 1})"
    return f"made on the {event.kind.replace('_', ' ')}"


def timeline(events: list[Event], documents: list[dict[str, Any]],
             warnings: list[tuple[Any, Event, Event | None]] | None = None
             ) -> list[dict[str, Any]]:
    """The entries, oldest first; `warnings` (from `attention.warning_history`) adds to
    each event the warnings it raised and those it cleared."""
    raised: dict[int, list[str]] = defaultdict(list)
    cleared: dict[int, list[str]] = defaultdict(list)
    for warning, since, until in warnings or []:
        raised[since.seq].append(warning.message)
        if until is not None:
            cleared[until.seq].append(warning.message)
    commit_of: dict[tuple[str, str], int] = {}
    for meta in documents:
        if "event" in meta:  # the commit's marker names its event
            try:
                seq = int(meta["event"]["seq"])
            except (KeyError, TypeError, ValueError):
                continue  # an event that does not parse: left out (verify names it)
            commit_of[(meta.get("source", ""), meta.get("source_sha256", ""))] = seq
    files: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for meta in documents:
        found = commit_of.get((meta.get("source", ""), meta.get("source_sha256", "")))
        if found is not None:
            files[found].append(meta)
    entries = []
    for event in sorted(events, key=lambda e: e.seq):
        field = BUSINESS_DATE.get(event.kind)
        business = str(event.data.get(field) or "")[:16].replace("T", " ") if field else ""
        made = sorted(files[event.seq], key=lambda m: (m.get("kind") != "original",
                                                       m.get("kind", ""), m.get("file", "")))
        entries.append({
            "seq": event.seq, "recorded": event.recorded.isoformat(), "kind": event.kind,
            "summary": event.summary, "source": event.source, "business_date": business,
            "changes": list(event.data.get("changes") or []), "flags": list(event.flags),
            "raised": raised[event.seq], "cleared": cleared[event.seq],
            "documents": [{"file": m.get("file"), "path": m.get("path"), "kind": m.get("kind"),
                           "doc_type": m.get("doc_type"), "version": m.get("version"),
                           "why": _why(event, m)} for m in made]})
    return entries
