"""The direction of imports: foundations import nothing of ours, stages only foundations."""

from __future__ import annotations

import ast
from pathlib import Path

PIPELINE = Path(__file__).resolve().parents[1] / "pipeline"

FOUNDATIONS = {"errors", "models", "config", "fsutil", "doctypes", "flow", "words"}
STAGES = {"intake", "render", "pdf", "compliance", "archive", "index"}
TOP = {"process", "factory", "documents", "outcome", "template_check", "handover", "cli",
       "watch", "__main__", "__init__"}


def _unit(path: Path) -> str:
    rel = path.relative_to(PIPELINE)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    unit = _unit(path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            depth = len(path.relative_to(PIPELINE).parts) - 1
            if node.level > depth:  # reaches the package root
                target = (node.module or "").split(".")[0]
                if target:
                    found.add(target)
                else:
                    found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pipeline"):
            assert node.module is not None
            found.add(node.module.split(".")[1] if "." in node.module else "__init__")
    return found - {unit}


def test_imports_follow_the_layers() -> None:
    problems = []
    for path in PIPELINE.rglob("*.py"):
        unit = _unit(path)
        imports = _imports(path)
        if unit in FOUNDATIONS:
            allowed = {"errors", "models"}  # our errors and the validated data
        elif unit in STAGES:
            allowed = FOUNDATIONS
        else:
            assert unit in TOP, f"{path}: unknown unit {unit}; add it to a layer"
            allowed = FOUNDATIONS | STAGES | TOP
        if bad := imports - allowed:
            problems.append(f"{path.relative_to(PIPELINE)} imports {sorted(bad)}")
    assert not problems, problems


def test_only_index_imports_tinydb_and_only_archive_writes_the_archive() -> None:
    for path in PIPELINE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "tinydb" in text and path.name != "index.py":
            tree = ast.parse(text)
            names = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
            assert not any("tinydb" in ast.unparse(n) for n in names), path


def test_modules_stay_small() -> None:
    for path in PIPELINE.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, path
