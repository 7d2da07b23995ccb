"""Samples and catalogues sent (寄样品, 目录的寄送与登记): each one's file kept byte for
byte under `books/samples/CUSTOMER/ID/vN/` with its record; a later file with the same id
(its follow-up) is its next version. A sample not yet followed up is due on its follow-up
date, in `gendan due` and on the page, like any step of an order."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..fsutil import safe_name
from ..outcome import Outcome
from .folders import new_version, versions

if TYPE_CHECKING:
    from ..filing import Arrival
    from ..recipes.common import Desk
    from ..updates import SampleUpdate

__all__ = ["due_rows", "sample_arrived", "samples"]

RECORD = "sample.json"


def sample_arrived(desk: Desk, arrival: Arrival, sample: SampleUpdate) -> Outcome:
    """File the sample (or its follow-up) for a customer the office knows."""
    known = sample.customer in desk.masters().customers or any(
        o["customer"] == sample.customer for o in desk.store.index.orders())
    if not known:
        raise InputError(f"{arrival.file}: customer {sample.customer!r} is neither in "
                         "masters/customers/ nor in the archive",
                         hint="Correct the customer code, or add the customer to masters/.")
    home = desk.workspace.books / "samples" / safe_name(sample.customer) / safe_name(sample.id)
    for _, folder in versions(home, RECORD):
        if json.loads((folder / RECORD).read_text("utf-8"))["sha256"] == arrival.sha256:
            os.unlink(arrival.path)
            return Outcome(arrival.file, "duplicate", f"identical to {folder}")

    def write(work: Path, version: int) -> None:
        shutil.copyfile(arrival.path, work / safe_name(arrival.path.name))
        record = {"sha256": arrival.sha256, "source": arrival.label, "version": version,
                  "recorded": desk.clock.now().isoformat(),
                  "sample": sample.model_dump(mode="json")}
        (work / RECORD).write_text(json.dumps(record, ensure_ascii=False, indent=2), "utf-8")

    _, version = new_version(home, RECORD, write)
    os.unlink(arrival.path)
    Path(f"{arrival.path}.reason.txt").unlink(missing_ok=True)
    what = "followed up" if sample.followed_up_on else f"sent {sample.date}"
    return Outcome(arrival.file, "archived", f"{sample.kind} {sample.id} to {sample.customer}: "
                   f"{what} (v{version})")


def _latest(books: Path, customer: str | None = None) -> list[dict[str, Any]]:
    """The latest record of every sample (of one customer), as filed (plain data: `gendan
    due` reads them without the models)."""
    root = books / "samples"
    out: list[dict[str, Any]] = []
    if not root.is_dir():
        return out
    for folder in sorted(root.iterdir()):
        if customer and folder.name.casefold() != safe_name(customer).casefold():
            continue
        for home in sorted(p for p in folder.iterdir() if p.is_dir()):
            found = versions(home, RECORD)
            if found:
                out.append(json.loads((found[-1][1] / RECORD).read_text("utf-8"))["sample"])
    return sorted(out, key=lambda s: str(s["date"]), reverse=True)


def samples(books: Path, customer: str | None = None) -> list[SampleUpdate]:
    """The latest version of every sample (of one customer), newest first."""
    from ..updates import SampleUpdate

    return [SampleUpdate.model_validate(s) for s in _latest(books, customer)]


def due_rows(books: Path) -> list[dict[str, Any]]:
    """Rows for the agenda: each sample sent and not followed up, due on its follow-up."""
    return [{"order_no": f"{s['kind']} {s['id']}", "customer": s["customer"],
             "salesperson": "",
             "due": [{"kind": "sample_follow_up", "date": s["follow_up"],
                      "what": f"follow up the {s['kind']} sent {s['date']} ("
                      + ", ".join(s.get("models") or ["-"])
                      + (f", {s.get('courier') or ''} {s['tracking_no']}"
                         if s.get("tracking_no") else "") + ")",
                      "action": f"ask {s['customer']}; drop the sample {s['id']} again with "
                      "followed_up_on and result"}]}
            for s in _latest(books) if s.get("follow_up") and not s.get("followed_up_on")]
