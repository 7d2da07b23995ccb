"""Mail against real servers started here: documents sent by `gendan send` arrive at an
SMTP server (aiosmtpd) with their attachments and are filed in the order's history; a
refused send records nothing."""

from __future__ import annotations

import email
import email.policy
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import history


class Catch:
    """An SMTP server's handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Catch, int]]:
    handler = Catch()
    port = _port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _settings(root: Path, port: int) -> None:
    config = root / "gendan.toml"
    config.write_text(config.read_text("utf-8") + (
        f'\n[mail]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\nsmtp_security = "none"\n'
        'sender = "export@gendan.example"\n'), encoding="utf-8")


def _cli(root: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["-w", str(root), *args])


def test_documents_sent_arrive_with_their_files_and_are_filed(root: Path,
                                                              smtp: tuple[Catch, int]) -> None:
    handler, port = smtp
    _settings(root, port)
    result = _cli(root, "send", "PO-2026-0042", "quotation", "sales_contract",
                  "--to", "jane.miller@acme.example", "--cc", "wangli@gendan.example",
                  "--message", "The deposit is due on 10 November.")
    assert result.exit_code == 0, result.output
    [(to, raw)] = handler.messages
    assert sorted(to) == ["jane.miller@acme.example", "wangli@gendan.example"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert "PO-2026-0042" in str(message["Subject"]) and "Sales Contract" in str(
        message["Subject"])
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "Dear Jane Miller" in text and "The deposit is due on 10 November." in text
    names = [part.get_filename() for part in message.iter_attachments()]
    assert names == ["PO-2026-0042_quotation_v1.pdf", "PO-2026-0042_sales_contract_v1.pdf"]
    pdf = next(message.iter_attachments()).get_content()
    assert pdf.startswith(b"%PDF")
    from pipeline.config import load_settings
    from pipeline.desk import Desk as RealDesk
    from pipeline.workspace import Workspace

    desk = RealDesk(Workspace(root), load_settings(root / "gendan.toml"))
    [sent] = [e for e in history(desk, "PO-2026-0042").history if e.kind == "sent"]
    assert sent.data["message_id"] == message["Message-ID"]
    assert sent.data["to"] == ["jane.miller@acme.example"]
    kept = list((root / "archive").rglob("*sent_mail*.eml"))
    assert len(kept) == 1 and message["Message-ID"].encode() in kept[0].read_bytes()


def test_a_failed_send_says_why_and_records_nothing(root: Path) -> None:
    _settings(root, _port())  # nothing listens there
    before = sorted(p.name for p in (root / "archive").rglob("*"))
    result = _cli(root, "send", "PO-2026-0042", "quotation", "--to", "x@acme.example")
    assert result.exit_code != 0
    assert "the mail was not sent" in result.output and "nothing was recorded" in result.output
    assert sorted(p.name for p in (root / "archive").rglob("*")) == before


def test_a_document_the_order_lacks_is_named(root: Path, smtp: tuple[Catch, int]) -> None:
    handler, port = smtp
    _settings(root, port)
    result = _cli(root, "send", "PO-2026-0042", "bill_of_lading", "--to", "x@acme.example")
    assert result.exit_code == 7 and "no current bill_of_lading" in result.output
    assert handler.messages == []


# -- mail in: a Dovecot started in a temporary folder ----------------------------------------
DOVECOT = """base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{d}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={internal} gid={group} home={d}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


@pytest.fixture
def imap() -> Iterator[int]:
    """Dovecot from the Debian packages, on a free port, with the mailbox factories/secret
    (as root it runs as its own users, else as this one)."""
    import getpass
    import grp
    import os
    import pwd
    import shutil
    import subprocess
    import tempfile
    import time

    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    assert Path(binary).exists(), "dovecot is not installed: run `make setup`"
    folder = Path(tempfile.mkdtemp(prefix="gendan-imap-"))
    os.chmod(folder, 0o755)
    (folder / "home").mkdir(mode=0o755)
    if os.geteuid() == 0:
        internal, login = "dovecot", "dovenull"
        shutil.chown(folder / "home", "dovecot", "dovecot")
    else:
        internal = login = getpass.getuser()
    group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
    port = _port()
    config = folder / "dovecot.conf"
    config.write_text(DOVECOT.format(d=folder, internal=internal, group=group, login=login,
                                     port=port), encoding="utf-8")
    (folder / "passwd").write_text("factories:{PLAIN}secret\n", encoding="utf-8")
    subprocess.run([binary, "-c", str(config)], check=True)
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield port
    finally:
        subprocess.run([binary, "-c", str(config), "stop"], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _mailbox(root: Path, port: int) -> None:
    config = root / "gendan.toml"
    config.write_text(config.read_text("utf-8") + (
        "\n[mail]\n"
        f'[[mail.mailboxes]]\nname = "factories"\nhost = "127.0.0.1"\nport = {port}\n'
        'security = "none"\nuser = "factories"\npassword_env = "GENDAN_TEST_IMAP"\n'
        '[[mail.rules]]\nsender = "@lvyuan\\\\.example$"\n'
        'subject = "(?P<order>PO-\\\\d{4}-\\\\d{4})"\nfactory = "宁波绿源电器有限公司"\n'),
        encoding="utf-8")


def _factory_mail(pdf: bytes, message_id: str) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "陈刚 <chen@lvyuan.example>"
    message["To"] = "factories@gendan.example"
    message["Subject"] = "装箱单 PO-2026-0042 packing list"
    message["Date"] = "Fri, 08 Jan 2027 09:31:00 +0800"
    message["Message-ID"] = message_id
    message.set_content("陈先生您好，附件是装箱单。")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="PL.pdf")
    message.add_attachment(b"GIF89a", maintype="image", subtype="gif", filename="logo.gif")
    return message.as_bytes()


def test_a_factory_s_mail_is_filed_under_its_order(root: Path, imap: int, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from imap_tools import MailBoxUnencrypted

    from tests.conftest import text_pdf

    monkeypatch.setenv("GENDAN_TEST_IMAP", "secret")
    _mailbox(root, imap)
    pdf = text_pdf(tmp_path / "pl.pdf", "<h1>装箱单 PACKING LIST</h1><p>Order No. "
                   "PO-2026-0042</p><p>HT-2020 600 PCS 150 CTNS</p>").read_bytes()
    raw = _factory_mail(pdf, "<pl-0042@lvyuan.example>")
    with MailBoxUnencrypted("127.0.0.1", imap).login("factories", "secret") as box:
        box.append(raw, "INBOX")
    renamed: list[tuple[str, str]] = []
    real_replace = os.replace

    def replace(source: Any, target: Any) -> None:
        renamed.append((Path(source).name, str(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    result = _cli(root, "mail")
    assert result.exit_code == 0, result.output
    # the attachment came into the inbox whole, by a rename (a watcher never sees a part)
    assert any(s.startswith(".tmp-") and t == str(root / "inbox" / "PO-2026-0042" / "PL.pdf")
               for s, t in renamed), renamed  # (the rule for the sender gives the order)
    assert "PL.pdf archived (PO-2026-0042)" in result.output
    assert "logo.gif skipped" in result.output
    originals = list((root / "archive").rglob("PL.pdf.gendan.json"))
    assert len(originals) == 1
    sidecar = originals[0].read_text("utf-8")
    assert "mail from chen@lvyuan.example" in sidecar and "<pl-0042@lvyuan.example>" in sidecar
    assert '"factory": "宁波绿源电器有限公司"' in sidecar  # the rule names the factory
    kept = list((root / "mail" / "received").rglob("*.eml"))
    assert len(kept) == 1  # as the server keeps it (its line ends are CRLF)
    assert kept[0].read_bytes().replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    from pipeline.config import load_settings
    from pipeline.desk import Desk
    from pipeline.workspace import Workspace

    desk = Desk(Workspace(root), load_settings(root / "gendan.toml"))
    [event] = [e for e in history(desk, "PO-2026-0042").history if e.kind == "mail"]
    assert event.data["files"] == ["PL.pdf"] and "chen@lvyuan.example" in event.summary
    with MailBoxUnencrypted("127.0.0.1", imap).login("factories", "secret") as box:
        assert list(box.fetch()) == []  # moved to the done folder
        box.folder.set("gendan/done")
        assert [m.subject for m in box.fetch()] == ["装箱单 PO-2026-0042 packing list"]
        box.folder.set("INBOX")
        box.append(raw, "INBOX")  # the same message again
    again = _cli(root, "mail")
    assert again.exit_code == 0 and "seen before" in again.output
    assert len(list((root / "archive").rglob("PL*.pdf.gendan.json"))) == 1


def test_a_wrong_password_reads_nothing(root: Path, imap: int,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENDAN_TEST_IMAP", "wrong")
    _mailbox(root, imap)
    result = _cli(root, "mail")
    assert result.exit_code != 0 and "mailbox factories" in result.output
    assert "nothing was read" in result.output


def test_sent_from_the_order_s_page(root: Path, smtp: tuple[Catch, int]) -> None:
    from fastapi.testclient import TestClient

    from pipeline.web import create_app
    from tests.test_web import sign_in

    handler, port = smtp
    _settings(root, port)
    client = TestClient(create_app(root), base_url="http://localhost", follow_redirects=False)
    token = sign_in(client, "wang.li")
    page = client.get("/orders/PO-2026-0042").text
    assert 'name="doc_types" value="sales_contract"' in page
    assert 'value="jane.miller@acme.example"' in page
    reply = client.post("/orders/PO-2026-0042/send", data={
        "csrf": token, "to": "jane.miller@acme.example", "doc_types": ["sales_contract"],
        "message": "Please sign and return."})
    assert reply.status_code == 303
    [(to, raw)] = handler.messages
    assert to == ["jane.miller@acme.example"] and b"Please sign and return." in raw
    assert "sent PO-2026-0042_sales_contract" in client.get("/orders/PO-2026-0042").text
    form = client.get("/forms/order.xlsx")
    assert form.status_code == 200 and form.content.startswith(b"PK")


def test_the_watcher_reads_the_mailboxes_between_files(blank_desk: Any) -> None:
    """`gendan watch` reads the mailboxes in its worker, every [mail] poll_seconds; a
    mailbox that fails is tried again later and never stops the watcher."""
    import time

    from pipeline.watch import InboxWatcher

    calls: list[float] = []

    def mail() -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise OSError("the server is away")

    watcher = InboxWatcher(blank_desk, mail=mail)
    watcher._read_mail()  # first: fails, logged
    watcher._read_mail()  # not yet: poll_seconds have not passed
    assert len(calls) == 1
    watcher._next_mail = 0.0
    watcher._read_mail()
    assert len(calls) == 2
    assert watcher._next_mail - calls[-1] >= blank_desk.settings.mail.poll_seconds - 1
