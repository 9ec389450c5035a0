"""What every HTML page must hold to: no inline code. Its scripts come from files; the only
inline `<script>` elements are data (the page data, JSON that never runs) and the import map,
which the page's CSP admits by its hash alone, never by 'unsafe-inline'."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import httpx

SCRIPT_TAG = re.compile(r"<script\b[^>]*>")
IMPORT_MAP = re.compile(r'<script type="importmap">(.*?)</script>', re.S)


def assert_no_inline_code(page: httpx.Response) -> dict[str, str]:
    """Checks `page`; returns its import map (each module's plain URL → its versioned one)."""
    html = page.text
    scripts = SCRIPT_TAG.findall(html)
    assert scripts and all(
        "src=" in s or 'type="application/json"' in s or s == '<script type="importmap">'
        for s in scripts
    ), scripts
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    assert not re.search(r"\sstyle=", html)  # no inline styles
    maps = IMPORT_MAP.findall(html)
    assert len(maps) == 1, maps
    digest = base64.b64encode(hashlib.sha256(maps[0].encode()).digest()).decode()
    policy = page.headers["content-security-policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in policy, policy
    assert "unsafe-inline" not in policy
    imports: dict[str, str] = json.loads(maps[0])["imports"]
    return imports
