"""The staff pages' kit: the base template (`staff-base.html`: top bar, sign-in form, toast),
the sign-in, session and "change my password" scripts, their styles, served at
`/static/staff`. `/moderate` and `/console` extend the template and import the scripts.

The shell carries no session data: the scripts ask `/api/auth/me` and show the sign-in form
when it answers 401, so the pages can be cached and served to anyone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from staff.accounts import MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS
from wall.webpage import KIT, PageKit

PAGES = PageKit(Path(__file__).parent / "web", "/static/staff", uses=(KIT,))


def limits() -> dict[str, int]:
    """The account rules the forms check before the server does (staff.accounts)."""
    return {"password_min": MIN_PASSWORD_CHARS, "username_max": MAX_USERNAME_CHARS}


def page_data(lang: str, texts: dict[str, str]) -> dict[str, Any]:
    """The part of a staff page's `#page-data` that staff/web's scripts read."""
    return {"lang": lang, "texts": texts, "limits": limits()}
