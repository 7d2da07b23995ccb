"""Which stamps go on which document, from the settings: the archive stamp and the seal on
the archived copy of a factory document, and the page numbers of the hand-over pack."""

from __future__ import annotations

import logging
from pathlib import Path

from ..config import Settings
from ..documents import DocumentMaker
from ..pdf import StampSpec, stamp_font_path

__all__ = ["Stamps"]

log = logging.getLogger(__name__)


class Stamps:
    def __init__(self, settings: Settings, maker: DocumentMaker) -> None:
        self.settings = settings
        self.maker = maker

    def archive_specs(self, doc_type: str) -> list[StampSpec]:
        specs = []
        for stamp in self.settings.stamps:
            if not stamp.applies_to(doc_type):
                continue
            image = self.maker.template_file(stamp.image) if stamp.image else None
            if stamp.image and image is None:
                log.warning("stamp image %s not found in templates/; stamp skipped", stamp.image)
                continue
            pages = stamp.pages if isinstance(stamp.pages, str) else tuple(stamp.pages)
            specs.append(StampSpec(text=stamp.text, image=image, position=stamp.position,
                                   offset_mm=stamp.offset_mm, width_mm=stamp.width_mm,
                                   height_mm=stamp.height_mm, rotation=stamp.rotation,
                                   opacity=stamp.opacity, pages=pages, color=stamp.color))
        return specs

    def font(self, specs: list[StampSpec]) -> Path | None:
        needs_text = any(spec.text for spec in specs)
        return stamp_font_path(self.settings.stamp_font) if needs_text else None
