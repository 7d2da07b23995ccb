"""Where a workspace keeps things: gendan.toml, inbox/ (with its _rejected, _failed,
_unmatched and _waiting folders), archive/ and the templates. No settings, no I/O
beyond finding the folder, so the read commands start fast."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import WorkspaceError

__all__ = ["BUNDLED_TEMPLATES", "CONFIG_NAME", "Workspace", "find_inside"]

CONFIG_NAME = "gendan.toml"
BUNDLED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def find_inside(relative: str, folders: list[Path]) -> Path | None:
    """`relative` in the first of `folders` that has it, resolved and still inside it."""
    if not relative or Path(relative).is_absolute() or ".." in Path(relative).parts:
        return None
    for folder in folders:
        candidate = (folder / relative).resolve()
        if candidate.is_file() and candidate.is_relative_to(folder.resolve()):
            return candidate
    return None


@dataclass(frozen=True)
class Workspace:
    """A folder with gendan.toml, inbox/, archive/ and optional templates/ overrides."""

    root: Path

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def rejected(self) -> Path:
        """Files that cannot be accepted, each with NAME.error.txt."""
        return self.inbox / "_rejected"

    @property
    def failed(self) -> Path:
        """Files whose processing crashed gendan, with the traceback to report."""
        return self.inbox / "_failed"

    @property
    def unmatched(self) -> Path:
        """Factory files whose order is not known yet, with NAME.reason.txt."""
        return self.inbox / "_unmatched"

    @property
    def waiting(self) -> Path:
        """Order updates waiting for an earlier one, with NAME.reason.txt."""
        return self.inbox / "_waiting"

    def side_folder(self, name: str) -> Path:
        """`inbox/_NAME/` for one of unmatched, waiting, rejected, failed (KeyError for
        anything else: a name from a form never becomes a path by itself)."""
        return {"unmatched": self.unmatched, "waiting": self.waiting,
                "rejected": self.rejected, "failed": self.failed}[name]

    @property
    def masters(self) -> Path:
        """Master data, one YAML file a record: customers/, products/, factories/,
        salespeople/ (pipeline/books/masters.py)."""
        return self.root / "masters"

    @property
    def books(self) -> Path:
        """The office's books: quotations costed, samples sent (pipeline/books/)."""
        return self.root / "books"

    @property
    def own_templates(self) -> Path:
        return self.root / "templates"

    @property
    def template_dirs(self) -> list[Path]:
        """Workspace overrides first, then the bundled templates."""
        own = self.own_templates
        dirs = [own] if own.is_dir() and own.resolve() != BUNDLED_TEMPLATES else []
        return [*dirs, BUNDLED_TEMPLATES]

    def template_file(self, relative: str) -> Path | None:
        """A file in the template folders (workspace first), never one outside them: an
        absolute path, `..` or a link that leads out is not found."""
        return find_inside(relative, self.template_dirs)

    def is_workspace(self) -> bool:
        return self.config_path.is_file() or (self.inbox.is_dir() and self.archive.is_dir())

    @classmethod
    def locate(cls, explicit: Path | None) -> Workspace:
        """--workspace, else $GENDAN_HOME, else the current folder; it must be a workspace
        (gendan.toml, or inbox/ and archive/): nothing is created here."""
        env = os.environ.get("GENDAN_HOME")
        root = explicit or (Path(env) if env else Path.cwd())
        root = root.expanduser().resolve()
        where = ("--workspace" if explicit else "$GENDAN_HOME" if env else "the current folder")
        if not root.is_dir():
            raise WorkspaceError(f"workspace {root} ({where}) does not exist",
                                 hint=f"Create one with `gendan init {root}`, or pass "
                                 "--workspace DIR.")
        workspace = cls(root)
        if not workspace.is_workspace():
            raise WorkspaceError(
                f"{root} ({where}) is not a gendan workspace: it has no gendan.toml, and no "
                "inbox/ and archive/",
                hint=f"Create one with `gendan init {root}`, or pass --workspace DIR "
                "(or set GENDAN_HOME).")
        return workspace

    def ensure_folders(self) -> None:
        for folder in (self.inbox, self.archive):
            folder.mkdir(parents=True, exist_ok=True)


URL_VARIABLE = "GENDAN_STORE_URL"


def store_location(config_path: Path | None, url: str = "",
                   schema: str = "") -> tuple[str, str]:
    """The shared backend's database and schema: GENDAN_STORE_URL, else the settings'
    (read here without validating the rest: a question command stays quick), else none."""
    if os.environ.get(URL_VARIABLE):
        return os.environ[URL_VARIABLE], schema
    if url or config_path is None or not config_path.is_file():
        return url, schema
    import tomllib

    try:
        section = tomllib.loads(config_path.read_text(encoding="utf-8")).get("store") or {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "", ""  # the settings' own loading says what is wrong with them
    return str(section.get("url") or ""), str(section.get("schema_name") or "")


ARCHIVE_URL_VARIABLE = "GENDAN_ARCHIVE_URL"
ARCHIVE_ENDPOINT_VARIABLE = "GENDAN_ARCHIVE_ENDPOINT"


def remote_location(config_path: Path | None, url: str = "",
                    endpoint: str = "") -> tuple[str, str]:
    """The archive's shared copy (remote.py) and its service's address: the
    environment's, else the ones given, else the settings' (read as `store_location`)."""
    url = os.environ.get(ARCHIVE_URL_VARIABLE) or url
    endpoint = os.environ.get(ARCHIVE_ENDPOINT_VARIABLE) or endpoint
    if url or config_path is None or not config_path.is_file():
        return url, endpoint
    import tomllib

    try:
        section = tomllib.loads(config_path.read_text(encoding="utf-8")).get("store") or {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "", ""
    return (str(section.get("archive_url") or ""),
            endpoint or str(section.get("archive_endpoint") or ""))
