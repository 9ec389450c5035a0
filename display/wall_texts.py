"""What the wall says (its name, hashtag, QR target, call to action) as the server has it.

The server sends them in `config.changed` on each connection: a display on another machine
needs only the server's address and token, and the office edits one wall.toml. They are
saved, so a display restarted without the server keeps the server's words, not its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from display.overlays import CallToAction
from display.saved import load_saved, save

TEXTS_FILE = "texts.json"
MAX_TEXT_CHARS = 500  # a longer line could not be drawn legibly anyway


def cta_from_config(config: dict[str, Any]) -> CallToAction:
    """From the `config` object of a `config.changed` message; ValueError if malformed."""
    try:
        values = {
            "wall_name": config["wall_name"],
            "hashtag": config["hashtag"],
            "text_fr": config["cta_fr"],
            "text_en": config["cta_en"],
            "qr_target": config["qr_target"],
        }
    except (KeyError, TypeError):
        raise ValueError("config.changed without the wall's texts") from None
    if not all(isinstance(v, str) and len(v) <= MAX_TEXT_CHARS for v in values.values()):
        raise ValueError("config.changed: texts must be strings of reasonable length")
    return CallToAction(**values)


def config_of(cta: CallToAction) -> dict[str, str]:
    return {
        "wall_name": cta.wall_name,
        "hashtag": cta.hashtag,
        "cta_fr": cta.text_fr,
        "cta_en": cta.text_en,
        "qr_target": cta.qr_target,
    }


def load_texts(folder: Path) -> CallToAction | None:
    data = load_saved(folder, TEXTS_FILE)
    if data is None:
        return None
    try:
        return cta_from_config(data)
    except ValueError:
        return None


def save_texts(folder: Path, cta: CallToAction) -> None:
    save(folder, TEXTS_FILE, config_of(cta))
