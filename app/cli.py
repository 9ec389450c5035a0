"""The `wall` command: serve, display, import, demo, user."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Coroutine
from functools import partial
from pathlib import Path

import wall
from wall.config import ConfigError, Settings, load_settings
from wall.datadir import DataDirBusy, DataDirLock
from wall.i18n import cli_text, terminal_language
from wall.logs import install_redaction
from wall.storage.backup import DATABASE, DamagedDatabase, backup, check_database, restore

SAMPLES_DIR = Path(wall.__file__).parent / "samples"  # shipped with the core (package data)
DEMO_DATA_DIR = Path("wall-data")
EXIT_NO_WINDOW = 3  # `wall display` found no screen to draw on
EXIT_DATA_DIR_BUSY = 4  # another `wall serve` owns the data directory
EXIT_DAMAGED_DATABASE = 5  # the database failed its check: restore a backup


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

    save = sub.add_parser("backup", help="copy the wall's data (while it runs) into a folder")
    save.add_argument("destination", type=Path)
    back = sub.add_parser("restore", help="put a backup back (the server stopped)")
    back.add_argument("source", type=Path)

    demo = sub.add_parser("demo", help="server with sample photos, on ./wall-data")
    demo.add_argument("--host")
    demo.add_argument("--port", type=int)
    demo.add_argument("--no-display", action="store_true", help="the server only, no window")

    display = sub.add_parser("display", help="the renderer: follows a server, plays the wall")
    display.add_argument("--server", help="the server's URL ([display] server_url)")
    display.add_argument("--fullscreen", action="store_true")
    display.add_argument("--size", help="WxH, e.g. 1920x1080 or 192x192 ([display] size)")
    display.add_argument("--scale", type=int, help="magnify a small wall by this whole factor")
    display.add_argument(
        "--renderer", choices=("auto", "cpu", "gpu"), help="([display] renderer) GPU or CPU path"
    )
    display.add_argument("--headless", action="store_true", help="no window (SDL dummy driver)")
    display.add_argument("--frames", type=int, help="stop after N frames")
    display.add_argument("--out", type=Path, help="write frames as PNG files here")
    display.add_argument("--every", type=int, default=1, help="write every K-th frame")
    display.add_argument(
        "--calibrate",
        action="store_true",
        help="test pattern: drag the corners to the wall, draw masks, S saves",
    )

    user = sub.add_parser("user", help="moderator and operator accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="create an account; password from stdin or prompted")
    add.add_argument("name")
    add.add_argument("--role", choices=["moderator", "operator"], required=True)
    passwd = user_sub.add_parser(
        "passwd", help="set a new password (ends its sessions); from stdin or prompted"
    )
    passwd.add_argument("name")
    for command in (serve, imp, save, back, demo, display, add, passwd):
        # `wall serve --config F` (the contract's spelling, and the systemd units') works as
        # well as `wall --config F serve`; SUPPRESS keeps the top-level value when absent.
        command.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="wall.toml")
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


def _own_data_dir(settings: Settings) -> DataDirLock | None:
    """The embedded store's one owner (a cluster has none: its processes share the
    database). Raises `DataDirBusy`."""
    if settings.storage.database:
        return None
    return DataDirLock(settings.wall.data_dir).acquire()


def _busy(exc: DataDirBusy) -> int:
    lang = terminal_language()
    print(cli_text("data_dir_busy", lang, data_dir=str(exc.data_dir), pid=exc.pid), file=sys.stderr)
    return EXIT_DATA_DIR_BUSY


def _damaged(exc: DamagedDatabase) -> int:
    text = cli_text(
        "database_damaged", terminal_language(), path=str(exc.path), findings=exc.findings[:300]
    )
    print(text, file=sys.stderr)
    return EXIT_DAMAGED_DATABASE


def _backup(settings: Settings, args: argparse.Namespace) -> int:
    lang = terminal_language()
    if settings.storage.database:
        print(cli_text("cluster_backup", lang), file=sys.stderr)
        return 2
    try:
        report = backup(settings.wall.data_dir, args.destination)
    except DamagedDatabase as exc:
        return _damaged(exc)
    mb = f"{report.database_bytes / 1e6:.1f}"
    print(cli_text("backup_done", lang, destination=str(args.destination), mb=mb,
                   files=str(report.photos_files)))  # fmt: skip
    return 0


def _restore(settings: Settings, args: argparse.Namespace) -> int:
    lang = terminal_language()
    if settings.storage.database:
        print(cli_text("cluster_backup", lang), file=sys.stderr)
        return 2
    try:
        owned = _own_data_dir(settings)
    except DataDirBusy as exc:
        return _busy(exc)
    try:
        aside = restore(args.source, settings.wall.data_dir)
    except DamagedDatabase as exc:
        return _damaged(exc)
    finally:
        if owned is not None:
            owned.release()
    note = cli_text("restore_aside", lang, aside=str(aside)) if aside else ""
    print(cli_text("restore_done", lang, data_dir=str(settings.wall.data_dir), aside=note))
    return 0


def _serve(settings: Settings) -> int:
    from app.listening import uvicorn_config
    from app.server import create_app
    from wall.supervised import SupervisedServer

    try:
        _own_data_dir(settings)  # held until the process ends
    except DataDirBusy as exc:
        return _busy(exc)
    if not settings.storage.database:
        try:
            check_database(settings.wall.data_dir / DATABASE)
        except DamagedDatabase as exc:
            return _damaged(exc)
    app = create_app(settings)
    host, port = settings.server.host, settings.server.port
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"Visitor page:  http://{shown}:{port}/", flush=True)
    print(f"Console:       http://{shown}:{port}/console (operators)", flush=True)
    print(f"Data:          {settings.wall.data_dir.resolve()}", flush=True)
    config = uvicorn_config(app, settings)
    install_redaction()  # after uvicorn configured its loggers
    SupervisedServer(config).run()  # tells systemd READY/WATCHDOG/STOPPING when it runs us
    return 0


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from app.services import ImportKit
    from ingest.importer import run_import

    try:
        owned = _own_data_dir(settings)
    except DataDirBusy:  # the server runs: it takes the photos, and they reach it live
        from ingest.importer import run_hand_off

        report = asyncio.run(
            run_hand_off(settings.wall.data_dir, args.paths, args.source, args.approve)
        )
    else:
        try:
            kit = ImportKit.build(settings)
            report = asyncio.run(run_import(kit, args.paths, args.source, args.approve))
        finally:
            if owned is not None:
                owned.release()
    return 0 if report.accepted or not report.refused else 1


def _user_add(settings: Settings, args: argparse.Namespace) -> int:
    from staff.accounts import Role
    from staff.bootstrap import add_account

    async def create(password: str) -> str:
        await add_account(settings, args.name, Role(args.role), password)
        return "created"

    return _with_new_password("wall user add", "", create)


def _user_passwd(settings: Settings, args: argparse.Namespace) -> int:
    """For the operator who locked themselves out: no server, no sign-in needed."""
    from staff.bootstrap import reset_password

    async def change(password: str) -> str:
        changed = await reset_password(settings, args.name, password)
        return f"password changed for {changed.username}; its sessions are closed"

    return _with_new_password("wall user passwd", f"{args.name}: ", change)


def _with_new_password(
    command: str, subject: str, action: Callable[[str], Coroutine[object, object, str]]
) -> int:
    """Reads the password from stdin, runs `action` with it; a bad password or account is a
    sentence on stderr and exit code 2, never a traceback."""
    from staff.accounts import AccountError
    from staff.bootstrap import PasswordInputError, account_error_text, read_new_password

    try:
        done = asyncio.run(action(read_new_password(sys.stdin)))
    except PasswordInputError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 2
    except AccountError as exc:
        print(f"{command}: {subject}{account_error_text(exc)}", file=sys.stderr)
        return 2
    print(done)
    return 0


def _display(args: argparse.Namespace) -> int:
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    from display.app import DisplayOptions, run_display
    from display.window import NoWindow

    display: dict[str, object] = {}
    if args.server:
        display["server_url"] = args.server
    if args.size:
        display["size"] = args.size
    if args.fullscreen:
        display["fullscreen"] = True
    if args.renderer:
        display["renderer"] = args.renderer
    settings = _settings(args, **({"display": display} if display else {}))
    options = DisplayOptions(
        headless=args.headless,
        frames=args.frames,
        out=args.out,
        every=args.every,
        scale=args.scale,
        calibrate=args.calibrate,
    )
    try:
        report = run_display(settings, options)
    except NoWindow as exc:
        print(
            f"wall display: could not open a window ({exc}). The server is not affected; "
            "run `wall display` on the machine with the screen, or use --headless.",
            flush=True,
        )
        return EXIT_NO_WINDOW
    if args.headless:
        print(json.dumps(report), flush=True)  # the last line: tests and benchmarks read it
    return 0


def _demo_display(args: argparse.Namespace, settings: Settings) -> subprocess.Popen[bytes] | None:
    """The window beside the server, as its own process: a display that cannot open a window
    says so and exits; the server runs on."""
    from wall.instance import DISPLAY_TOKEN_NAME
    from wall.storage.file_secrets import read_or_create

    # The display reads the token the server will use (the embedded store's file).
    read_or_create(settings.wall.data_dir / DISPLAY_TOKEN_NAME, secrets.token_urlsafe(24))
    host, port = settings.server.host, settings.server.port
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    env = {**os.environ, "WALL_WALL__DATA_DIR": str(settings.wall.data_dir)}
    command = [sys.executable, "-m", "wall"]
    if args.config:
        command += ["--config", str(args.config)]
    command += ["display", "--server", f"http://{shown}:{port}"]
    try:
        return subprocess.Popen(command, env=env)
    except OSError as exc:
        print(f"Display: could not start ({exc}); the server runs on.", flush=True)
        return None


def _demo(args: argparse.Namespace) -> int:
    from app.services import ImportKit
    from ingest.importer import seed_samples
    from staff.bootstrap import ensure_demo_moderator

    settings = _settings(args, wall={"data_dir": str(DEMO_DATA_DIR)})
    asyncio.run(seed_samples(partial(ImportKit.build, settings), SAMPLES_DIR))
    login = ensure_demo_moderator(settings)
    host, port = settings.server.host, settings.server.port
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    moderation = f"Moderation: http://{shown}:{port}/moderate"
    print(f"{moderation} — login {login[0]} / {login[1]}" if login else moderation, flush=True)
    window = None if args.no_display else _demo_display(args, settings)
    try:
        return _serve(settings)
    finally:
        if window is not None and window.poll() is None:
            window.terminate()
            window.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("WALL_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "serve":
            return _serve(_settings(args))
        if args.command == "backup":
            return _backup(_settings(args), args)
        if args.command == "restore":
            return _restore(_settings(args), args)
        if args.command == "import":
            return _import(_settings(args), args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "display":
            return _display(args)
        if args.command == "user" and args.user_command == "passwd":
            return _user_passwd(_settings(args), args)
        if args.command == "user":
            return _user_add(_settings(args), args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 2
