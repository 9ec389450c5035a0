"""The wall says what the server's configuration says (`config.changed`), even when the
display's own wall.toml says otherwise, and keeps saying it after a restart without the
server. Read from the frames: the idle screen's QR code is decoded with OpenCV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from display.wall_texts import cta_from_config
from tests.helpers.server import LiveServer
from tests.helpers.wall_display import HeadlessDisplay

SERVER_URL_ON_WALL = "https://mur.brive.example/"
LOCAL_QR = "https://local.example/"
TIMEOUT_S = 20.0


def qr_text(frame: np.ndarray) -> str:
    text, _points, _straight = cv2.QRCodeDetector().detectAndDecode(
        cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    )
    return str(text)


def test_the_server_texts_replace_the_local_ones_and_survive_a_restart_alone(
    make_process_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    server = make_process_server(wall={"public_url": SERVER_URL_ON_WALL, "name": "Mur de Brive"})
    root = tmp_path / "display"
    display = HeadlessDisplay(root, server, frames=4000, size="960x540", qr_target=LOCAL_QR)
    display.start()
    try:
        display.wait_for(lambda f: qr_text(f) == SERVER_URL_ON_WALL, TIMEOUT_S, "server's QR")
    finally:
        display.finish()

    server.kill()
    again = HeadlessDisplay(root, None, frames=20, size="960x540", qr_target=LOCAL_QR)
    again.start().finish(stop=False)
    last = again.latest()
    assert last is not None and qr_text(last) == SERVER_URL_ON_WALL


@pytest.mark.parametrize(
    "config",
    [
        None,
        {"wall_name": "x"},
        {"wall_name": 1, "hashtag": "", "cta_fr": "", "cta_en": "", "qr_target": ""},
        {"wall_name": "x" * 600, "hashtag": "", "cta_fr": "", "cta_en": "", "qr_target": ""},
    ],
)
def test_malformed_texts_are_refused(config: object) -> None:
    with pytest.raises(ValueError):
        cta_from_config(config)  # type: ignore[arg-type]
