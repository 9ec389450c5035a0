"""Who may show the gallery in an `<iframe>`: the wall itself and the office's websites.

Every other page of the wall refuses to be framed (`frame-ancestors 'none'` and
`X-Frame-Options: DENY`, `app.server`); the two gallery pages say `frame-ancestors 'self'`
and `[gallery] embed_origins`, and the app leaves out `X-Frame-Options` where a page names
its own ancestors (a browser that knows only the older header would obey its DENY).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

# scheme://host[:port], host possibly "*." wildcarded: what a CSP host-source may say.
_HOST = re.compile(r"^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?$")
NOT_FRAMED = "frame-ancestors 'none'"


def origin_source(value: str) -> str | None:
    """`https://www.brive-tourisme.fr/` → `https://www.brive-tourisme.fr`; None for what is
    not a web origin (a path, a quote, a space or a semicolon would rewrite the policy)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or parts.path not in ("", "/"):
        return None
    if parts.query or parts.fragment or "@" in parts.netloc or not _HOST.match(parts.netloc):
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def frame_ancestors(origins: Sequence[str]) -> str:
    """The directive for the gallery pages. The config refuses an entry that is not an
    origin at start-up; one here all the same is left out, never allowed by accident."""
    sources = ["'self'"]
    for value in origins:
        source = origin_source(value)
        if source is not None and source not in sources:
            sources.append(source)
    return "frame-ancestors " + " ".join(sources)


def framed_policy(policy: str, origins: Sequence[str]) -> str:
    """A page's Content-Security-Policy with the gallery's ancestors instead of 'none'."""
    if NOT_FRAMED not in policy:
        raise ValueError("the page policy names no frame-ancestors to replace")
    return policy.replace(NOT_FRAMED, frame_ancestors(origins))
