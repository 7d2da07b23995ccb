"""The order store: one folder and one registry entry per order number, found in any case;
the history rebuilt from the archive alone; modes, names and links handled as an archive's
keeper would."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import Settings
from pipeline.desk import Desk
from pipeline.reindex import reindex
from pipeline.store import SIDECAR_SUFFIX
from pipeline.verify import verify
from tests.conftest import (
    CORPUS,
    GENERAL_MANAGER,
    QUICK,
    TRUSTING,
    copy_example,
    documents,
    drop,
    history,
    wipe_registry_and_index,
)

ORDER_DIR = Path("ACME") / "PO-2026-0042"


def _update(desk: Desk, name: str, text: str) -> None:
    (desk.workspace.inbox / name).write_text(text, encoding="utf-8")


SIGNS = ("update: approval\norder_no: {no}\nrole: salesperson\nby: 王丽\n"
         "at: 2026-11-03T09:00\n")


def test_order_numbers_are_found_in_any_case(with_order: Desk) -> None:
    desk = with_order
    _update(desk, "signs.yaml", SIGNS.format(no="po-2026-0042"))
    [outcome] = desk.run_once()
    assert outcome.status == "archived" and outcome.order_no == "PO-2026-0042"
    assert [a.by for a in history(desk, "Po-2026-0042").approvals] == ["王丽"]
    result = CliRunner().invoke(cli, ["-w", str(desk.workspace.root), "show", "po-2026-0042"])
    assert result.exit_code == 0 and "order PO-2026-0042" in result.output


def test_a_second_customer_cannot_take_an_order_number(
    with_order: Desk, order_data: dict[str, Any]
) -> None:
    desk = with_order
    order_data["customer"]["code"] = "OTHER"
    drop(desk.workspace, "other.yaml", order_data)
    [outcome] = desk.run_once()
    assert outcome.status == "rejected"
    assert "already filed for customer ACME (in ACME/PO-2026-0042)" in outcome.message
    assert not (desk.workspace.archive / "OTHER").exists()
    assert [o["order_no"] for o in desk.store.index.orders()].count("PO-2026-0042") == 1


def test_a_revision_with_another_customer_code_is_refused_not_filed_twice(
    with_order: Desk, order_data: dict[str, Any]
) -> None:
    desk = with_order
    order_data["customer"]["code"] = "ACME-EU"
    order_data["items"][0]["unit_price"] = "39.00"
    drop(desk.workspace, "PO-2026-0042 rev.yaml", order_data)
    [outcome] = desk.run_once()
    assert outcome.status == "rejected" and "it must stay ACME" in " ".join(outcome.problems)
    count, _ = reindex(desk.store)
    assert count == 2
    assert [o["folder"] for o in desk.store.index.orders() if o["order_no"] == "PO-2026-0042"
            ] == ["ACME/PO-2026-0042"]


def test_the_history_is_rebuilt_from_the_archive_alone(with_order: Desk) -> None:
    desk = with_order
    _update(desk, "signs.yaml", SIGNS.format(no="PO-2026-0042"))
    desk.run_once()
    before = history(desk, "PO-2026-0042")
    folder = desk.workspace.archive / ORDER_DIR
    wipe_registry_and_index(desk.store)
    (folder / "order.json").unlink()
    problems = verify(desk.store, desk.parking)
    assert {p.kind for p in problems} >= {"not in the registry", "order.json out of date"}
    count, notes = reindex(desk.store)
    assert count == 2 and any("registry entry of PO-2026-0042 written" in n for n in notes)
    desk = Desk(desk.workspace, desk.settings)
    assert history(desk, "PO-2026-0042") == before
    assert [e.kind for e in before.history] == ["order", "approval"]


def test_archived_files_follow_the_umask_or_the_setting(desk: Desk) -> None:
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    previous = os.umask(0o022)
    try:
        desk.run_once()
    finally:
        os.umask(previous)
    files = [p for p in (desk.workspace.archive / ORDER_DIR).rglob("*") if p.is_file()]
    modes = {stat.S_IMODE(p.stat().st_mode) for p in files}
    assert modes == {0o644}, {oct(m) for m in modes}

    strict = Settings(approval=TRUSTING, documents=QUICK.documents, archive={"file_mode": "0640"})
    other = Desk(desk.workspace, strict)
    copy_example(desk.workspace, "HD-240317.yaml")
    other.run_once()
    files = [p for p in (desk.workspace.archive / "MUELLER").rglob("*") if p.is_file()
             and p.name != "customer.json"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o640}


def test_read_commands_never_create_a_workspace(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    for command in (["orders"], ["show", "X-1"], ["verify"]):
        result = CliRunner().invoke(cli, ["-w", str(plain), *command])
        assert result.exit_code == 3, result.output
        assert "is not a gendan workspace" in result.output
    assert list(plain.iterdir()) == []
    ws = tmp_path / "ws"
    CliRunner().invoke(cli, ["init", str(ws)])
    result = CliRunner().invoke(cli, ["-w", str(ws), "orders"])
    assert result.exit_code == 0 and "no orders archived yet" in result.output
    assert not (ws / "archive" / ".index").exists()


def test_assign_never_overwrites_a_file_waiting_under_the_same_name(
    with_order: Desk, tmp_path: Path
) -> None:
    desk = with_order
    waiting = desk.workspace.inbox / "scan.pdf"
    shutil.copyfile(CORPUS / "minimal-document.pdf", waiting)
    mine = tmp_path / "elsewhere" / "scan.pdf"
    mine.parent.mkdir()
    shutil.copyfile(CORPUS / "pdflatex-4-pages.pdf", mine)
    outcome = desk.assign(mine, "PO-2026-0042", "warranty_card")
    assert outcome.status == "archived"
    assert waiting.read_bytes() == (CORPUS / "minimal-document.pdf").read_bytes()
    assert mine.is_file()  # the user's own file stays where it is


def test_original_names_that_need_cleaning_keep_their_extension(with_order: Desk) -> None:
    desk = with_order
    shutil.copyfile(CORPUS / "minimal-document.pdf",
                    desk.workspace.inbox / 'PO-2026-0042 warranty card: "v2".PDF')
    [outcome] = desk.run_once()
    assert outcome.status == "archived"
    [original] = [d for d in documents(desk, "PO-2026-0042") if d["kind"] == "original"
                  and d["doc_type"] == "warranty_card"]
    assert original["file"].endswith(".pdf") and "_" in original["file"]


def test_a_parked_file_filed_later_is_listed_in_the_run(desk: Desk) -> None:
    shutil.copyfile(CORPUS / "minimal-document.pdf",
                    desk.workspace.inbox / "PO-2026-0042_warranty-card.pdf")
    [first] = desk.run_once()
    assert first.status == "unmatched"
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    outcomes = desk.run_once()
    assert [(o.file, o.status) for o in outcomes] == [
        ("PO-2026-0042.yaml", "archived"),
        ("_unmatched/PO-2026-0042_warranty-card.pdf", "archived")]


def test_reindex_looks_at_the_files(with_order: Desk) -> None:
    desk = with_order
    folder = desk.workspace.archive / ORDER_DIR / "generated"
    (folder / "PO-2026-0042_sales_contract_v1.docx").unlink()
    quotation = folder / "PO-2026-0042_quotation_v1.pdf"
    quotation.write_bytes(quotation.read_bytes()[:500])
    _, notes = reindex(desk.store)
    assert any("sales_contract_v1.docx: missing" in n for n in notes)
    assert any("quotation_v1.pdf: damaged" in n for n in notes)
    rows = {d["file"]: d for d in documents(desk, "PO-2026-0042")}
    assert rows["PO-2026-0042_sales_contract_v1.docx"]["missing"] is True
    assert rows["PO-2026-0042_quotation_v1.pdf"]["damaged"] is True
    result = CliRunner().invoke(cli, ["-w", str(desk.workspace.root), "show", "PO-2026-0042"])
    assert "MISSING" in result.output and "DAMAGED" in result.output


def test_hand_over_events_are_in_the_history(with_order: Desk) -> None:
    from pipeline.recipes import hand_over

    desk = with_order
    hand_over(desk, "HD-240317", force=True, forced_by=GENERAL_MANAGER, reason="test")
    workflow = history(desk, "HD-240317")
    assert workflow.status == "handed_over"
    assert [e.kind for e in workflow.history][-2:] == ["check", "handover"]
    sidecars = list((desk.workspace.archive / "MUELLER" / "HD-240317" / "handover").glob(
        "*" + SIDECAR_SUFFIX))
    assert json.loads(sidecars[0].read_text())["event"]["kind"] == "handover"


def _pdf(path: Path, subject: str) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=CORPUS / "minimal-document.pdf")
    writer.add_metadata({"/Subject": subject})
    writer.write(path)


def _filed(desk: Desk) -> list[str]:
    with desk.store.open("PO-2026-0042") as record:
        return sorted(m["file"] for m in record.documents)


def _stamps(folder: Path) -> dict[str, tuple[int, int]]:
    return {kind.name: (kind.stat().st_atime_ns, kind.stat().st_mtime_ns)
            for kind in folder.iterdir() if kind.is_dir()}


def test_an_order_s_listing_is_kept_until_another_holder_takes_its_lock(
        with_order: Desk, monkeypatch: Any) -> None:
    from pipeline.store import OrderStore

    desk = with_order
    folder = desk.workspace.archive / ORDER_DIR
    before = _filed(desk)
    scans: list[Path] = []
    real = OrderStore.sidecars

    def counted(store: OrderStore, where: Path) -> Any:
        scans.append(where)
        return real(store, where)

    monkeypatch.setattr(OrderStore, "sidecars", counted)
    _pdf(desk.workspace.inbox / "PO-2026-0042_packing-list.pdf", "packing list")
    [outcome] = desk.run_once()
    assert outcome.status == "archived"
    assert _filed(desk) == sorted([*before, *outcome.documents])
    assert scans == []  # what it filed itself, and nothing else since: not listed again

    # another process files a document within the same tick of the clock (the folders'
    # times put back): the turn it took at the lock tells
    stamps = _stamps(folder)
    pid = os.fork()
    if pid == 0:
        try:
            other = Desk(desk.workspace, QUICK)
            _pdf(desk.workspace.inbox / "PO-2026-0042_commercial-invoice.pdf", "invoice")
            ok = [o.status for o in other.run_once()] == ["archived"]
            for kind, (atime, mtime) in stamps.items():
                os.utime(folder / kind, ns=(atime, mtime))
        finally:
            os._exit(0 if ok else 1)
    assert os.waitpid(pid, 0)[1] == 0
    assert _stamps(folder) == stamps
    now = _filed(desk)
    assert any("commercial_invoice" in name for name in now)
    assert scans == [folder]

    # a sidecar removed by hand: the folder's time tells
    sidecar = next((folder / "stamped").glob("*commercial_invoice*" + SIDECAR_SUFFIX))
    sidecar.unlink()
    assert _filed(desk) == [n for n in now if n != sidecar.name.removesuffix(SIDECAR_SUFFIX)]
    assert len(scans) == 2
    assert _filed(desk) == sorted(m["file"] for m in _fresh_documents(desk))


def _fresh_documents(desk: Desk) -> list[dict[str, Any]]:
    from pipeline.store import OrderStore

    store = OrderStore(desk.store.root)
    with store.open("PO-2026-0042") as record:
        return record.documents


def test_what_a_record_hands_out_leaves_the_kept_listing_as_it_was(with_order: Desk) -> None:
    """The listing kept between turns is shared, not copied: the documents a record gives
    are its own copies, so a caller that changes one changes nothing kept."""
    desk = with_order
    fresh = _fresh_documents(desk)  # (listed by another store, before this one keeps it)
    with desk.store.open("PO-2026-0042") as record:
        documents = record.documents
        first = documents[0]
        first["doc_type"], first["current"] = "changed by a caller", None
        first.pop("sha256")
        indexed = record.indexed()
        indexed[0]["path"] = "changed/too.pdf"
    with desk.store.open("PO-2026-0042") as record:
        again = record.documents
        assert again == fresh
        assert again[0]["doc_type"] != "changed by a caller" and "sha256" in again[0]
        assert record.indexed()[0]["path"] == again[0]["path"]
