"""Who is posting: a visitor is a device, not an address.

Many phones share one venue Wi-Fi or one carrier address, so the upload page gives each
browser a device token (a random id signed with the installation's key, kept in a
first-party cookie: no third party, nothing derived from the phone). The per-visitor limits
(uploads per minute, photos waiting), the wall's fair share and the night's contributor count
all key on the device. A request without a valid token (an API client, a browser without
cookies, a forged or stale token) gets a fresh device with its answer and counts against the
per-address ceiling, which every upload from an address also spends: the backstop against
clients that drop their token, sized for a busy venue.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from wall.clients import client_address
from wall.config import Settings, UploadSection
from wall.instance import InstanceSecrets
from wall.ratelimit import RateLimiter
from wall.storage.base import Charge, RateLimits

DEVICE_COOKIE = "wall_device"
DEVICE_COOKIE_MAX_AGE_S = 400 * 24 * 3600  # browsers cap cookies at 400 days; a season fits
DEVICE_ID_BYTES = 16
DEVICE_MAC_BYTES = 16
SIGN_PURPOSE = "device"
MAX_TOKEN_CHARS = 64  # far above a real token; longer is not ours and is not even decoded
# Uploads of one device in flight at once: the page sends one at a time; a retry may overlap.
MAX_UPLOADS_AT_ONCE = 3


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class DeviceTokens:
    """Mints and checks device tokens: `<id>.<mac>`, both url-safe base64."""

    def __init__(self, instance: InstanceSecrets) -> None:
        self._instance = instance

    def _mac(self, device_id: str) -> str:
        return _b64(self._instance.sign(SIGN_PURPOSE, device_id)[:DEVICE_MAC_BYTES])

    def mint(self) -> str:
        device_id = _b64(secrets.token_bytes(DEVICE_ID_BYTES))
        return f"{device_id}.{self._mac(device_id)}"

    def device_id(self, token: str | None) -> str | None:
        """The device a token names, or None when it is missing, malformed or not ours."""
        if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
            return None
        device_id, mac = token.split(".")
        if not device_id or not hmac.compare_digest(mac.encode(), self._mac(device_id).encode()):
            return None
        return device_id

    def contributor(self, device_id: str) -> str:
        """The key stored with the device's photos: opaque, and not its token."""
        return self._instance.pseudonym(f"{SIGN_PURPOSE}:{device_id}")


@dataclass(frozen=True)
class Visitor:
    """One request's poster: its address, its device and whether the device is new."""

    address: str
    token: str
    device_id: str
    contributor: str
    new: bool  # minted for this request: the answer must hand the token over


def identify(request: Request, tokens: DeviceTokens, settings: Settings) -> Visitor:
    """The device behind a request; a missing or invalid token is a new device, never a 5xx."""
    address = client_address(request, settings.server.trusted_proxies)
    token = request.cookies.get(DEVICE_COOKIE, "")
    device_id = tokens.device_id(token)
    new = device_id is None
    if device_id is None:
        token = tokens.mint()
        device_id = tokens.device_id(token)
        assert device_id is not None
    return Visitor(address, token, device_id, tokens.contributor(device_id), new)


def keep_device(response: Response, visitor: Visitor, public_url: str) -> None:
    """Hand a new device's token to the browser: first-party, script-proof, long-lived."""
    if not visitor.new:
        return
    response.set_cookie(
        DEVICE_COOKIE,
        visitor.token,
        max_age=DEVICE_COOKIE_MAX_AGE_S,
        path="/",
        httponly=True,
        samesite="lax",
        secure=public_url.lower().startswith("https://"),
    )


class UploadGate:
    """The per-device allowance and the per-address ceiling, spent together or not at all,
    in the store's buckets (shared by every process of a cluster's wall)."""

    def __init__(self, settings: UploadSection, limits: RateLimits) -> None:
        self._settings = settings
        self._limits = limits
        self._in_flight: dict[str, int] = {}

    @contextmanager
    def one_of_few(self, visitor: Visitor) -> Iterator[bool]:
        """Holds one of the device's `MAX_UPLOADS_AT_ONCE` upload slots; yields False when
        they are all taken (a script opening dozens of slow uploads at once: each one holds a
        connection and a pipeline place). Per process: behind a balancer, per process each."""
        device = visitor.device_id
        taken = self._in_flight.get(device, 0)
        if taken >= MAX_UPLOADS_AT_ONCE:
            yield False
            return
        self._in_flight[device] = taken + 1
        try:
            yield True
        finally:
            left = self._in_flight[device] - 1
            if left:
                self._in_flight[device] = left
            else:
                del self._in_flight[device]

    async def admit(self, visitor: Visitor) -> float:
        """0 when the upload may go ahead (both spent), else the seconds to wait."""
        return await self._limits.spend_all(
            [
                Charge("device", visitor.device_id, self._settings.rate_limit_per_minute),
                Charge(
                    "address", visitor.address, self._settings.rate_limit_per_address_per_minute
                ),
            ]
        )

    @staticmethod
    def retry_after(wait: float) -> str:
        return RateLimiter.retry_after(wait)
