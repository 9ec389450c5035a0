"""`wall demo` on a machine without a screen: the server runs, the display says why not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers import http
from tests.helpers.server import REPO_ROOT, free_port

START_TIMEOUT_S = 60.0  # the demo first imports the eight sample photos


def test_demo_without_a_screen_serves_and_says_so(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "PYTHONUNBUFFERED": "1",
        "SDL_VIDEODRIVER": "dummy",  # a driver that draws nowhere: no window to open
    }
    env.pop("DISPLAY", None)
    log = tmp_path / "demo.log"
    with log.open("wb") as output:
        demo = subprocess.Popen(
            [sys.executable, "-m", "wall", "demo", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        said = served = False
        while time.monotonic() < deadline and not (said and served):
            assert demo.poll() is None, log.read_text()
            said = "could not open a window" in log.read_text(errors="replace")
            try:
                served = http.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            except httpx.HTTPError:
                served = False
            time.sleep(0.2)
        assert served and said, log.read_text()
        time.sleep(0.5)
        assert demo.poll() is None, "the server runs on without its window"
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=20)
