"""deploy/ checked by the tools that will read it: `systemd-analyze verify` on the units,
`nginx -t` on the site, and the units' command lines against the real CLI."""

from __future__ import annotations

import re
import shlex
import shutil
import tomllib
from pathlib import Path

import pytest
import yaml

from app.cli import _parser
from tests.helpers.deploy import (
    DEPLOY_DIR,
    SITE,
    LocalNginx,
    rewrite,
    run_tool,
    site_for_test,
    tool,
    venv_wall,
)
from tests.helpers.server import REPO_ROOT
from wall.bodylimit import MULTIPART_OVERHEAD
from wall.config import UploadSection

UNITS = ("wall-serve.service", "wall-display.service")
INSTALL_PREFIX = "/opt/wall"
CONFIG_PATH = "/etc/wall/wall.toml"
# systemd-analyze security rates a unit from 0 (locked down) to 10 (unconfined); Debian's
# stock daemons mostly rate 9+. Ours must stay well hardened: under 4.0 (its --threshold
# takes tenths).
MAX_EXPOSURE_TENTHS = 40
# nginx ≥ 1.25 prefers `http2 on;`, which Debian 12's 1.22 rejects: the one tolerated warning.
TOLERATED_NGINX_WARNING = re.compile(r'the "listen \.\.\. http2" directive is deprecated')


def installed_copy(unit: str, tmp_path: Path) -> Path:
    """The unit with /opt/wall pointing at a tree whose .venv is this test run's real one:
    `verify` checks that ExecStart names an executable, which /opt/wall is not here."""
    prefix = tmp_path / "opt-wall"
    prefix.mkdir(exist_ok=True)
    venv = prefix / ".venv"
    if not venv.exists():
        venv.symlink_to(venv_wall().parent.parent, target_is_directory=True)
    text = (DEPLOY_DIR / "systemd" / unit).read_text(encoding="utf-8")
    copy = tmp_path / unit
    copy.write_text(rewrite(text, {INSTALL_PREFIX: str(prefix)}), encoding="utf-8")
    return copy


def unit_setting(unit: str, key: str) -> str:
    lines = (DEPLOY_DIR / "systemd" / unit).read_text(encoding="utf-8").splitlines()
    values = [line.split("=", 1)[1] for line in lines if line.startswith(f"{key}=")]
    assert len(values) == 1, f"{unit}: expected one {key}=, found {values}"
    return values[0]


@pytest.mark.parametrize("unit", UNITS)
def test_systemd_analyze_verify_passes_without_a_warning(unit: str, tmp_path: Path) -> None:
    copy = installed_copy(unit, tmp_path)
    result = run_tool(tool("systemd-analyze"), "verify", "--man=no", str(copy))
    output = (result.stdout + result.stderr).strip()
    # verify exits 0 on an unknown key or a bad value (it only warns): any word about our unit
    # is a failure.
    ours = [line for line in output.splitlines() if unit in line or str(tmp_path) in line]
    assert result.returncode == 0 and not ours, output


@pytest.mark.parametrize("unit", UNITS)
def test_units_are_hardened_by_systemds_own_measure(unit: str, tmp_path: Path) -> None:
    copy = installed_copy(unit, tmp_path)
    result = run_tool(
        tool("systemd-analyze"),
        *("security", "--offline=yes", f"--threshold={MAX_EXPOSURE_TENTHS}", str(copy)),
    )
    assert result.returncode == 0, result.stdout[-1500:] + result.stderr


@pytest.mark.parametrize(("unit", "command"), [(UNITS[0], "serve"), (UNITS[1], "display")])
def test_unit_command_lines_are_what_the_cli_accepts(unit: str, command: str) -> None:
    argv = shlex.split(unit_setting(unit, "ExecStart"))
    assert argv[0] == f"{INSTALL_PREFIX}/.venv/bin/wall"  # where the README's `make` puts it
    args = _parser().parse_args(argv[1:])
    assert args.command == command and str(args.config) == CONFIG_PATH


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    site = site_for_test(tmp_path)
    result = LocalNginx(tmp_path / "nginx", site.text).test_config()
    output = result.stderr + result.stdout
    problems = [
        line
        for line in output.splitlines()
        if re.search(r"\[(warn|emerg|alert|crit|error)\]", line)
        and not TOLERATED_NGINX_WARNING.search(line)
    ]
    assert result.returncode == 0 and "test is successful" in output and not problems, output


def test_nginx_body_limit_is_the_servers_own() -> None:
    """nginx refuses bodies over its limit before the server sees them: the two limits must
    agree, or uploads the server accepts get nginx's refusal."""
    limits = re.findall(r"^\s*client_max_body_size\s+(\d+)k;", SITE.read_text(), re.MULTILINE)
    server_limit = UploadSection().max_bytes + MULTIPART_OVERHEAD
    assert [int(value) * 1024 for value in limits] == [server_limit]


def test_compose_file_is_valid_for_docker_compose() -> None:
    """Not required by the issue; checked where the tool exists (no image is built)."""
    docker = shutil.which("docker")
    if docker is None or run_tool(docker, "compose", "version").returncode != 0:
        pytest.skip("docker compose is not installed here; the compose file is not checked")
    compose = DEPLOY_DIR / "docker" / "compose.yaml"
    result = run_tool(docker, "compose", "-f", str(compose), "config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_the_image_holds_every_package_the_project_installs() -> None:
    """`pip install .` in the image sees only what the Dockerfile copied: a package added to
    pyproject.toml but not copied would be missing from the server in docker alone."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [
        name.rstrip("*") for name in project["tool"]["setuptools"]["packages"]["find"]["include"]
    ]
    dockerfile = (DEPLOY_DIR / "docker" / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\S+) \./\1$", dockerfile, re.MULTILINE))
    assert set(packages) <= copied, f"not copied into the image: {set(packages) - copied}"
    compose = yaml.safe_load((DEPLOY_DIR / "docker" / "compose.yaml").read_text(encoding="utf-8"))
    build = compose["services"]["server"]["build"]
    context = (DEPLOY_DIR / "docker" / build["context"]).resolve()
    assert context == REPO_ROOT and (context / build["dockerfile"]).is_file()
