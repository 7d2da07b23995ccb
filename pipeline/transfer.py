"""`gendan export` and `gendan import`: orders out of one archive and into another, every
file with its sha256 in a manifest.

An export is a zip file (or a folder) holding `archive/CUSTOMER/ORDER/...` as the archive
has it (the files, their sidecars, the kept page texts), a `manifest.json` listing every
file with its size and sha256 and, for people, `manifest.csv` and `manifest.xlsx` (file,
order, type, version, business date, sha256, size).

An import checks every file against the manifest before it files anything, and refuses
the whole import on the first mismatch, naming the file. It then files order by order,
each under its lock: the files first, the sidecars (the commit markers) after them, then
the order's derived files and index entry. A file the archive holds already with the same
content is skipped, so importing twice files nothing the second time; one with other
content is a conflict, named, and that order is left as it was.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import InputError, OrderConflictError
from .fsutil import atomic_write, sha256_bytes, sha256_file
from .people import People
from .record import OrderRecord
from .store import SIDECAR_SUFFIX, OrderRef, OrderStore, order_key

__all__ = ["ExportResult", "ImportResult", "export_orders", "import_orders"]

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


@dataclass
class ImportResult:
    orders: list[str] = field(default_factory=list)
    filed: int = 0  # files written
    skipped: int = 0  # files the archive held already, the same
    conflicts: list[str] = field(default_factory=list)


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
                  current: bool = False, exported: str = "") -> ExportResult:
    """Write the orders' files and the manifest to `target` (a .zip file, else a folder);
    never over something that exists."""
    if target.exists() and (target.suffix.lower() == ".zip" or any(target.iterdir())):
        raise InputError(f"{target} exists already", hint="Name a new file or an empty folder.")
    files: list[dict[str, Any]] = []
    for ref in refs:
        for path in _order_files(store, ref, current):
            files.append({"path": store.relative(path), "order": ref.order_no,
                          "size": path.stat().st_size, "sha256": sha256_file(path)})
    rows = _manifest_rows(store, refs, current)
    manifest = {"format": FORMAT, "exported": exported, "current_only": current,
                "orders": [ref.as_dict() for ref in refs], "files": files, "documents": rows}
    extras = {"manifest.json": json.dumps(manifest, ensure_ascii=False, indent=1).encode(),
              "manifest.csv": _csv(rows), "manifest.xlsx": _xlsx(rows)}
    if target.suffix.lower() == ".zip":
        partial = target.with_name(target.name + ".part")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for item in files:
                archive.write(store.root / item["path"], f"archive/{item['path']}")
            for name, data in extras.items():
                archive.writestr(name, data)
        partial.replace(target)
    else:
        for item in files:
            out = target / "archive" / item["path"]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes((store.root / item["path"]).read_bytes())
        for name, data in extras.items():
            (target / name).write_bytes(data)
    return ExportResult(target, [r.order_no for r in refs], len(files), len(rows),
                        sum(f["size"] for f in files))


class _Source:
    """The export being imported: a zip file or a folder, read by the manifest's names."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None

    def names(self) -> set[str]:
        if self.zip is not None:
            return {n for n in self.zip.namelist() if not n.endswith("/")}
        return {p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file()}

    def read(self, name: str, size: int) -> bytes:
        if self.zip is not None:
            with self.zip.open(name) as handle:
                data = handle.read(size + 1)  # never more than the manifest says
        else:
            with (self.path / name).open("rb") as handle:
                data = handle.read(size + 1)
        return data

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def _verified(source: _Source) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and every file's bytes, each checked against it; the first mismatch
    refuses the import before anything is filed."""
    where = source.path.name
    try:
        manifest = json.loads(source.read("manifest.json", 200 * 1024 * 1024))
    except (KeyError, FileNotFoundError, ValueError) as exc:
        raise InputError(f"{where}: no readable manifest.json ({exc})",
                         hint="Import what `gendan export` wrote, as it wrote it.") from exc
    if manifest.get("format") != FORMAT:
        raise InputError(f"{where}: not a gendan export (format {manifest.get('format')!r})",
                         hint="Import what `gendan export` wrote.")
    listed = {f"archive/{f['path']}": f for f in manifest["files"]}
    unexpected = source.names() - set(listed) - {"manifest.json", "manifest.csv",
                                                  "manifest.xlsx"}
    if unexpected:
        raise InputError(f"{where}: {sorted(unexpected)[0]} is not in the manifest",
                         hint="The export was changed after it was written; nothing was "
                         "imported. Export it again.")
    data = {}
    for name, item in listed.items():
        if not _safe(item["path"]) or len(PurePosixPath(item["path"]).parts) < 3:
            raise InputError(f"{where}: {item['path']} is not a path inside an order folder",
                             hint="Nothing was imported.")
        try:
            content = source.read(name, int(item["size"]))
        except (KeyError, FileNotFoundError) as exc:
            raise InputError(f"{where}: {item['path']} is missing", hint="Nothing was imported;"
                             " export it again.") from exc
        if len(content) != int(item["size"]) or sha256_bytes(content) != item["sha256"]:
            raise InputError(f"{where}: {item['path']} does not match its sha256 in the "
                             "manifest (changed or damaged)",
                             hint="Nothing was imported; export it again from the source.")
        data[item["path"]] = content
    return manifest, data


@dataclass(frozen=True)
class Decisions:
    """What an imported order's decisions are checked against: this workspace's people and
    its approval settings (the same rules as an approval that arrives)."""

    people: People
    thresholds: dict[str, Decimal]
    trust_inbox: bool = False


def import_orders(store: OrderStore, path: Path, decisions: Decisions) -> ImportResult:
    source = _Source(path)
    try:
        manifest, data = _verified(source)
    finally:
        source.close()
    result = ImportResult()
    for entry in manifest["orders"]:
        ref = OrderRef(entry["order_no"], entry["customer"], entry["folder"])
        mine = {p: c for p, c in data.items() if p.startswith(ref.folder + "/")}
        _import_order(store, ref, mine, result, decisions)
    return result


def _import_order(store: OrderStore, ref: OrderRef, files: dict[str, bytes],
                  result: ImportResult, decisions: Decisions) -> None:
    key = order_key(ref.order_no)
    with store.lock(key, f"order {ref.order_no}"):
        here = store.locate(ref.order_no)
        if here is not None and here.folder != ref.folder:
            raise OrderConflictError(
                f"order {ref.order_no} is filed here in {here.folder}, the export has it in "
                f"{ref.folder}", hint="Order numbers are unique in a workspace; nothing of "
                "this order was imported.")
        clashes = [p for p, content in files.items() if (store.root / p).is_file()
                   and sha256_file(store.root / p) != sha256_bytes(content)]
        if clashes:
            result.conflicts.append(f"{ref.order_no}: {clashes[0]} differs from the archive's")
            return
        new = [(p, c) for p, c in files.items() if not (store.root / p).is_file()]
        result.skipped += len(files) - len(new)
        if not new:
            return
        if why := _undecided(store, ref, files, new, decisions):
            result.conflicts.append(f"{ref.order_no}: {why}; nothing of this order was "
                                    "imported")
            return
        store.journal_begin(key, ref, "import")
        if here is None:
            store.claim(key, ref)
        # the files first, their sidecars (the commit markers) last
        for relative, content in sorted(new, key=lambda n: n[0].endswith(SIDECAR_SUFFIX)):
            atomic_write(store.root / relative, content, mode=store.file_mode,
                         durable=".text" not in PurePosixPath(relative).parts)
        OrderRecord(store, key, ref, registered=True).derive()
        store.journal_end(key)
        result.filed += len(new)
        result.orders.append(ref.order_no)


def _undecided(store: OrderStore, ref: OrderRef, files: dict[str, bytes],
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
