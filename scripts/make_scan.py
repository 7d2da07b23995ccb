"""A factory document as a phone or a scanner gives it (for the demo): the first page of a
PDF as a JPEG picture at 200 dpi, on slightly grey paper, a little askew, turned a quarter,
with the factory's red seal over it.

    .venv/bin/python scripts/make_scan.py document.pdf scan.jpg
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pypdfium2
from PIL import Image, ImageDraw


def main(source: Path, target: Path) -> None:
    dpi = 200
    picture = pypdfium2.PdfDocument(str(source))[0].render(scale=dpi / 72).to_pil()
    picture = picture.convert("RGB")
    seal = Image.new("RGB", picture.size, "white")  # seal ink over the print: multiplied
    draw = ImageDraw.Draw(seal)
    x, y, r, red = int(picture.width * 0.7), int(picture.height * 0.18), int(dpi * 0.8), \
        (214, 28, 38)
    draw.ellipse((x - r, y - r, x + r, y + r), outline=red, width=dpi // 20)
    draw.regular_polygon((x, y, r // 4), 5, fill=red)
    pixels = np.asarray(picture).astype(np.float32) * np.asarray(seal) / 255
    pixels = pixels * (236 / 255)
    pixels += np.random.default_rng(7).normal(0, 5, pixels.shape)
    picture = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    picture = picture.rotate(1.5, resample=Image.Resampling.BICUBIC, expand=True,
                             fillcolor=(236, 236, 236)).rotate(90, expand=True)
    picture.save(target, "JPEG", quality=75, dpi=(dpi, dpi))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
