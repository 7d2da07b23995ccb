from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.config import Settings, load_settings
from pipeline.errors import ConfigError, WorkspaceError
from pipeline.example_config import EXAMPLE_CONFIG
from pipeline.workspace import Workspace


def test_missing_file_gives_the_embedded_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "gendan.toml") == Settings()


def test_the_commented_example_equals_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "gendan.toml"
    path.write_text(EXAMPLE_CONFIG, encoding="utf-8")
    assert load_settings(path) == Settings()


def test_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "gendan.toml"
    path.write_text(
        '[company]\nname_zh = "宁波测试进出口有限公司"\n'
        "[approval]\ngeneral_manager_threshold = { USD = 20000 }\n",
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.company.name_zh == "宁波测试进出口有限公司"
    assert settings.approval.general_manager_threshold == {"USD": Decimal(20000)}
    assert settings.inspection.third_party_days == 14


def test_unknown_keys_are_reported_by_path(tmp_path: Path) -> None:
    path = tmp_path / "gendan.toml"
    path.write_text('[company]\nnmae_zh = "x"\n[colour]\nred = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert "company.nmae_zh: unknown key" in str(info.value)
    assert "colour: unknown key" in str(info.value)


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "gendan.toml"
    path.write_text("[company\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"gendan\.toml: not valid TOML"):
        load_settings(path)


def test_wrong_type_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "gendan.toml"
    path.write_text("[inspection]\nthird_party_days = -3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"inspection\.third_party_days"):
        load_settings(path)


def test_workspace_from_argument_env_or_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "gendan.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("GENDAN_HOME", str(tmp_path))
    assert Workspace.locate(None).root == tmp_path.resolve()
    other = tmp_path / "other"
    (other / "inbox").mkdir(parents=True)
    (other / "archive").mkdir()
    assert Workspace.locate(other).root == other.resolve()
    monkeypatch.delenv("GENDAN_HOME")
    monkeypatch.chdir(other)
    assert Workspace.locate(None).root == other.resolve()
    with pytest.raises(WorkspaceError, match="does not exist"):
        Workspace.locate(tmp_path / "nope")


def test_a_folder_that_is_not_a_workspace_is_named_and_left_alone(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(WorkspaceError, match="is not a gendan workspace") as info:
        Workspace.locate(plain)
    assert "gendan init" in info.value.hint
    assert list(plain.iterdir()) == []  # nothing created
