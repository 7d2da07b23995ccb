"""`gendan export`: orders out of one archive, every file with its sha256 in a manifest
(`imports.py` takes them into another).

An export is a zip file (or a folder) holding `archive/CUSTOMER/ORDER/...` as the archive
has it (the files, their sidecars, the kept page texts), a `manifest.json` listing every
file with its size and sha256 and, for people, `manifest.csv` and `manifest.xlsx` (file,
order, type, version, business date, sha256, size).

`undecided` replays an order's approvals over its history by the rules of approvals that
arrive (the import's check of the decisions it brings).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import InputError
from .fsutil import sha256_file
from .people import People
from .store import SIDECAR_SUFFIX, OrderRef, OrderStore

__all__ = ["FORMAT", "Decisions", "ExportResult", "export_orders", "resolve", "undecided"]

FORMAT = "gendan-export/1"
COLUMNS = ("file", "order", "customer", "type", "kind", "version", "current", "business_date",
           "sha256", "size")


@dataclass
class ExportResult:
    target: Path
    orders: list[str]
    files: int
    documents: int
    size: int



def _order_files(store: OrderStore, ref: OrderRef, current: bool) -> Iterator[Path]:
    folder = store.folder(ref)
    with store.open(ref.order_no) as record:
        documents = record.documents
    wanted = {d["path"] for d in documents if d.get("current") or not current
              or d["kind"] == "original"}
    shas = {d["sha256"] for d in documents if d["path"] in wanted}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        relative = store.relative(path)
        if path.parent.name == ".text":
            if path.stem in shas:
                yield path
        elif relative.endswith(SIDECAR_SUFFIX):
            if relative[: -len(SIDECAR_SUFFIX)] in wanted:
                yield path
        elif relative in wanted:
            yield path


def _manifest_rows(store: OrderStore, refs: list[OrderRef], current: bool
                   ) -> list[dict[str, Any]]:
    rows = []
    for ref in refs:
        with store.open(ref.order_no) as record:
            documents = record.documents
        for d in documents:
            if current and not d.get("current") and d["kind"] != "original":
                continue
            rows.append({"file": d["path"], "order": ref.order_no, "customer": ref.customer,
                         "type": d["doc_type"], "kind": d["kind"], "version": d["version"],
                         "current": bool(d.get("current")),
                         "business_date": d.get("business_date") or str(d["time"])[:10],
                         "sha256": d["sha256"], "size": (store.root / d["path"]).stat().st_size})
    return rows


def _xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "manifest"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJ", (60, 16, 10, 20, 10, 8, 8, 12, 66, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")  # Excel opens it as UTF-8


def export_orders(store: OrderStore, refs: list[OrderRef], target: Path, *,
                  current: bool = False, exported: str = "", workspace: Path | None = None,
                  books: list[str] | None = None) -> ExportResult:
    """Write the orders' files and the manifest to `target` (a .zip file, else a folder);
    never over something that exists. `books`: files of the workspace beside the archive
    (its customers' master records, quotations and samples), relative to `workspace`."""
    if target.exists() and (target.suffix.lower() == ".zip" or any(target.iterdir())):
        raise InputError(f"{target} exists already", hint="Name a new file or an empty folder.")
    files: list[dict[str, Any]] = []
    rows = _manifest_rows(store, refs, current)  # (each order read under its lock first)
    for ref in refs:
        for path in _order_files(store, ref, current):
            files.append({"path": store.relative(path), "order": ref.order_no,
                          "size": path.stat().st_size, "sha256": sha256_file(path)})
    kept: list[dict[str, Any]] = [
        {"path": name, "size": (workspace / name).stat().st_size,
         "sha256": sha256_file(workspace / name)} for name in books or []
    ] if workspace is not None else []
    manifest = {"format": FORMAT, "exported": exported, "current_only": current,
                "orders": [ref.as_dict() for ref in refs], "files": files, "documents": rows,
                "workspace_files": kept}
    members = [(store.root / f["path"], f"archive/{f['path']}") for f in files]
    if workspace is not None:
        members += [(workspace / f["path"], f"workspace/{f['path']}") for f in kept]
    extras = {"manifest.json": json.dumps(manifest, ensure_ascii=False, indent=1).encode(),
              "manifest.csv": _csv(rows), "manifest.xlsx": _xlsx(rows)}
    if target.suffix.lower() == ".zip":
        partial = target.with_name(target.name + ".part")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for source, name in members:
                archive.write(source, name)
            for name, data in extras.items():
                archive.writestr(name, data)
        partial.replace(target)
    else:
        for source, name in members:
            out = target / name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(source.read_bytes())
        for name, data in extras.items():
            (target / name).write_bytes(data)
    return ExportResult(target, [r.order_no for r in refs], len(files) + len(kept), len(rows),
                        sum(f["size"] for f in files) + sum(f["size"] for f in kept))


@dataclass(frozen=True)
class Decisions:
    """What an imported order's decisions are checked against: this workspace's people and
    its approval settings (the same rules as an approval that arrives)."""

    people: People
    thresholds: dict[str, Decimal]
    trust_inbox: bool = False


def undecided(store: OrderStore, ref: OrderRef, files: dict[str, bytes],
               new: list[tuple[str, bytes]], decisions: Decisions) -> str:
    """Why the imported decisions cannot be taken ("" when they can): every approval the
    import adds passes the rules of one that arrives (who proved it, the chain's order,
    four eyes), replayed over the order's whole history."""
    from .errors import GendanError
    from .flow import ApprovalUpdate, Event, Workflow, _approve, advance, revision
    from .models import Order
    from .signatures import prove

    sidecars: dict[str, bytes] = {}
    folder = store.root / ref.folder
    if folder.is_dir():
        for path in folder.rglob(f"*{SIDECAR_SUFFIX}"):
            sidecars[path.relative_to(store.root).as_posix()] = path.read_bytes()
    sidecars.update({p: c for p, c in files.items() if p.endswith(SIDECAR_SUFFIX)})
    added = {p for p, _ in new}
    try:
        events, orders = [], []
        for name, content in sidecars.items():
            meta = json.loads(content)
            if meta.get("event"):
                events.append((Event.model_validate(meta["event"]), name in added))
            if meta.get("doc_type") == "order_data" and "order_data" in meta:
                orders.append((int(meta.get("version") or 1), meta["order_data"]))
        if not orders:
            return "it has no order data"
        order = Order.model_validate(max(orders, key=lambda o: o[0])[1])
    except (OSError, ValueError, TypeError) as exc:
        return f"its records do not read ({str(exc)[:200]})"
    workflow = Workflow()
    for event, is_new in sorted(events, key=lambda e: e[0].seq):
        if event.kind == "approval" and is_new:
            try:
                update = ApprovalUpdate.model_validate(event.data)
                prove(update.model_dump(mode="json"), decisions.people,
                      revision=revision(workflow), trust_inbox=decisions.trust_inbox)
                _approve(order, workflow, update, decisions.thresholds)
            except (GendanError, ValueError) as exc:
                return f"its {event.summary} ({event.source}) is not taken: {exc}"
        workflow = advance(workflow, event)
    return ""


def resolve(store: OrderStore, names: Iterable[str]) -> list[OrderRef]:
    """Orders named by number (any case) or by customer code (all its orders)."""
    from .errors import NotFoundError

    refs: list[OrderRef] = []
    every = list(store.refs())
    for name in names:
        ref = store.locate(name)
        found = [ref] if ref is not None else [r for r in every
                                               if r.customer.casefold() == name.casefold()]
        if not found:
            raise NotFoundError(f"{name} is neither an order number nor a customer code here",
                                hint="See `gendan orders`.")
        refs += [r for r in found if r not in refs]
    return refs
