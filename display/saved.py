"""Small JSON files the display keeps beside its catalog: what the server last said, for a
restart without the server (the show plan, the wall's texts)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from wall.atomicfile import write_json_atomic

log = logging.getLogger(__name__)


def load_saved(folder: Path, name: str) -> Any | None:
    """The saved value, or None when there is none or it is unreadable (logged)."""
    path = folder / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring %s: %s", path, exc)
        return None


def save(folder: Path, name: str, payload: Any) -> None:
    """Best effort: a full disk must not stop the show, only its memory of the server."""
    try:
        write_json_atomic(folder / name, payload)
    except OSError as exc:
        log.warning("could not save %s: %s", folder / name, exc)
