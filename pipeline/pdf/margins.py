"""Where a stamp can go without covering anything: the factory's letterhead, its figures,
its own stamps. The page's text, lines, boxes and pictures are read (pdfplumber); of the
nine places a stamp can take, the one asked for is used when it is free, else the nearest
free one, else the one that covers least."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .stamp import EDGE_MM, MM, StampSpec, stamp_size_mm

__all__ = ["free_position", "in_free_margin"]

PLACES = ("bottom-right", "bottom-left", "bottom-center", "top-right", "top-left",
          "top-center", "middle-right", "middle-left", "center")


def _rect(position: str, page_w: float, page_h: float, w: float, h: float
          ) -> tuple[float, float, float, float]:
    """(x0, top, x1, bottom) of a stamp at `position`, in top-down coordinates."""
    edge = EDGE_MM * MM
    row, _, col = ("middle", "", "center") if position == "center" else \
        position.partition("-")
    x = {"left": edge, "center": (page_w - w) / 2, "right": page_w - edge - w}[col]
    top = {"top": edge, "middle": (page_h - h) / 2, "bottom": page_h - edge - h}[row]
    return x, top, x + w, top + h


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]
             ) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def free_position(pdf: Path, page_index: int, spec: StampSpec) -> str:
    """The place for `spec` on page `page_index` (0-based) of `pdf` that covers nothing."""
    import pdfplumber

    w_mm, h_mm = stamp_size_mm(spec)
    w, h = w_mm * MM, h_mm * MM
    with pdfplumber.open(str(pdf)) as document:
        page = document.pages[page_index]
        if page.rotation:
            return spec.position  # content and box disagree: keep what was asked
        page_w, page_h = float(page.width), float(page.height)
        pad = 2.0
        boxes = [(float(o["x0"]) - pad, float(o["top"]) - pad, float(o["x1"]) + pad,
                  float(o["bottom"]) + pad)
                 for kind in ("chars", "rects", "lines", "images", "curves")
                 for o in getattr(page, kind)]
    order = [spec.position, *[p for p in PLACES if p != spec.position]]
    covered = {}
    for position in order:
        rect = _rect(position, page_w, page_h, w, h)
        covered[position] = sum(_overlap(rect, box) for box in boxes)
        if covered[position] == 0:
            return position
    return min(order, key=lambda p: covered[p])


def in_free_margin(pdf: Path, specs: list[StampSpec], pages: int) -> list[StampSpec]:
    """The specs, each moved to a free place on the (one) page it goes on."""
    placed = []
    for spec in specs:
        if spec.pages in ("last", "first") or (isinstance(spec.pages, tuple) and
                                              len(spec.pages) == 1):
            index = {"last": pages - 1, "first": 0}.get(spec.pages) if isinstance(
                spec.pages, str) else spec.pages[0] - 1
            if index is not None and 0 <= index < pages:
                spec = replace(spec, position=free_position(pdf, index, spec), offset_mm=(0, 0))
        placed.append(spec)
    return placed
