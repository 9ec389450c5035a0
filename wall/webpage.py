"""What every HTML page of the wall shares: autoescaped templates, `?v=` asset digests, the
import map that versions the pages' ES modules, and the page language (explicit `?lang=`, then
the cookie, then Accept-Language)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from wall import i18n

LANG_COOKIE = "lang"
SHARED_WEB_DIR = Path(__file__).parent / "web"  # the shared script kit (static/kit), at /static
LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600  # a returning visitor keeps their language all season
# Every response's policy (app.server adds it); a page widens script-src by its import map's hash.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
)


def content_security_policy(*script_hashes: str) -> str:
    """The policy, with these inline scripts (`sha256-…`) allowed as well."""
    extra = "".join(f" '{digest}'" for digest in script_hashes)
    return CONTENT_SECURITY_POLICY.replace("script-src 'self'", f"script-src 'self'{extra}")


def page_language(request: Request) -> tuple[str, bool]:
    """The page language, and whether it was chosen explicitly (`?lang=`)."""
    query_lang = request.query_params.get("lang")
    lang = i18n.pick_language(
        query_lang, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
    )
    return lang, i18n.normalise_language(query_lang) is not None


class PageKit:
    """Templates and static files of one package's pages (`<web_dir>/templates|static`), its
    static files served at `static_url`, and the kits its pages build on (`uses`): their
    templates can be extended and their modules imported.

    Scripts are plain ES modules that import each other by relative URL (`../kit/http.js`);
    no build step. Each page carries an import map from every module's plain URL to its
    `?v=<digest>` URL, so a phone caches them all season and still gets each new version
    (a browser without import maps loads the plain URLs: the same code, revalidated).
    """

    def __init__(self, web_dir: Path, static_url: str, uses: Sequence[PageKit] = ()) -> None:
        self.templates_dir = web_dir / "templates"
        self.static_dir = web_dir / "static"
        self.static_url = static_url.rstrip("/")
        self.uses = tuple(uses)

    @cached_property
    def kits(self) -> tuple[PageKit, ...]:
        """This kit and every kit it builds on, each once, this one first."""
        found: list[PageKit] = []
        pending: list[PageKit] = [self]
        while pending:
            kit = pending.pop(0)
            if kit not in found:
                found.append(kit)
                pending.extend(kit.uses)
        return tuple(found)

    @cached_property
    def environment(self) -> Environment:
        folders = [kit.templates_dir for kit in self.kits if kit.templates_dir.is_dir()]
        environment = Environment(
            loader=FileSystemLoader(folders),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.globals["asset"] = self.asset
        return environment

    def _files(self) -> list[Path]:
        return sorted(p for p in self.static_dir.rglob("*") if p.is_file())

    @cached_property
    def asset_version(self) -> str:
        """A digest of the static files: `?v=` lets phones cache them until they change."""
        digest = hashlib.sha256()
        for path in self._files():
            digest.update(path.relative_to(self.static_dir).as_posix().encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()[:12]

    def asset(self, path: str) -> str:
        """`asset("staff/staff.css")` → `/static/staff/staff.css?v=<that kit's digest>`."""
        url = "/static/" + path.lstrip("/")
        owners = [kit for kit in self.kits if url.startswith(kit.static_url + "/")]
        if not owners:
            raise ValueError(f"no kit of this page serves {url}")
        owner = max(owners, key=lambda kit: len(kit.static_url))
        return f"{url}?v={owner.asset_version}"

    @cached_property
    def import_map(self) -> Markup:
        """`<script type="importmap">` text: each module's plain URL → its versioned one."""
        imports: dict[str, str] = {}
        for kit in self.kits:
            for path in kit._files():
                if path.suffix == ".js":
                    url = f"{kit.static_url}/{path.relative_to(kit.static_dir).as_posix()}"
                    imports[url] = f"{url}?v={kit.asset_version}"
        text = json.dumps({"imports": dict(sorted(imports.items()))}, separators=(",", ":"))
        # Inside <script>: no "</script>" or "<!--" can appear, whatever a file is named.
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return Markup(text)

    @cached_property
    def import_map_hash(self) -> str:
        """The CSP source that lets this page's import map (and no other inline script) run."""
        digest = hashlib.sha256(str(self.import_map).encode()).digest()
        return "sha256-" + base64.b64encode(digest).decode()

    def render(
        self,
        request: Request,
        template: str,
        context: dict[str, Any],
        status_code: int = 200,
    ) -> HTMLResponse:
        """The page in the request's language; an explicit choice is kept in a cookie."""
        lang, chosen = page_language(request)
        html = self.environment.get_template(template).render(
            lang=lang,
            other_lang="en" if lang == "fr" else "fr",
            asset_version=self.asset_version,
            import_map=self.import_map,
            **context,
        )
        response = HTMLResponse(html, status_code=status_code)
        response.headers["Content-Language"] = lang
        response.headers["Vary"] = "Accept-Language, Cookie"
        response.headers["Cache-Control"] = "no-cache"
        response.headers["Content-Security-Policy"] = content_security_policy(self.import_map_hash)
        if chosen:
            response.set_cookie(
                LANG_COOKIE, lang, max_age=LANG_COOKIE_MAX_AGE_S, samesite="lax", httponly=True
            )
        return response


# The shared kit (wall/web/static/kit: page data and texts, requests, Retry-After, toasts):
# every page's kit builds on it, its modules import it as `../kit/….js`.
KIT = PageKit(SHARED_WEB_DIR, "/static")
