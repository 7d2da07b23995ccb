"""The company's digital signature on what it hands over (PAdES, through pyHanko): a pack
changed after hand-over shows as changed in any PDF reader, and `gendan verify` checks
it. An office without a certificate from a CA makes a self-signed one with
`gendan config cert`: the key and the certificate are kept in `.gendan/` (the key mode
0600)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Certificate", "SignatureCheck", "check_signatures", "make_certificate",
           "sign_pdf"]


@dataclass(frozen=True)
class Certificate:
    key: Path
    cert: Path

    def exists(self) -> bool:
        return self.key.is_file() and self.cert.is_file()

    @classmethod
    def of(cls, workspace_root: Path) -> Certificate:
        """The workspace's company certificate (`gendan config cert`)."""
        folder = workspace_root / ".gendan"
        return cls(folder / "company.key", folder / "company.crt")


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool
    intact: bool  # the signed bytes are unchanged
    whole: bool  # the signature covers the whole file (nothing added after it)
    signer: str

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.whole


def make_certificate(where: Certificate, name: str, years: int = 10) -> None:
    """A self-signed certificate for `name` (the company), with its private key."""
    import os

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name[:64]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, name[:64])])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365 * years))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    where.key.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(where.key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    where.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def sign_pdf(source: Path, target: Path, where: Certificate, reason: str,
             field: str = "CompanySignature") -> None:
    """`source` signed by the company into `target` (an invisible PAdES signature in the
    signature field `field`)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load(str(where.key), str(where.cert))  # type: ignore[no-untyped-call]
    if signer is None:
        raise ValueError(f"the company's key {where.key} or certificate {where.cert} does "
                         "not load")
    meta = signers.PdfSignatureMetadata(field_name=field, reason=reason,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    with source.open("rb") as inf, target.open("wb") as outf:
        signers.sign_pdf(IncrementalPdfFileWriter(inf, strict=False), meta, signer=signer,
                         output=outf)


def check_signatures(pdf: Path, where: Certificate) -> SignatureCheck:
    """Whether `pdf` carries the company's signature over all of it, unchanged."""
    import logging

    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    quiet = logging.getLogger("pyhanko")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)  # a changed file is our finding, not pyHanko's log line
    try:
        return _check(pdf, where, PdfFileReader, validate_pdf_signature, ValidationContext,
                      asn1_x509)
    finally:
        quiet.setLevel(level)


def _check(pdf: Path, where: Certificate, PdfFileReader: Any, validate_pdf_signature: Any,
           ValidationContext: Any, asn1_x509: Any) -> SignatureCheck:
    with pdf.open("rb") as handle:
        reader = PdfFileReader(handle, strict=False)
        found = list(reader.embedded_signatures)
        if not found:
            return SignatureCheck(False, False, False, "")
        trust = [asn1_x509.Certificate.load(_der(where.cert))] if where.cert.is_file() else []
        status = validate_pdf_signature(found[-1], ValidationContext(trust_roots=trust))
        from pyhanko.sign.validation.status import SignatureCoverageLevel

        return SignatureCheck(True, bool(status.intact and status.valid),
                              status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
                              status.signing_cert.subject.human_friendly)


def _der(path: Path) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(
        serialization.Encoding.DER)
