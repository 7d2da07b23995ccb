"""The direction of imports, as docs/architecture.md draws it: foundations import only
foundations, stages only foundations, the store only foundations and the index, recipes
everything below them; the desk, the watcher and the command sit on top."""

from __future__ import annotations

import ast
from pathlib import Path

PIPELINE = Path(__file__).resolve().parents[1] / "pipeline"

FOUNDATIONS = {"errors", "models", "config", "sections", "fsutil", "doctypes", "flow", "words",
               "clock", "sandbox", "dates", "numbering", "terms", "places", "attention", "due",
               "timeline", "agenda", "faults", "basics", "credit", "updates", "workspace",
               "changes", "summary", "policy", "example_config", "outcome", "lazy",
               "schedule", "payterms"}
STAGES = {"intake", "render", "pdf", "compliance", "index"}
STORE = {"store", "record", "filing", "verify", "repair", "reindex", "inbox", "transfer",
         "kept", "people", "thumbs", "signatures", "imports", "sidecars", "shared", "jobs",
         "remote", "locks", "listings"}
RECIPES = {"recipes", "documents", "template_check", "books", "mail"}
TOP = {"desk", "assign", "cli", "watch", "web", "__main__", "__init__", "worker"}
ALLOWED = {
    **{unit: FOUNDATIONS for unit in FOUNDATIONS},
    **{unit: FOUNDATIONS for unit in STAGES},
    **{unit: FOUNDATIONS | STORE | {"index"} for unit in STORE},
    **{unit: FOUNDATIONS | STAGES | STORE | RECIPES for unit in RECIPES},
    **{unit: FOUNDATIONS | STAGES | STORE | RECIPES | TOP for unit in TOP},
}
ARCHIVE_WRITERS = {"record", "store", "repair", "inbox", "fsutil", "index", "transfer",
                   "imports", "kept", "people", "thumbs", "remote"}


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


def test_every_module_has_a_layer() -> None:
    units = {_unit(p) for p in PIPELINE.rglob("*.py")}
    assert units <= set(ALLOWED), f"add to a layer: {sorted(units - set(ALLOWED))}"


def test_imports_follow_the_layers() -> None:
    problems = []
    for path in PIPELINE.rglob("*.py"):
        unit = _unit(path)
        if bad := _imports(path) - ALLOWED[unit]:
            problems.append(f"{path.relative_to(PIPELINE)} imports {sorted(bad)}")
    assert not problems, problems


def test_only_the_index_imports_tinydb_and_sqlite() -> None:
    for path in PIPELINE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [ast.unparse(n) for n in ast.walk(tree)
                 if isinstance(n, (ast.Import, ast.ImportFrom))]
        if _unit(path) != "index":
            assert not any("tinydb" in n or "sqlite3" in n for n in names), path


def test_only_the_store_writes_files() -> None:
    writers = {"atomic_write", "atomic_copy", "move", "remove"}
    for path in PIPELINE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        used = {alias.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                for alias in n.names}
        if used & writers:
            assert _unit(path) in ARCHIVE_WRITERS, f"{path} writes files; let the store do it"


def test_modules_stay_small() -> None:
    for path in PIPELINE.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, path
