"""The command line: every command documented, clear one-line errors, exit codes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import EXAMPLES, REPO


def _invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_every_command_has_help_and_is_documented() -> None:
    docs = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert isinstance(cli, click.Group)
    for name, command in cli.commands.items():
        assert command.help, name
        assert re.search(rf"^## `gendan {name}\b", docs, re.M), f"docs/cli.md lacks {name}"
        assert f"gendan {name}" in readme or name in {"reindex"}, name
        assert _invoke(name, "--help").exit_code == 0


def test_init_run_orders_show(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert _invoke("init", str(ws)).exit_code == 0
    assert (ws / "gendan.toml").is_file() and (ws / "inbox").is_dir()
    (ws / "gendan.toml").write_text('[documents]\non_order = ["quotation"]\n', encoding="utf-8")
    for example in EXAMPLES.glob("*.*"):
        shutil.copyfile(example, ws / "inbox" / example.name)
    result = _invoke("-w", str(ws), "run")
    assert result.exit_code == 0, result.output
    assert result.output.count("  archived  ") == 3
    result = _invoke("-w", str(ws), "orders")
    assert "光之源照明贸易有限责任公司" in result.output and "58,260.00" in result.output
    assert "EUR 66,940.00 in 1 order(s); USD 853,446.65 in 2 order(s)" in result.output
    result = _invoke("-w", str(ws), "show", "HD-240317")
    assert "HD-240317_quotation_v1.pdf" in result.output and "EUR 66,940.00" in result.output
    assert "HD-240317_sales_contract" not in result.output  # only what gendan.toml asks for
    result = _invoke("-w", str(ws), "reindex")
    assert "3 order(s)" in result.output


def test_run_exits_4_when_a_file_is_rejected(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    _invoke("init", str(ws))
    (ws / "inbox" / "bad.yaml").write_text("order_no: [\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-w", str(ws), "run"])
    assert result.exit_code == 4
    assert "bad.yaml" in result.output and "rejected" in result.output


def test_unknown_order_is_one_clear_line_with_exit_7(tmp_path: Path) -> None:
    _invoke("init", str(tmp_path))
    result = CliRunner().invoke(cli, ["-w", str(tmp_path), "show", "NOPE-1"])
    assert result.exit_code == 7
    lines = result.output.strip().splitlines()
    assert lines[0] == "gendan: error: order NOPE-1 is not in the index"
    assert lines[1].startswith("  what to do:") and "Traceback" not in result.output


def test_check_explains_a_rule_without_an_order(tmp_path: Path) -> None:
    _invoke("init", str(tmp_path))
    result = CliRunner().invoke(cli, ["-w", str(tmp_path), "check", "--explain",
                                      "terms.named_place"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("terms.named_place (error):")
    assert "Reference: Incoterms 2020" in result.output and "Why: The price term" in result.output
    unknown = CliRunner().invoke(cli, ["-w", str(tmp_path), "check", "--explain", "terms.nope"])
    assert unknown.exit_code == 7 and "terms.named_place" in unknown.output
    missing = CliRunner().invoke(cli, ["-w", str(tmp_path), "check"])
    assert missing.exit_code == 2 and "--explain" in missing.output


def test_verbose_shows_the_traceback(tmp_path: Path) -> None:
    _invoke("init", str(tmp_path))
    result = CliRunner().invoke(cli, ["-v", "-w", str(tmp_path), "show", "NOPE-1"])
    assert result.exit_code == 7 and "Traceback" in result.output


def test_bad_config_exits_3(tmp_path: Path) -> None:
    (tmp_path / "gendan.toml").write_text("[company]\nnmae = 1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-w", str(tmp_path), "run"])
    assert result.exit_code == 3 and "company.nmae: unknown key" in result.output
    # the questions read the index alone: they answer whatever the settings say
    assert CliRunner().invoke(cli, ["-w", str(tmp_path), "orders"]).exit_code == 0


@pytest.mark.parametrize("argv", [["--version"], ["-h"]])
def test_top_level_flags(argv: list[str]) -> None:
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 0 and "gendan" in result.output


def test_the_exit_codes_are_the_documented_ones() -> None:
    from pipeline.errors import ExitCode

    docs = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = {int(code): name for code, name in
                  re.findall(r"^\| (\d) \| `(\w+)` \|", docs, re.M)}
    assert documented == {int(code): code.name for code in ExitCode}
