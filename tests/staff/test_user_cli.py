"""`wall user add`: the password from a pipe, refusals on stderr with exit code 2."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from app.cli import main
from tests.helpers.server import write_config

PASSWORD = "correct horse battery"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "wall.toml", {"wall": {"data_dir": str(tmp_path / "data")}})


def _add(config: Path, monkeypatch: pytest.MonkeyPatch, name: str, role: str, stdin: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--config", str(config), "user", "add", name, "--role", role])


def test_creates_the_account_with_a_hashed_password(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(config, monkeypatch, "ana", "operator", PASSWORD + "\nignored\n") == 0
    assert "created" in capsys.readouterr().out
    with sqlite3.connect(config.parent / "data" / "wall.sqlite3") as db:
        row = db.execute("SELECT username, role, password_hash FROM accounts").fetchone()
    assert row[0] == "ana" and row[1] == "operator"
    assert row[2].startswith("$argon2id$")


@pytest.mark.parametrize(
    ("name", "stdin", "message"),
    [
        ("ana", "short\n", "10"),
        ("ana", "", "10"),
        ("a b", PASSWORD + "\n", "1 to 40"),
        ("x" * 41, PASSWORD + "\n", "1 to 40"),
    ],
    ids=["short password", "empty stdin", "space in name", "long name"],
)
def test_refusals_go_to_stderr_with_exit_code_2(
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    stdin: str,
    message: str,
) -> None:
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert _add(config, monkeypatch, name, "moderator", stdin) == 2
    out = capsys.readouterr()
    assert message in out.err and "created" not in out.out


def test_a_name_is_taken_whatever_its_case(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert _add(config, monkeypatch, "Ana", "moderator", PASSWORD) == 0
    assert _add(config, monkeypatch, "aNA", "operator", PASSWORD) == 2
    assert "already taken" in capsys.readouterr().err


def test_an_unknown_role_is_a_usage_error(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit) as exited:
        _add(config, monkeypatch, "ana", "admin", PASSWORD)
    assert exited.value.code == 2
