"""Who may sign, who may force, and what the customer and the bank see: an approval counts
only from the role's holder, proven by their key, their password or their page session,
on every path (inbox, page upload, command, import); forcing is a manager's recorded
decision; the customer's pack holds only what is presented."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
import yaml
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from pipeline.cli import cli
from pipeline.people import People
from pipeline.web import create_app
from tests.office import PASSWORD

APPROVALS = {"wang.li": ("salesperson", "王丽", "2026-11-02T09:00"),
             "li.qiang": ("manager", "李强", "2026-11-03T14:30"),
             "zhang.wei": ("general_manager", "张伟", "2026-11-04T10:00")}


@pytest.fixture
def keys(root: Path, tmp_path: Path) -> dict[str, Path]:
    found = {}
    for login in APPROVALS:
        path = tmp_path / f"{login}.key"
        assert _gendan(root, "users", "key", login, "-o", str(path)).exit_code == 0
        found[login] = path
    return found


def _gendan(root: Path, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["-w", str(root), *args], input=stdin)


def _approval(root: Path, login: str, name: str = "", **changes: Any) -> Path:
    role, by, at = APPROVALS[login]
    data = {"update": "approval", "order_no": "PO-2026-0042", "role": role, "by": by,
            "at": at, **changes}
    path = root / f"{name or login}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _drop(root: Path, path: Path) -> Result:
    shutil.move(str(path), root / "inbox" / path.name)
    return _gendan(root, "run")


def _signed(root: Path, keys: dict[str, Path], login: str, key_of: str = "",
            **changes: Any) -> Result:
    path = _approval(root, login, **changes)
    result = _gendan(root, "sign", str(path), "--user", key_of or login, "--key",
                     str(keys[key_of or login]))
    assert result.exit_code == 0, result.output
    return _drop(root, path)


def test_an_unsigned_approval_is_refused_and_kept_with_its_reason(root: Path) -> None:
    result = _drop(root, _approval(root, "wang.li"))
    assert result.exit_code == 4
    assert "an approval that nobody proved they made" in result.output
    kept = root / "inbox" / "_rejected" / "wang.li.yaml"
    assert kept.is_file() and "gendan sign" in (root / "inbox" / "_rejected" /
                                                "wang.li.yaml.error.txt").read_text()


def test_trusting_the_inbox_marks_the_approval_unverified(root: Path) -> None:
    config = root / "gendan.toml"
    config.write_text(config.read_text().replace("[approval]\n", "[approval]\ntrust_inbox = "
                                                 "true\n"), encoding="utf-8")
    result = _drop(root, _approval(root, "wang.li"))
    assert result.exit_code == 0, result.output
    history = _gendan(root, "history", "PO-2026-0042").output
    assert "salesperson 王丽: approved (unverified)" in history


def test_a_signed_chain_completes(root: Path, keys: dict[str, Path]) -> None:
    for login in APPROVALS:
        result = _signed(root, keys, login)
        assert result.exit_code == 0, result.output
    history = _gendan(root, "history", "PO-2026-0042").output
    assert "general_manager 张伟: approved (key zhang.wei)" in history
    assert "unverified" not in history


@pytest.mark.parametrize(("login", "key_of", "changes", "why"), [
    ("li.qiang", "", {"role": "general_manager"}, "li.qiang (manager) deciding as "
     "general_manager"),
    ("li.qiang", "wang.li", {}, "wang.li (salesperson) deciding as manager"),
    ("li.qiang", "", {"by": "张伟"}, "li.qiang signing as '张伟'"),
])
def test_a_claim_in_another_name_or_role_is_refused(root: Path, keys: dict[str, Path],
                                                   login: str, key_of: str,
                                                   changes: dict[str, str], why: str) -> None:
    assert _signed(root, keys, "wang.li").exit_code == 0
    result = _signed(root, keys, login, key_of, **changes)
    assert result.exit_code == 4 and why in result.output, result.output


def test_a_signature_does_not_survive_a_change(root: Path, keys: dict[str, Path]) -> None:
    path = _approval(root, "wang.li")
    assert _gendan(root, "sign", str(path), "--user", "wang.li", "--key",
                   str(keys["wang.li"])).exit_code == 0
    data = yaml.safe_load(path.read_text())
    data["decision"] = "rejected"  # changed after it was signed
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = _drop(root, path)
    assert result.exit_code == 4 and "does not match the decision" in result.output


def test_an_approval_of_an_older_revision_is_void(root: Path, keys: dict[str, Path]) -> None:
    assert _signed(root, keys, "wang.li").exit_code == 0
    manager = _approval(root, "li.qiang")
    assert _gendan(root, "sign", str(manager), "--user", "li.qiang", "--key",
                   str(keys["li.qiang"])).exit_code == 0  # for revision 1
    order = yaml.safe_load((Path(__file__).resolve().parents[1] / "examples" /
                            "PO-2026-0042.yaml").read_text(encoding="utf-8"))
    order["remarks"] = "revised: new cartons"
    (root / "inbox" / "PO-2026-0042-rev.yaml").write_text(
        yaml.safe_dump(order, allow_unicode=True), encoding="utf-8")
    assert _gendan(root, "run").exit_code == 0
    result = _drop(root, manager)
    assert result.exit_code == 4 and "approval of revision 1" in result.output


def test_nobody_holds_two_roles_of_one_review(root: Path) -> None:
    """王丽 is a manager too (wang.manager): she may not approve the review she signed."""
    assert _gendan(root, "approve", "PO-2026-0042", "--role", "salesperson", "--user",
                   "wang.li", "--password-stdin", stdin=PASSWORD + "\n").exit_code == 0
    result = _gendan(root, "approve", "PO-2026-0042", "--role", "manager", "--user",
                     "wang.manager", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.exit_code == 4
    assert "who has signed as salesperson already" in result.output or \
        "who created the review" in result.output


def test_gendan_approve_asks_who_you_are(root: Path) -> None:
    wrong = _gendan(root, "approve", "PO-2026-0042", "--role", "salesperson", "--user",
                    "wang.li", "--password-stdin", stdin="not the password\n")
    assert wrong.exit_code == 4 and "wrong user name or password" in wrong.output
    other_role = _gendan(root, "approve", "PO-2026-0042", "--role", "manager", "--user",
                         "wang.li", "--password-stdin", stdin=PASSWORD + "\n")
    assert other_role.exit_code == 4 and "deciding as manager" in other_role.output
    for login in ("wang.li", "li.qiang", "zhang.wei"):
        done = _gendan(root, "approve", "PO-2026-0042", "--role", APPROVALS[login][0],
                       "--user", login, "--password-stdin", stdin=PASSWORD + "\n")
        assert done.exit_code == 0, done.output
    history = _gendan(root, "history", "PO-2026-0042").output
    assert "manager 李强: approved (command li.qiang)" in history


def _page(root: Path, login: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(root), base_url="http://localhost", follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert token
    reply = client.post("/login", data={"login": login, "password": PASSWORD,
                                        "csrf": token.group(1), "next": "/"})
    assert reply.status_code == 303
    page = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert page
    return client, page.group(1)


def test_the_page_upload_carries_only_your_own_decisions(root: Path) -> None:
    client, token = _page(root, "wang.li")
    files = []
    for login in APPROVALS:
        role, by, at = APPROVALS[login]
        body = json.dumps({"update": "approval", "order_no": "HD-240317", "role": role,
                           "by": by, "at": at, "account": "li.qiang"}, ensure_ascii=False)
        files.append(("files", (f"{login}.json", body.encode(), "application/json")))
    reply = client.post("/upload", files=files, data={"csrf": token})
    assert reply.status_code == 200
    assert reply.text.count("may carry only your own decisions") == 3
    assert not list((root / "archive").rglob("li.qiang.json*"))
    # another salesperson uploads a revision of 王丽's order naming herself
    People(root).add("zhao.min", "赵敏", "salesperson", PASSWORD)
    client, token = _page(root, "zhao.min")
    order = json.loads((Path(__file__).resolve().parents[1] / "examples" /
                        "AN-2026-118.json").read_text(encoding="utf-8"))
    order["salesperson"] = {"name": "赵敏"}
    reply = client.post("/upload", data={"csrf": token}, files=[(
        "files", ("AN-2026-118.json", json.dumps(order, ensure_ascii=False).encode(),
                  "application/json"))])
    assert "only a manager re-assigns an order" in reply.text
    show = _gendan(root, "show", "AN-2026-118", "--json").output
    assert json.loads(show)["order"]["salesperson"] == "王丽"


def test_an_import_passes_the_same_rules(root: Path, tmp_path: Path) -> None:
    """An export whose approvals nobody proved (a workspace that trusted its inbox) is
    refused by a workspace that does not, order by order, and nothing of it is filed."""
    trusting = tmp_path / "trusting"
    shutil.copytree(root, trusting)
    config = trusting / "gendan.toml"
    config.write_text(config.read_text().replace("[approval]\n", "[approval]\ntrust_inbox = "
                                                 "true\n"), encoding="utf-8")
    assert _drop(trusting, _approval(trusting, "wang.li")).exit_code == 0
    export = tmp_path / "export.zip"
    assert _gendan(trusting, "export", "PO-2026-0042", "-o", str(export)).exit_code == 0
    before = sorted(p.name for p in (root / "archive").rglob("*"))
    result = _gendan(root, "import", str(export))
    assert result.exit_code == 4
    assert "order PO-2026-0042" in result.output and "nobody proved" in result.output
    assert sorted(p.name for p in (root / "archive").rglob("*")) == before


def test_forcing_is_a_managers_decision_and_shows(root: Path) -> None:
    # nothing is complete: the check has errors, so only a forced hand-over goes through
    refused = _gendan(root, "handover", "PO-2026-0042", "--date", "2027-01-20")
    assert refused.exit_code != 0
    salesperson = _gendan(root, "handover", "PO-2026-0042", "--force", "--by", "wang.li",
                          "--password-stdin", "--reason", "试试", "--date", "2027-01-20",
                          stdin=PASSWORD + "\n")
    assert salesperson.exit_code != 0 and "may not hand over despite errors" in \
        salesperson.output
    own = _gendan(root, "handover", "PO-2026-0042", "--force", "--by", "wang.manager",
                  "--password-stdin", "--reason", "试试", "--date", "2027-01-20",
                  stdin=PASSWORD + "\n")
    assert own.exit_code != 0 and "is the order's salesperson" in own.output
    done = _gendan(root, "handover", "PO-2026-0042", "--force", "--by", "li.qiang",
                   "--password-stdin", "--reason", "客户急需 customer needs it now",
                   "--date", "2027-01-20", stdin=PASSWORD + "\n")
    assert done.exit_code == 0, done.output
    orders = _gendan(root, "orders").output
    assert re.search(r"PO-2026-0042\s+handed_over \(FORCED\)", orders), orders
    show = _gendan(root, "show", "PO-2026-0042").output
    assert "forced by 李强 (manager): 客户急需 customer needs it now" in show
    history = _gendan(root, "history", "PO-2026-0042").output
    assert "FORCED by 李强 (manager)" in history
    # the customer's pack says nothing of it; the office's record does
    pack = next((root / "archive").rglob("*_handover_pack_v1.pdf"))
    record = next((root / "archive").rglob("*_handover_record_v1.pdf"))
    with pdfplumber.open(pack) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        cover = pdf.pages[0]
        words = cover.extract_words()
    for internal in ("error", "MISSING", "缺", "试试", "客户急需", "李强", "SHA", "archive",
                     "generated/", "forced"):
        assert internal not in text, internal
    assert "DOCUMENTS PRESENTED" in text and "ACME Home & Garden Supply" in text
    assert "Hangzhou Gendan Trading" in text and "SC-2026-0042" in text
    with pdfplumber.open(record) as pdf:
        inside = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "客户急需 customer needs it now" in inside and "李强 (manager)" in inside
    # the page number stands in a band of its own, below the document's own page
    number = [w for w in words if re.fullmatch(r"1", w["text"])]
    original = pdfplumber.open(next((root / "archive").rglob("*_quotation_v1.pdf")))
    height = float(original.pages[0].height)
    original.close()
    assert float(cover.height) > height
    assert any(w["top"] > height for w in number), (height, number)


def test_a_preview_archives_nothing(root: Path, tmp_path: Path) -> None:
    before = sorted(str(p) for p in (root / "archive").rglob("*") if ".cache" not in p.parts)
    target = tmp_path / "preview.pdf"
    result = _gendan(root, "handover", "PO-2026-0042", "--preview", "-o", str(target),
                     "--date", "2027-01-20")
    assert result.exit_code == 0, result.output
    with pdfplumber.open(target) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "PREVIE" in text and "预" in text and "DOCUMENTS PRESENTED" in text  # turned text
    after = sorted(str(p) for p in (root / "archive").rglob("*") if ".cache" not in p.parts)
    assert after == before
    assert "handed_over" not in _gendan(root, "orders").output


def test_keys_are_the_persons_own(root: Path, tmp_path: Path) -> None:
    people = People(root)
    assert people.get("wang.li") is not None and not people.get("wang.li").public_key
    path = tmp_path / "k"
    assert _gendan(root, "users", "key", "wang.li", "-o", str(path)).exit_code == 0
    assert path.stat().st_mode & 0o777 == 0o600
    assert "PRIVATE KEY" in path.read_text() and "PRIVATE" not in \
        (root / ".gendan" / "users.json").read_text()
    assert _gendan(root, "users", "key", "wang.li", "-o", str(path)).exit_code != 0


def test_each_party_sees_only_what_is_theirs(order_data: dict[str, Any],
                                            tmp_path: Path) -> None:
    """Every document of an order made by two factories: the customer's never name a
    factory; a factory's never name the customer or where the goods go (beyond the marks),
    unless the workspace allows it for that customer."""
    from pipeline.config import Documents, Settings
    from pipeline.desk import Desk
    from pipeline.flow import Workflow
    from pipeline.models import Order
    from pipeline.workspace import Workspace
    from tests.conftest import pdf_text

    factories = ["宁波绿源电器有限公司", "永康市金工工具厂"]
    for n, item in enumerate(order_data["items"]):
        item["manufacturer"] = factories[n % 2]
    order_data["shipping_marks"] = "ACME-7781 / C/No. 1-UP"
    order = Order.model_validate(order_data)
    customer = [order.customer.name_en, order.customer.name_zh or "",
                order.customer.address_en or "", "Long Beach"]
    for allowed in (False, True):
        workspace = Workspace(tmp_path / f"ws-{allowed}")
        workspace.ensure_folders()
        desk = Desk(workspace, Settings(documents=Documents(
            word_to_pdf=False, factory_sees_customer=["ACME"] if allowed else [])))
        texts: dict[str, str] = {}
        for key in ("quotation", "proforma_invoice", "sales_contract", "commercial_invoice",
                    "packing_list", "production_order"):
            work = tmp_path / f"{key}-{allowed}"
            work.mkdir()
            made = desk.maker.make(order, Workflow(), (key,), work)
            assert not made.failures, made.failures
            for staged in made.staged:
                if staged.suffix == ".pdf":
                    name = f"{key}:{staged.variant}" if staged.variant else key
                    texts[name] = "\n".join(pdf_text(staged.path))
        production = [t for k, t in texts.items() if k.startswith("production_order")]
        assert len(production) == 2  # one for each factory
        for key, text in texts.items():
            if key.startswith("production_order"):
                for name in customer:  # the address never; name and port when allowed
                    shown = allowed and name != order.customer.address_en
                    assert (name in text) == shown, (key, name, allowed)
                assert "ACME-7781" in text  # the marks and the customer's order number
            else:
                for factory in factories:
                    assert factory not in text, (key, factory)


def test_the_pack_carries_the_companys_signature(root: Path) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from pipeline.fsutil import sha256_file
    from pipeline.pdf.signing import Certificate, check_signatures

    made = _gendan(root, "config", "cert")
    assert made.exit_code == 0, made.output
    certificate = Certificate.of(root)
    assert certificate.key.stat().st_mode & 0o777 == 0o600
    assert _gendan(root, "config", "cert").exit_code != 0  # never over the one there is
    done = _gendan(root, "handover", "PO-2026-0042", "--force", "--by", "li.qiang",
                   "--password-stdin", "--reason", "signed pack", "--date", "2027-01-20",
                   stdin=PASSWORD + "\n")
    assert done.exit_code == 0, done.output
    pack = next((root / "archive").rglob("*_handover_pack_v1.pdf"))
    check = check_signatures(pack, certificate)
    assert check.ok and "Hangzhou Gendan Trading" in check.signer
    assert _gendan(root, "verify").exit_code == 0
    # a copy changed after hand-over: an incremental update after the signature, the
    # sidecar made to match so that only the signature can tell
    with pack.open("rb") as handle:
        writer = IncrementalPdfFileWriter(handle, strict=False)
        writer.root["/Changed"] = generic.BooleanObject(True)
        writer.update_root()
        changed = tmp = pack.with_name("changed.pdf")
        with tmp.open("wb") as out:
            writer.write(out)
    changed.replace(pack)
    sidecar = pack.with_name(pack.name + ".gendan.json")
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    meta["sha256"], meta["size"] = sha256_file(pack), pack.stat().st_size
    sidecar.write_text(json.dumps(meta), encoding="utf-8")
    assert not check_signatures(pack, certificate).ok
    result = _gendan(root, "verify")
    assert result.exit_code == 1 and "signature broken" in result.output
    assert "something was added after the signature" in result.output


def test_the_page_previews_and_shows_a_forced_hand_over(root: Path) -> None:
    client, token = _page(root, "li.qiang")
    before = sorted(str(p) for p in (root / "archive").rglob("*") if ".cache" not in p.parts)
    reply = client.post("/orders/PO-2026-0042/preview", data={"csrf": token})
    assert reply.status_code == 200 and reply.content.startswith(b"%PDF")
    assert "attachment" in reply.headers["content-disposition"]
    after = sorted(str(p) for p in (root / "archive").rglob("*") if ".cache" not in p.parts)
    assert after == before
    reply = client.post("/orders/PO-2026-0042/handover", data={
        "csrf": token, "force": "1", "reason": "客户同意 agreed by e-mail"})
    assert reply.status_code == 303
    page = client.get("/orders/PO-2026-0042").text
    assert "强制 FORCED" in page and "forced by 李强 (manager): 客户同意 agreed by e-mail" in page
    # a salesperson may not force
    client, token = _page(root, "wang.li")
    reply = client.post("/orders/HD-240317/handover", data={"csrf": token, "force": "1",
                                                           "reason": "试试"})
    assert reply.status_code == 403


def test_sealed_documents_carry_the_companys_signature(workspace: Any) -> None:
    from pipeline.config import Documents, Settings
    from pipeline.desk import Desk
    from pipeline.pdf.signing import Certificate, check_signatures, make_certificate
    from tests.conftest import copy_example, documents

    certificate = Certificate.of(workspace.root)
    make_certificate(certificate, "Hangzhou Gendan Trading Co., Ltd.")
    desk = Desk(workspace, Settings(documents=Documents(
        on_order=["quotation", "production_order"], word_to_pdf=False)))
    copy_example(workspace, "PO-2026-0042.yaml")
    [outcome] = desk.run_once()
    assert outcome.status == "archived", outcome
    made = {d["doc_type"]: d for d in documents(desk, "PO-2026-0042")
            if d["kind"] == "generated"}
    quotation = workspace.archive / made["quotation"]["path"]
    assert made["quotation"]["signed"] and check_signatures(quotation, certificate).ok
    # merged into a pack, a signed document's own field is left out (its bytes change):
    # the pack carries one signature, its own, valid over the whole file
    from pyhanko.pdf_utils.reader import PdfFileReader

    from pipeline.pdf.pack import PackPart, build_pack
    from pipeline.pdf.signing import sign_pdf

    pack, signed = workspace.root / "pack.pdf", workspace.root / "signed.pdf"
    build_pack([PackPart("q", quotation), PackPart("again", quotation)], pack)
    sign_pdf(pack, signed, certificate, "test", "CompanyHandOver")
    with signed.open("rb") as handle:
        assert len(list(PdfFileReader(handle, strict=False).embedded_signatures)) == 1
    assert check_signatures(signed, certificate).ok
    # the production order goes to the factory unsealed: not signed
    assert not made["production_order"].get("signed")
