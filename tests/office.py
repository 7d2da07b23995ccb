"""A workspace for the office page's tests: quick settings in gendan.toml, the three example
orders archived, and one user per role (passwords known to the tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.config import load_settings
from pipeline.desk import Desk
from pipeline.example_config import EXAMPLE_CONFIG
from pipeline.people import People
from pipeline.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
QUICK_TOML = EXAMPLE_CONFIG.replace(
    '[documents]\n', '[documents]\non_order = ["quotation", "sales_contract"]\n'
    'word_to_pdf = false\n')
PASSWORD = "correct horse 9"
USERS = {  # login: (signs as, role)
    "wang.li": ("王丽", "salesperson"),
    "li.qiang": ("李强", "manager"),
    "zhang.wei": ("张伟", "general_manager"),
    "chen.viewer": ("陈查", "viewer"),
    "wang.manager": ("王丽", "manager"),  # the salesperson of the orders, as a manager
}
ORDERS = ("PO-2026-0042.yaml", "HD-240317.yaml", "AN-2026-118.json")


def make_office(root: Path) -> Path:
    workspace = Workspace(root)
    workspace.ensure_folders()
    workspace.config_path.write_text(QUICK_TOML, encoding="utf-8")
    settings = load_settings(workspace.config_path)
    assert settings.documents.on_order == ["quotation", "sales_contract"]
    for name in ORDERS:
        shutil.copyfile(EXAMPLES / name, workspace.inbox / name)
    desk = Desk(workspace, settings)
    outcomes = desk.run_once()
    assert [o.status for o in outcomes] == ["archived"] * len(ORDERS), outcomes
    desk.store.index.close()
    people = People(root)
    for login, (name, role) in USERS.items():
        people.add(login, name, role, PASSWORD)
    return root
