from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_order_schema_doc_is_generated_from_the_model() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/gen_docs.py", "--check"], cwd=REPO, check=False
    )
    assert result.returncode == 0, "docs/order-schema.md is stale: run scripts/gen_docs.py"


def test_readme_starts_with_the_two_commands() -> None:
    head = (REPO / "README.md").read_text(encoding="utf-8")[:600]
    assert "make demo" in head and "make test" in head
