"""Start-up: the commands that answer questions import none of the heavy libraries (the
PDF, Word, Excel and validation libraries load only in the commands that use them). Read
from `python -X importtime`, which lists every module a command imports; the time itself
is the benchmark's to measure, not a test's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = {"weasyprint", "docxtpl", "docx", "pypdf", "reportlab", "openpyxl", "pydantic",
         "pdfplumber", "PIL", "jinja2", "yaml", "watchdog", "num2words", "cn2an", "icalendar"}


def imported(workspace: Path, *argv: str) -> set[str]:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "pipeline", "-w",
                             str(workspace), *argv], capture_output=True, text=True)
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert names, result.stderr[-500:]
    return names


@pytest.mark.parametrize("argv", [["--help"], ["orders"], ["show", "PO-1"], ["find", "毛重"],
                                  ["due"], ["history", "--help"]])
def test_questions_import_no_heavy_library(tmp_path: Path, argv: list[str]) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli

    assert CliRunner().invoke(cli, ["init", str(tmp_path / "ws")]).exit_code == 0
    heavy = imported(tmp_path / "ws", *argv) & HEAVY
    assert not heavy, f"gendan {' '.join(argv)} imports {sorted(heavy)}"


def test_a_command_that_renders_does_import_them(tmp_path: Path) -> None:
    """The check above would pass if nothing were listed: a run does load them."""
    from click.testing import CliRunner

    from pipeline.cli import cli

    assert CliRunner().invoke(cli, ["init", str(tmp_path / "ws")]).exit_code == 0
    assert {"pydantic", "yaml"} <= imported(tmp_path / "ws", "run")


def test_a_second_check_reads_what_was_kept_and_loads_no_pdf_library(
        tmp_path: Path, order_archive: Path) -> None:
    """The texts, words and report of the first check are kept: the second one opens no PDF,
    so neither pypdf nor ReportLab, WeasyPrint or pdfplumber is imported."""
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(order_archive, root)
    first = imported(root, "check", "PO-2026-0042", "--date", "2026-12-20")
    assert "weasyprint" in first  # the first draws the report (it reads PDFs in children)
    second = imported(root, "check", "PO-2026-0042", "--date", "2026-12-20")
    heavy = second & {"pypdf", "reportlab", "PIL", "weasyprint", "pdfplumber", "fontTools",
                      "docx", "docxtpl", "openpyxl", "num2words", "jinja2"}
    assert not heavy, f"a second gendan check imports {sorted(heavy)}"


def test_what_is_loaded_to_draw_is_put_out_of_the_collector_s_sight() -> None:
    """WeasyPrint's modules, once imported, are frozen (gc.freeze): the collections while a
    document is drawn walk what the drawing made, not every class and function loaded."""
    script = ("import gc\nfrom pipeline.render.html import import_weasyprint\n"
              "before = gc.get_freeze_count()\nimport_weasyprint()\n"
              "print(before, gc.get_freeze_count(), len(gc.get_objects()))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    before, frozen, seen = map(int, done.stdout.split())
    assert before == 0 and frozen > 50_000 and seen < frozen / 10, done.stdout
