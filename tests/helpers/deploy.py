"""The deploy/ files under their real tools: systemd-analyze, nginx, openssl.

The files name the production paths (/opt/wall, /etc/letsencrypt, ports 80 and 443). A test
copies one and rewrites only those paths and ports, each of which must be found, so the
copy is the shipped file in every other respect.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.server import REPO_ROOT, free_port

DEPLOY_DIR = REPO_ROOT / "deploy"
SITE = DEPLOY_DIR / "nginx" / "wall.conf"
SITE_HOST = "wall.example.org"
CLUSTER_SITE = DEPLOY_DIR / "cluster" / "nginx.conf"
CLUSTER_UPSTREAMS = ("brive-1", "brive-2", "tulle-1")  # compose.yaml's `wall serve` services
UPSTREAM_PORT = 8000  # `wall serve`'s default port, which the site proxies to
# Where tools live on Debian; a non-root PATH often lacks the sbin folders.
TOOL_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin")
TOOL_PACKAGES = {"nginx": "nginx", "openssl": "openssl", "systemd-analyze": "systemd"}
TOOL_TIMEOUT_S = 60.0
NGINX_START_TIMEOUT_S = 15.0


def tool(name: str) -> str:
    """The tool's path; a failure (not a skip) when missing: CI installs it (.ci/run)."""
    found = shutil.which(name) or shutil.which(name, path=os.pathsep.join(TOOL_DIRS))
    if found is None:
        pytest.fail(f"{name} is missing: apt-get install {TOOL_PACKAGES.get(name, name)} (.ci/run)")
    return found


def run_tool(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S)


def rewrite(text: str, replacements: dict[str, str]) -> str:
    """Each key must occur: a file that changed shape fails here, not silently later."""
    for old, new in replacements.items():
        assert old in text, f"expected {old!r} in the deploy file"
        text = text.replace(old, new)
    return text


def self_signed_certificate(folder: Path, host: str, *more_hosts: str) -> tuple[Path, Path]:
    """A throwaway certificate and key for `host` (and `more_hosts`), made by openssl like
    any admin would."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    names = ",".join(f"DNS:{name}" for name in (host, *more_hosts))
    made = run_tool(
        tool("openssl"),
        *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
        *("-subj", f"/CN={host}", "-addext", f"subjectAltName={names},IP:127.0.0.1"),
        *("-keyout", str(key), "-out", str(cert)),
    )
    assert made.returncode == 0, made.stderr
    return cert, key


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class SiteCopy:
    text: str
    http_port: int
    https_port: int


def site_for_test(root: Path, upstream_port: int = UPSTREAM_PORT) -> SiteCopy:
    """deploy/nginx/wall.conf with a throwaway certificate, a cache under `root`, free
    loopback ports for 80 and 443 (`nginx -t` binds them too) and the given upstream."""
    self_signed_certificate(root / "certs", SITE_HOST)
    (root / "logs").mkdir(parents=True, exist_ok=True)
    http_port, https_port = free_port(), free_port()
    v6 = ipv6_loopback()  # a container without IPv6 cannot bind [::]: those lines go
    text = rewrite(
        SITE.read_text(encoding="utf-8"),
        {
            f"/etc/letsencrypt/live/{SITE_HOST}/": f"{root / 'certs'}/",
            "/var/cache/nginx/wall": str(root / "cache"),
            "/var/log/nginx/wall.access.log": str(root / "logs" / "wall.access.log"),
            "listen 80;": f"listen 127.0.0.1:{http_port};",
            "listen [::]:80;": f"listen [::1]:{http_port};" if v6 else "",
            "listen 443 ssl": f"listen 127.0.0.1:{https_port} ssl",
            "listen [::]:443 ssl http2;": f"listen [::1]:{https_port} ssl http2;" if v6 else "",
            f"server 127.0.0.1:{UPSTREAM_PORT};": f"server 127.0.0.1:{upstream_port};",
        },
    )
    return SiteCopy(text, http_port, https_port)


def cluster_site_for_test(
    root: Path, upstream_ports: dict[str, int], hosts: tuple[str, ...]
) -> SiteCopy:
    """deploy/cluster/nginx.conf as site_for_test makes the single-box site: a throwaway
    certificate naming every wall's host, a cache under `root`, free loopback ports, and
    each compose service (`brive-1`, ...) replaced by the loopback port of its process."""
    self_signed_certificate(root / "certs", *hosts)
    (root / "logs").mkdir(parents=True, exist_ok=True)
    http_port, https_port = free_port(), free_port()
    v6 = ipv6_loopback()
    replacements = {
        "/etc/nginx/certs/": f"{root / 'certs'}/",
        "/var/cache/nginx/wall": str(root / "cache"),
        "/var/log/nginx/wall.access.log": str(root / "logs" / "wall.access.log"),
        "listen 80 default_server;": f"listen 127.0.0.1:{http_port} default_server;",
        "listen [::]:80 default_server;": (
            f"listen [::1]:{http_port} default_server;" if v6 else ""
        ),
        "listen 443 ssl default_server;": f"listen 127.0.0.1:{https_port} ssl default_server;",
        "listen [::]:443 ssl default_server;": (
            f"listen [::1]:{https_port} ssl default_server;" if v6 else ""
        ),
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": f"listen [::1]:{http_port};" if v6 else "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": f"listen [::1]:{https_port} ssl http2;" if v6 else "",
    }
    for service in CLUSTER_UPSTREAMS:
        replacements[f"server {service}:{UPSTREAM_PORT} "] = (
            f"server 127.0.0.1:{upstream_ports[service]} "
        )
    text = rewrite(CLUSTER_SITE.read_text(encoding="utf-8"), replacements)
    return SiteCopy(text, http_port, https_port)


def venv_wall() -> Path:
    """The `wall` console script of the environment running the tests (made by `make`)."""
    script = Path(sys.prefix) / "bin" / "wall"
    assert script.is_file(), f"{script} is missing: run `make` first"
    return script


class LocalNginx:
    """nginx with the site included in a throwaway main config: pid, logs, temp and cache
    files under `root`, so it runs without root and touches nothing of the machine's."""

    def __init__(self, root: Path, site_text: str) -> None:
        self.root = root
        for folder in ("logs", "temp"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        self.site = root / "site.conf"
        self.site.write_text(site_text, encoding="utf-8")
        self.config = root / "nginx.conf"
        self.config.write_text(self._main_config(), encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    def _main_config(self) -> str:
        temp = self.root / "temp"
        # As root the workers would drop to `nobody`, who cannot write under tmp_path.
        user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
        return (
            f"{user}daemon off;\nworker_processes 1;\npid {self.root}/nginx.pid;\n"
            f"error_log {self.root}/logs/error.log;\nevents {{ worker_connections 64; }}\n"
            "http {\n"
            f"    access_log {self.root}/logs/access.log;\n"
            f"    client_body_temp_path {temp}/body;\n    proxy_temp_path {temp}/proxy;\n"
            f"    fastcgi_temp_path {temp}/fastcgi;\n    uwsgi_temp_path {temp}/uwsgi;\n"
            f"    scgi_temp_path {temp}/scgi;\n"
            f"    include {self.site};\n"
            "}\n"
        )

    def _argv(self, *extra: str) -> list[str]:
        prefix = f"{self.root}/"
        error_log = str(self.root / "logs" / "error.log")
        return [tool("nginx"), "-p", prefix, "-e", error_log, "-c", str(self.config), *extra]

    def test_config(self) -> subprocess.CompletedProcess[str]:
        return run_tool(*self._argv("-t"))

    def start(self, port: int) -> LocalNginx:
        log = (self.root / "logs" / "stderr.log").open("ab")
        self.process = subprocess.Popen(self._argv(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + NGINX_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"nginx exited at start:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"nginx not listening on {port} in {NGINX_START_TIMEOUT_S}s")

    def log(self) -> str:
        parts = [self.root / "logs" / "stderr.log", self.root / "logs" / "error.log"]
        return "\n".join(p.read_text(errors="replace") for p in parts if p.exists())

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # the master stops its worker and exits
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
