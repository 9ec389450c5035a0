"""Starts the real `wall serve` (uvicorn) as a child process on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import http

START_TIMEOUT_S = 30.0
REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def write_config(path: Path, sections: dict[str, Any]) -> Path:
    """Plain keys under `[section]`; a list of dicts as `[[section.key]]` tables after them;
    a top-level list of dicts (`projectors=[{...}]`) as `[[section]]` tables."""
    lines = []
    for section, values in sections.items():
        if _is_table_list(values):
            for table in values:
                lines.append(f"[[{section}]]")
                lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items())
                lines.append("")
            continue
        lines.append(f"[{section}]")
        plain = {k: v for k, v in values.items() if not _is_table_list(v)}
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in plain.items())
        lines.append("")
        for key, tables in values.items():
            if _is_table_list(tables):
                for table in tables:
                    lines.append(f"[[{section}.{key}]]")
                    lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items())
                    lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))  # the test's own config must be valid
    return path


def without_safety_check(sections: dict[str, Any]) -> dict[str, Any]:
    """The sections of a server in the test process, whose test is not about the image-safety
    check: the check off unless the test says otherwise. It costs ~20 ms of CPU an upload
    whatever the photo (a 224 px net), ~20 s of a suite run; the tests about it turn it on,
    and the `wall serve` processes (`LiveServer`) keep the shipped default, on."""
    moderation = {"safety_check": False, **sections.get("moderation", {})}
    return {**sections, "moderation": moderation}


def server_config(root: Path, sections: dict[str, Any]) -> dict[str, Any]:
    """The test server's wall.toml: a data dir under `root`, a known display token, limits
    out of the way, then the test's own sections on top. One recipe for both kinds of server."""
    config: dict[str, Any] = {
        "wall": {"data_dir": str(root / "data"), "display_token": "test-display-token"},
        "upload": {
            "rate_limit_per_minute": 100_000,
            "rate_limit_per_address_per_minute": 100_000,
            "max_pending_per_contributor": 100_000,
        },
    }
    for name, values in sections.items():
        if _is_table_list(values):
            config[name] = values  # a top-level table list, e.g. [[projectors]]
        else:
            config.setdefault(name, {}).update(values)
    return config


class LiveServer:
    """A `wall serve` process; restartable on the same data dir and port. For the tests about
    a process (kill, restart, signals, memory), a socket (websockets, nginx) or a browser."""

    def __init__(self, root: Path, **sections: Any) -> None:
        self.root = root
        self.data_dir = root / "data"
        self.port = free_port()
        config = server_config(root, sections)
        self.config = write_config(root / "wall.toml", config)
        self.display_token = config["wall"]["display_token"]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = root / "server.log"

    def start(self) -> LiveServer:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wall", "--config", str(self.config), "serve"]
            + ["--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited at start:\n{self.log()}")
            try:
                if http.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready in {START_TIMEOUT_S}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def client(self, **kwargs: Any) -> httpx.Client:
        return http.client(self.url, timeout=30.0, **kwargs)

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as in a power cut of the process."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
