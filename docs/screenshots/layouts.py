"""Makes the README's frames of the mosaic and the photomosaic, as the renderer draws them.

    .venv/bin/python docs/screenshots/layouts.py

The real layouts, photo library (decoders on their threads) and rotation over a rendition
cache in a temporary folder, headless (SDL's dummy driver), on a clock stepped at 30 fps
(tests/helpers/layout_rig.py). Photos are made from the samples in wall/samples: crops,
flips and colour casts of them, their renditions written as the server writes them.

- mosaic-panorama-portrait.png: the mosaic (1280×720) of 24 photos, with a 5:1 panorama and
  a 9:16 portrait approved during the show, each whole in its tile over a blurred copy;
- photomosaic-15.png: the photomosaic (1920×1080) of 15 photos, 10 s after they arrived;
- photomosaic-arrival.png: the same wall 1 s after a 16th photo was approved (it flies in);
- photomosaic-2000.png: the photomosaic (1920×1080) of 2,000 photos.

Each frame is scaled to 960 px wide and stored with a 256-colour palette (small in the
repository: under 400 KB each).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from display.layouts import mosaic, photomosaic  # noqa: E402
from tests.helpers.layout_rig import (  # noqa: E402
    LayoutRig,
    make_renditions,
    sample_pixels,
    wall_photo,
)
from wall.config import DisplaySection  # noqa: E402

OUT = Path(__file__).parent
WIDTH = 960
FPS = 30


def variants(count: int, seed: int) -> list[np.ndarray]:
    """`count` photo-like RGB pictures from the samples: a random crop (a third to all of
    the sample), a flip, a colour cast, scaled to at most 400 px."""
    rng = np.random.default_rng(seed)
    samples = list(sample_pixels().values())
    pictures = []
    for number in range(count):
        pixels = samples[number % len(samples)]
        if number >= len(samples):
            height, width = pixels.shape[:2]
            scale = rng.uniform(0.35, 1.0)
            crop_w, crop_h = round(width * scale), round(height * scale * rng.uniform(0.7, 1.0))
            left = rng.integers(0, width - crop_w + 1)
            top = rng.integers(0, height - crop_h + 1)
            pixels = pixels[top : top + crop_h, left : left + crop_w]
            if rng.random() < 0.5:
                pixels = pixels[:, ::-1]
            cast = rng.integers(-60, 60, 3)
            pixels = np.clip(pixels.astype(np.int16) + cast, 0, 255).astype(np.uint8)
        edge = max(pixels.shape[:2])
        if edge > 400:
            size = (round(pixels.shape[1] * 400 / edge), round(pixels.shape[0] * 400 / edge))
            pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
        pictures.append(np.ascontiguousarray(pixels))
    return pictures


def add_all(rig: LayoutRig, pictures: list[np.ndarray], prefix: str) -> None:
    """Writes the renditions straight into the cache and announces each photo."""
    for number, pixels in enumerate(pictures):
        renditions = make_renditions(pixels)
        photo_id = f"{prefix}{number:05d}"
        for kind, data in renditions.files.items():
            rig.cache.put(photo_id, kind, data)
        rig.announce(wall_photo(photo_id, renditions), fresh=False)


def save(rig: LayoutRig, name: str) -> None:
    height = round(rig.size[1] * WIDTH / rig.size[0])
    frame = Image.fromarray(rig.pixels()).resize((WIDTH, height), Image.Resampling.LANCZOS)
    path = OUT / name
    frame.quantize(256, dither=Image.Dither.FLOYDSTEINBERG).save(path, optimize=True)
    sys.stdout.write(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB\n")


def mosaic_frame(root: Path) -> None:
    rig = LayoutRig(root / "mosaic", (1280, 720))
    try:
        add_all(rig, variants(24, seed=1), "m")
        layout = mosaic.create(DisplaySection())
        layout.start(rig.size, rig.now)
        rig.run(layout, 6.0, fps=FPS)
        samples = sample_pixels()
        rocket, hubble = samples["rocket"], samples["hubble"]
        panorama = rocket[150:278]  # 640×128: a 5:1 strip across the launch
        portrait = hubble[:, 250:741]  # 491×872: a 9:16 phone photo
        rig.add("panorama", np.ascontiguousarray(panorama), fresh=True)
        rig.add("portrait", np.ascontiguousarray(portrait), fresh=True)
        rig.run(layout, 8.0, fps=FPS)  # both in place, their highlights over
        save(rig, "mosaic-panorama-portrait.png")
    finally:
        rig.close()


def photomosaic_frames(root: Path, count: int, name: str, arrival: str | None = None) -> None:
    rig = LayoutRig(root / f"photomosaic{count}", (1920, 1080))
    try:
        pictures = variants(count + 1, seed=2)
        layout = photomosaic.create(DisplaySection())
        layout.start(rig.size, rig.now)
        add_all(rig, pictures[:count], "p")
        rig.run(layout, 10.0, fps=FPS)
        save(rig, name)
        if arrival is not None:
            rig.add("arrival", sample_pixels()["chelsea"], fresh=True)
            rig.run(layout, 1.0, fps=FPS)
            save(rig, arrival)
    finally:
        rig.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        mosaic_frame(root)
        photomosaic_frames(root, 15, "photomosaic-15.png", "photomosaic-arrival.png")
        photomosaic_frames(root, 2000, "photomosaic-2000.png")


if __name__ == "__main__":
    main()
