"""The archive's shared copy (pipeline/remote.py): two machines filing into one order
through PostgreSQL and S3 (moto's server, on loopback), checksums checked on every read,
what a machine holds that the shared copy does not, the page serving a file its machine
never had, a workspace moved to PostgreSQL + S3 and exported again, and a shared folder
instead of S3."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import fsspec
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.desk import Desk
from pipeline.errors import ArchiveError
from pipeline.fsutil import sha256_bytes
from pipeline.remote import MANIFEST
from pipeline.repair import repair
from pipeline.verify import verify
from pipeline.workspace import Workspace
from tests.conftest import QUICK, copy_example, drop, new_bucket, text_pdf

ORDER = "ACME/PO-2026-0042"


def _machine(root: Path) -> Desk:
    """A machine of the office: a workspace folder of its own, the database and the
    bucket the environment names."""
    workspace = Workspace(root)
    workspace.ensure_folders()
    return Desk(workspace, QUICK)


def _bucket(endpoint: str) -> Any:
    return fsspec.filesystem("s3", endpoint_url=endpoint, skip_instance_cache=True,
                             use_listings_cache=False)


def _object(url: str, relative: str) -> str:
    return f"{url.removeprefix('s3://')}/{relative}"


def _opened(desk: Desk) -> str:
    """The order opened on a machine (which pulls it from the shared copy): its number."""
    with desk.store.open("PO-2026-0042") as record:
        return str(record.order.order_no)


def _order_filed_on_a(tmp_path: Path, s3_server: str) -> tuple[Desk, Desk, Any]:
    """Machines a and b of one office, the order filed on a; the bucket."""
    a, b = _machine(tmp_path / "a"), _machine(tmp_path / "b")
    copy_example(a.workspace, "PO-2026-0042.yaml")
    assert [o.status for o in a.run_once()] == ["archived"]
    return a, b, _bucket(s3_server)


def _packing_list(tmp_path: Path) -> bytes:
    return text_pdf(tmp_path / "pl.pdf", "PACKING LIST 装箱单 PO-2026-0042 CTNS 120").read_bytes()


def test_two_machines_file_into_one_order_through_the_shared_copy(
        tmp_path: Path, shared_store: str, shared_archive: str, s3_server: str) -> None:
    a, b, s3 = _order_filed_on_a(tmp_path, s3_server)
    manifest = json.loads(s3.cat_file(_object(shared_archive, f"{ORDER}/{MANIFEST}")))
    assert manifest["serial"] == 1 and manifest["order_no"] == "PO-2026-0042"
    original = (tmp_path / "a" / "archive" / ORDER / "originals" / "PO-2026-0042.yaml")
    assert manifest["files"]["originals/PO-2026-0042.yaml"]["sha256"] == \
        sha256_bytes(original.read_bytes())

    # machine b files the factory's packing list into the order it never held
    pdf = _packing_list(tmp_path)
    drop(b.workspace, "PO-2026-0042_packing-list.pdf", pdf)
    assert [o.status for o in b.run_once()] == ["archived"]
    filed = [p for p in s3.find(_object(shared_archive, f"{ORDER}/originals"))
             if p.endswith(".pdf")]
    assert len(filed) == 1 and s3.cat_file(filed[0]) == pdf  # byte for byte
    assert (tmp_path / "b" / "archive" / ORDER / "originals" / "PO-2026-0042.yaml"
            ).read_bytes() == original.read_bytes()  # pulled before b wrote the order
    manifest = json.loads(s3.cat_file(_object(shared_archive, f"{ORDER}/{MANIFEST}")))
    assert manifest["serial"] == 2

    # machine a sees it when it next opens the order, and the index says the same
    with a.store.open("PO-2026-0042") as record:
        types = {d["doc_type"] for d in record.documents if d["kind"] == "original"}
        assert "packing_list" in types
        path = next(d["path"] for d in record.documents if d["doc_type"] == "packing_list")
    assert (tmp_path / "a" / "archive" / path).read_bytes() == pdf
    assert any(h.order_no == "PO-2026-0042" for h in a.store.index.find(text="装箱"))
    for desk in (a, b):
        assert verify(desk.store, desk.parking) == []
        desk.store.index.close()


def test_a_damaged_object_is_refused_on_read_and_written_back_by_repair(
        tmp_path: Path, shared_store: str, shared_archive: str, s3_server: str) -> None:
    a, b, s3 = _order_filed_on_a(tmp_path, s3_server)
    name = _object(shared_archive, f"{ORDER}/originals/PO-2026-0042.yaml")
    good = s3.cat_file(name)
    s3.pipe_file(name, bytes(reversed(good)))  # the same size, other bytes
    with pytest.raises(ArchiveError, match=r"PO-2026-0042\.yaml does not match its manifest"):
        _opened(b)
    assert not (tmp_path / "b" / "archive" / ORDER / "originals" / "PO-2026-0042.yaml").exists()
    problems = verify(a.store, a.parking)
    assert [(p.kind, p.path) for p in problems] == \
        [("damaged in the shared copy", f"{ORDER}/originals/PO-2026-0042.yaml")]
    s3.rm(_object(shared_archive, f"{ORDER}/order.json"))
    assert {p.kind for p in verify(a.store, a.parking, deep=False)} == \
        {"missing in the shared copy"}  # (sizes only: the reversed bytes pass)
    done = repair(a.store, verify(a.store, a.parking))
    assert len(done) == 2 and all("back to the shared copy" in line for line in done)
    assert s3.cat_file(name) == good
    assert verify(a.store, a.parking) == []
    with b.store.open("PO-2026-0042") as record:
        assert record.order.order_no == "PO-2026-0042"
    a.store.index.close()
    b.store.index.close()


def test_what_the_shared_copy_does_not_name_is_set_aside_or_removed(
        tmp_path: Path, shared_store: str, shared_archive: str, s3_server: str) -> None:
    a, b, s3 = _order_filed_on_a(tmp_path, s3_server)
    stray = _object(shared_archive, f"{ORDER}/originals/half-uploaded.pdf")
    s3.pipe_file(stray, b"%PDF-1.7 a push that stopped")
    problems = verify(a.store, a.parking)
    assert [(p.kind, p.repair) for p in problems] == [("not in a manifest", "discard shared")]
    repair(a.store, problems)
    assert not s3.exists(stray) and verify(a.store, a.parking) == []

    # machine b had a copy of the order, then wrote a file the shared copy never got
    assert _opened(b) == "PO-2026-0042"
    leftover = tmp_path / "b" / "archive" / ORDER / "originals" / "lost-commit.pdf"
    leftover.write_bytes(b"%PDF-1.7 never pushed")
    drop(a.workspace, "PO-2026-0042_packing-list.pdf", _packing_list(tmp_path))
    a.run_once()  # the shared copy moves on (serial 2)
    with b.store.open("PO-2026-0042") as record:
        assert any(d["doc_type"] == "packing_list" for d in record.documents)
    assert not leftover.exists()
    aside = list((tmp_path / "b" / "archive" / ".quarantine").rglob("lost-commit.pdf"))
    assert len(aside) == 1 and aside[0].read_bytes() == b"%PDF-1.7 never pushed"
    report = (aside[0].parents[3] / "report.txt").read_text("utf-8")
    assert "lost-commit.pdf\tnot in the shared archive" in report
    assert not s3.exists(_object(shared_archive, f"{ORDER}/originals/lost-commit.pdf"))
    a.store.index.close()
    b.store.index.close()


def test_the_page_serves_a_file_its_machine_never_had(
        tmp_path: Path, shared_store: str, shared_archive: str, s3_server: str) -> None:
    from fastapi.testclient import TestClient

    from pipeline.web import create_app

    a = _machine(tmp_path / "a")
    copy_example(a.workspace, "PO-2026-0042.yaml")
    a.run_once()
    _machine(tmp_path / "b")
    client = TestClient(create_app(tmp_path / "b"), base_url="http://localhost")
    relative = f"{ORDER}/generated/PO-2026-0042_quotation_v1.pdf"
    reply = client.get(f"/files/{relative}")
    assert reply.status_code == 200 and reply.content.startswith(b"%PDF")
    assert reply.content == (tmp_path / "a" / "archive" / relative).read_bytes()
    assert client.get(f"/files/{ORDER}/generated/nothing.pdf").status_code == 404
    assert client.get(f"/files/{ORDER}/{MANIFEST}").status_code == 404
    a.store.index.close()


def test_a_workspace_moved_to_postgresql_and_s3_exports_the_same_manifest(
        tmp_path: Path, order_archive: Path, pg_server: Any, s3_server: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.pgserver import drop_database

    root = tmp_path / "ws"
    shutil.copytree(order_archive, root)
    runner = CliRunner()

    def gendan(where: Path, *args: str) -> Any:
        return runner.invoke(cli, ["-w", str(where), *args], catch_exceptions=False)

    assert gendan(root, "export", "ACME", "MUELLER", "-o", str(tmp_path / "before")
                  ).exit_code == 0
    before = gendan(root, "orders").output
    url, bucket = pg_server.new_database(), new_bucket(s3_server)
    try:
        done = gendan(root, "migrate", "--to", url, "--archive", bucket,
                      "--endpoint", s3_server)
        assert done.exit_code == 0, done.output
        assert f"copied 2 order(s) to {bucket}" in done.output
        assert "migrated 2 order(s)" in done.output and "verified" in done.output
        assert f'archive_url = "{bucket}"' in done.output
        # another machine: the settings, and nothing of the archive
        other = tmp_path / "other"
        _machine(other)
        monkeypatch.setenv("GENDAN_STORE_URL", url)
        monkeypatch.setenv("GENDAN_ARCHIVE_URL", bucket)
        monkeypatch.setenv("GENDAN_ARCHIVE_ENDPOINT", s3_server)
        assert gendan(other, "orders").output == before.replace(str(root), str(other))
        assert gendan(other, "export", "ACME", "MUELLER", "-o", str(tmp_path / "after")
                      ).exit_code == 0
        manifests = [json.loads((tmp_path / side / "manifest.json").read_text("utf-8"))
                     for side in ("before", "after")]
        for manifest in manifests:
            del manifest["exported"]
        assert manifests[0] == manifests[1] and manifests[0]["files"]
        checked = gendan(other, "verify")
        assert checked.exit_code == 0, checked.output
    finally:
        drop_database(pg_server, url)


def test_a_folder_every_machine_mounts_serves_as_the_shared_copy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "nas" / "archive"
    shared.mkdir(parents=True)
    monkeypatch.setenv("GENDAN_ARCHIVE_URL", str(shared))
    a = _machine(tmp_path / "a")
    copy_example(a.workspace, "PO-2026-0042.yaml")
    a.run_once()
    assert (shared / ORDER / MANIFEST).is_file()
    assert (shared / ORDER / "originals" / "PO-2026-0042.yaml").read_bytes() == \
        (tmp_path / "a" / "archive" / ORDER / "originals" / "PO-2026-0042.yaml").read_bytes()
    b = _machine(tmp_path / "b")  # on its own store: it rebuilds the registry from the copy
    runner = CliRunner()
    done = runner.invoke(cli, ["-w", str(tmp_path / "b"), "reindex"], catch_exceptions=False)
    assert done.exit_code == 0 and "index rebuilt: 1 order(s)" in done.output
    with b.store.open("PO-2026-0042") as record:
        assert {d["doc_type"] for d in record.documents} >= {"order_data", "quotation"}
    assert verify(b.store, b.parking) == []
    a.store.index.close()
    b.store.index.close()


def test_a_bad_shared_archive_setting_is_one_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(root)]).exit_code == 0
    config = root / "gendan.toml"
    config.write_text(config.read_text("utf-8").replace('archive_url = ""',
                                                        'archive_url = "ftp://x/y"'),
                      encoding="utf-8")
    done = runner.invoke(cli, ["-w", str(root), "run"])
    assert done.exit_code != 0 and "archive_url" in done.output
    migrate = runner.invoke(cli, ["-w", str(tmp_path / "ws"), "migrate"])
    assert migrate.exit_code != 0
