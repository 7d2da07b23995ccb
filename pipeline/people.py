"""The people who may use the office's page: a name to sign in with, the name they sign
documents with, a role, and an argon2 hash of the password (never the password).

Kept in the workspace's `.gendan/users.json` (mode 0600, written atomically), apart from
gendan.toml, with the secret that signs the page's session cookies (`.gendan/secret`).
Roles follow the contract review's chain: a salesperson signs the review they create, a
manager and a general manager approve it; a viewer only reads.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import InputError, NotFoundError
from .fsutil import atomic_write

__all__ = ["ROLES", "People", "Person"]

ROLES = ("salesperson", "manager", "general_manager", "viewer")
ROLE_TITLES = {"salesperson": "业务员 Salesperson", "manager": "经理 Manager",
               "general_manager": "总经理 General manager", "viewer": "查阅 Viewer"}
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_PRIVATE = 0o600


@dataclass(frozen=True)
class Person:
    login: str
    name: str  # as they sign: the order's salesperson, the approver's name
    role: str
    hash: str
    public_key: str = ""  # PEM of the person's signing key (`gendan users key`), if any
    generation: int = 0  # raised on sign-out, a new password or role: older sessions end

    @property
    def role_title(self) -> str:
        return ROLE_TITLES[self.role]

    @property
    def approves(self) -> bool:
        return self.role in {"manager", "general_manager"}

    @property
    def writes(self) -> bool:
        return self.role != "viewer"


class People:
    """The users file of one workspace."""

    def __init__(self, root: Path) -> None:
        self.folder = root / ".gendan"
        self.path = self.folder / "users.json"

    def _hasher(self) -> Any:
        from argon2 import PasswordHasher

        return PasswordHasher()

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return dict(data.get("users", {}))

    def _save(self, users: dict[str, dict[str, Any]]) -> None:
        self.folder.mkdir(mode=0o700, exist_ok=True)
        text = json.dumps({"users": users}, ensure_ascii=False, indent=2, sort_keys=True)
        atomic_write(self.path, text.encode("utf-8"), mode=_PRIVATE)

    def all(self) -> list[Person]:
        return [Person(login=k, **v) for k, v in sorted(self._load().items())]

    def get(self, login: str) -> Person | None:
        found = self._load().get(login)
        return Person(login=login, **found) if found else None

    def add(self, login: str, name: str, role: str, password: str, *,
            replace: bool = False) -> Person:
        if not _LOGIN.match(login):
            raise InputError(f"user name {login!r} cannot be used",
                             hint="Letters, digits, '.', '_' and '-', at most 40, e.g. li.qiang.")
        if role not in ROLES:
            raise InputError(f"unknown role {role}", hint=f"One of: {', '.join(ROLES)}.")
        if len(password) < 8:
            raise InputError("the password is shorter than 8 characters",
                             hint="Choose a longer one.")
        users = self._load()
        if login in users and not replace:
            raise InputError(f"user {login} exists already",
                             hint="Use `gendan users password` to change the password, or "
                             "remove the user first.")
        before = users.get(login, {}) if replace else {}
        person = Person(login, name.strip() or login, role, self._hasher().hash(password),
                        before.get("public_key", ""),
                        # a user removed and added again starts anew: no session of before
                        int(before.get("generation", secrets.randbelow(1 << 30))) + 1)
        users[login] = {k: v for k, v in asdict(person).items() if k != "login"}
        self._save(users)
        return person

    def set_password(self, login: str, password: str) -> None:
        person = self.get(login)
        if person is None:
            raise NotFoundError(f"no user {login}", hint="See `gendan users list`.")
        self.add(login, person.name, person.role, password, replace=True)

    def end_sessions(self, login: str) -> None:
        """Every session of `login` ends (sign-out, or a password or role changed)."""
        users = self._load()
        if login in users:
            users[login]["generation"] = int(users[login].get("generation", 0)) + 1
            self._save(users)

    def make_key(self, login: str) -> bytes:
        """A new signing key pair for `login`: the public half kept here (replacing any
        earlier one, whose signatures then no longer verify), the private half returned
        (PEM) for the person alone to keep."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        users = self._load()
        if login not in users:
            raise NotFoundError(f"no user {login}", hint="See `gendan users list`.")
        key = Ed25519PrivateKey.generate()
        users[login]["public_key"] = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")
        self._save(users)
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())

    def set_public_key(self, login: str, pem: str) -> None:
        """Register a public key the person made themselves."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        try:
            key = load_pem_public_key(pem.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            raise InputError(f"not a public key in PEM form: {exc}",
                             hint="Give the .pub file `gendan users key` wrote.") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise InputError("the key is not an Ed25519 key", hint="Make one with `gendan "
                             "users key`.")
        users = self._load()
        if login not in users:
            raise NotFoundError(f"no user {login}", hint="See `gendan users list`.")
        users[login]["public_key"] = pem.strip() + "\n"
        self._save(users)

    def remove(self, login: str) -> None:
        users = self._load()
        if users.pop(login, None) is None:
            raise NotFoundError(f"no user {login}", hint="See `gendan users list`.")
        self._save(users)

    def verify(self, login: str, password: str) -> Person | None:
        """The person when the password is theirs, else None (the same time either way)."""
        from argon2.exceptions import Argon2Error

        person = self.get(login)
        hasher = self._hasher()
        try:
            if person is None:
                hasher.verify(_DUMMY.get() or _DUMMY.set(hasher.hash("x" * 12)), password)
                return None
            hasher.verify(person.hash, password)
        except Argon2Error:
            return None
        return person

    def secret(self) -> str:
        """The key that signs session cookies: made once, kept private."""
        path = self.folder / "secret"
        try:
            return path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            self.folder.mkdir(mode=0o700, exist_ok=True)
            atomic_write(path, secrets.token_hex(32).encode("ascii"), mode=_PRIVATE)
            return path.read_text(encoding="ascii").strip()


class _Dummy:
    """A hash to verify against for unknown names, so that they take as long."""

    value = ""

    def get(self) -> str:
        return self.value

    def set(self, value: str) -> str:
        self.value = value
        return value


_DUMMY = _Dummy()
