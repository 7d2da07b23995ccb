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

from .ocr_words import OcrWord, joined_parts, joins, lines_of, on_lines, split_words, without_echoes

__all__ = ["ENGINE", "OcrPage", "OcrWord", "read_picture"]

ENGINE = "RapidOCR 1.4.4 (PP-OCRv4, onnxruntime)"
_engine: Any = None
DET_SIDE = 1400


@dataclass
class OcrPage:
    width: int  # pixels of the upright picture
    height: int
    dpi: float
    angle: int  # degrees the picture was turned (clockwise) to stand upright
    seal: bool  # a red seal (or other red marks of some size) on the page
    words: list[OcrWord] = field(default_factory=list)
    seconds: float = 0.0
    skew: float = 0.0  # degrees the picture was levelled by
    picture: Any = None  # the page as it was read: upright and level (PIL image)

    @property
    def confidence(self) -> float:
        return statistics.fmean(w.confidence for w in self.words) if self.words else 0.0

    def lines(self) -> list[list[OcrWord]]:
        """The words line by line (a word whose middle falls within a line's height joins
        it), each line from the left."""
        return lines_of(self.words)

    @property
    def text(self) -> str:
        return "\n".join(" ".join(w.text for w in line) for line in self.lines())


def engine() -> Any:
    """The process's one OCR engine (its models load once: about a second)."""
    global _engine
    if _engine is None:
        from rapidocr_onnxruntime import RapidOCR

        _few_arenas()

        # with the "max" limit, RapidOCR 1.4.4 sizes the detector's picture by the page's
        # (960, 1500 or 2000 pixels), not by det_limit_side_len: 200 dpi pages are read at
        # 2000 (held at 1400 or 1760 by force the fields fell to 97.0 / 97.3 %, bench/ocr.py
        # seed 1); pieces of a line read six at a time,
        # each padded to at least twice its height (not to RapidOCR's 320 pixels: most
        # pieces are a table's short cells), measured in bench/ocr.py
        _engine = RapidOCR(det_limit_side_len=DET_SIDE, det_limit_type="max",
                           max_side_len=2400, rec_batch_num=6, rec_img_shape=[3, 48, 96],
                           print_verbose=False)
        _quick_detector_input()
    return _engine


def _quick_detector_input() -> None:
    """The detector's picture scaled and laid out for the model by OpenCV in one pass
    (`blobFromImage`): RapidOCR's own does it in float64 NumPy, 0.05-0.2 s a call and two
    calls a page; the same numbers to float32's last bit."""
    import cv2
    import numpy as np
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

    own = DetPreProcess.__call__

    def quick(self: Any, img: Any) -> Any:
        mean, std = np.asarray(self.mean, float), np.asarray(self.std, float)
        if img.ndim != 3 or img.shape[2] != 3 or np.ptp(std) or np.ptp(mean):
            return own(self, img)  # per-channel scales: RapidOCR's own way
        resized = self.resize(img)
        if resized is None:
            return None
        return cv2.dnn.blobFromImage(resized, scalefactor=float(self.scale / std[0]),
                                     mean=(float(mean[0] / self.scale),) * 3, swapRB=False,
                                     crop=False)

    if getattr(DetPreProcess.__call__, "__name__", "") != "quick":
        DetPreProcess.__call__ = quick


def _few_arenas() -> None:
    """At most two malloc arenas in this process: the engine's threads would otherwise each
    get their own, and a busy machine pushed a page's reading from 750 MB to 1.2 GB."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass  # not glibc: its allocator as it is


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


def _orientation(bgr: Any) -> tuple[int, float]:
    """How the picture must be turned for its text to stand upright (a quarter turn when
    its text lines run down the page; half a turn when the line classifier reads most
    lines upside down) and the slope of its lines after that, in degrees (a page scanned
    a little askew); found on a small copy (800 pixels; 1,200 when that shows few lines:
    the small print of a page scanned at 150 dpi is lost at 800)."""
    import cv2
    import numpy as np

    ocr = engine()
    for side in (800, 1200):
        small = bgr
        scale = side / max(bgr.shape[:2])
        if scale < 1:
            small = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        boxes, _ = ocr.text_det(small)
        if boxes is not None and len(boxes) >= 20:
            break
    if boxes is None or len(boxes) == 0:
        return 0, 0.0
    sizes = [(np.linalg.norm(b[0] - b[1]), np.linalg.norm(b[0] - b[3])) for b in boxes]
    angle = 0
    if sum(h > 1.5 * w for w, h in sizes) > sum(w > 1.5 * h for w, h in sizes):
        small = cv2.rotate(small, cv2.ROTATE_90_CLOCKWISE)  # lines run down the page
        angle = 90
        boxes, _ = ocr.text_det(small)
        if boxes is None or len(boxes) == 0:
            return angle, 0.0
    longest = sorted(boxes, key=lambda b: -np.linalg.norm(b[0] - b[1]))[:12]
    _, labels, _ = ocr.text_cls(ocr.get_crop_img_list(small, longest))
    flipped = sum(1 for label, score in labels if label == "180" and score > 0.7)
    upside_down = flipped > len(labels) / 2
    if upside_down:
        angle = (angle + 180) % 360
    slopes = [float(np.degrees(np.arctan2(b[1][1] - b[0][1], b[1][0] - b[0][0])))
              for b in longest if np.linalg.norm(b[0] - b[1]) > 4 * np.linalg.norm(b[0] - b[3])]
    skew = float(np.median(slopes)) if slopes else 0.0
    return angle, (0.0 if abs(skew) < 0.3 or abs(skew) > 10 else skew)


def _turn(picture: Any, angle: int, skew: float, fill: int) -> Any:
    """The picture (an array) turned by `angle` (clockwise) and levelled by `skew`."""
    import cv2

    turns = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180,
             270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    if angle in turns:
        picture = cv2.rotate(picture, turns[angle])
    if skew:
        height, width = picture.shape[:2]
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), skew, 1.0)
        picture = cv2.warpAffine(picture, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                 borderValue=(fill, fill, fill))
    return picture


def _ruled(gray: Any, box: Any) -> Any:
    """Which columns of a text line's box a vertical rule crosses: ink all through the
    line and on above and below it too (a table's cell border; a letter's stroke stops
    with the line)."""
    import numpy as np

    x0, x1 = int(min(p[0] for p in box)), int(max(p[0] for p in box))
    top, bottom = int(min(p[1] for p in box)), int(max(p[1] for p in box))
    reach = max(3, (bottom - top) // 2)
    above = gray[max(0, top - reach):max(0, top - 1), x0:x1 + 1] < 200  # a thin grey rule
    below = gray[bottom + 1:bottom + reach, x0:x1 + 1] < 200
    line = gray[top:bottom + 1, x0:x1 + 1] < 200
    if above.size == 0 or below.size == 0 or line.size == 0:
        return np.zeros(max(0, x1 - x0 + 1), dtype=bool)
    crossed = (above.mean(axis=0) > 0.7) & (below.mean(axis=0) > 0.7) & (line.mean(axis=0) > 0.7)
    return crossed[:-1] | crossed[1:] if crossed.size > 1 else crossed  # a rule 1 px off


def _segments(crop: Any, ruled: Any = None) -> list[tuple[int, int]]:
    """Where a text line's picture holds ink, cut at the blank gaps between its words and
    at ruled lines (`ruled`: a table's cell borders, by column): the recogniser reads a row
    of a table as one line and, not knowing where its gaps were, runs the cells' texts
    together."""
    import numpy as np

    gray = crop.mean(axis=2) if crop.ndim == 3 else crop
    height = gray.shape[0]
    ink = (gray < 150).sum(axis=0)
    rule = np.zeros(len(ink), dtype=bool)
    if ruled is not None and len(ruled):
        at = np.linspace(0, len(ruled) - 1, num=len(ink)).round().astype(int)
        rule = ruled[at]
    blank = (ink == 0) | rule
    gap = max(3, round(height * 0.2))
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

    left: int = 0  # how far the picture may reach each side (half-way to its neighbours)
    right: int = 0

    def picture(self) -> Any:
        pad = max(1, self.crop.shape[0] // 8)
        return self.crop[:, max(0, self.left, self.a - pad):min(self.crop.shape[1],
                                                               self.right or self.b + pad,
                                                               self.b + pad)]


def _recognise(pieces: list[Piece]) -> None:
    if pieces:
        for piece, (text, score) in zip(pieces, engine().text_rec(
                [p.picture() for p in pieces], False)[0], strict=True):
            piece.text, piece.score = text, float(score)


def _runs(line: list[Piece]) -> list[Piece]:
    """The pieces of a line that are one word (`_joins`), each run as one piece, to read
    again."""
    runs: list[Piece] = []
    group: list[Piece] = []
    for piece in [*line, None]:
        so_far = "".join(p.text.strip() for p in group)  # 1 , 2 o o: the run, not its last
        if piece is not None and group and joins(so_far, piece.text.strip(),
                                                  piece.a - group[-1].b, piece.crop.shape[0],
                                                  group[-1].text.strip()):
            group.append(piece)
            continue
        if len(group) > 1:
            for member in group:
                member.merged = True
            first, last = group[0], group[-1]
            runs.append(Piece(first.crop, first.a, last.b, first.x0, last.x1, first.top,
                              first.bottom, left=first.left, right=last.right))
        group = [piece] if piece is not None else []
    return runs


def _with(line: list[Piece], runs: list[Piece]) -> list[Piece]:
    """The line's pieces, its Chinese runs in place of the pieces they join."""
    return sorted([p for p in line if not p.merged] + runs, key=lambda p: p.x0)


def read_picture(picture: Any, dpi: float) -> OcrPage:
    """Read one page given as a picture (PIL image) drawn or scanned at `dpi`."""
    import numpy as np
    from PIL import Image

    started = time.perf_counter()
    shown = np.asarray(picture.convert("RGB"))
    rgb, seal = _seal(shown)
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    angle, skew = _orientation(bgr)
    bgr = _turn(bgr, angle, skew, 255)
    ocr = engine()
    height, width = bgr.shape[:2]
    page = OcrPage(width, height, dpi, angle, seal, skew=round(skew, 2))
    page.picture = Image.fromarray(_turn(shown, angle, skew, 255)) if angle or skew \
        else picture.convert("RGB")
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
    gray = img.mean(axis=2, dtype=np.float32) if img.ndim == 3 else img
    for box, found, crop in zip(origin, boxes, crops, strict=True):
        x_left, x_right = float(min(p[0] for p in box)), float(max(p[0] for p in box))
        top, bottom = float(min(p[1] for p in box)), float(max(p[1] for p in box))
        scale = (x_right - x_left) / max(1, crop.shape[1])
        cuts = _segments(crop, _ruled(gray, found))
        lines.append([Piece(crop, a, b, x_left + a * scale, x_left + b * scale, top, bottom,
                            left=(cuts[k - 1][1] + a) // 2 if k else 0,
                            right=(b + cuts[k + 1][0]) // 2 if k + 1 < len(cuts) else 0)
                      for k, (a, b) in enumerate(cuts)])
    _recognise([p for line in lines for p in line])
    runs = [_runs(line) for line in lines]  # Chinese characters set apart (a heading)
    _recognise([p for joined in runs for p in joined])  # read together again, in one go
    for line, joined in zip(lines, runs, strict=True):
        for piece in (p for p in line if not p.merged) if not joined else _with(line, joined):
            if piece.text.strip() and piece.score >= 0.5:
                page.words += [OcrWord(t, a, piece.top, b, piece.bottom, piece.score)
                               for t, a, b in split_words(piece.text, piece.x0, piece.x1) if t]
    page.words = on_lines(joined_parts(without_echoes(page.words)))
    page.seconds = time.perf_counter() - started
    return page
