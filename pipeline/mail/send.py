"""`gendan send`: an order's documents mailed to the customer by SMTP, with a message in
the customer's language, and the message as sent (.eml, Message-ID, to whom, when) filed
in the order with an event in its history. The mail goes out first; only a mail the
server accepted is recorded, and a refused or failed one is one clear error, nothing kept.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..doctypes import FACTORY_TYPES, GENERATED
from ..errors import ConfigError, GendanError, NotFoundError
from ..filing import Filing, StagedFile
from ..flow import Event
from ..fsutil import sha256_bytes
from . import secret

if TYPE_CHECKING:
    from ..models import Order
    from ..recipes.common import Desk
    from ..sections import Mail

__all__ = ["Sent", "compose", "send_documents"]

CHINA = {"china", "cn", "prc", "中国", "p.r.china", "people's republic of china"}


@dataclass(frozen=True)
class Sent:
    message_id: str
    to: tuple[str, ...]
    files: tuple[str, ...]
    subject: str
    archived: str


def _title(doc_type: str) -> tuple[str, str]:
    kind = GENERATED.get(doc_type) or FACTORY_TYPES.get(doc_type)
    if doc_type == "handover_pack":
        return "Document pack", "交单资料"
    return (kind.title_en, kind.title_zh) if kind else (doc_type.replace("_", " "), doc_type)


def _pick(documents: list[dict[str, Any]], doc_type: str) -> dict[str, Any] | None:
    """What the customer gets of a type: the pack as handed over, gendan's own PDF (sealed
    once approved), else the factory's document as archived."""
    current = [d for d in documents if d.get("current") and d["doc_type"] == doc_type
               and str(d["path"]).lower().endswith(".pdf")]
    for kind in ("handover", "generated", "original", "stamped"):
        found = [d for d in current if d["kind"] == kind]
        if found:
            return found[-1]
    return None


def _language(order: Order) -> str:
    country = (order.customer.country or "").strip().casefold()
    return "zh" if country in CHINA else "en"


def compose(order: Order, files: list[tuple[Path, str]], titles: list[tuple[str, str]],
            *, to: list[str], cc: list[str], sender: str, sender_name: str,
            company: dict[str, Any], note: str) -> EmailMessage:
    """The message: subject and text in the customer's language, the files attached."""
    zh = _language(order) == "zh"
    contact = order.customer.contact.name if order.customer.contact else None
    seller = order.salesperson
    if zh:
        names = "、".join(t[1] for t in titles)
        subject = f"{names} - 订单 {order.order_no}"
        body = (f"{contact or order.customer.name_zh or order.customer.name_en}您好：\n\n"
                f"附件是订单 {order.order_no}（合同号 {order.contract_number}）的{names}，"
                f"请查收。\n\n" + (f"{note}\n\n" if note else "") +
                f"此致\n敬礼\n\n{seller.name}\n{company['name_zh']}\n"
                f"{seller.phone or company['phone']}  {seller.email or company['email']}\n")
    else:
        names = ", ".join(t[0] for t in titles)
        po = f" (your order {order.customer_po})" if order.customer_po else ""
        subject = f"{names} - order {order.order_no}" + (
            f" / your PO {order.customer_po}" if order.customer_po else "")
        body = (f"Dear {contact or 'Sir or Madam'},\n\nPlease find attached the {names} of "
                f"our order {order.order_no}{po}, contract {order.contract_number}.\n\n"
                + (f"{note}\n\n" if note else "") +
                f"Best regards,\n\n{seller.name_en or seller.name}\n{company['name_en']}\n"
                f"{seller.phone or company['phone']}  {seller.email or company['email']}\n")
    message = EmailMessage()
    message["From"] = formataddr((sender_name or company["name_en"], sender))
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or None)
    message.set_content(body)
    for path, name in files:
        message.add_attachment(path.read_bytes(), maintype="application", subtype="pdf",
                               filename=name)
    return message


def _deliver(mail: Mail, message: EmailMessage) -> None:
    password = secret(mail.password_env, mail.password_file, "[mail] SMTP")
    try:
        context = ssl.create_default_context()
        server: smtplib.SMTP
        if mail.smtp_security == "tls":
            server = smtplib.SMTP_SSL(mail.smtp_host, mail.smtp_port, timeout=mail.timeout,
                                      context=context)
        else:
            server = smtplib.SMTP(mail.smtp_host, mail.smtp_port, timeout=mail.timeout)
        with server:
            if mail.smtp_security == "starttls":
                server.starttls(context=context)
            if mail.smtp_user:
                server.login(mail.smtp_user, password)
            refused = server.send_message(message)
        if refused:
            raise GendanError(f"the server refused {', '.join(refused)}",
                              hint="Check the addresses; the others were sent.")
    except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise GendanError(f"the mail was not sent: {type(exc).__name__}: {exc}",
                          hint=f"Check [mail] smtp_host {mail.smtp_host}:{mail.smtp_port} "
                          "and the login; nothing was recorded, send it again.") from exc


def send_documents(desk: Desk, order_no: str, doc_types: list[str], *, to: list[str],
                   cc: list[str] | None = None, note: str = "") -> Sent:
    """Mail the order's current documents of these types; then file the message."""
    mail = desk.settings.mail
    if not mail.smtp_host or not mail.sender:
        raise ConfigError("sending mail is not set up: [mail] smtp_host and sender are empty",
                          hint="Set them in gendan.toml (docs/mail.md).")
    if not to:
        raise GendanError("no address to send to", hint="Give --to ADDRESS.")
    store = desk.store
    with store.open(order_no) as record:
        order = record.order
        chosen: list[tuple[Path, str]] = []
        titles: list[tuple[str, str]] = []
        for doc_type in doc_types:
            found = _pick(record.documents, doc_type)
            if found is None:
                raise NotFoundError(f"order {order_no} has no current {doc_type} to send",
                                    hint=f"See `gendan show {order_no} --current`.")
            chosen.append((store.root / found["path"], Path(found["path"]).name))
            titles.append(_title(doc_type))
        message = compose(order, chosen, titles, to=to, cc=cc or [], sender=mail.sender,
                          sender_name=mail.sender_name,
                          company=desk.settings.company.model_dump(), note=note)
        _deliver(mail, message)
        data = message.as_bytes()
        source = f"gendan send {order_no}"
        event = Event(recorded=desk.clock.now(), kind="sent", source=source,
                      summary=f"sent {', '.join(t[0] for t in titles)} to "
                      f"{', '.join(to + (cc or []))} ({message['Message-ID']})",
                      data={"to": to, "cc": cc or [], "subject": message["Subject"],
                            "message_id": message["Message-ID"],
                            "files": [name for _, name in chosen]})
        with store.work_folder() as work:
            eml = work / "message.eml"
            eml.write_bytes(data)
            staged = StagedFile(eml, "sent_mail", ".eml", {"to": to, "message_id":
                                                          message["Message-ID"]})
            filed = record.commit(Filing(event, source, sha256_bytes(data), [staged]))
    return Sent(message["Message-ID"], tuple(to + (cc or [])),
                tuple(name for _, name in chosen), message["Subject"],
                str(filed[0]["path"]) if filed else "")
