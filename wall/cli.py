"""The `wall` command: serve, import, demo, user."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from wall.config import ConfigError, Settings, load_settings
from wall.logs import install_redaction

SAMPLES_DIR = Path(__file__).parent / "samples"
DEMO_DATA_DIR = Path("wall-data")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wall", description="Participatory photo wall")
    parser.add_argument("--config", type=Path, help="wall.toml (default: ./wall.toml if present)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)

    imp = sub.add_parser("import", help="import photo files or folders")
    imp.add_argument("paths", nargs="+", type=Path)
    imp.add_argument("--source", default="import", help="source name recorded with each photo")
    imp.add_argument("--approve", action="store_true", help="put them on the wall directly")

    demo = sub.add_parser("demo", help="server with sample photos, on ./wall-data")
    demo.add_argument("--host")
    demo.add_argument("--port", type=int)

    user = sub.add_parser("user", help="moderator and operator accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="create an account; password from stdin or prompted")
    add.add_argument("name")
    add.add_argument("--role", choices=["moderator", "operator"], required=True)
    return parser


def _settings(args: argparse.Namespace, **overrides: dict[str, object]) -> Settings:
    server: dict[str, object] = {}
    if getattr(args, "host", None):
        server["host"] = args.host
    if getattr(args, "port", None):
        server["port"] = args.port
    if server:
        overrides = {**overrides, "server": {**overrides.get("server", {}), **server}}
    return load_settings(args.config, **overrides)


def _serve(settings: Settings) -> int:
    import uvicorn

    from wall.app import create_app

    app = create_app(settings)
    host, port = settings.server.host, settings.server.port
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"Visitor page:  http://{shown}:{port}/", flush=True)
    print(f"Data:          {settings.wall.data_dir.resolve()}", flush=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="info", proxy_headers=False)
    install_redaction()  # after uvicorn configured its loggers
    uvicorn.Server(config).run()
    return 0


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from wall.importer import run_import

    report = asyncio.run(run_import(settings, args.paths, args.source, args.approve))
    return 0 if report.accepted or not report.refused else 1


def _user_add(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.accounts import AccountError, Role
    from moderation.bootstrap import (
        PasswordInputError,
        account_error_text,
        add_account,
        read_new_password,
    )

    try:
        password = read_new_password(sys.stdin)
        asyncio.run(add_account(settings, args.name, Role(args.role), password))
    except PasswordInputError as exc:
        print(f"wall user add: {exc}", file=sys.stderr)
        return 2
    except AccountError as exc:
        print(f"wall user add: {account_error_text(exc)}", file=sys.stderr)
        return 2
    print("created")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from moderation.bootstrap import ensure_demo_moderator
    from wall.importer import seed_samples

    settings = _settings(args, wall={"data_dir": str(DEMO_DATA_DIR)})
    asyncio.run(seed_samples(settings, SAMPLES_DIR))
    login = ensure_demo_moderator(settings)
    host, port = settings.server.host, settings.server.port
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    moderation = f"Moderation: http://{shown}:{port}/moderate"
    print(f"{moderation} — login {login[0]} / {login[1]}" if login else moderation, flush=True)
    return _serve(settings)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("WALL_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "serve":
            return _serve(_settings(args))
        if args.command == "import":
            return _import(_settings(args), args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "user":
            return _user_add(_settings(args), args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 2
