"""Pages without a text layer, read by OCR offline: RapidOCR (the PP-OCRv4 models of
PaddleOCR, Chinese and English, shipped inside the wheel and run by onnxruntime; nothing is
downloaded). One engine per process, made on first use.

A page is drawn as a picture (or taken as the scan it is), turned upright (a page scanned
sideways or upside down: the direction of its text lines, then the direction the line
classifier reads), a red seal noted and its red taken out of the picture (red ink over
black text is what misleads a recogniser most), then read: text lines found, each line
recognised with the place of every character, and the characters grouped into words at
the gaps between them (the recogniser leaves out most spaces of English text: "Portof
discharge" is three words by their gaps). Every word keeps its box, in pixels of the
upright picture, and the recogniser's confidence.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ENGINE", "OcrPage", "OcrWord", "read_picture"]

ENGINE = "RapidOCR 1.4.4 (PP-OCRv4, onnxruntime)"
_engine: Any = None


@dataclass(frozen=True)
class OcrWord:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float


@dataclass
class OcrPage:
    width: int  # pixels of the upright picture
    height: int
    dpi: float
    angle: int  # degrees the picture was turned (clockwise) to stand upright
    seal: bool  # a red seal (or other red marks of some size) on the page
    words: list[OcrWord] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def confidence(self) -> float:
        return statistics.fmean(w.confidence for w in self.words) if self.words else 0.0

    def lines(self) -> list[list[OcrWord]]:
        """The words line by line (a word whose middle falls within a line's height joins
        it), each line from the left."""
        lines: list[list[OcrWord]] = []
        for word in sorted(self.words, key=lambda w: (w.top + w.bottom) / 2):
            middle = (word.top + word.bottom) / 2
            if lines and lines[-1][0].top <= middle <= lines[-1][0].bottom:
                lines[-1].append(word)
            else:
                lines.append([word])
        return [sorted(line, key=lambda w: w.x0) for line in lines]

    @property
    def text(self) -> str:
        return "\n".join(" ".join(w.text for w in line) for line in self.lines())


def engine() -> Any:
    """The process's one OCR engine (its models load once: about a second)."""
    global _engine
    if _engine is None:
        from rapidocr_onnxruntime import RapidOCR

        _engine = RapidOCR(det_limit_side_len=1600, det_limit_type="max", max_side_len=2400,
                           rec_batch_num=16, print_verbose=False)
    return _engine


RED_SHARE = 0.0015  # of the page's pixels: a seal of 40 mm on A4 is about 2 %


def _seal(rgb: Any) -> tuple[Any, bool]:
    """The picture without its red (set to white), and whether it had a red seal."""
    import numpy as np

    r, g, b = (rgb[..., n].astype(np.int16) for n in range(3))
    red = (r > 120) & (r - g > 50) & (r - b > 50)
    seal = bool(red.mean() > RED_SHARE)
    if seal:
        rgb = rgb.copy()
        rgb[red] = 255
    return rgb, seal


def _upright(bgr: Any) -> tuple[Any, int]:
    """The picture turned so that its text stands upright, and by how much (found on a
    small copy: the shape of the text lines, then the line classifier's majority)."""
    import cv2
    import numpy as np

    ocr = engine()
    small = bgr
    scale = 1200 / max(bgr.shape[:2])
    if scale < 1:
        small = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    boxes, _ = ocr.text_det(small)
    if boxes is None or len(boxes) == 0:
        return bgr, 0
    sizes = [(np.linalg.norm(b[0] - b[1]), np.linalg.norm(b[0] - b[3])) for b in boxes]
    tall = sum(h > 1.5 * w for w, h in sizes)
    wide = sum(w > 1.5 * h for w, h in sizes)
    angle = 0
    if tall > wide:  # lines run down the page: turned a quarter
        small = cv2.rotate(small, cv2.ROTATE_90_CLOCKWISE)
        angle = 90
        boxes, _ = ocr.text_det(small)
        if boxes is None or len(boxes) == 0:
            return cv2.rotate(bgr, cv2.ROTATE_90_CLOCKWISE), angle
    longest = sorted(boxes, key=lambda b: -np.linalg.norm(b[0] - b[1]))[:12]
    crops = ocr.get_crop_img_list(small, longest)
    _, labels, _ = ocr.text_cls(crops)
    flipped = sum(1 for label, score in labels if label == "180" and score > 0.7)
    if flipped > len(labels) / 2:
        angle = (angle + 180) % 360
    turns = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180,
             270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return (cv2.rotate(bgr, turns[angle]) if angle in turns else bgr), angle


def _segments(crop: Any) -> list[tuple[int, int]]:
    """Where a text line's picture holds ink, cut at the blank gaps between its words and
    at ruled lines (a table's cell borders): the recogniser reads a row of a table as one
    line and, not knowing where its gaps were, runs the cells' texts together."""
    import numpy as np

    gray = crop.mean(axis=2) if crop.ndim == 3 else crop
    height = gray.shape[0]
    ink = (gray < 150).sum(axis=0)
    rule = ink > 0.8 * height  # a vertical rule crossing the line: a border
    blank = (ink == 0) | rule
    gap = max(3, int(height * 0.2))
    segments: list[tuple[int, int]] = []
    start, run = None, 0
    for x, empty in enumerate(np.append(blank, True)):
        if not empty:
            if start is None:
                start = x
            run = 0
            continue
        run += 1
        if start is not None and (run >= gap or x == len(blank) or rule[min(x, len(rule) - 1)]):
            segments.append((start, x - run + 1))
            start = None
    return [(a, b) for a, b in segments if b - a >= 2]


@dataclass
class Piece:
    """A part of a text line between gaps: its place in the line's picture and on the page,
    and what the recogniser read in it."""

    crop: Any
    a: int
    b: int
    x0: float
    x1: float
    top: float
    bottom: float
    text: str = ""
    score: float = 0.0
    merged: bool = False  # read again together with its neighbours

    def picture(self) -> Any:
        pad = max(1, self.crop.shape[0] // 8)
        return self.crop[:, max(0, self.a - pad):min(self.crop.shape[1], self.b + pad)]


def _recognise(pieces: list[Piece]) -> None:
    if pieces:
        for piece, (text, score) in zip(pieces, engine().text_rec(
                [p.picture() for p in pieces], False)[0], strict=True):
            piece.text, piece.score = text, float(score)


def _chinese(text: str) -> bool:
    return bool(text) and all("\u4e00" <= c <= "\u9fff" for c in text.strip())


def _chinese_runs(line: list[Piece]) -> list[Piece]:
    """Neighbouring pieces read as Chinese and set less than half a line's height apart:
    one word whose characters stood apart (read alone, a character is often misread)."""
    runs: list[Piece] = []
    group: list[Piece] = []
    for piece in [*line, None]:
        close = piece is not None and group and _chinese(piece.text) and \
            piece.a - group[-1].b < 0.5 * piece.crop.shape[0]
        if close:
            group.append(piece)  # type: ignore[arg-type]
            continue
        if len(group) > 1:
            for member in group:
                member.merged = True
            first, last = group[0], group[-1]
            runs.append(Piece(first.crop, first.a, last.b, first.x0, last.x1, first.top,
                              first.bottom))
        group = [piece] if piece is not None and _chinese(piece.text) else []
    return runs


def _with(line: list[Piece], runs: list[Piece]) -> list[Piece]:
    """The line's pieces, its Chinese runs in place of the pieces they join."""
    return sorted([p for p in line if not p.merged] + runs, key=lambda p: p.x0)


def _split_words(text: str, x0: float, x1: float) -> list[tuple[str, float, float]]:
    """A piece's text, cut at the spaces the recogniser read, each word placed by its
    share of the characters."""
    parts = text.split()
    if len(parts) < 2:
        return [(text.strip(), x0, x1)]
    width = (x1 - x0) / max(1, len(text))
    placed, at = [], 0
    for part in parts:
        begin = text.index(part, at)
        at = begin + len(part)
        placed.append((part, x0 + begin * width, x0 + at * width))
    return placed


def read_picture(picture: Any, dpi: float) -> OcrPage:
    """Read one page given as a picture (PIL image) drawn or scanned at `dpi`."""
    import numpy as np

    started = time.perf_counter()
    rgb, seal = _seal(np.asarray(picture.convert("RGB")))
    bgr, angle = _upright(np.ascontiguousarray(rgb[..., ::-1]))
    ocr = engine()
    height, width = bgr.shape[:2]
    page = OcrPage(width, height, dpi, angle, seal)
    img, ratio_h, ratio_w = ocr.preprocess(bgr)
    record: dict[str, Any] = {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}}
    img, record = ocr.maybe_add_letterbox(img, record)
    boxes, _ = ocr.auto_text_det(img)
    if boxes is None:
        page.seconds = time.perf_counter() - started
        return page
    crops = ocr.get_crop_img_list(img, boxes)
    origin = ocr._get_origin_points(boxes, record, height, width)
    lines: list[list[Piece]] = []
    for box, crop in zip(origin, crops, strict=True):
        x_left, x_right = float(min(p[0] for p in box)), float(max(p[0] for p in box))
        top, bottom = float(min(p[1] for p in box)), float(max(p[1] for p in box))
        scale = (x_right - x_left) / max(1, crop.shape[1])
        lines.append([Piece(crop, a, b, x_left + a * scale, x_left + b * scale, top, bottom)
                      for a, b in _segments(crop)])
    _recognise([p for line in lines for p in line])
    for line in lines:  # Chinese characters set apart (a heading): read together again
        joined = _chinese_runs(line)
        _recognise(joined)
        for piece in (p for p in line if not p.merged) if not joined else _with(line, joined):
            if piece.text.strip() and piece.score >= 0.5:
                page.words += [OcrWord(t, a, piece.top, b, piece.bottom, piece.score)
                               for t, a, b in _split_words(piece.text, piece.x0, piece.x1) if t]
    page.seconds = time.perf_counter() - started
    return page
