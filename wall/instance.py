"""Secrets that belong to one wall, created once and kept by its store: files in the data
directory for the embedded store, a table for a cluster (every process of the wall then signs
and checks with the same key, so a phone's device token is good on any of them)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from wall.storage.base import SecretRepository

SECRET_NAME = "instance.secret"
DISPLAY_TOKEN_NAME = "display.token"


class SecretsNotLoaded(RuntimeError):
    """Asked before the store was opened: a bug in the start order, not a visitor's doing."""


class InstanceSecrets:
    """The wall's signing key and display token. Built before the event loop runs; `load`
    reads (or creates) them from the store when the services start."""

    def __init__(self, configured_display_token: str = "") -> None:
        self._configured_display_token = configured_display_token
        self._key: bytes | None = None
        self._display_token = configured_display_token

    async def load(self, repository: SecretRepository) -> None:
        self._key = (await repository.get_or_create(SECRET_NAME, secrets.token_hex(32))).encode()
        if not self._configured_display_token:
            self._display_token = await repository.get_or_create(
                DISPLAY_TOKEN_NAME, secrets.token_urlsafe(24)
            )

    @property
    def key(self) -> bytes:
        if self._key is None:
            raise SecretsNotLoaded("the instance secrets are read when the services start")
        return self._key

    @property
    def display_token(self) -> str:
        if not self._display_token:
            raise SecretsNotLoaded("the display token is read when the services start")
        return self._display_token

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
