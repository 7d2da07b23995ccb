"""Shared fixtures: a temporary workspace, the bundled examples, PDF read-back helpers."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from pipeline.config import Approval, Documents, Settings
from pipeline.desk import Desk
from pipeline.flow import Workflow
from pipeline.people import Person
from pipeline.store import order_key
from pipeline.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
CORPUS = REPO / "tests" / "corpus"  # real PDFs from other software; see its README
# `make soak` (GENDAN_SOAK=1): the long tests in full (a kill before every step on every
# backend, more kills at random moments, the whole drawn sample); `make test` runs a seeded
# part of each
SOAK = bool(os.environ.get("GENDAN_SOAK"))


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    ws.ensure_folders()
    return ws


# the tests of other things than who decides take approvals without proof (each marked
# unverified); tests/test_identity.py holds the rules on proofs
TRUSTING = Approval(trust_inbox=True)


def trust_inbox(root: Path) -> None:
    """A workspace made by `gendan init` that takes unproven approvals (see TRUSTING)."""
    config = root / "gendan.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("[approval]\n", "[approval]\ntrust_inbox = true\n", 1)
                      if "[approval]\n" in text else text + "\n[approval]\ntrust_inbox = true\n",
                      encoding="utf-8")


# the people who decide, as the command and the page identify them
MANAGER = Person("li.qiang", "李强", "manager", "")
GENERAL_MANAGER = Person("zhang.wei", "张伟", "general_manager", "")

QUICK = Settings(approval=TRUSTING, documents=Documents(on_order=["quotation", "sales_contract"],
                                     word_to_pdf=False))


@pytest.fixture
def blank_desk(workspace: Workspace) -> Desk:
    """A desk that writes blank one-page PDFs instead of rendering (for tests of the
    archive and the index, where rendering is not what is tested)."""
    from tests.fakes import BlankMaker

    return Desk(workspace, QUICK, maker=BlankMaker(workspace, QUICK))


@pytest.fixture
def desk(workspace: Workspace) -> Desk:
    """A desk that makes only the quotation and contract when an order arrives (fast);
    the whole document set is tested in test_documents.py."""
    return Desk(workspace, QUICK)


@pytest.fixture
def order_data() -> dict[str, Any]:
    """The ACME example order as plain data, to modify per test."""
    text = (EXAMPLES / "PO-2026-0042.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return copy.deepcopy(data)


def documents(desk: Desk, order_no: str) -> list[dict[str, Any]]:
    """The order's documents as the index holds them."""
    card = desk.store.index.card(order_key(order_no))
    assert card is not None, f"order {order_no} is not in the index"
    return card[1]


def history(desk: Desk, order_no: str) -> Workflow:
    """The order's workflow as its archived history adds up to."""
    with desk.store.open(order_no) as record:
        return record.workflow


def drop(workspace: Workspace, name: str, data: dict[str, Any] | str | bytes) -> Path:
    """Put a file into the workspace inbox, as a person would."""
    target = workspace.inbox / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        target.write_bytes(data)
    elif isinstance(data, str):
        target.write_text(data, encoding="utf-8")
    else:
        target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return target


def copy_example(workspace: Workspace, name: str) -> Path:
    target = workspace.inbox / name
    shutil.copyfile(EXAMPLES / name, target)
    return target


def pdf_text(path: Path) -> list[str]:
    """The text of each page, as a user's PDF reader would extract it."""
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def with_items(data: dict[str, Any], count: int) -> dict[str, Any]:
    """The order with `count` line items, cycling through the example's items."""
    base = data["items"]
    data = copy.deepcopy(data)
    data["items"] = [
        {**base[n % len(base)], "model": f"{base[n % len(base)]['model']}-{n:03d}"}
        for n in range(count)
    ]
    return data


def text_pdf(path: Path, body: str, pages: int = 1) -> Path:
    """A born-digital PDF with `body` as its text (Chinese allowed), made by WeasyPrint."""
    from weasyprint import HTML

    html = "".join(
        f'<section style="page-break-after: always">{body}</section>' for _ in range(pages)
    )
    style = '<style>body { font: 11pt "Noto Sans CJK SC" }</style>'
    HTML(string=f"<html><head>{style}</head><body>{html}</body></html>").write_pdf(path)
    return path


@pytest.fixture(scope="session")
def order_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace whose archive holds the ACME and MUELLER example orders, made once."""
    workspace = Workspace(tmp_path_factory.mktemp("with-order") / "ws")
    workspace.ensure_folders()
    desk = Desk(workspace, QUICK)
    for name in ("PO-2026-0042.yaml", "HD-240317.yaml"):
        copy_example(workspace, name)
    outcomes = desk.run_once()
    assert [o.status for o in outcomes] == ["archived", "archived"]
    desk.store.index.close()
    return workspace.root


@pytest.fixture
def with_order(tmp_path: Path, order_archive: Path) -> Desk:
    """A desk whose archive already holds the ACME and MUELLER example orders (a copy of
    one made once per session, so no test changes another's)."""
    root = tmp_path / "ws"
    shutil.copytree(order_archive, root)
    return Desk(Workspace(root), QUICK)


@pytest.fixture(scope="module")
def office_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The office's workspace (tests/office.py: three orders, a user per role), made once
    per test module."""
    from tests.office import make_office

    return make_office(tmp_path_factory.mktemp("office") / "ws")


@pytest.fixture
def root(tmp_path: Path, office_once: Path) -> Path:
    """A copy of the office's workspace for one test."""
    target = tmp_path / "ws"
    shutil.copytree(office_once, target)
    return target


@pytest.fixture(scope="session")
def pg_server() -> Any:
    """A PostgreSQL server of this test process's own, in a temporary folder."""
    from tests.pgserver import PgServer, available

    if why := available():
        pytest.fail(f"the shared-backend tests need PostgreSQL: {why}")
    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture
def shared_store(pg_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh database named by GENDAN_STORE_URL: every store, index and command of the
    test uses the shared backend. Its connections are closed after the test."""
    from tests.pgserver import drop_database

    url = pg_server.new_database()
    monkeypatch.setenv("GENDAN_STORE_URL", url)
    yield url
    drop_database(pg_server, url)


def wipe_registry_and_index(store: Any) -> None:
    """Throw away what is derived from the archive's files: the registry of orders and the
    index (files of the workspace, or the rows of the shared backend)."""
    from pipeline.shared import SharedStore

    store.index.close()
    if isinstance(store, SharedStore):
        for table in ("registry", "cards", "orders", "documents", "models", "due_steps",
                      "texts", "page_text"):
            store.pg.db().execute(f"DELETE FROM {table}")
        return
    shutil.rmtree(store.root / ".index")
    shutil.rmtree(store.root / ".orders")


@pytest.fixture(scope="session")
def s3_server() -> Any:
    """An S3 service of this test process's own (moto's threaded server on loopback)."""
    server, endpoint = start_s3_server()
    yield endpoint
    server.stop()


def start_s3_server() -> tuple[Any, str]:
    """Moto's threaded S3 server on loopback (with test credentials), and its address."""
    import logging
    import os

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    for name, value in (("AWS_ACCESS_KEY_ID", "gendan-test"),
                        ("AWS_SECRET_ACCESS_KEY", "gendan-test"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(name, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


_BUCKETS = iter(range(1, 1 << 30))


def new_bucket(endpoint: str) -> str:
    """A new, empty bucket on the tests' S3 service; its URL (with a prefix)."""
    import os

    import fsspec

    name = f"gendan-{os.getpid()}-{next(_BUCKETS)}"
    fs = fsspec.filesystem("s3", endpoint_url=endpoint, skip_instance_cache=True)
    fs.mkdir(name)
    return f"s3://{name}/archive"


@pytest.fixture
def shared_archive(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket named by GENDAN_ARCHIVE_URL: every store of the test keeps the
    archive's shared copy there."""
    url = new_bucket(s3_server)
    monkeypatch.setenv("GENDAN_ARCHIVE_URL", url)
    monkeypatch.setenv("GENDAN_ARCHIVE_ENDPOINT", s3_server)
    return url


def copy_bucket(endpoint: str, url: str) -> str:
    """A copy of a shared archive in a new bucket; its URL."""
    import fsspec

    fs = fsspec.filesystem("s3", endpoint_url=endpoint, skip_instance_cache=True,
                           use_listings_cache=False)
    target = new_bucket(endpoint)
    source = url.removeprefix("s3://")
    for name in fs.find(source):
        fs.copy(name, target.removeprefix("s3://") + name[len(source):])
    return target


def use_bucket(root: Path, url: str, endpoint: str) -> None:
    """Name the archive's shared copy in a workspace's settings (its [store] section is
    the last, as `tests.pgserver.use_database` writes it; or there is none yet)."""
    config = root / "gendan.toml"
    text = config.read_text(encoding="utf-8") if config.is_file() else ""
    text = "\n".join(line for line in text.splitlines()
                     if not line.startswith(("archive_url =", "archive_endpoint =")))
    if "[store]" not in text:
        text += "\n[store]"
    config.write_text(text.rstrip("\n") + f'\narchive_url = "{url}"\n'
                      f'archive_endpoint = "{endpoint}"\n', encoding="utf-8")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first (crashes, concurrency, whole renders): with `--dist worksteal`
    the processors then share the long ones, and the run ends on short ones, not on one
    long test that one worker runs while the others wait."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
