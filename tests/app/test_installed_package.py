"""The package as pip installs it, not the source tree: a wheel in a venv of its own, started
from an empty folder, serves an upload on the defaults.

This caught a server that died at start because the face model came from a Makefile step.
The wheel is installed without its dependencies, which the venv borrows from the test
environment (a `.pth` line): what is under test is what the wheel carries (modules, templates,
static files, migrations, the face model, the samples), with no registry download per run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import http
from tests.helpers.pages import assert_no_inline_code
from tests.helpers.server import REPO_ROOT, free_port
from tests.helpers.uploads import CONSENT

START_TIMEOUT_S = 60.0


def _build_wheel(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO_ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheels = list(out.glob("mur_participatif-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _venv_with(wheel: Path, root: Path) -> Path:
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
        + [str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # The dependencies only: a directory named by a .pth line has its own .pth files ignored,
    # so the test environment's editable hook to the source tree stays off.
    Path(site, "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "WALL_"))}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("installed")
    return _venv_with(_build_wheel(root / "dist"), root)


def test_the_installed_modules_come_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    probe = (
        "import ingest, wall, display, moderation; from ingest.faces import model_path;"
        "print(ingest.__file__); print(model_path())"
    )
    result = subprocess.run(
        [str(installed / "bin" / "python"), "-c", probe],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    module, model = result.stdout.split()
    assert module.startswith(str(installed)), module
    assert model.startswith(str(installed)) and Path(model).stat().st_size > 1_000_000


def test_wall_serve_on_the_defaults_accepts_an_upload(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [str(installed / "bin" / "wall"), "serve", "--port", str(port)],
        cwd=tmp_path,  # no wall.toml here: the built-in defaults
        env=_clean_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(process, url, tmp_path / "serve.log")
        photo = (REPO_ROOT / "wall" / "samples" / "astronaut.jpg").read_bytes()
        files = {"file": ("astronaut.jpg", photo, "image/jpeg")}
        response = http.post(f"{url}/api/photos", files=files, data=CONSENT, timeout=30)
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "pending"
        page = http.get(f"{url}/", timeout=10)
        assert page.status_code == 200 and "<form" in page.text
        assert (tmp_path / "wall-data").is_dir()
        for path in ("/", "/moderate", "/console"):
            _every_file_of_the_page_is_served(url, path)
    finally:
        process.terminate()
        process.wait(timeout=15)


def _every_file_of_the_page_is_served(url: str, path: str) -> None:
    """Its styles, its entry module and every module its import map names: from the wheel."""
    page = http.get(f"{url}{path}", timeout=10)
    assert page.status_code == 200, path
    imports = assert_no_inline_code(page)
    linked = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert any(".js?v=" in link for link in linked) and imports, path
    for asset in {*linked, *imports.values()}:
        served = http.get(f"{url}{asset}", timeout=10)
        assert served.status_code == 200 and served.content, (path, asset)


def _wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"wall serve exited at start:\n{log.read_text(errors='replace')}")
        try:
            if http.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"wall serve not healthy in {START_TIMEOUT_S}s:\n{log.read_text(errors='replace')}")
