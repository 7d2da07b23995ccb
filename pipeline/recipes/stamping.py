"""Which stamps go on which document, from the settings: the archive stamp on the archived
copy of a factory document, the seal on the copy in the hand-over pack. The company seal is
one setting ([company] seal); a stamp names it as image = "seal". A seal or stamp image
that does not exist is a configuration error when the desk starts, never a silently
unsealed document."""

from __future__ import annotations

from pathlib import Path

from ..config import Settings, Stamp
from ..documents import DocumentMaker
from ..errors import ConfigError
from ..pdf.specs import StampSpec

__all__ = ["Stamps", "check_images"]


def _image(stamp: Stamp, settings: Settings) -> str:
    return settings.company.seal if stamp.image == "seal" else stamp.image


def check_images(settings: Settings, maker: DocumentMaker) -> list[str]:
    """Every image the settings name that cannot be found, as `key: what`."""
    missing = []
    if maker.template_file(settings.company.seal) is None:
        missing.append(f"company.seal: {settings.company.seal} is not in the templates folders")
    if settings.company.logo and maker.template_file(settings.company.logo) is None:
        missing.append(f"company.logo: {settings.company.logo} is not in the templates folders")
    for n, stamp in enumerate(settings.stamps):
        if stamp.image and stamp.image != "seal" and maker.template_file(stamp.image) is None:
            missing.append(f"stamps.{n}.image: {stamp.image} is not in the templates folders")
    return missing


class Stamps:
    def __init__(self, settings: Settings, maker: DocumentMaker) -> None:
        self.settings = settings
        self.maker = maker
        self._warm = False
        if missing := check_images(settings, maker):
            raise ConfigError("; ".join(missing),
                              hint="Put the file into the workspace's templates/ folder (e.g. "
                              "templates/assets/seal.png) or correct the path in gendan.toml; "
                              "`gendan config check` shows what is used.")

    def specs(self, doc_type: str, purpose: str = "archive") -> list[StampSpec]:
        specs = []
        for stamp in self.settings.stamps:
            if stamp.purpose != purpose or not stamp.applies_to(doc_type):
                continue
            image = self.maker.template_file(_image(stamp, self.settings)) if stamp.image \
                else None
            pages = stamp.pages if isinstance(stamp.pages, str) else tuple(stamp.pages)
            specs.append(StampSpec(text=stamp.text, image=image, position=stamp.position,
                                   offset_mm=stamp.offset_mm, width_mm=stamp.width_mm,
                                   height_mm=stamp.height_mm, rotation=stamp.rotation,
                                   opacity=stamp.opacity, pages=pages, color=stamp.color))
        return specs

    def archive_specs(self, doc_type: str) -> list[StampSpec]:
        return self.specs(doc_type, "archive")

    def warm(self) -> None:
        """Read the stamp font now (once per process), so that children forked later to
        stamp have it."""
        if not self._warm:
            self._warm = True
            self.font([StampSpec(text=s.text) for s in self.settings.stamps if s.text])

    def font(self, specs: list[StampSpec]) -> Path | None:
        if not any(spec.text for spec in specs):
            return None
        from ..pdf import prepare_font, stamp_font_path

        path = stamp_font_path(self.settings.stamp_font)
        prepare_font(path)  # once per process: each stamping child inherits it
        return path
