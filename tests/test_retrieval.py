"""Getting things back out, on archives the pipeline built: find (Chinese two-character
words, model numbers written any way, old versions), orders with filters and totals, show,
the history of a revised order, export -> import with checksums, warranty dates."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.desk import Desk
from tests.conftest import EXAMPLES, TRUSTING, drop, text_pdf


def run(desk: Desk, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["-w", str(desk.workspace.root), *args])
    return result


def ok(desk: Desk, *args: str) -> str:
    result = run(desk, *args)
    assert result.exit_code == 0, result.output
    return str(result.output)


def hits(desk: Desk, *args: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(ok(desk, "find", *args, "--json"))
    return found


def test_chinese_two_character_words_are_found_with_page_and_snippet(with_order: Desk) -> None:
    found = hits(with_order, "报价")  # on the quotations of both orders
    assert {h["order"] for h in found} == {"PO-2026-0042", "HD-240317"}
    assert all(h["page"] >= 1 and "报价" in h["snippet"] for h in found)
    assert {h["type"] for h in found} == {"quotation"}
    assert hits(with_order, "保修期限不存在的词") == []


@pytest.mark.parametrize("query", ["HT-2020", "HT2020", "ht 2020", "ｈｔ－２０２０"])
def test_model_numbers_match_with_or_without_separators(with_order: Desk, query: str) -> None:
    found = hits(with_order, query, "--type", "sales_contract")
    assert [h["order"] for h in found] == ["PO-2026-0042"]
    assert "HT-2020" in found[0]["snippet"]


def test_filters_narrow_the_search(with_order: Desk) -> None:
    assert {h["type"] for h in hits(with_order, "--order", "po-2026-0042")} >= {
        "order_data", "quotation", "sales_contract"}
    assert {h["order"] for h in hits(with_order, "--customer", "mueller")} == {"HD-240317"}
    assert {h["order"] for h in hits(with_order, "--model", "ht2020")} == {"PO-2026-0042"}
    assert hits(with_order, "--type", "quotation", "--from", "2030-01-01") == []
    as_csv = list(csv.DictReader(io.StringIO(ok(with_order, "find", "报价", "--csv"))))
    assert {r["order"] for r in as_csv} == {"PO-2026-0042", "HD-240317"}


def test_old_versions_only_when_asked(with_order: Desk, order_data: dict[str, Any]) -> None:
    order_data["delivery_date"] = "2027-01-22"
    drop(with_order.workspace, "PO-2026-0042 rev2.yaml", order_data)
    with_order.run_once()
    current = hits(with_order, "HT-2020", "--type", "sales_contract")
    every = hits(with_order, "HT-2020", "--type", "sales_contract", "--all-versions")
    assert [h["version"] for h in current] == [2]
    assert sorted(h["version"] for h in every) == [1, 2]


def test_orders_filter_and_total_per_currency(with_order: Desk) -> None:
    text = ok(with_order, "orders")
    assert "EUR 66,940.00 in 1 order(s); USD 58,260.00 in 1 order(s)" in text
    rows = json.loads(ok(with_order, "orders", "ACME", "--json"))
    assert [r["order_no"] for r in rows] == ["PO-2026-0042"]
    assert rows[0]["status"] == "received" and rows[0]["next_due"]
    assert json.loads(ok(with_order, "orders", "--model", "hr 45", "--json"))[0]["order_no"] \
        == "PO-2026-0042"
    assert json.loads(ok(with_order, "orders", "--status", "shipped", "--json")) == []
    assert json.loads(ok(with_order, "orders", "--on", "delivery", "--from", "2027-02-01",
                         "--json"))[0]["order_no"] == "HD-240317"
    table = list(csv.DictReader(io.StringIO(ok(with_order, "orders", "--csv"))))
    assert {r["order"]: r["amount"] for r in table} == {"PO-2026-0042": "58260.00",
                                                        "HD-240317": "66940.00"}


def test_show_is_case_insensitive_and_speaks_json(with_order: Desk) -> None:
    shown = json.loads(ok(with_order, "show", "po-2026-0042", "--json", "--current"))
    assert shown["order"]["order_no"] == "PO-2026-0042"
    assert all(d["current"] for d in shown["documents"])
    text = ok(with_order, "show", "Po-2026-0042")
    assert "warranty: HT-2020 12 months from shipment" in text and "due " in text


def test_history_of_a_revised_order(with_order: Desk, order_data: dict[str, Any]) -> None:
    order_data["delivery_date"] = "2027-01-22"
    order_data["items"][0]["quantity"] = 604
    order_data["items"][0]["packing"]["cartons"] = 151
    drop(with_order.workspace, "PO-2026-0042 rev2.yaml", order_data)
    with_order.run_once()
    entries = json.loads(ok(with_order, "history", "PO-2026-0042", "--json"))
    revision = entries[-1]
    assert revision["kind"] == "order" and "revised" in revision["summary"]
    assert "delivery_date: 2027-01-15 -> 2027-01-22" in revision["changes"]
    assert "item HT-2020 quantity: 600 -> 604" in revision["changes"]
    remade = {d["doc_type"]: d["why"] for d in revision["documents"] if d["kind"] == "generated"}
    assert remade["sales_contract"] == "remade: the order changed"
    text = ok(with_order, "history", "PO-2026-0042")
    assert "changed item HT-2020 packing.cartons: 150 -> 151" in text


def _export(desk: Desk, tmp_path: Path, *names: str) -> Path:
    target = tmp_path / "export.zip"
    ok(desk, "export", *names, "-o", str(target))
    return target


def _empty(tmp_path: Path) -> Desk:
    from pipeline.config import Settings
    from pipeline.workspace import Workspace

    workspace = Workspace(tmp_path / "other")
    workspace.ensure_folders()
    return Desk(workspace, Settings(approval=TRUSTING))


def test_export_then_import_gives_the_same_archive(with_order: Desk, tmp_path: Path,
                                                   request: pytest.FixtureRequest,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    target = _export(with_order, tmp_path, "ACME", "hd-240317")
    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist())
        rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert {"manifest.csv", "manifest.xlsx"} <= names
    assert {o["order_no"] for o in manifest["orders"]} == {"PO-2026-0042", "HD-240317"}
    assert {r["type"] for r in rows} >= {"order_data", "sales_contract", "quotation"}
    assert all(len(r["sha256"]) == 64 for r in rows)
    commands = (["show", "PO-2026-0042", "--json"], ["history", "HD-240317", "--json"],
                ["find", "报价", "--json"], ["orders", "--json"])
    mine = [ok(with_order, *command) for command in commands]
    _another_office(request, monkeypatch)
    other = _empty(tmp_path)
    assert "imported 2 order(s)" in ok(other, "import", str(target))
    for command, before in zip(commands, mine, strict=True):
        assert _without_paths(before) == _without_paths(ok(other, *command)), command
    again = ok(other, "import", str(target))
    assert "imported 0 order(s): 0 file(s) filed" in again


def _another_office(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a shared backend, the importing office's own database (and shared copy): the
    office it exported from stays as it was."""
    if os.environ.get("GENDAN_STORE_URL"):
        from tests.pgserver import drop_database

        server = request.getfixturevalue("pg_server")
        url = server.new_database()
        request.addfinalizer(lambda: drop_database(server, url))
        monkeypatch.setenv("GENDAN_STORE_URL", url)
    if os.environ.get("GENDAN_ARCHIVE_URL"):
        from tests.conftest import new_bucket

        monkeypatch.setenv("GENDAN_ARCHIVE_URL", new_bucket(request.getfixturevalue("s3_server")))


def _without_paths(text: str) -> Any:
    data = json.loads(text)
    return json.loads(json.dumps(data).replace('"updated"', '"x"'))


def test_a_tampered_export_is_refused_naming_the_file(with_order: Desk, tmp_path: Path) -> None:
    target = _export(with_order, tmp_path, "PO-2026-0042")
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(target) as source, zipfile.ZipFile(tampered, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("PO-2026-0042.yaml"):
                data = data.replace(b"600", b"900")
            out.writestr(item, data)
    other = _empty(tmp_path)
    result = run(other, "import", str(tampered))
    assert result.exit_code == 4
    assert "originals/PO-2026-0042.yaml does not match its size and sha256" in result.output
    assert not list((other.workspace.archive).glob("ACME"))  # nothing filed


def test_warranty_until_from_shipment_and_settings(desk: Desk, tmp_path: Path) -> None:
    from pipeline.config import Settings, Warranty

    desk = Desk(desk.workspace, desk.settings.model_copy(update={"warranty": Warranty(
        months=12, models={"LM-1600": 24}, customers={"ACME": 18})}))
    data = yaml.safe_load((EXAMPLES / "PO-2026-0042.yaml").read_text(encoding="utf-8"))
    data["items"][2]["warranty_months"] = 6
    drop(desk.workspace, "PO-2026-0042.yaml", data)
    for update in sorted((EXAMPLES / "updates").glob("PO-2026-0042.*.yaml")):
        shutil.copyfile(update, desk.workspace.inbox / update.name)
    desk.run_once()
    assert isinstance(desk.settings, Settings)
    [row] = json.loads(ok(desk, "orders", "--json"))
    months = {w["model"]: (w["months"], w["source"], w["until"]) for w in row["warranty"]}
    assert months == {"HT-2020": (18, "customer", "2028-07-13"),
                      "LM-1600": (24, "model", "2029-01-13"),
                      "HR-45": (6, "item", "2027-07-13"),
                      "PS-08": (18, "customer", "2028-07-13")}
    found = hits(desk, "--model", "LM1600", "--type", "sales_contract")
    assert found[0]["warranty_until"] == "2029-01-13"


def test_pdftotext_reads_every_page_when_the_count_is_not_known(tmp_path: Path) -> None:
    """A converted Word document's pages are counted by the texts read for the search (no
    pypdf to count them first)."""
    from pipeline.pdf.search import search_texts

    pdf = text_pdf(tmp_path / "three.pdf", "合同评审 page", pages=3)
    texts, reader = search_texts(pdf)
    assert reader == "pdftotext" and len(texts) == 3
    assert all("合同评审" in text for text in texts)
    assert search_texts(pdf, 2)[0] == texts[:2]
