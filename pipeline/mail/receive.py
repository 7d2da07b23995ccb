"""`gendan mail`: factories' mail read from IMAP mailboxes. Each message once (by its
Message-ID): its attachments go through the inbox like any dropped file, each recorded as
brought by the mail (sender, subject, date); a rule of [mail] names the order when the
attachment alone does not; the message itself is kept byte for byte under
`mail/received/` with what it brought, and filed in the order it brought files to; then it
is moved to the mailbox's done folder. A message that cannot be taken stays in the mailbox
with the reason under `mail/failed/`.
"""

from __future__ import annotations

import json
import re
import ssl
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, GendanError
from ..filing import Filing, StagedFile
from ..flow import Event
from ..fsutil import sha256_bytes
from ..inbox import receive
from . import secret

if TYPE_CHECKING:
    from ..recipes.common import Desk
    from ..sections import Mailbox, MailRule

__all__ = ["Received", "read_mailboxes"]

TAKEN = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff", ".yaml", ".yml", ".json", ".xlsx"}


@dataclass
class Received:
    mailbox: str
    message_id: str
    sender: str
    subject: str
    files: list[tuple[str, str, str]] = field(default_factory=list)  # name, status, order
    skipped: bool = False  # seen before
    error: str = ""


def _safe(text: str, limit: int = 120) -> str:
    return re.sub(r"[^\w.@+-]", "_", text)[:limit] or "message"


def _open(box: Mailbox, timeout: float) -> Any:
    from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage

    class Raw(MailMessage):
        """The message with the bytes the server sent, kept as they are."""

        def __init__(self, fetch_data: list[Any]) -> None:
            super().__init__(fetch_data)
            self.raw = bytes(self._get_message_data_parts(fetch_data)[0])

    password = secret(box.password_env, box.password_file, f"[mail] mailbox {box.name}")
    try:
        client: BaseMailBox
        if box.security == "tls":
            client = MailBox(box.host, box.port, timeout=timeout,
                             ssl_context=ssl.create_default_context())
        elif box.security == "starttls":
            client = MailBoxStartTls(box.host, box.port, timeout=timeout,
                                     ssl_context=ssl.create_default_context())
        else:
            client = MailBoxUnencrypted(box.host, box.port, timeout=timeout)
        client.email_message_class = Raw
        return client.login(box.user, password, initial_folder=box.folder)
    except Exception as exc:  # imaplib and imap_tools raise many kinds
        raise GendanError(f"mailbox {box.name} ({box.user}@{box.host}:{box.port}): "
                          f"{type(exc).__name__}: {exc}",
                          hint="Check [mail] mailboxes in gendan.toml and the password; "
                          "nothing was read.") from exc


def _rule_of(rules: list[MailRule], sender: str, subject: str) -> tuple[str | None, str]:
    """The order and the factory the first matching rules name."""
    order: str | None = None
    factory = ""
    for rule in rules:
        if rule.sender and not re.search(rule.sender, sender, re.I):
            continue
        found = re.search(rule.subject, subject, re.I) if rule.subject else None
        if rule.subject and found is None:
            continue
        if order is None and found is not None and found.groupdict().get("order"):
            order = str(found["order"])
        order = order or rule.order or None
        factory = factory or rule.factory
    return order, factory


def _seen(root: Path) -> set[str]:
    return {p.stem for p in root.glob("received/*/*.json")}


def read_mailboxes(desk: Desk) -> list[Received]:
    mail = desk.settings.mail
    if not mail.mailboxes:
        raise ConfigError("no mailbox to read: [mail] mailboxes is empty",
                          hint="Add one in gendan.toml (docs/mail.md).")
    root = desk.workspace.root / "mail"
    done: list[Received] = []
    for box in mail.mailboxes:
        with _open(box, mail.timeout) as client:
            if not client.folder.exists(box.done_folder):
                client.folder.create(box.done_folder)
            seen = _seen(root)
            for message in client.fetch(mark_seen=False, bulk=True):
                received = _take(desk, box, message, seen, root)
                done.append(received)
                if not received.error:
                    client.move(message.uid, box.done_folder)
    return done


def _take(desk: Desk, box: Mailbox, message: Any, seen: set[str], root: Path) -> Received:
    raw: bytes = message.raw
    message_id = str(message.obj.get("Message-ID") or "").strip() or \
        f"<{sha256_bytes(raw)[:32]}@no-message-id>"
    key = _safe(message_id.strip("<>"))
    sender, subject = message.from_, message.subject
    received = Received(box.name, message_id, sender, subject)
    if key in seen:
        received.skipped = True
        return received
    try:
        when = parsedate_to_datetime(message.date_str) if message.date_str else None
    except (TypeError, ValueError):
        when = None
    origin = (f"mail from {sender}, {subject[:80]!r}" +
              (f", {when:%Y-%m-%d %H:%M}" if when else "") + f", {message_id}")
    order_no, factory = _rule_of(desk.settings.mail.rules, sender, subject)
    try:
        for attachment in message.attachments:
            name = Path(attachment.filename or "attachment").name
            if Path(name).suffix.lower() not in TAKEN:
                received.files.append((name, "skipped", ""))
                continue
            folder = desk.workspace.inbox / order_no if order_no else desk.workspace.inbox
            # whole or not there (a watcher looks), under a free, clean name
            target = receive(attachment.payload, name, folder, mode=desk.store.file_mode)
            outcome = desk.process(target, order_no=order_no, origin=origin, factory=factory)
            received.files.append((name, outcome.status, outcome.order_no or ""))
    except GendanError as exc:
        received.error = exc.message
    except OSError as exc:
        received.error = f"{type(exc).__name__}: {exc}"
    if received.error:
        failed = root / "failed"
        failed.mkdir(parents=True, exist_ok=True)
        (failed / f"{key}.txt").write_text(f"{origin}\n{received.error}\n", "utf-8")
        return received
    _keep(desk, received, raw, key, when, root)
    return received


def _keep(desk: Desk, received: Received, raw: bytes, key: str, when: Any,
          root: Path) -> None:
    """The message as it came, with what it brought; and in the order it brought files to."""
    month = f"{when:%Y-%m}" if when else "undated"
    folder = root / "received" / month
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{key}.eml").write_bytes(raw)
    summary = {"mailbox": received.mailbox, "message_id": received.message_id,
               "from": received.sender, "subject": received.subject,
               "date": when.isoformat() if when else None,
               "files": [{"name": n, "status": s, "order": o} for n, s, o in received.files]}
    partial = folder / f".{key}.json.part"  # written last: the message counts as seen
    partial.write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8")
    orders = list(dict.fromkeys(o for _, s, o in received.files if o and s == "archived"))
    for order_no in orders:
        with desk.store.open(order_no) as record, desk.store.work_folder() as work:
            eml = work / "message.eml"
            eml.write_bytes(raw)
            mine = [n for n, _, o in received.files if o == order_no]
            event = Event(recorded=desk.clock.now(), kind="mail", source=f"mail {received.mailbox}",
                          summary=f"mail from {received.sender}: {received.subject[:80]} "
                          f"brought {', '.join(mine)}",
                          data={"message_id": received.message_id, "from": received.sender,
                                "subject": received.subject, "files": mine})
            staged = StagedFile(eml, "mail_message", ".eml", {"message_id":
                                                             received.message_id})
            if not record.made_from(sha256_bytes(raw)):
                record.commit(Filing(event, f"mail {received.mailbox}", sha256_bytes(raw),
                                     [staged]))
    partial.replace(folder / f"{key}.json")
