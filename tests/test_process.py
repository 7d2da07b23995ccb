"""The inbox -> archive path: originals kept, sidecars written, rejections explained."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.desk import Desk
from pipeline.fsutil import sha256_file
from pipeline.store import SIDECAR_SUFFIX
from tests.conftest import EXAMPLES, copy_example, documents, drop, pdf_text


def _sidecar(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_name(path.name + SIDECAR_SUFFIX).read_text())
    return data


def test_an_order_is_archived_with_its_documents(desk: Desk) -> None:
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    [outcome] = desk.run_once()
    assert outcome.status == "archived" and outcome.order_no == "PO-2026-0042"
    order_dir = desk.workspace.archive / "ACME" / "PO-2026-0042"
    original = order_dir / "originals" / "PO-2026-0042.yaml"
    assert original.read_bytes() == (EXAMPLES / "PO-2026-0042.yaml").read_bytes()
    quotation = order_dir / "generated" / "PO-2026-0042_quotation_v1.pdf"
    contract = order_dir / "generated" / "PO-2026-0042_sales_contract_v1.docx"
    assert "USD 58,260.00" in "".join(pdf_text(quotation))
    meta = _sidecar(quotation)
    assert meta["sha256"] == sha256_file(quotation) and meta["size"] == quotation.stat().st_size
    assert meta["doc_type"] == "quotation" and meta["template"] == "quotation.html"
    assert meta["pages"] == len(pdf_text(quotation)) and meta["version"] == 1
    assert meta["order"] == "PO-2026-0042" and meta["customer"] == "ACME"
    assert meta["source"] == "inbox/PO-2026-0042.yaml" and meta["time"]
    assert _sidecar(contract)["template"] == "sales_contract.docx"
    assert _sidecar(original)["kind"] == "original"
    assert _sidecar(original)["sha256"] == sha256_file(EXAMPLES / "PO-2026-0042.yaml")
    assert not any(desk.workspace.inbox.iterdir())  # removed only after the commit


def test_the_same_file_twice_is_a_duplicate(desk: Desk) -> None:
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    desk.run_once()
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    [outcome] = desk.run_once()
    assert outcome.status == "duplicate"
    generated = desk.workspace.archive / "ACME" / "PO-2026-0042" / "generated"
    assert len(list(generated.glob("*quotation*.pdf"))) == 1


def test_a_revised_order_makes_version_two_and_keeps_version_one(
    desk: Desk, order_data: dict[str, Any]
) -> None:
    drop(desk.workspace, "PO-2026-0042.yaml", order_data)
    desk.run_once()
    order_data["items"][0]["unit_price"] = "39.00"
    drop(desk.workspace, "PO-2026-0042.yaml", order_data)
    [outcome] = desk.run_once()
    assert outcome.status == "archived"
    order_dir = desk.workspace.archive / "ACME" / "PO-2026-0042"
    v1 = order_dir / "generated" / "PO-2026-0042_quotation_v1.pdf"
    v2 = order_dir / "generated" / "PO-2026-0042_quotation_v2.pdf"
    assert "USD 58,260.00" in "".join(pdf_text(v1))
    assert "USD 58,560.00" in "".join(pdf_text(v2))
    originals = sorted(p.name for p in (order_dir / "originals").iterdir())
    assert originals == [
        "PO-2026-0042-2.yaml", f"PO-2026-0042-2.yaml{SIDECAR_SUFFIX}",
        "PO-2026-0042.yaml", f"PO-2026-0042.yaml{SIDECAR_SUFFIX}",
    ]
    docs = documents(desk, "PO-2026-0042")
    current = {d["file"]: d["current"] for d in docs if d["doc_type"] == "quotation"}
    assert current == {v1.name: False, v2.name: True}


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d.__setitem__("currency", "XYZ"), "currency: found 'XYZ'"),
        (lambda d: d["items"][0].__setitem__("quantity", -3), "items[0].quantity (line item 1)"),
        (lambda d: d.__setitem__("delivery_date", "2027-02-30"), "delivery_date: found '2027-02"),
        (lambda d: d.pop("customer"), "customer: found nothing (the field is missing)"),
    ],
)
def test_bad_order_is_rejected_untouched_with_its_reasons(
    desk: Desk, order_data: dict[str, Any], mutate: Any, reason: str
) -> None:
    mutate(order_data)
    bad = drop(desk.workspace, "bad order.yaml", order_data)
    original = bad.read_bytes()
    copy_example(desk.workspace, "HD-240317.yaml")
    outcomes = {o.file: o for o in desk.run_once()}
    assert outcomes["bad order.yaml"].status == "rejected"
    assert outcomes["HD-240317.yaml"].status == "archived"  # processing went on
    kept = desk.workspace.rejected / "bad order.yaml"
    assert kept.read_bytes() == original
    report = (desk.workspace.rejected / "bad order.yaml.error.txt").read_text(encoding="utf-8")
    assert "File: bad order.yaml" in report and reason in report and "What to do:" in report
    assert not (desk.workspace.archive / "ACME").exists()


def test_yaml_syntax_error_is_rejected(desk: Desk) -> None:
    drop(desk.workspace, "broken.yml", "order_no: [oops\n")
    [outcome] = desk.run_once()
    assert outcome.status == "rejected" and "valid YAML" in outcome.message
    assert (desk.workspace.rejected / "broken.yml").read_text() == "order_no: [oops\n"


def test_rejecting_the_same_name_twice_keeps_both(desk: Desk) -> None:
    for text in ("a: [\n", "b: [\n"):
        drop(desk.workspace, "x.yaml", text)
        desk.run_once()
    kept = sorted(p.read_text() for p in desk.workspace.rejected.glob("x*.yaml"))
    assert kept == ["a: [\n", "b: [\n"]


def test_partial_hidden_and_system_files_are_left_alone(desk: Desk) -> None:
    for name in ("order.yaml.part", ".hidden.yaml", "~$order.xlsx", "Thumbs.db", "x.tmp"):
        drop(desk.workspace, name, "junk")
    assert desk.run_once() == []


def test_orders_in_subfolders_are_found(desk: Desk, order_data: dict[str, Any]) -> None:
    drop(desk.workspace, "ACME/new/PO-2026-0042.yaml", order_data)
    [outcome] = desk.run_once()
    assert outcome.status == "archived" and outcome.file == "ACME/new/PO-2026-0042.yaml"


def test_a_broken_template_fails_only_its_document(desk: Desk) -> None:
    own = desk.workspace.root / "templates"
    own.mkdir()
    (own / "quotation.html").write_text("{% for %}", encoding="utf-8")
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    [outcome] = desk.run_once()
    assert outcome.status == "archived"
    assert any("quotation" in p and "quotation.html, line 1" in p for p in outcome.problems)
    assert "PO-2026-0042_sales_contract_v1.docx" in outcome.documents


def test_hostile_customer_code_and_order_number_stay_inside_the_archive(
    desk: Desk, order_data: dict[str, Any]
) -> None:
    order_data["customer"]["code"] = "../../etc"
    order_data["order_no"] = "../../../tmp/x/y"
    drop(desk.workspace, "evil.yaml", order_data)
    [outcome] = desk.run_once()
    assert outcome.status == "archived"
    archive = desk.workspace.archive.resolve()
    files = [p for p in archive.rglob("*") if p.is_file()]
    assert files and all(p.resolve().is_relative_to(archive) for p in files)
    assert not (desk.workspace.root.parent / "etc").exists()
