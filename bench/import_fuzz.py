"""Exports mutated at random, imported into a workspace: every case ends in a clean import
or a one-line refusal, never a traceback, a refused import changes nothing, and `gendan
verify` is clean after each.

    python bench/import_fuzz.py [--cases 1000] [--seed N]

A case is drawn from a seeded generator (the seed is printed; a failure is reproduced
from it): truncation, flipped bytes, changed manifest fields (size, sha256, paths, the
folder an order goes to, the order number), members added, dropped or duplicated, links,
a record whose event does not parse with its checksum made to match, a member larger than
the manifest says, not an export at all. `tests/test_import_fuzz.py` runs a sample.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import shutil
import stat
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

Mutation = Callable[[dict[str, bytes], random.Random], dict[str, bytes] | bytes]


def _manifest(members: dict[str, bytes]) -> dict:  # type: ignore[type-arg]
    return json.loads(members["manifest.json"])


def _with(members: dict[str, bytes], manifest: dict) -> dict[str, bytes]:  # type: ignore[type-arg]
    return {**members, "manifest.json": json.dumps(manifest).encode()}


def _listed(members: dict[str, bytes], rng: random.Random) -> str:
    return rng.choice(sorted(n for n in members if n.startswith("archive/")))


def truncate(members: dict[str, bytes], rng: random.Random) -> bytes:
    data = pack(members)
    return data[: rng.randint(0, len(data) - 1)]


def flip(members: dict[str, bytes], rng: random.Random) -> bytes:
    data = bytearray(pack(members))
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def field_value(members: dict[str, bytes], rng: random.Random) -> dict[str, bytes]:
    manifest = _manifest(members)
    entry = rng.choice(manifest["files"])
    key = rng.choice(["size", "sha256", "path"])
    entry[key] = rng.choice(["x", -1, 10 ** 15, None, "", "../../../etc/passwd",
                             "/etc/passwd", [], {"a": 1}, "A" * 64])
    return _with(members, manifest)


def field_missing(members: dict[str, bytes], rng: random.Random) -> dict[str, bytes]:
    manifest = _manifest(members)
    if rng.random() < 0.3:
        manifest.pop(rng.choice(["files", "orders", "format"]))
    else:
        entry = rng.choice(manifest["files"] + manifest["orders"])
        entry.pop(rng.choice(sorted(entry)))
    return _with(members, manifest)


def other_folder(members: dict[str, bytes], rng: random.Random) -> dict[str, bytes]:
    """An order pointed at another order's folder, or given a new number."""
    manifest = _manifest(members)
    orders = manifest["orders"]
    first = rng.choice(orders)
    if len(orders) > 1 and rng.random() < 0.5:
        first["folder"] = rng.choice([o for o in orders if o is not first])["folder"]
    else:
        first["order_no"] = f"NEW-{rng.randint(1, 999)}"
    return _with(members, manifest)


def extra_member(members: dict[str, bytes], rng: random.Random) -> dict[str, bytes]:
    name = rng.choice(["archive/ACME/x.pdf", "evil.txt", "../outside.txt",
                       "archive/../../outside", _listed(members, rng) + ".more"])
    return {**members, name: b"%PDF-1.4 extra"}


def drop_member(members: dict[str, bytes], rng: random.Random) -> dict[str, bytes]:
    gone = _listed(members, rng)
    return {n: d for n, d in members.items() if n != gone}


def changed_member(members: dict[str, bytes], rng: random.Random) -> dict[str, bytes]:
    name = _listed(members, rng)
    return {**members, name: members[name] + b" changed"}


def broken_record(members: dict[str, bytes], rng: random.Random) -> dict[str, bytes]:
    """A sidecar whose event does not parse, the manifest's checksum made to match."""
    sidecars = sorted(n for n in members if n.endswith(".gendan.json"))
    name = rng.choice(sidecars)
    meta = json.loads(members[name])
    choice = rng.randrange(4)
    if choice == 0:
        meta["event"] = {"kind": 42, "seq": "first"}
    elif choice == 1:
        meta["order_data"] = {"order_no": None}
        meta["doc_type"] = "order_data"
    elif choice == 2:
        meta["path"] = "MUELLER/HD-240317/originals/elsewhere.pdf"
    else:
        meta = ["not", "an", "object"]  # type: ignore[assignment]
    data = json.dumps(meta).encode()
    manifest = _manifest(members)
    for entry in manifest["files"]:
        if f"archive/{entry['path']}" == name:
            entry["size"], entry["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    return _with({**members, name: data}, manifest)


def larger(members: dict[str, bytes], rng: random.Random) -> dict[str, bytes]:
    """A member far larger than the manifest says (and so than it reads)."""
    name = _listed(members, rng)
    return {**members, name: members[name] + b"\0" * rng.randint(1 << 16, 1 << 21)}


def not_an_export(members: dict[str, bytes], rng: random.Random) -> bytes:
    return rng.choice([b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", b"", b"PK\x03\x04",
                       pack({"manifest.json": b"[1, 2]"}),
                       pack({"manifest.json": json.dumps({"format": "other"}).encode()})])


MUTATIONS: dict[str, Mutation] = {
    "truncated": truncate, "flipped bytes": flip, "changed field": field_value,
    "missing field": field_missing, "other folder or number": other_folder,
    "extra member": extra_member, "missing member": drop_member,
    "changed member": changed_member, "record that does not parse": broken_record,
    "member larger than listed": larger, "not an export": not_an_export,
    "link": lambda members, rng: members,  # made a link when packed
    "unchanged": lambda members, rng: members,  # must import
}


def pack(members: dict[str, bytes], link: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if name == link:
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, "/etc/passwd")
            else:
                archive.writestr(name, data)
    return buffer.getvalue()


@dataclass
class Outcome:
    cases: Counter[str] = field(default_factory=Counter)
    imported: int = 0
    refused: int = 0
    tracebacks: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)


def snapshot(archive: Path) -> dict[str, str]:
    found = {}
    for path in sorted(archive.rglob("*")):
        rel = path.relative_to(archive)
        if path.is_file() and not {".cache", ".locks", ".work", ".index"} & set(rel.parts):
            found[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def run(export: Path, target: Path, cases: int, seed: int) -> Outcome:
    """`cases` mutations of the zip `export`, each imported into the workspace `target`."""
    from click.testing import CliRunner

    from pipeline.cli import cli

    with zipfile.ZipFile(export) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    pristine = target.parent / f"{target.name}.pristine"
    if not pristine.exists():
        shutil.copytree(target, pristine)
    rng = random.Random(seed)
    outcome = Outcome()
    runner = CliRunner()
    case_file = target.parent / "case.zip"
    for number in range(cases):
        kind = rng.choice(sorted(MUTATIONS))
        outcome.cases[kind] += 1
        link = _listed(members, rng) if kind == "link" else ""
        mutated = MUTATIONS[kind](dict(members), rng)
        case_file.write_bytes(mutated if isinstance(mutated, bytes) else pack(mutated, link))
        before = snapshot(target / "archive")
        result = runner.invoke(cli, ["-w", str(target), "import", str(case_file)])
        label = f"case {number} ({kind}, seed {seed})"
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            outcome.tracebacks.append(f"{label}: {type(result.exception).__name__}: "
                                      f"{result.exception}")
        elif result.exit_code == 0:
            outcome.imported += 1
        elif kind == "unchanged":
            outcome.tracebacks.append(f"{label}: a clean export was refused: "
                                      f"{result.output.strip()[-300:]}")
        else:
            outcome.refused += 1
            if snapshot(target / "archive") != before:
                outcome.changed.append(label)
        check = runner.invoke(cli, ["-w", str(target), "verify", "--quick"])
        if check.exit_code != 0:
            outcome.unverified.append(f"{label}: {check.output.strip()[-300:]}")
        if result.exit_code == 0:  # the next case starts from the same workspace
            shutil.rmtree(target)
            shutil.copytree(pristine, target)
    return outcome


def make_export(folder: Path) -> tuple[Path, Path]:
    """A real export of the example orders, and an empty workspace to import it into."""
    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.config import Approval, Documents, Settings
    from pipeline.desk import Desk
    from pipeline.workspace import Workspace

    source = Workspace(folder / "source")
    source.ensure_folders()
    for name in ("PO-2026-0042.yaml", "HD-240317.yaml"):
        shutil.copyfile(ROOT / "examples" / name, source.inbox / name)
    desk = Desk(source, Settings(approval=Approval(trust_inbox=True),
                                 documents=Documents(on_order=["quotation"],
                                                     word_to_pdf=False)))
    desk.run_once()
    desk.store.index.close()
    export = folder / "export.zip"
    result = CliRunner().invoke(cli, ["-w", str(source.root), "export", "PO-2026-0042",
                                      "HD-240317", "-o", str(export)])
    assert result.exit_code == 0, result.output
    target = Workspace(folder / "target")
    target.ensure_folders()
    return export, target.root


def main() -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    args = parser.parse_args()
    print(f"import fuzz: {args.cases} cases, seed {args.seed}")
    with tempfile.TemporaryDirectory() as tmp:
        export, target = make_export(Path(tmp))
        started = time.perf_counter()
        outcome = run(export, target, args.cases, args.seed)
        took = time.perf_counter() - started
    print(f"  {outcome.imported} imported, {outcome.refused} refused in {took:.0f} s; "
          f"kinds: {dict(sorted(outcome.cases.items()))}")
    print(f"  tracebacks {len(outcome.tracebacks)}, refused imports that changed the "
          f"workspace {len(outcome.changed)}, verify not clean after {len(outcome.unverified)}")
    for line in (outcome.tracebacks + outcome.changed + outcome.unverified)[:20]:
        print(f"  {line}")
    return 1 if outcome.tracebacks or outcome.changed or outcome.unverified else 0


if __name__ == "__main__":
    sys.exit(main())
