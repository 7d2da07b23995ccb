"""What a stamp is (text, image, place, pages), without the libraries that draw it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["StampSpec"]


@dataclass(frozen=True)
class StampSpec:
    text: str = ""
    image: Path | None = None
    position: str = "top-right"  # {top,middle,bottom}-{left,center,right} or "center"
    offset_mm: tuple[float, float] = (0.0, 0.0)  # + is right / up
    width_mm: float = 62.0
    height_mm: float | None = None
    rotation: float = 0.0  # degrees, counter-clockwise
    opacity: float = 0.9
    pages: str | tuple[int, ...] = "all"  # "all", "first", "last" or 1-based page numbers
    color: str = "#c8102e"

    @property
    def per_page(self) -> bool:
        return "{page}" in self.text or "{pages}" in self.text
