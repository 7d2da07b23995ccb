"""Recovery that never depends on the data being well-formed: a record that does not
parse (an event of another shape, a sidecar that is not gendan's) is left out and named by
`verify`, every command goes on with the rest, and `verify --repair` quarantines it in one
pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.desk import Desk
from tests.conftest import copy_example


@pytest.fixture
def root(desk: Desk) -> Path:
    copy_example(desk.workspace, "PO-2026-0042.yaml")
    copy_example(desk.workspace, "HD-240317.yaml")
    assert [o.status for o in desk.run_once()] == ["archived", "archived"]
    (desk.workspace.inbox / "signs.yaml").write_text(
        "update: approval\norder_no: PO-2026-0042\nrole: salesperson\nby: 王丽\n"
        "at: 2026-11-03T09:00\n", encoding="utf-8")
    assert [o.status for o in desk.run_once()] == ["archived"]
    desk.store.index.close()
    return desk.workspace.root


def _gendan(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-w", str(root), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("damage", ["event", "shape", "json"])
def test_a_record_that_does_not_parse_stops_nothing(root: Path, damage: str) -> None:
    sidecar = next((root / "archive").rglob("signs.yaml.gendan.json"))
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    if damage == "event":
        meta["event"]["seq"] = "first"
        sidecar.write_text(json.dumps(meta), encoding="utf-8")
    elif damage == "shape":
        sidecar.write_text(json.dumps({"event": None, "kind": 3}), encoding="utf-8")
    else:
        sidecar.write_text("{not json", encoding="utf-8")
    for command in (["history", "PO-2026-0042"], ["show", "PO-2026-0042"], ["orders"],
                    ["reindex"], ["find", "报价"], ["check", "HD-240317"], ["run"]):
        code, output = _gendan(root, *command)
        assert code in {0, 1}, (command, output)
    code, output = _gendan(root, "verify")
    assert code == 1 and ("history does not parse" in output or "record out of shape" in
                          output or "unreadable sidecar" in output), output
    code, output = _gendan(root, "verify", "--repair")
    assert "0 left after repair" in output, output
    assert list((root / "archive" / ".quarantine").rglob("signs.yaml*"))
    code, output = _gendan(root, "history", "PO-2026-0042")  # the rest of its history
    assert code == 0 and "order received" in output
    assert _gendan(root, "verify")[0] == 0


def test_the_quarantine_is_shown_and_emptied_when_asked(root: Path) -> None:
    sidecar = next((root / "archive").rglob("signs.yaml.gendan.json"))
    sidecar.write_text("{not json", encoding="utf-8")
    _gendan(root, "verify", "--repair")
    code, output = _gendan(root, "verify")
    assert code == 0 and "quarantine: 2 file(s) set aside by 1 repair(s)" in output, output
    code, output = _gendan(root, "verify", "--forget-quarantine", "1")
    assert "0 repair folder(s) older than 1 day(s) deleted" in output  # too recent
    code, output = _gendan(root, "verify", "--forget-quarantine", "0")
    assert "1 repair folder(s)" in output and "quarantine:" not in output.split("deleted")[1]
