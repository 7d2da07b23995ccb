"""Mail: documents sent to the customer by SMTP (`gendan send`), and factories' mail read
from IMAP mailboxes into the inbox (`gendan mail`). docs/mail.md."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError

__all__ = ["secret"]


def secret(env: str, file: str, what: str) -> str:
    """A password from an environment variable or a file's first line, never from the
    settings themselves; empty when neither is named."""
    import os

    if env:
        value = os.environ.get(env)
        if value is None:
            raise ConfigError(f"{what}: the environment variable {env} is not set",
                              hint=f"Set {env}, or name a password_file in [mail].")
        return value
    if file:
        try:
            return Path(file).expanduser().read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError) as exc:
            raise ConfigError(f"{what}: the password file {file} cannot be read ({exc})",
                              hint="Check the path in [mail], or use password_env.") from exc
    return ""
