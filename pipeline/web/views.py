"""What each page shows, gathered from the index (quick questions) and, for one order, from
its record under the order's lock (so a page never shows half of a commit)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..inbox import NOTE_SUFFIXES, shown

if TYPE_CHECKING:
    from ..people import Person
    from . import Office

__all__ = ["Parked", "approval_role", "customer_rows", "kept", "order_view", "parked",
           "today_view"]

NOTE_CHARS = 4000
SEVERITIES = ("error", "warning", "review")


@dataclass(frozen=True)
class Parked:
    folder: str  # unmatched, waiting, rejected, failed
    name: str
    shown: str
    note: str
    size: int


def parked(office: Office, folder_name: str) -> list[Parked]:
    """The files waiting in one of the inbox's side folders, each with its note."""
    folder = office.workspace.side_folder(folder_name)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.endswith(NOTE_SUFFIXES) or path.is_dir() or path.is_symlink():
            continue
        note = ""
        for suffix in NOTE_SUFFIXES:
            try:
                note = path.with_name(path.name + suffix).read_text(
                    encoding="utf-8", errors="replace")[:NOTE_CHARS]
                break
            except OSError:
                continue
        found.append(Parked(folder_name, path.name, shown(path.name), note,
                            path.stat().st_size))
    return found


DUE_PER_PAGE = 100  # the Today page's steps a page: the most urgent first
_KEPT: dict[tuple[str, str], tuple[tuple[int, ...], Any]] = {}  # (workspace, what) -> read


def kept(office: Office, index: Any, what: str, read: Callable[[Any], Any]) -> Any:
    """What `read` makes of the open `index`, kept while the index's generation (its count
    of writes) stays the same: twenty people on the page at once read it once, not twenty
    times. At most 64 readings are kept."""
    version = index.version()
    key = (str(office.workspace.root), what)
    found = _KEPT.get(key)
    if found is not None and found[0] == version:
        return found[1]
    value = read(index)
    if len(_KEPT) >= 64:
        _KEPT.pop(next(iter(_KEPT)), None)
    _KEPT[key] = (version, value)
    return value


def today_view(office: Office, page: int = 1) -> dict[str, Any]:
    """What is due in the next 14 days and overdue, summarised (counts by step) and paged,
    the most urgent first: an office with ten thousand open orders gets a page, not the
    whole list (the steps come from their own table, the page's rows only)."""
    from ..agenda import Due, agenda
    from ..books.samples import due_rows

    today = office.desk.clock.today()
    until = (today + dt.timedelta(days=14)).isoformat()
    samples = agenda(due_rows(office.desk.workspace.books), today, days=14)  # a few
    unmatched = parked(office, "unmatched")  # to be filed under an open order, as one types
    index = office.index()
    try:
        counts = kept(office, index, f"due counts {until} {today}",
                      lambda i: i.due_counts(until, today.isoformat()))
        total = sum(int(c["count"]) for c in counts) + len(samples)
        pages = max(1, -(-total // DUE_PER_PAGE))
        page = min(max(1, page), pages)
        rows = kept(office, index, f"due steps {until} {page}",
                    lambda i: i.due_steps(until, page * DUE_PER_PAGE))
        recent = kept(office, index, "recent", lambda i: i.recent(15))
        open_orders = kept(office, index, "open orders",
                           lambda i: i.open_orders(500)) if unmatched else []
    finally:
        index.close()
    steps = [Due(r["order_no"], r["customer"], r["salesperson"] or "", r["kind"], r["what"],
                 dt.date.fromisoformat(r["date"]), r["action"],
                 (dt.date.fromisoformat(r["date"]) - today).days) for r in rows]
    kinds = {c["kind"]: {**c, "first": dt.date.fromisoformat(c["first"])} for c in counts}
    for item in samples:
        kind = kinds.setdefault(item.kind, {"kind": item.kind, "count": 0, "overdue": 0,
                                            "today": 0, "first": item.date})
        kind["count"] += 1
        kind["overdue"] += item.overdue
        kind["today"] += item.days_left == 0
        kind["first"] = min(kind["first"], item.date)
    merged = sorted([*steps, *samples], key=lambda d: (d.date, d.order_no, d.kind))
    return {"today": today, "due": merged[(page - 1) * DUE_PER_PAGE:page * DUE_PER_PAGE],
            "due_count": total, "overdue": sum(int(k["overdue"]) for k in kinds.values()),
            "due_today": sum(int(k["today"]) for k in kinds.values()), "page": page,
            "pages": pages,
            "kinds": sorted(kinds.values(), key=lambda k: (-int(k["overdue"]), k["first"])),
            "recent": recent, "open_orders": open_orders, "unmatched": unmatched,
            "waiting": parked(office, "waiting"), "rejected": parked(office, "rejected"),
            "failed": parked(office, "failed"), "stopped_jobs": stopped_jobs(office)}


def stopped_jobs(office: Office) -> list[dict[str, Any]]:
    """On the shared backend: the queue's jobs that stopped being tried, with why."""
    from ..shared import SharedStore

    store = office.desk.store
    if not isinstance(store, SharedStore):
        return []
    from ..jobs import Queue

    return Queue(store.pg).listing(("failed",), limit=50)


def customer_rows(orders: list[dict[str, Any]],
                  next_whats: Callable[[list[str]], dict[str, str]] | None = None,
                  ) -> list[dict[str, Any]]:
    """One row per customer: orders, open orders, amounts per currency, next deadline
    (what is due then: from `next_whats` by the orders' keys, when the rows lack it)."""
    by: dict[str, dict[str, Any]] = {}
    nearest: dict[str, tuple[str, dict[str, Any]]] = {}
    for o in orders:
        row = by.setdefault(o["customer"], {"customer": o["customer"],
                                            "name": o.get("customer_name") or "", "orders": 0,
                                            "open": 0, "amounts": defaultdict(Decimal),
                                            "next_due": None, "next_what": ""})
        row["orders"] += 1
        row["open"] += o["status"] not in {"registered", "closed", "cancelled"}
        row["amounts"][o["currency"]] += Decimal(o["total_amount"])
        due = o.get("next_due")
        if due and (row["next_due"] is None or due < row["next_due"]):
            row["next_due"] = due
            nearest[o["customer"]] = (o.get("key") or "", o)
    whats = next_whats([key for key, _ in nearest.values()]) if next_whats else {}
    for customer, (key, o) in nearest.items():
        what = whats.get(key, "") if next_whats else o.get("next_what")
        by[customer]["next_what"] = f"{o['order_no']}: {what}"
    for row in by.values():
        row["amounts"] = sorted(row["amounts"].items())
    return sorted(by.values(), key=lambda r: r["customer"])


def _findings(events: list[Any], paths: dict[str, str]
              ) -> tuple[dict[str, Any] | None, dict[str, list[Any]]]:
    checks = [e for e in events if e.kind == "check"]
    if not checks:
        return None, {}
    last = max(checks, key=lambda e: e.seq)
    grouped: dict[str, list[Any]] = {s: [] for s in SEVERITIES}
    for finding in last.data.get("findings", []):
        named = [str(d).split(" p.")[0] for d in finding.get("documents", [])]
        links = []
        for d in named:
            page = re.search(re.escape(d) + r" p\.(\d+)", str(finding.get("message", "")))
            links.append((Path(d).name, paths.get(d) or paths.get(Path(d).name),
                          int(page.group(1)) if page else None))
        grouped.setdefault(str(finding.get("severity")), []).append({**finding, "links": links})
    return {"recorded": last.recorded, "date": last.data.get("date"),
            "counts": last.data.get("counts", {}), "summary": last.summary}, grouped


def order_view(office: Office, order_no: str) -> dict[str, Any]:
    from ..attention import warning_history
    from ..flow import approval_state
    from ..timeline import timeline

    store = office.desk.store
    with store.open(order_no) as record:
        order, workflow, events = record.order, record.workflow, record.events
        documents = record.documents
        warnings = warning_history(order, events, dict(store.policy.lead_days))
    approvals = approval_state(order, workflow,
                               office.settings.approval.general_manager_threshold)
    entries = timeline(events, documents, warnings)
    shown_docs = [d for d in documents if d["kind"] in {"generated", "stamped", "handover"}]
    current = sorted((d for d in shown_docs if d["current"]),
                     key=lambda d: (d["kind"] != "generated", d["doc_type"], d["file"]))
    older = sorted((d for d in shown_docs if not d["current"]),
                   key=lambda d: (d["doc_type"], -int(d["version"])))
    originals = sorted((d for d in documents if d["kind"] == "original"),
                       key=lambda d: str(d.get("time", "")), reverse=True)
    pack = next((d for d in current if d["doc_type"] == "handover_pack"), None)
    paths = {**{d["file"]: d["path"] for d in documents}, **{d["path"]: d["path"]
                                                               for d in documents}}
    last_check, findings = _findings(events, paths)
    index = office.index()
    try:
        card = index.card(record.key)
    finally:
        index.close()
    row = card[0] if card else {}
    return {"steps": steps(order_no, workflow, approvals.complete, row, documents),
            "order": order, "workflow": workflow, "row": row, "approvals": approvals,
            "timeline": list(reversed(entries)), "current": current, "older": older,
            "originals": originals, "pack": pack, "last_check": last_check,
            "findings": findings, "folder": record.ref.folder,
            "drafts": [d["file"] for d in current if d.get("draft")],
            "sendable": sorted({d["doc_type"] for d in current
                                if str(d["file"]).lower().endswith(".pdf")})}


def steps(order_no: str, workflow: Any, approved: bool, row: dict[str, Any],
          documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The work manual's steps of the order, each done or not, with where to do it; the
    first one not done is the next."""
    from urllib.parse import quote

    base = f"/orders/{quote(order_no, safe='')}"
    have = {d["doc_type"] for d in documents if d.get("current")}
    due = {d["kind"] for d in row.get("due") or []}
    handed = any(e.kind == "handover" for e in workflow.history)
    found = [
        ("quotation", "报价", "Quotation", "quotation" in have, f"{base}#documents"),
        ("review", "合同评审", "Contract review", approved, f"{base}#approvals"),
        ("production", "生产", "Production", approved and "factory_confirmation" not in due
         and "production_notice" not in due, f"{base}/update/factory_confirmation"),
        ("inspection", "验货", "Inspection", workflow.inspection is not None,
         f"{base}/update/inspection"),
        ("loading", "装车", "Loading", workflow.loading is not None, f"{base}/update/loading"),
        ("documents", "单据", "Documents", "documents" not in due and workflow.loading
         is not None, "/upload"),
        ("handover", "交单", "Hand-over", handed, f"{base}#handover"),
        ("registration", "登记", "Registration", workflow.status in {"registered", "closed"},
         f"{base}/update/status"),
    ]
    out = [{"key": k, "zh": zh, "en": en, "done": done, "href": href, "next": False}
           for k, zh, en, done, href in found]
    for step in out:
        if not step["done"]:
            step["next"] = True
            break
    return out


def file_in_archive(archive: Path, relative: str) -> Path | None:
    """An archived file named by its archive-relative path; None for anything outside the
    archive, a hidden folder (the index, locks, users), a link that leads out, or a
    folder."""
    if not relative or relative.startswith("/") or "\\" in relative or "\x00" in relative:
        return None
    parts = Path(relative).parts
    if any(p in {"..", "."} or p.startswith(".") for p in parts):
        return None
    root = archive.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    if any(p.startswith(".") for p in path.relative_to(root).parts):
        return None
    return path


def due_label(date: dt.date, today: dt.date) -> str:
    left = (date - today).days
    if left < 0:
        return f"逾期 {-left} 天 overdue {-left} d"
    return "今天 today" if left == 0 else f"还有 {left} 天 in {left} d"


def approval_role(user: Person, view: dict[str, Any]) -> tuple[str, str] | None:
    """The role the signed-in person would sign this order's review in, and why they
    cannot ("" when they can); None for a viewer."""
    state = view["approvals"]
    salesperson = view["order"].salesperson.name
    if not user.writes:
        return None
    if user.role == "salesperson":
        if user.name != salesperson:
            return ("salesperson", f"only the order's salesperson {salesperson} signs")
    elif user.name == salesperson:
        return (user.role, "you created this review: another person must approve it")
    if state.rejected is not None:
        return (user.role, "the review was rejected; a revised order restarts it")
    if user.role not in state.required:
        return (user.role, "this order does not need the general manager's approval")
    if user.role not in state.missing:
        return (user.role, "already signed")
    return (user.role, "")
