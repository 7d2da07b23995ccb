"""An import is untrusted input: every reproduced kind of broken export is refused whole in
one line, nothing of it enters the archive, and the workspace keeps working; a seeded
sample of the import fuzzer (`bench/import_fuzz.py`, 1,000 cases in `make bench`)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bench.import_fuzz import make_export, pack, run, snapshot
from pipeline.cli import cli


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_export(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture
def members(made: tuple[Path, Path]) -> dict[str, bytes]:
    with zipfile.ZipFile(made[0]) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


@pytest.fixture
def target(made: tuple[Path, Path], tmp_path: Path) -> Path:
    import shutil

    copy = tmp_path / "target"
    shutil.copytree(made[1], copy)
    return copy


def _import(target: Path, export: Path) -> Result:
    return CliRunner().invoke(cli, ["-w", str(target), "import", str(export)])


def _refused(target: Path, tmp_path: Path, data: bytes, expected: str) -> None:
    export = tmp_path / "case.zip"
    export.write_bytes(data)
    before = snapshot(target / "archive")
    result = _import(target, export)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert result.exit_code == 4, result.output
    assert expected in result.output, result.output
    assert "Traceback" not in result.output
    assert snapshot(target / "archive") == before
    for command in (["verify"], ["run"], ["reindex"], ["orders"]):
        assert CliRunner().invoke(cli, ["-w", str(target), *command]).exit_code == 0, command


def _manifest(members: dict[str, bytes]) -> dict:  # type: ignore[type-arg]
    return json.loads(members["manifest.json"])


def _with(members: dict[str, bytes], manifest: dict) -> bytes:  # type: ignore[type-arg]
    return pack({**members, "manifest.json": json.dumps(manifest).encode()})


def test_a_record_that_does_not_parse_is_refused_before_anything_is_filed(
        members: dict[str, bytes], target: Path, tmp_path: Path) -> None:
    name = next(n for n in sorted(members) if n.endswith(".yaml.gendan.json"))
    meta = json.loads(members[name])
    meta["event"] = {"kind": 42}
    data = json.dumps(meta).encode()
    manifest = _manifest(members)
    for entry in manifest["files"]:
        if f"archive/{entry['path']}" == name:  # its checksum made to match
            entry["size"], entry["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    _refused(target, tmp_path, _with({**members, name: data}, manifest),
             "its record does not parse")
    history = CliRunner().invoke(cli, ["-w", str(target), "history", "PO-2026-0042"])
    assert history.exit_code == 7  # not imported, and the command still answers


@pytest.mark.parametrize(("change", "expected"), [
    (lambda m: m["files"][0].pop("sha256"), "manifest.json files.0.sha256: Field required"),
    (lambda m: m["files"][0].update(size="12"), "manifest.json files.0.size"),
    (lambda m: m.pop("files"), "manifest.json files: Field required"),
    (lambda m: m["files"][0].update(path="../../etc/passwd"), "not inside the folder"),
])
def test_a_bad_manifest_field_is_named(members: dict[str, bytes], target: Path,
                                       tmp_path: Path, change: object,
                                       expected: str) -> None:
    manifest = _manifest(members)
    change(manifest)  # type: ignore[operator]
    _refused(target, tmp_path, _with(members, manifest), expected)


def test_not_an_export(target: Path, tmp_path: Path) -> None:
    _refused(target, tmp_path, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "not a zip file")


def test_an_order_number_pointed_at_another_orders_folder(members: dict[str, bytes],
                                                          target: Path,
                                                          tmp_path: Path) -> None:
    manifest = _manifest(members)
    other = next(o for o in manifest["orders"] if o["order_no"] == "HD-240317")
    other["order_no"] = "NEW-1"  # a new number, HD-240317's folder
    _refused(target, tmp_path, _with(members, manifest), "is to go into")


def test_a_huge_member_is_streamed_not_read_into_memory(members: dict[str, bytes],
                                                        target: Path,
                                                        tmp_path: Path) -> None:
    """A member of 256 MiB (a few hundred KiB compressed) where the manifest says less:
    refused once it passes the manifest's size, with a small peak of memory."""
    name = next(n for n in sorted(members) if n.endswith(".pdf"))
    export = tmp_path / "bomb.zip"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            if member != name:
                archive.writestr(member, data)
        with archive.open(name, "w", force_zip64=True) as handle:
            block = b"\0" * (1 << 20)
            for _ in range(256):
                handle.write(block)
    tracemalloc.start()
    before = snapshot(target / "archive")
    result = _import(target, export)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.exit_code == 4 and "is larger than the" in result.output, result.output
    assert peak < 64 * 1024 * 1024, peak
    assert snapshot(target / "archive") == before


def test_a_folder_with_a_link_is_refused(members: dict[str, bytes], target: Path,
                                         tmp_path: Path) -> None:
    folder = tmp_path / "export"
    for name, data in members.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    victim = folder / next(n for n in sorted(members) if n.endswith(".pdf"))
    victim.unlink()
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(b"%PDF-1.4 not theirs")
    os.symlink(outside, victim)
    before = snapshot(target / "archive")
    result = _import(target, folder)
    assert result.exit_code == 4 and "is a link" in result.output
    assert snapshot(target / "archive") == before


def test_a_clean_export_still_imports(made: tuple[Path, Path], target: Path) -> None:
    result = _import(target, made[0])
    assert result.exit_code == 0, result.output
    assert "imported 2 order(s)" in result.output
    again = _import(target, made[0])
    assert again.exit_code == 0 and "0 file(s) filed" in again.output


def test_a_seeded_sample_of_the_fuzzer(made: tuple[Path, Path], tmp_path: Path) -> None:
    import shutil

    target = tmp_path / "fuzz-target"
    shutil.copytree(made[1], target)
    outcome = run(made[0], target, cases=120, seed=20261202)
    assert outcome.tracebacks == [] and outcome.changed == [] and outcome.unverified == []
    assert outcome.refused > 60 and outcome.imported >= 1
    assert len(outcome.cases) >= 12  # every kind of mutation drawn


def test_pack_writes_a_link_member() -> None:
    data = pack({"a": b"1", "b": b"2"}, link="b")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("b").external_attr >> 28 == 0o12  # S_IFLNK
