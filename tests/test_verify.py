"""`gendan verify [--repair]`: finds what is out of place, repairs what is derived, moves
the rest aside, and never deletes an original."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.desk import Desk
from pipeline.repair import repair
from pipeline.store import SIDECAR_SUFFIX
from pipeline.verify import verify
from tests.conftest import CORPUS

ORDER = Path("ACME") / "PO-2026-0042"


def _verify(desk: Desk, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-w", str(desk.workspace.root), "verify", *args])
    return result.exit_code, result.output


def test_a_fresh_archive_verifies_clean(with_order: Desk) -> None:
    desk = with_order
    shutil.copyfile(CORPUS / "minimal-document.pdf",
                    desk.workspace.inbox / "PO-2026-0042_warranty-card.pdf")
    desk.run_once()
    assert verify(desk.store, desk.parking) == []
    assert _verify(with_order) == (0, f"archive {desk.workspace.archive} verified: no "
                                      "problems\n")


def test_each_kind_of_damage_is_found_and_repaired_without_losing_an_original(
    with_order: Desk,
) -> None:
    desk = with_order
    folder = desk.workspace.archive / ORDER
    quotation = folder / "generated" / "PO-2026-0042_quotation_v1.pdf"
    data = bytearray(quotation.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte flipped: same size, other content
    quotation.write_bytes(bytes(data))
    stray = folder / "generated" / "stray.pdf"
    shutil.copyfile(CORPUS / "minimal-document.pdf", stray)
    (folder / "generated" / f".tmp-999999-{os.getpid()}x").write_bytes(b"half")
    docx = folder / "generated" / "PO-2026-0042_sales_contract_v1.docx"
    docx.unlink()
    (desk.workspace.archive / ".work" / "999999-abc").mkdir(parents=True)
    (desk.workspace.rejected).mkdir(parents=True, exist_ok=True)
    (desk.workspace.rejected / "gone.yaml.error.txt").write_text("x", encoding="utf-8")
    problems = verify(desk.store, desk.parking)
    kinds = {p.kind: p for p in problems}
    assert set(kinds) == {"damaged file", "file without sidecar", "temp file",
                          "sidecar without file", "index out of date",
                          "scratch of a dead process", "note without its file"}
    assert kinds["damaged file"].path.endswith("quotation_v1.pdf")
    code, output = _verify(desk)
    assert code == 1 and "damaged file" in output
    originals = sorted((folder / "originals").iterdir())
    done = repair(desk.store, problems)
    assert any("quarantined" in line and "stray.pdf" in line for line in done)
    assert sorted((folder / "originals").iterdir()) == originals  # never touched
    left = {p.kind for p in verify(desk.store, desk.parking)}
    assert left == {"damaged file"}  # to be restored from backup: reported, not hidden
    [kept] = (desk.workspace.archive / ".quarantine").rglob("stray.pdf")
    assert kept.read_bytes() == (CORPUS / "minimal-document.pdf").read_bytes()
    [report] = (desk.workspace.archive / ".quarantine").rglob("report.txt")
    assert "stray.pdf\tfile without sidecar" in report.read_text(encoding="utf-8")


def test_an_unfinished_commit_is_moved_aside_and_the_index_rebuilt(with_order: Desk) -> None:
    desk = with_order
    folder = desk.workspace.archive / ORDER / "generated"
    leftover = folder / "PO-2026-0042_quotation_v9.pdf"
    shutil.copyfile(folder / "PO-2026-0042_quotation_v1.pdf", leftover)
    sidecar = (folder / f"PO-2026-0042_quotation_v1.pdf{SIDECAR_SUFFIX}").read_text()
    (folder / f"{leftover.name}{SIDECAR_SUFFIX}").write_text(
        sidecar.replace('"source_sha256": "', '"source_sha256": "f00d'), encoding="utf-8")
    code, output = _verify(desk, "--repair")
    assert code == 0, output
    assert "unfinished commit" in output and "0 left after repair" in output
    assert not leftover.exists()
    assert _verify(desk)[0] == 0
