"""The office's page through its HTTP interface (no browser): who may read and write, the
CSRF token on every form, files only from inside the archive, approvals by identity,
uploads through the inbox, and errors that are pages."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from pypdf import PdfReader

from pipeline.people import People
from pipeline.store import order_key
from pipeline.web import create_app
from tests.office import PASSWORD

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CORPUS = Path(__file__).resolve().parent / "corpus"


@pytest.fixture
def client(root: Path) -> TestClient:
    return TestClient(create_app(root), base_url="http://localhost", follow_redirects=False)


def csrf(client: TestClient, url: str = "/") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(url).text)
    assert found, "the page has no form token"
    return found.group(1)


def sign_in(client: TestClient, login: str) -> str:
    token = csrf(client, "/login")
    reply = client.post("/login", data={"login": login, "password": PASSWORD, "csrf": token,
                                        "next": "/"})
    assert reply.status_code == 303, reply.text
    return csrf(client)


def card(root: Path, order_no: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from pipeline.index import Index

    index = Index(root / "archive" / ".index")
    found = index.card(order_key(order_no))
    index.close()
    assert found is not None
    return found


def archive_state(root: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(root)), p.stat().st_size) for p in root.rglob("*")
                  if p.is_file() and ".locks" not in p.parts)


# -- reading --------------------------------------------------------------------------------

def test_pages_read_the_archive(client: TestClient) -> None:
    today = client.get("/")
    assert today.status_code == 200
    assert "PO-2026-0042" in today.text and "contract review" in today.text
    assert "今天 Today" in today.text
    customers = client.get("/customers").text
    assert "ACME" in customers and "MUELLER" in customers and "EUR" in customers
    order = client.get("/orders/PO-2026-0042").text
    assert "王丽" in order and "Sales Contract" in order and "DRAFT" in order
    assert "/thumbs/" in order
    hits = client.get("/search", params={"model": "ht2020"}).text
    assert "PO-2026-0042_quotation_v1.pdf" in hits
    words = client.get("/search", params={"q": "报价", "type": "quotation"}).text
    assert "PO-2026-0042_quotation_v1.pdf" in words and "#page=1" in words


def test_thumbnails_are_cached_outside_the_originals(client: TestClient, root: Path) -> None:
    order, documents = card(root, "PO-2026-0042")
    quotation = next(d for d in documents if d["doc_type"] == "quotation")
    reply = client.get(f"/thumbs/{quotation['sha256']}/1.png")
    assert reply.status_code == 200 and reply.headers["content-type"] == "image/png"
    assert reply.content.startswith(b"\x89PNG")
    cached = list((root / "archive" / ".cache" / "thumbs").rglob("*.png"))
    assert len(cached) == 1 and quotation["sha256"] in cached[0].name
    assert not any(p.suffix == ".png" for p in (root / "archive" / order["folder"]).rglob("*"))
    assert client.get(f"/thumbs/{'0' * 64}/1.png").status_code == 404
    assert client.get("/thumbs/../../gendan.toml/1.png").status_code == 404


def test_beyond_this_machine_sign_in_is_needed_to_read(root: Path) -> None:
    client = TestClient(create_app(root, read_login=True), base_url="http://localhost",
                        follow_redirects=False)
    for url in ("/", "/customers", "/orders/PO-2026-0042", "/search?q=x",
                "/files/ACME/PO-2026-0042/order.json"):
        reply = client.get(url)
        assert reply.status_code == 303 and reply.headers["location"].startswith("/login")
    sign_in(client, "chen.viewer")
    assert client.get("/orders/PO-2026-0042").status_code == 200


# -- files --------------------------------------------------------------------------------

def test_files_only_from_inside_the_archive(client: TestClient, root: Path) -> None:
    _, documents = card(root, "PO-2026-0042")
    quotation = next(d for d in documents if d["doc_type"] == "quotation")
    reply = client.get(f"/files/{quotation['path']}")
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/pdf"
    assert reply.headers["content-disposition"].startswith("inline")
    assert client.get(f"/files/{quotation['path']}?download=1").headers[
        "content-disposition"].startswith("attachment")
    (root / "archive" / "ACME" / "outside.pdf").symlink_to(root / "gendan.toml")
    for bad in ("../gendan.toml", "%2e%2e/gendan.toml", "ACME/../../gendan.toml",
                "ACME/%2e%2e/%2e%2e/gendan.toml", "..%2fgendan.toml", ".index/catalogue.sqlite",
                ".locks", "ACME", "ACME/PO-2026-0042", "ACME/outside.pdf",
                "/etc/passwd", "%2fetc%2fpasswd", "ACME/PO-2026-0042/.text",
                "..%5c..%5cgendan.toml", "ACME%00.pdf"):
        reply = client.get(f"/files/{bad}")
        assert reply.status_code == 404, bad
        assert "Traceback" not in reply.text and "company" not in reply.text.lower().split(
            "<footer>")[0].split("</h1>")[1], bad
    assert client.get("/.gendan/users.json").status_code == 404
    assert client.get("/static/").status_code == 404  # no listing


# -- writes need a session and the form's token --------------------------------------------

WRITES = [("/upload", None), ("/inbox/assign", {"name": "x.pdf", "order_no": "PO-2026-0042"}),
          ("/inbox/retry", {"folder": "rejected", "name": "x.pdf"}),
          ("/orders/PO-2026-0042/approve", {"decision": "approved"}),
          ("/orders/PO-2026-0042/check", {}), ("/orders/PO-2026-0042/handover", {}),
          ("/logout", {})]


def test_every_write_needs_a_session_and_the_token(client: TestClient, root: Path) -> None:
    before = archive_state(root)
    upload = {"files": ("PO-2026-0042_warranty-card.pdf",
                        (EXAMPLES / "factory" / "PO-2026-0042_warranty-card.pdf").read_bytes(),
                        "application/pdf")}
    for url, data in WRITES:  # no session at all (a token from the sign-in form)
        token = csrf(client, "/login")
        reply = client.post(url, data={**(data or {}), "csrf": token},
                            files=upload if data is None else None)
        if url != "/logout":
            assert reply.status_code == 403, url
            assert "sign in" in reply.text.lower(), url
    sign_in(client, "li.qiang")
    for url, data in WRITES:  # signed in, but no token or a wrong one
        for token in (None, "forged"):
            form = {**(data or {}), **({"csrf": token} if token else {})}
            reply = client.post(url, data=form, files=upload if data is None else None)
            assert reply.status_code == 403, (url, token)
            assert "CSRF" in reply.text, url
    assert archive_state(root) == before


def test_login_and_its_cookie(client: TestClient, root: Path) -> None:
    token = csrf(client, "/login")
    wrong = client.post("/login", data={"login": "li.qiang", "password": "nope", "csrf": token})
    assert wrong.status_code == 401 and "wrong" in wrong.text
    nobody = client.post("/login", data={"login": "ghost", "password": PASSWORD,
                                         "csrf": token})
    assert nobody.status_code == 401
    reply = client.post("/login", data={"login": "li.qiang", "password": PASSWORD,
                                        "csrf": token, "next": "//evil.example/"})
    assert reply.status_code == 303 and reply.headers["location"] == "/"
    cookie = reply.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "李强" in client.get("/").text
    users = (root / ".gendan" / "users.json")
    assert PASSWORD not in users.read_text(encoding="utf-8")
    assert "$argon2" in users.read_text(encoding="utf-8")
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert os.stat(root / ".gendan" / "secret").st_mode & 0o077 == 0
    People(root).remove("li.qiang")  # removed: out at the next request
    assert "李强" not in client.get("/").text


# -- approvals by identity -----------------------------------------------------------------

def approve(client: TestClient, order_no: str, decision: str = "approved") -> Any:
    token = csrf(client, f"/orders/{order_no}")
    return client.post(f"/orders/{order_no}/approve", data={"decision": decision,
                                                           "remark": "同意", "csrf": token})


def test_a_viewer_cannot_approve(client: TestClient, root: Path) -> None:
    sign_in(client, "chen.viewer")
    before = archive_state(root)
    reply = approve(client, "PO-2026-0042")
    assert reply.status_code == 403 and "viewer" in reply.text
    assert archive_state(root) == before
    assert "批准 Approve" not in client.get("/orders/PO-2026-0042").text


def test_an_approver_cannot_approve_their_own_review(client: TestClient, root: Path) -> None:
    sign_in(client, "wang.li")  # the salesperson signs the review she created
    assert approve(client, "PO-2026-0042").status_code == 303
    sign_in(client, "wang.manager")  # 王丽 again, now as a manager
    before = archive_state(root)
    reply = approve(client, "PO-2026-0042")
    assert reply.status_code == 403 and "you created this review" in reply.text
    assert archive_state(root) == before
    sign_in(client, "li.qiang")
    approve(client, "PO-2026-0042")
    sign_in(client, "li.qiang")  # twice is refused too
    assert approve(client, "PO-2026-0042").status_code == 403


def test_approvals_take_the_contract_out_of_draft(client: TestClient, root: Path) -> None:
    def contract() -> dict[str, Any]:
        _, documents = card(root, "PO-2026-0042")
        return next(d for d in documents if d["doc_type"] == "sales_contract" and d["current"]
                    and d["file"].endswith(".pdf"))

    assert contract()["draft"] and "DRAFT" in "".join(
        p.extract_text() for p in PdfReader(root / "archive" / contract()["path"]).pages)
    for login in ("wang.li", "li.qiang", "zhang.wei"):
        sign_in(client, login)
        reply = approve(client, "PO-2026-0042")
        assert reply.status_code == 303, reply.text
        page = client.get(reply.headers["location"]).text
        assert "archived" in page, page
    final = contract()
    assert not final.get("draft") and final["version"] > 1
    text = "".join(p.extract_text() for p in PdfReader(root / "archive" / final["path"]).pages)
    assert "DRAFT" not in text and "PO-2026-0042" in text
    originals = sorted(p for p in (root / "archive" / "ACME" / "PO-2026-0042" / "originals").glob(
        "approval_*.json") if not p.name.endswith(".gendan.json"))
    assert len(originals) == 3
    signed = json.loads(originals[1].read_text(encoding="utf-8"))
    assert signed["by"] == "李强" and signed["account"] == "li.qiang"
    assert signed["role"] == "manager"
    assert "评审完成 Review complete" in client.get("/orders/PO-2026-0042").text


# -- the inbox from the page ---------------------------------------------------------------

def test_upload_goes_through_the_inbox(client: TestClient, root: Path) -> None:
    sign_in(client, "wang.li")
    token = csrf(client, "/upload")
    factory = EXAMPLES / "factory" / "PO-2026-0042_warranty-card.pdf"
    files = [("files", (factory.name, factory.read_bytes(), "application/pdf")),
             ("files", ("../../evil name.pdf", (CORPUS / "minimal-document.pdf").read_bytes(),
                        "application/pdf")),
             ("files", ("order.yaml", b"order_no: [unclosed", "application/yaml"))]
    reply = client.post("/upload", data={"csrf": token}, files=files)
    assert reply.status_code == 200
    rows = re.findall(r'<tr class="(\w+)"><td>([^<]+)</td>', reply.text)
    assert [status for status, _ in rows] == ["archived", "unmatched", "rejected"], rows
    _, documents = card(root, "PO-2026-0042")
    assert any(d["doc_type"] == "warranty_card" and d["kind"] == "stamped" for d in documents)
    unmatched = [p.name for p in (root / "inbox" / "_unmatched").iterdir()]
    assert "evil name.pdf" in unmatched and not (root / "evil name.pdf").exists()
    assert len(list((root / "inbox" / "_rejected").glob("order.yaml*"))) == 2  # and its note
    assert not [p for p in (root / "inbox").iterdir() if p.is_file()]


def test_assign_and_try_again(client: TestClient, root: Path) -> None:
    unmatched = root / "inbox" / "_unmatched"
    unmatched.mkdir(exist_ok=True)
    shutil.copyfile(CORPUS / "minimal-document.pdf", unmatched / "scan 0001.pdf")
    (unmatched / "scan 0001.pdf.reason.txt").write_text("no order found", encoding="utf-8")
    today = client.get("/").text
    assert "scan 0001.pdf" in today and "no order found" in today
    token = sign_in(client, "wang.li")
    reply = client.post("/inbox/assign", data={"name": "scan 0001.pdf", "csrf": token,
                                               "order_no": "PO-2026-0042",
                                               "doc_type": "inspection_report"})
    assert reply.status_code == 303
    assert "archived" in client.get("/").text
    assert not (unmatched / "scan 0001.pdf").exists()
    _, documents = card(root, "PO-2026-0042")
    assert any(d["doc_type"] == "inspection_report" for d in documents)
    gone = client.post("/inbox/assign", data={"name": "scan 0001.pdf", "csrf": token,
                                              "order_no": "PO-2026-0042"})
    assert gone.status_code == 404 and "no longer waiting" in gone.text
    # a rejected update, corrected by hand in the archive's absence, tried again
    rejected = root / "inbox" / "_rejected"
    rejected.mkdir(exist_ok=True)
    from pipeline.flow import update_adapter
    from pipeline.signatures import sign_update

    update = yaml.safe_load((EXAMPLES / "updates" / "PO-2026-0042.1-sales-signs.yaml")
                            .read_text(encoding="utf-8"))
    update = update_adapter.validate_python({**update, "revision": 1}).model_dump(
        mode="json", exclude_none=True)
    update["proof"] = sign_update(update, "wang.li", People(root).make_key("wang.li"))
    (rejected / "sign.yaml").write_text(yaml.safe_dump(update, allow_unicode=True),
                                        encoding="utf-8")  # signed with her own key
    (rejected / "sign.yaml.error.txt").write_text("was rejected", encoding="utf-8")
    reply = client.post("/inbox/retry", data={"folder": "rejected", "name": "sign.yaml",
                                              "csrf": token})
    assert reply.status_code == 303
    assert not list(rejected.iterdir())
    assert "王丽" in client.get("/orders/PO-2026-0042").text.split('id="approvals"')[1]
    assert client.post("/inbox/retry", data={"folder": "../archive", "name": "x",
                                             "csrf": token}).status_code == 400


# -- check and hand-over -------------------------------------------------------------------

def test_check_and_forced_hand_over(client: TestClient, root: Path) -> None:
    token = sign_in(client, "wang.li")
    reply = client.post("/orders/HD-240317/check", data={"csrf": token})
    assert reply.status_code == 303
    page = client.get(reply.headers["location"]).text
    assert "error(s)" in page and "错误 Errors" in page and "complete.required" in page
    assert 'href="/files/MUELLER/HD-240317/generated/HD-240317_sales_contract_v1.pdf"' in page
    refused = client.post("/orders/HD-240317/handover", data={"csrf": token})
    assert "hand-over refused" in client.get(refused.headers["location"]).text
    forced = client.post("/orders/HD-240317/handover", data={"csrf": token, "force": "1",
                                                            "reason": "customer agreed"})
    assert forced.status_code == 403  # a salesperson may not force it
    token = sign_in(client, "li.qiang")
    forced = client.post("/orders/HD-240317/handover", data={"csrf": token, "force": "1",
                                                            "reason": "客户同意 customer agreed"})
    page = client.get(forced.headers["location"]).text
    assert "hand-over pack made" in page
    link = re.search(r'id="pack-download" href="([^"]+)"', page)
    assert link
    pack = client.get(link.group(1).replace("&amp;", "&"))
    assert pack.status_code == 200 and pack.content.startswith(b"%PDF")
    assert "attachment" in pack.headers["content-disposition"]


# -- errors are pages ----------------------------------------------------------------------

def test_errors_are_pages(client: TestClient, root: Path, monkeypatch: pytest.MonkeyPatch
                          ) -> None:
    for url in ("/orders/NO-SUCH", "/customers/NOBODY", "/no/such/page"):
        reply = client.get(url)
        assert reply.status_code == 404 and "<html" in reply.text and "Traceback" not in \
            reply.text
    assert client.get("/search", params={"date_from": "tomorrow"}).status_code == 400

    import pipeline.web.pages as pages

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(pages, "today_view", broken)
    crash = TestClient(create_app(root), base_url="http://localhost",
                       raise_server_exceptions=False).get("/")
    assert crash.status_code == 500 and "secret detail" not in crash.text
    assert "<html" in crash.text


def test_users_command(root: Path) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli

    runner = CliRunner()
    added = runner.invoke(cli, ["-w", str(root), "users", "add", "liu", "--role", "viewer",
                                "--name", "刘", "--password-stdin"], input="long enough 1\n")
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["-w", str(root), "users", "list"]).output
    assert "liu" in listed and "刘" in listed and "long enough" not in listed
    short = runner.invoke(cli, ["-w", str(root), "users", "add", "x", "--role", "viewer",
                                "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "shorter than 8" in short.output
    assert People(root).verify("liu", "long enough 1") is not None
    assert People(root).verify("liu", "wrong") is None


def test_the_books_on_the_page(client: TestClient, root: Path) -> None:
    """The master data on its page; the customer's page with the record, the money
    received and outstanding, and the samples sent."""
    books = EXAMPLES / "books"
    shutil.copytree(books / "masters", root / "masters")
    (root / "masters" / "customers" / "ACME.yaml").write_text(
        "code: ACME\nname_en: ACME Home & Garden Supply Co., Ltd.\nname_zh: 阿克米家居\n"
        "currency: USD\nprice_term: FOB\ndestination: Long Beach\n", encoding="utf-8")
    masters = client.get("/masters").text
    assert "诺德港园艺贸易有限公司" in masters and "宁波绿源电器有限公司" in masters
    assert "赵敏" in masters
    sample = yaml.safe_load((books / "SMP-2026-031.yaml").read_text("utf-8"))
    (root / "inbox" / "s.yaml").write_text(yaml.safe_dump({**sample, "customer": "ACME"}),
                                           encoding="utf-8")
    (root / "inbox" / "pay.yaml").write_text(yaml.safe_dump({
        "update": "payment", "order_no": "PO-2026-0042", "kind": "deposit",
        "date": "2026-11-05", "amount": "17478.00", "currency": "USD"}), encoding="utf-8")
    from click.testing import CliRunner

    from pipeline.cli import cli

    ran = CliRunner().invoke(cli, ["-w", str(root), "run"])
    assert ran.exit_code == 0, ran.output
    page = client.get("/customers/ACME").text
    assert "阿克米家居" in page and "Long Beach" in page
    assert "17,478.00" in page  # received
    assert "SMP-2026-031" in page and "DHL" in page
    today = client.get("/").text
    assert "follow up the sample" in today


def test_a_form_for_every_update_refuses_what_a_file_would(client: TestClient,
                                                           root: Path) -> None:
    """The forms are made from the update models: the same fields, the same errors by
    field; a good one becomes an update file filed through the inbox."""
    token = sign_in(client, "wang.li")
    form = client.get("/orders/PO-2026-0042/update/loading").text
    assert 'name="truck_plate"' in form and 'name="loading_time"' in form
    assert 'type="datetime-local"' in form and 'name="containers"' in form
    assert "Undefined" not in form
    payment = client.get("/orders/PO-2026-0042/update/payment").text
    assert '<option value="deposit"' in payment and 'type="date"' in payment
    before = archive_state(root)
    bad = client.post("/orders/PO-2026-0042/update/loading", data={
        "csrf": token, "loading_time": "2027-01-12T08:30", "truck_plate": "ABC123",
        "driver_phone": "13800000000"})
    assert bad.status_code == 200 and "nothing was filed" in bad.text
    assert "is not a mainland plate" in bad.text
    assert archive_state(root) == before
    good = client.post("/orders/PO-2026-0042/update/payment", data={
        "csrf": token, "date": "2026-11-06", "amount": "17478.00", "currency": "USD",
        "kind": "deposit", "bank_ref": "BOC-1"})
    assert good.status_code == 303, good.text
    row, documents = card(root, "PO-2026-0042")
    assert row["received"] == "17478.00"
    originals = [d for d in documents if d["doc_type"] == "order_update"
                 and "payment_PO-2026-0042" in d["file"]]
    assert len(originals) == 1 and "wang.li" in originals[0]["file"]
    order = client.get("/orders/PO-2026-0042").text
    assert "17,478.00" in order and "/update/payment" in order
    assert client.get("/orders/PO-2026-0042/update/approval").status_code == 404
    assert client.post("/orders/PO-2026-0042/update/payment",
                       data={"date": "2026-11-06"}).status_code in {400, 403}  # no token


def test_the_order_page_opens_on_its_lines_and_steps(client: TestClient) -> None:
    page = client.get("/orders/PO-2026-0042").text
    lines = page.split('class="grid lines"')[1].split("</table>")[0]
    assert "HT-2020" in lines and "宁波绿源电器有限公司" in lines and "23,100.00" in lines
    steps = page.split('class="steps"')[1].split("</ol>")[0]
    assert 'class="done">✔ 报价 Quotation' in steps
    assert 'class="next"><a class="button" href="/orders/PO-2026-0042#approvals">' in steps
    assert "已接单 received" in page and ">received<" not in page
    # what is due is done on the page: each step links its form, not a file to drop
    assert 'href="/orders/PO-2026-0042/update/inspection">去做 Do it' in page
    assert "drop an inspection update" not in page
    assert "drop a" not in client.get("/").text.split('id="due"')[1].split("</section>")[0]
    customer = client.get("/customers/ACME").text
    assert "built-in method" not in customer
    search = client.get("/search").text
    assert search.count('value="commercial_invoice"') == 1
    assert "商业发票 Commercial Invoice" in search


def test_files_set_aside_are_shown_downloaded_and_dismissed(client: TestClient,
                                                            root: Path) -> None:
    rejected = root / "inbox" / "_rejected"
    rejected.mkdir(exist_ok=True)
    original = (CORPUS / "minimal-document.pdf").read_bytes()
    (rejected / "odd.pdf").write_bytes(original)
    (rejected / "odd.pdf.error.txt").write_text("Rejected: not ours", encoding="utf-8")
    unmatched = root / "inbox" / "_unmatched"
    unmatched.mkdir(exist_ok=True)
    shutil.copyfile(CORPUS / "minimal-document.pdf", unmatched / "scan.pdf")
    token = sign_in(client, "wang.li")
    today = client.get("/").text
    assert "/inbox/rejected/odd.pdf/preview.png" in today and 'list="open-orders"' in today
    assert '<option value="PO-2026-0042">' in today
    picture = client.get("/inbox/rejected/odd.pdf/preview.png")
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
    assert client.get("/inbox/rejected/odd.pdf").content == original
    assert "not ours" in client.get("/inbox/rejected/odd.pdf", params={"note": 1}).text
    assert client.get("/inbox/rejected/..%2Fgendan.toml").status_code == 404
    assert client.get("/inbox/archive/odd.pdf").status_code == 404
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    huge = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 1, 0,
                                                                 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    (rejected / "huge.png").write_bytes(huge)  # a scan of 900 megapixels: never drawn
    assert client.get("/inbox/rejected/huge.png/preview.png").status_code == 404
    assert client.post("/inbox/dismiss", data={"csrf": token, "folder": "rejected",
                                               "name": "odd.pdf", "reason": ""}
                       ).status_code in {400, 422}
    done = client.post("/inbox/dismiss", data={"csrf": token, "folder": "rejected",
                                               "name": "odd.pdf", "reason": "a fax twice"})
    assert done.status_code == 303
    kept = root / "inbox" / "_dismissed"
    assert (kept / "odd.pdf").read_bytes() == original
    assert "not ours" in (kept / "odd.pdf.error.txt").read_text("utf-8")
    why = (kept / "odd.pdf.dismissed.txt").read_text("utf-8")
    assert "王丽 (wang.li)" in why and "a fax twice" in why
    page = client.get("/").text
    assert not (rejected / "odd.pdf").exists()
    assert "dismissed into inbox/_dismissed/" in page  # said once
    assert "odd.pdf" not in page.split('id="rejected"')[1].split("</section>")[0]


def test_today_is_summarised_and_paged_with_many_open_orders(root: Path,
                                                            client: TestClient) -> None:
    """An office with hundreds of open orders gets the most urgent steps first, a page at a
    time, with their counts by step: never the whole list in one page."""
    import datetime as dt

    from pipeline.index import Index

    index = Index(root / "archive" / ".index")
    start = dt.date(2021, 1, 1)
    for n in range(260):
        order_no = f"PO-BULK-{n:04d}"
        kind, what = (("factory_confirmation", "the factory has not confirmed") if n % 2
                      else ("inspection", "inspection not booked"))
        due = [{"kind": kind, "what": what, "date": (start + dt.timedelta(days=n)).isoformat(),
                "action": "do it"}]
        index.record(order_key(order_no), {"order_no": order_no, "customer": "BULK",
                                           "status": "confirmed", "order_date": "2020-12-01",
                                           "due": due}, [])
    index.close()
    first = client.get("/").text
    rows = re.findall(r'<a href="/orders/(PO-BULK-\d{4})">', first)
    assert rows[:3] == ["PO-BULK-0000", "PO-BULK-0001", "PO-BULK-0002"]  # most overdue first
    assert len(rows) == 100 and "page 1 of 3" in first
    assert re.search(r"<td>inspection</td><td>130</td><td>130</td>", first)
    assert re.search(r"<td>factory confirmation</td><td>130</td><td>130</td>", first)
    last = client.get("/?page=3").text
    assert re.findall(r'<a href="/orders/(PO-BULK-\d{4})">', last) == \
        [f"PO-BULK-{n:04d}" for n in range(200, 260)]
    assert "page 3 of 3" in last
    assert client.get("/?page=99").status_code == 200  # past the end: the last page
    index = Index(root / "archive" / ".index")  # what is read is kept until the index changes
    index.record(order_key("PO-BULK-LATE"), {
        "order_no": "PO-BULK-LATE", "customer": "BULK", "status": "confirmed",
        "due": [{"kind": "inspection", "what": "inspection not booked", "date": "2020-06-01",
                 "action": "do it"}]}, [])
    index.close()
    again = client.get("/").text
    assert re.findall(r'<a href="/orders/(PO-BULK-[A-Z0-9]+)">', again)[0] == "PO-BULK-LATE"
    assert re.search(r"<td>inspection</td><td>131</td><td>131</td>", again)
    assert client.get("/?page=0").status_code == 400  # said plainly, not a stack trace
