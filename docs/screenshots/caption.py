"""Makes docs/screenshots/caption-emoji.png: a visitor's caption with emoji, as the wall shows it.

    .venv/bin/python docs/screenshots/caption.py

The real path end to end: `wall serve` on a temporary data dir, an upload from the visitor
page's API with a caption in three scripts and emoji, a moderator's approval, then `wall
display --headless` (spotlight, 1280×720) following the server; its last frame is stored
with a 256-colour palette, to stay small in the repository.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.helpers.server import LiveServer  # noqa: E402
from tests.helpers.wall_display import HeadlessDisplay, Moderator  # noqa: E402

OUT = Path(__file__).with_name("caption-emoji.png")
CAPTION = "Feu d'artifice sur la Corrèze 🎆✨ 花火 · ألعاب نارية"
AUTHOR = "Léa 🌸"
SETTLE_S = 6.0  # the photo in place, its crossfade done


def main() -> None:
    photo = (ROOT / "wall" / "samples" / "rocket.jpg").read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "server").mkdir()
        server = LiveServer(root / "server", wall={"hashtag": "#murbrive"}).start()
        try:
            moderator = Moderator(server)
            moderator.approve(moderator.upload(photo, caption=CAPTION, author=AUTHOR))
            display = HeadlessDisplay(
                root / "display", server, frames=100, size="1280x720", fps=10, every=10
            )
            display.start().finish(stop=False)
            frames = display.frame_paths()
            with Image.open(frames[-1]) as frame:
                picture = frame.convert("RGB")
            picture.quantize(256, dither=Image.Dither.FLOYDSTEINBERG).save(OUT, optimize=True)
        finally:
            server.stop()
    sys.stdout.write(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size // 1024} KB\n")


if __name__ == "__main__":
    main()
