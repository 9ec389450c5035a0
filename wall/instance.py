"""Secrets that belong to one installation, created once and kept in the data directory."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE = "instance.secret"
DISPLAY_TOKEN_FILE = "display.token"


def _read_or_create(path: Path, make: str) -> str:
    if path.is_file():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(make)
    return make


class InstanceSecrets:
    def __init__(self, data_dir: Path, configured_display_token: str = "") -> None:
        self.key = _read_or_create(data_dir / SECRET_FILE, secrets.token_hex(32)).encode()
        self.display_token = configured_display_token or _read_or_create(
            data_dir / DISPLAY_TOKEN_FILE, secrets.token_urlsafe(24)
        )

    def pseudonym(self, client: str) -> str:
        """A stable key per client that is not its IP address (nothing to leak if stolen)."""
        return hmac.new(self.key, client.encode(), hashlib.sha256).hexdigest()[:20]

    def sign(self, purpose: str, value: str) -> bytes:
        """A MAC of `value` for one purpose: a value signed for one use is no good for another,
        and nobody without this installation's key can make one."""
        return hmac.new(self.key, f"{purpose}\0{value}".encode(), hashlib.sha256).digest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(token_hash(token), stored_hash)
