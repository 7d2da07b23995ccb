"""Settings sections of their own: what a file may be before it is refused, and how scans
are read (the rest of the settings: `pipeline.config`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Limits", "Mail", "MailRule", "Mailbox", "Ocr", "Section"]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(Section):
    """What a file may be before it is refused (docs/limits.md); each limit is a clear
    rejection naming the file and the limit, never a hang or a crash."""

    order_file_mb: float = Field(5, gt=0, description="Order data or update (.yaml .yml .json)")
    workbook_mb: float = Field(20, gt=0, description="Excel workbook (.xlsx) as stored")
    workbook_unpacked_mb: float = Field(60, gt=0,
                                        description="Excel workbook unpacked (checked first)")
    workbook_rows: int = Field(5000, gt=0, description="Rows in any sheet of a workbook")
    pdf_mb: float = Field(300, gt=0, description="A PDF from the factory")
    image_mb: float = Field(60, gt=0, description="A scan (.jpg .png .tif)")
    image_megapixels: float = Field(120, gt=0, description="Pixels of a scan")
    pages: int = Field(3000, gt=0, description="Pages in a PDF")
    stream_mb: float = Field(100, gt=0, description="One PDF stream, decompressed")
    items: int = Field(2000, gt=0, description="Line items in one order")
    text_chars: int = Field(4000, gt=0, description="Characters in any text field")
    depth: int = Field(20, gt=0, description="Nesting of YAML/JSON data")
    number_digits: int = Field(30, gt=0, description="Digits in a number")
    text_pages: int = Field(200, ge=0, description="Pages of a factory PDF whose text is kept "
                            "for `gendan find` (read once, when it is filed)")
    seconds_per_file: float = Field(180, gt=0, description="Time to read or stamp one file")
    memory_mb: int = Field(1536, gt=0, description="Memory to read or stamp one file")
    workers: int = Field(0, ge=0, description="Files read and documents drawn at once "
                         "(0: one per processor)")


class Ocr(Section):
    """Scans and pages without text, read offline by OCR (docs/ocr.md)."""

    enabled: bool = Field(True, description="Read pages without text by OCR when filed")
    dpi: float = Field(200, ge=100, le=400, description="Resolution a page is read at")
    seal_types: list[str] = Field(
        default_factory=list, description="Factory documents that must carry the factory's "
        "red seal (公章): a scan of one without a red seal is reported for review")


class Mailbox(Section):
    """One IMAP mailbox `gendan mail` reads (docs/mail.md)."""

    name: str = Field("mail", description="What the office calls it, e.g. factories")
    host: str = Field(description="IMAP server, e.g. imap.exmail.qq.com")
    port: int = Field(993, gt=0, lt=65536, description="993 for TLS, 143 for STARTTLS or none")
    security: Literal["tls", "starttls", "none"] = Field("tls", description="tls, starttls, "
                                                        "or none (a server on this machine)")
    user: str = Field(description="The login")
    password_env: str = Field("", description="Environment variable that holds the password")
    password_file: str = Field("", description="File that holds the password (first line)")
    folder: str = Field("INBOX", description="Folder read")
    done_folder: str = Field("gendan/done", description="Where a processed message is moved")


class MailRule(Section):
    """Names the order (or the factory) of a message whose attachment does not say it."""

    sender: str = Field("", description="Regular expression on the sender's address")
    subject: str = Field("", description="Regular expression on the subject; a group "
                         "(?P<order>...) names the order")
    order: str = Field("", description="The order the rule's messages belong to")
    factory: str = Field("", description="The factory that sends them, as the orders name "
                         "their manufacturer: its own papers of a several-factory order are "
                         "filed as that factory's")


class Mail(Section):
    """Mail in (`gendan mail`: IMAP) and out (`gendan send`: SMTP); docs/mail.md."""

    smtp_host: str = Field("", description="SMTP server; empty: sending is off")
    smtp_port: int = Field(465, gt=0, lt=65536, description="465 for TLS, 587 for STARTTLS")
    smtp_security: Literal["tls", "starttls", "none"] = Field("tls", description="tls, "
                                                             "starttls or none")
    smtp_user: str = Field("", description="SMTP login (empty: no login)")
    password_env: str = Field("", description="Environment variable with the SMTP password")
    password_file: str = Field("", description="File with the SMTP password (first line)")
    sender: str = Field("", description="From: address, e.g. export@company.example")
    sender_name: str = Field("", description="From: name; default: the company's English name")
    timeout: float = Field(30, gt=0, description="Seconds to wait for a server")
    poll_seconds: float = Field(300, ge=10, description="`gendan watch` reads the mailboxes "
                                "this often (when there are any)")
    mailboxes: list[Mailbox] = Field(default_factory=list, description="IMAP mailboxes read")
    rules: list[MailRule] = Field(default_factory=list, description="Sender and subject rules")
