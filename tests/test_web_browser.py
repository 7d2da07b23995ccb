"""The office's page in a real browser: Debian's chromium driven by Playwright against
`gendan serve`'s app on a local port. A merchandiser's day: sign in, see what is due,
upload a factory PDF, file an unmatched scan, approve a contract review as manager and
general manager, check, build and download the hand-over pack, search for a model; and
Chinese drawn with a Chinese font (no empty boxes).

Set GENDAN_SCREENSHOTS=DIR to keep the screenshots (docs/web.md shows them)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.office import PASSWORD, make_office

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CORPUS = Path(__file__).resolve().parent / "corpus"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
CJK_FONTS = ("Noto Sans CJK", "Noto Serif CJK", "WenQuanYi", "Source Han", "Droid Sans Fallback")

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason="Debian's chromium is not installed (apt-get install chromium; `make test` "
    "installs it): the browser tests need it")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    import uvicorn

    from pipeline.web import create_app

    root = make_office(tmp_path_factory.mktemp("browser") / "ws")
    port = _free_port()
    config = uvicorn.Config(create_app(root), host="127.0.0.1", port=port, log_level="error")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", root
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: tuple[str, Path]) -> Iterator[Any]:
    context = browser.new_context(base_url=server[0], viewport={"width": 1280, "height": 900},
                                  locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def shot(page: Any, name: str, tmp_path: Path, *, full: bool = False) -> Path:
    path = tmp_path / f"web-{name}.png"
    page.screenshot(path=str(path), full_page=full)
    keep = os.environ.get("GENDAN_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(keep) / path.name)
    return path


def sign_in(page: Any, login: str) -> None:
    page.goto("/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_selector(f"[data-user='{login}']")


def flash_text(page: Any) -> str:
    return str(page.locator(".flash").all_inner_texts())


def test_sign_in_and_see_what_is_due(page: Any, tmp_path: Path) -> None:
    page.goto("/")
    assert page.locator("text=登录 Sign in").count() >= 1
    sign_in(page, "li.qiang")
    assert "欢迎 Welcome, 李强" in flash_text(page)
    due = page.locator("#due table tbody tr")
    assert due.count() >= 3
    rows = " ".join(due.all_inner_texts())
    assert "HD-240317" in rows and "contract review" in rows and "逾期" in rows
    shot(page, "today", tmp_path)


def test_upload_a_factory_pdf_and_see_it_filed(page: Any, server: tuple[str, Path],
                                              tmp_path: Path) -> None:
    sign_in(page, "wang.li")
    page.goto("/upload")
    page.set_input_files("#files", str(EXAMPLES / "factory" / "PO-2026-0042_warranty-card.pdf"))
    page.click("#upload-form button[type=submit]")
    row = page.locator("#outcomes tr.archived")
    row.wait_for()
    assert "PO-2026-0042" in row.inner_text()
    shot(page, "upload", tmp_path)
    page.click("#outcomes tr.archived a")
    page.wait_for_url("**/orders/PO-2026-0042")
    assert page.locator(".doc-card", has_text="保修卡").count() == 1
    stamped = list((server[1] / "archive" / "ACME" / "PO-2026-0042" / "stamped").glob(
        "*warranty_card*.pdf"))
    assert len(stamped) == 1


def test_assign_an_unmatched_file(page: Any, server: tuple[str, Path]) -> None:
    unmatched = server[1] / "inbox" / "_unmatched"
    unmatched.mkdir(exist_ok=True)
    shutil.copyfile(CORPUS / "minimal-document.pdf", unmatched / "scan-0007.pdf")
    (unmatched / "scan-0007.pdf.reason.txt").write_text("File: scan-0007.pdf\nno order named",
                                                        encoding="utf-8")
    sign_in(page, "wang.li")
    card = page.locator("#unmatched .card", has_text="scan-0007.pdf")
    assert "no order named" in card.inner_text()
    card.locator("input[name=order_no]").fill("HD-240317")
    card.locator("select[name=doc_type]").select_option("inspection_report")
    card.locator("form[action='/inbox/assign'] button[type=submit]").click()
    page.wait_for_selector(".flash.ok")
    assert "scan-0007.pdf: archived" in flash_text(page)
    assert page.locator("#unmatched .card", has_text="scan-0007.pdf").count() == 0
    assert not (unmatched / "scan-0007.pdf").exists()


def test_approve_as_manager_then_general_manager(page: Any, tmp_path: Path) -> None:
    order = "/orders/AN-2026-118"
    for login in ("wang.li", "li.qiang", "zhang.wei"):
        sign_in(page, login)
        page.goto(order)
        assert page.locator("#approvals .draft").count() == 1  # the contract is still a DRAFT
        page.fill("#approve-form input[name=remark]", "同意 approved")
        page.click("#approve-form button[value=approved]")
        page.wait_for_selector(".flash")
        assert ": archived" in flash_text(page), flash_text(page)
    assert "评审完成 Review complete" in page.locator("#approvals").inner_text()
    assert page.locator("#approvals .draft, .doc-card.draft").count() == 0
    assert page.locator("#approve-form").count() == 0
    contract = page.locator(".doc-card", has_text="Sales Contract").first.inner_text()
    assert "DRAFT" not in contract and "v2" in contract
    shot(page, "order", tmp_path)


def test_a_viewer_sees_no_approval_button(page: Any) -> None:
    sign_in(page, "chen.viewer")
    page.goto("/orders/HD-240317")
    assert page.locator("#approve-form").count() == 0
    assert page.locator("#run-check").count() == 0


def test_check_then_build_and_download_the_pack(page: Any, tmp_path: Path) -> None:
    from pypdf import PdfReader

    sign_in(page, "li.qiang")
    page.goto("/orders/HD-240317")
    page.click("#run-check")
    page.wait_for_selector(".flash")
    assert "检查 check HD-240317" in flash_text(page)
    findings = page.locator("ul.findings.error li")
    assert findings.count() >= 1
    assert "complete.required" in " ".join(findings.all_inner_texts())
    shot(page, "check", tmp_path)
    page.click("#handover summary")
    page.fill("#handover input[name=reason]", "客户同意先交单 customer agreed")
    page.click("#handover button.danger")
    page.wait_for_selector("#pack-download")
    assert "hand-over pack made" in flash_text(page)
    with page.expect_download() as download:
        page.click("#pack-download")
    saved = tmp_path / "pack.pdf"
    download.value.save_as(saved)
    reader = PdfReader(saved)
    assert len(reader.pages) >= 2 and reader.outline


def test_search_for_a_model(page: Any, tmp_path: Path) -> None:
    page.goto("/search")
    page.fill("input[name=model]", "ht2020")
    page.click("form.search button[type=submit]")
    hits = page.locator("#hits table.hits tbody tr")
    hits.first.wait_for()
    text = " ".join(hits.all_inner_texts())
    assert "PO-2026-0042" in text and "HD-240317" not in text
    link = hits.first.locator("a.hit").get_attribute("href")
    assert link and link.startswith("/files/ACME/PO-2026-0042/")
    page.fill("input[name=q]", "报价")
    page.fill("input[name=model]", "")
    page.click("form.search button[type=submit]")
    page.locator("#hits td.snippet", has_text="报价").first.wait_for()
    shot(page, "search", tmp_path)


def test_chinese_is_drawn_with_a_chinese_font(page: Any, tmp_path: Path) -> None:
    """The fonts Chromium really used for the heading's glyphs (DevTools' CSS domain): every
    Chinese glyph drawn by a CJK font, none left to a fallback box."""
    page.goto("/customers")
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    for selector in ("h1", "table.grid td:nth-child(2)"):
        node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})
        fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
        cjk = [f for f in fonts if f["familyName"].startswith(CJK_FONTS)]
        assert cjk and sum(f["glyphCount"] for f in cjk) >= 2, fonts
    assert "阿克米家居园艺用品有限公司" in page.inner_text("table.grid")
    path = shot(page, "customers", tmp_path)
    assert path.stat().st_size > 10_000


def test_record_the_day_s_work_with_the_forms(page: Any, tmp_path: Path) -> None:
    """An inspection booked, a loading refused for its plate and corrected, the deposit
    received: each with its form, no file written by hand."""
    sign_in(page, "wang.li")
    page.goto("/orders/PO-2026-0042")
    page.click("p.record-links a:has-text('验货 Inspection')")
    page.select_option("select[name=kind]", "third_party")
    page.fill("input[name=inspector]", "SGS Ningbo")
    page.fill("input[name=date]", "2027-01-08")
    page.fill("input[name=booked_on]", "2026-12-20")
    page.click("form.update-form button[type=submit]")
    page.wait_for_selector(".flash")
    assert ": archived" in flash_text(page), flash_text(page)
    page.click("p.record-links a:has-text('装车 Loading')")
    page.fill("input[name=loading_time]", "2027-01-12T08:30")
    page.fill("input[name=truck_plate]", "ABC123")
    page.fill("input[name=driver_phone]", "13857412209")
    page.click("form.update-form button[type=submit]")
    page.wait_for_selector("tr.error")
    assert "is not a mainland plate" in page.locator("tr.error").inner_text()
    page.fill("input[name=truck_plate]", "浙B52718")
    page.click("form.update-form button[type=submit]")
    page.wait_for_selector(".flash")
    assert ": archived" in flash_text(page), flash_text(page)
    page.click("p.record-links a:has-text('收款 Payment')")
    page.fill("input[name=date]", "2026-11-06")
    page.fill("input[name=amount]", "17478.00")
    page.fill("input[name=currency]", "USD")
    page.select_option("select[name=kind]", "deposit")
    page.click("form.update-form button[type=submit]")
    page.wait_for_selector(".flash")
    assert ": archived" in flash_text(page), flash_text(page)
    facts = page.locator("dl.facts").inner_text()
    assert "17,478.00" in facts
    steps = page.locator("ol.steps").inner_text()
    assert "✔ 验货 Inspection" in steps and "✔ 装车 Loading" in steps
    shot(page, "record", tmp_path, full=True)


def _submit(page: Any) -> str:
    page.click("form.update-form button[type=submit]")
    page.wait_for_selector(".flash")
    return flash_text(page)


def test_an_order_from_arrival_to_registration_on_the_page_alone(
        page: Any, server: tuple[str, Path], tmp_path: Path) -> None:
    """The customer's order file uploaded, then every step done on the page: the review
    signed and approved, the factory's confirmation, the inspection, the loading, the
    shipment, the factory's documents uploaded, the check, the pack, the registration. No
    update file is written by hand."""
    import yaml

    from tests.conftest import text_pdf

    order = yaml.safe_load((EXAMPLES / "PO-2026-0042.yaml").read_text("utf-8"))
    order.update(order_no="JR-2027-0001", contract_no=None, customer_po="ACME-9001",
                 prepayment_percent=0, payment_terms="T/T 60 days after B/L",
                 inspection="in_house", expected_costs=[], items=order["items"][:1])
    arrived = tmp_path / "JR-2027-0001.yaml"  # the customer's order, as it arrives
    arrived.write_text(yaml.safe_dump(order, allow_unicode=True), "utf-8")
    sign_in(page, "wang.li")
    page.goto("/upload")
    page.set_input_files("#files", str(arrived))
    page.click("#upload-form button[type=submit]")
    page.locator("#outcomes tr.archived").wait_for()
    url = "/orders/JR-2027-0001"
    for login in ("wang.li", "li.qiang"):  # under the general manager's threshold
        sign_in(page, login)
        page.goto(url)
        page.click("#approve-form button[value=approved]")
        page.wait_for_selector(".flash")
        assert ": archived" in flash_text(page), flash_text(page)
    assert "评审完成 Review complete" in page.locator("#approvals").inner_text()
    steps = page.locator("ol.steps")
    assert "✔ 合同评审 Contract review" in steps.inner_text()
    page.click("ol.steps li.next a")  # the next step: the factory's confirmation
    page.fill("input[name=factory]", "宁波绿源电器有限公司")
    page.fill("input[name=confirmed_delivery_date]", "2027-01-10")
    page.fill("input[name=by]", "陈刚")
    page.fill("input[name=confirmed_on]", "2026-11-05")
    assert ": archived" in _submit(page)
    page.click("ol.steps li.next a")  # the inspection
    page.select_option("select[name=kind]", "in_house")
    page.fill("input[name=inspector]", "王质检")
    page.fill("input[name=date]", "2027-01-08")
    page.fill("input[name=booked_on]", "2026-12-28")
    assert ": archived" in _submit(page)
    page.click("ol.steps li.next a")  # the loading
    page.fill("input[name=loading_time]", "2027-01-12T08:30")
    page.fill("input[name=truck_plate]", "浙B52718")
    page.fill("input[name=driver_phone]", "13857412209")
    page.fill("textarea[name=models]", "HT-2020")
    assert ": archived" in _submit(page)
    page.click("p.record-links a:has-text('装船 Shipment')")
    page.fill("input[name=bl_no]", "MEDUNB2701001")
    page.fill("input[name=on_board_date]", "2027-01-14")
    assert ": archived" in _submit(page)
    needed = ("warranty card", "user manual", "transport contract", "commercial invoice",
              "packing list", "bill of lading", "customs declaration")
    files = [str(text_pdf(tmp_path / f"JR-2027-0001 {name}.pdf",
                          f"<h1>{name.upper()}</h1><p>Order No. JR-2027-0001</p>"))
             for name in needed]
    page.goto("/upload")
    page.set_input_files("#files", files)
    page.click("#upload-form button[type=submit]")
    page.locator("#outcomes tr.archived").first.wait_for()
    for _ in range(100):  # every file's outcome shown
        if page.locator("#outcomes tr.archived").count() == len(needed):
            break
        page.wait_for_timeout(100)
    assert page.locator("#outcomes tr.archived").count() == len(needed), \
        page.locator("#outcomes").inner_text()
    page.goto(url)
    assert "✔ 单据 Documents" in page.locator("ol.steps").inner_text()
    page.click("#run-check")
    page.wait_for_selector(".flash")
    errors = page.locator("ul.findings.error li").count()
    if errors:  # the factory's papers say little: the manager hands over knowingly
        page.click("#handover summary")
        page.fill("#handover input[name=reason]", "客户同意 customer agreed by e-mail")
        page.click("#handover button.danger")
    else:
        page.click("#build-pack")
    page.wait_for_selector("#pack-download")
    page.click("ol.steps li.next a")  # the registration
    page.select_option("select[name=status]", "registered")
    page.fill("input[name=at]", "2027-01-20T10:00")
    assert ": archived" in _submit(page)
    steps_text = page.locator("ol.steps").inner_text()
    assert page.locator("ol.steps li.done").count() == 8, steps_text
    assert "已登记 registered" in page.locator("dl.facts").inner_text()
    shot(page, "journey", tmp_path, full=True)


def test_a_rejected_file_previewed_and_dismissed(page: Any, server: tuple[str, Path]) -> None:
    rejected = server[1] / "inbox" / "_rejected"
    rejected.mkdir(exist_ok=True)
    shutil.copyfile(CORPUS / "minimal-document.pdf", rejected / "fax-0042.pdf")
    (rejected / "fax-0042.pdf.error.txt").write_text("Rejected: a fax twice", "utf-8")
    sign_in(page, "wang.li")
    page.goto("/#rejected")
    card = page.locator("#rejected .card", has_text="fax-0042.pdf")
    preview = card.locator("img.preview")
    preview.wait_for()
    for _ in range(50):
        if preview.evaluate("img => img.complete && img.naturalWidth > 0"):
            break
        page.wait_for_timeout(100)
    assert preview.evaluate("img => img.naturalWidth") > 0
    card.locator("form.dismiss input[name=reason]").fill("收到两次 received twice")
    card.locator("form.dismiss button").click()
    page.wait_for_selector(".flash")
    assert "dismissed" in flash_text(page)
    assert page.locator("#rejected .card", has_text="fax-0042.pdf").count() == 0
    assert (server[1] / "inbox" / "_dismissed" / "fax-0042.pdf").is_file()
