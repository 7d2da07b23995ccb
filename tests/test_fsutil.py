from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import fsutil
from pipeline.fsutil import atomic_write, safe_name


@pytest.mark.parametrize(
    ("name", "expected_start"),
    [
        ("../x", "_x-"),
        ("a/b", "a_b-"),
        ("CON", "_CON-"),
        ("con.txt", "_con.txt-"),
        ("..", "_-"),
        ("上海华联进出口", "上海华联进出口"),
        ("PO-2026-0042", "PO-2026-0042"),
    ],
)
def test_hostile_names_become_safe_folders(name: str, expected_start: str) -> None:
    assert safe_name(name).startswith(expected_start)


def test_clean_names_are_kept_as_they_are() -> None:
    assert safe_name("上海华联进出口") == "上海华联进出口"
    assert safe_name("ACME Home & Garden") == "ACME Home & Garden"


def test_long_name_is_cut_under_the_filesystem_limit() -> None:
    name = "长" * 300
    result = safe_name(name)
    assert len(result.encode()) <= 130
    assert result.startswith("长" * 10)
    assert safe_name("长" * 301) != result


@settings(max_examples=400, deadline=None)
@given(st.text(min_size=0, max_size=320))
def test_any_name_maps_to_one_folder_inside_the_archive(name: str) -> None:
    folder = safe_name(name)
    assert folder and folder not in {".", ".."}
    assert "/" not in folder and "\\" not in folder and "\x00" not in folder
    assert not any(unicodedata.category(ch) == "Cc" for ch in folder)
    assert len(folder.encode("utf-8")) <= 255
    assert folder == safe_name(name)  # stable
    root = Path("/archive")
    assert (root / folder).parent == root
    assert os.path.normpath(root / folder).startswith("/archive/")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_different_names_never_share_a_folder(a: str, b: str) -> None:
    if unicodedata.normalize("NFC", a) != unicodedata.normalize("NFC", b):
        assert safe_name(a) != safe_name(b)


def test_atomic_write_leaves_old_file_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "index.json"
    target.write_bytes(b"old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(fsutil.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["index.json"]  # no temp file left


def test_a_taken_name_is_numbered_before_its_suffix(tmp_path: Path) -> None:
    from itertools import islice

    from pipeline.inbox import free_name

    assert list(islice(fsutil.numbered("list.v2.pdf"), 3)) == \
        ["list.v2.pdf", "list.v2-2.pdf", "list.v2-3.pdf"]
    assert list(islice(fsutil.numbered("README"), 2)) == ["README", "README-2"]
    (tmp_path / "list.pdf").write_bytes(b"one")
    (tmp_path / "list-2.pdf.reason.txt").write_text("another file's note", encoding="utf-8")
    assert free_name(tmp_path, "list.pdf") == tmp_path / "list-3.pdf"
