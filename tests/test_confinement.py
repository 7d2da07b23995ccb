"""Confinement: templates read only the template folders, settings paths stay inside the
workspace, `assign` takes regular files only, names are shown escaped and suggested
shell-quoted, and a FIFO never freezes the watcher."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_settings
from pipeline.desk import Desk
from pipeline.errors import ConfigError
from pipeline.template_check import check_templates
from pipeline.workspace import Workspace
from tests.conftest import CORPUS, REPO, copy_example, pdf_text

PASSWD_LINE = "root:x:0:0"


def test_a_workspace_template_cannot_read_files_outside(desk: Desk, tmp_path: Path) -> None:
    own = desk.workspace.root / "templates"
    own.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT-42\n", encoding="utf-8")
    (own / "leak.html").symlink_to(secret)
    (own / "quotation.html").write_text(
        '{% extends "base.html" %}{% block body %}<p>{{ order.order_no }}</p>'
        '<img src="file:///etc/passwd"><img src="../../../../etc/passwd">'
        f'<link rel="attachment" href="file://{secret}">'
        '<img src="http://example.com/x.png">'
        "{% include 'leak.html' ignore missing %}{% endblock %}", encoding="utf-8")
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    [outcome] = desk.run_once()
    assert outcome.status == "archived"
    pdf = desk.workspace.archive / "ACME" / "PO-2026-0042" / "generated" / \
        "PO-2026-0042_quotation_v1.pdf"
    text = "".join(pdf_text(pdf))
    raw = pdf.read_bytes()
    assert "PO-2026-0042" in text
    assert PASSWD_LINE not in text and b"SECRET-CONTENT-42" not in raw
    assert any("refused" in p for p in outcome.problems)
    _, problems = check_templates(desk.maker, "quotation", items=3)
    refused = [str(p) for p in problems if "is refused" in p.message]
    assert any("file:///etc/passwd" in p for p in refused), problems
    assert any("http://example.com" in p for p in refused), problems


@pytest.mark.parametrize(("toml", "key"), [
    ('[company]\nseal = "/etc/passwd"\n', "company.seal"),
    ('[company]\nseal = "../../secret.png"\n', "company.seal"),
    ('[[stamps]]\nimage = "/dev/zero"\n', "stamps.0.image"),
    ('[doctypes.x]\ntitle_en = "X"\ntitle_zh = "X"\nword = "../../../etc/x.docx"\n',
     "doctypes.x.word"),
])
def test_settings_paths_stay_inside_the_workspace(tmp_path: Path, toml: str, key: str) -> None:
    path = tmp_path / "gendan.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")) as info:
        load_settings(path)
    assert "outside the templates folder" in info.value.message


def test_assign_takes_regular_files_only(with_order: Desk) -> None:
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["-w", str(with_order.workspace.root), "assign",
                                      "/dev/zero", "PO-2026-0042"])
    assert result.exit_code == 4 and "is not a regular file" in result.output
    assert time.monotonic() - started < 10  # refused by its kind, never read


def test_the_suggested_command_is_shell_quoted(desk: Desk) -> None:
    name = "$(touch pwned) `id`; 'x'.pdf"
    shutil.copyfile(CORPUS / "minimal-document.pdf", desk.workspace.inbox / name)
    [outcome] = desk.run_once()
    assert outcome.status == "unmatched"
    note = (desk.workspace.unmatched / f"{name}.reason.txt").read_text(encoding="utf-8")
    line = next(line for line in note.splitlines() if "gendan assign" in line)
    words = shlex.split(line)
    assert words[:2] == ["gendan", "assign"] and Path(words[2]).name == name


@pytest.mark.timeout(90)
@pytest.mark.parametrize("poll", [False, True])
def test_a_fifo_does_not_freeze_the_watcher(with_order: Desk, poll: bool) -> None:
    root = with_order.workspace.root
    (root / "gendan.toml").write_text(
        '[documents]\non_order = ["quotation"]\nword_to_pdf = false\n'
        '[watch]\nstable_seconds = 0.2\nrescan_seconds = 0.5\n', encoding="utf-8")
    command = [sys.executable, "-m", "pipeline", "-w", str(root), "watch"] + \
        (["--poll"] if poll else [])
    watcher = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        os.mkfifo(root / "inbox" / "PO-2026-0042_pipe.pdf")
        time.sleep(0.5)
        shutil.copyfile(CORPUS / "minimal-document.pdf",
                        root / "inbox" / "PO-2026-0042_warranty-card.pdf")
        stamped = root / "archive" / "ACME" / "PO-2026-0042" / "stamped" / \
            "PO-2026-0042_warranty_card_v1.pdf"
        deadline = time.monotonic() + 60
        while not stamped.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert stamped.exists()
    finally:
        watcher.send_signal(signal.SIGTERM)
        output, _ = watcher.communicate(timeout=30)
    assert watcher.returncode == 0, output
    assert "Traceback" not in output
    assert (root / "inbox" / "_rejected" / "PO-2026-0042_pipe.pdf").is_fifo()


def test_a_long_name_is_kept_with_its_note(desk: Desk) -> None:
    name = "工厂发来的装箱单扫描件" * 7 + ".yaml"  # 235 bytes: the note would not fit
    (desk.workspace.inbox / name).write_text("order_no: [\n", encoding="utf-8")
    [outcome] = desk.run_once()
    assert outcome.status == "rejected"
    [kept] = [p for p in desk.workspace.rejected.iterdir() if not p.name.endswith(".txt")]
    assert kept.read_text(encoding="utf-8") == "order_no: [\n"
    note = kept.with_name(kept.name + ".error.txt").read_text(encoding="utf-8")
    assert f"Arrived as: {name}" in note


def test_workspace_settings_are_checked_by_every_command(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    ws.ensure_folders()
    (tmp_path / "gendan.toml").write_text('[company]\nseal = "/etc/shadow"\n',
                                          encoding="utf-8")
    result = CliRunner().invoke(cli, ["-w", str(tmp_path), "run"])
    assert result.exit_code == 3 and "company.seal" in result.output


def test_an_assets_folder_that_links_out_opens_nothing(desk: Desk, tmp_path: Path) -> None:
    """templates/assets as a link to / would make every file of the machine an asset."""
    own = desk.workspace.root / "templates"
    own.mkdir()
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "secret.txt").write_text("SECRET-CONTENT-43\n", encoding="utf-8")
    (own / "assets").symlink_to(secret)
    (own / "quotation.html").write_text(
        '{% extends "base.html" %}{% block body %}<p>{{ order.order_no }}</p>'
        '<link rel="attachment" href="assets/secret.txt">'
        '<img src="assets/secret.txt">{% endblock %}', encoding="utf-8")
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    [outcome] = desk.run_once()
    assert outcome.status == "archived"
    pdf = next(desk.workspace.archive.rglob("PO-2026-0042_quotation_v1.pdf"))
    assert b"SECRET-CONTENT-43" not in pdf.read_bytes()
    assert any("refused" in p for p in outcome.problems), outcome.problems
