"""`wall.toml` loading, environment overrides, and errors that name the line to fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.cli import main
from wall.config import ConfigError, Settings, load_settings

WALL_TOML = """\
[wall]
name = "Mur de la gare"
data_dir = "photos-data"

[upload]
max_bytes = 2_000_000
rate_limit_per_minute = 5

[moderation]
caption_blocklist = ["spam"]
"""


@pytest.fixture(autouse=True)
def _no_wall_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither the developer's WALL_* variables nor a ./wall.toml may leak into these tests."""
    for name in [n for n in os.environ if n.startswith("WALL_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_file_values_are_loaded_and_the_rest_defaults(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path / "custom.toml", WALL_TOML))
    assert settings.wall.name == "Mur de la gare"
    assert settings.data_dir == Path("photos-data")
    assert settings.upload.max_bytes == 2_000_000
    assert settings.upload.rate_limit_per_minute == 5
    assert settings.moderation.caption_blocklist == ["spam"]
    assert settings.upload.max_pixels == Settings().upload.max_pixels


def test_wall_toml_in_the_working_directory_is_read_by_default(tmp_path: Path) -> None:
    _write(tmp_path / "wall.toml", WALL_TOML)
    assert load_settings().wall.name == "Mur de la gare"


def test_without_a_file_the_defaults_apply() -> None:
    assert load_settings() == Settings()


def test_environment_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALL_UPLOAD__MAX_BYTES", "3000000")
    settings = load_settings(_write(tmp_path / "wall.toml", WALL_TOML))
    assert settings.upload.max_bytes == 3_000_000
    assert settings.upload.rate_limit_per_minute == 5  # the rest of the section still from file


def test_bad_value_names_section_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path / "wall.toml", '[upload]\nmax_bytes = "lots"\n')
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert "[upload] max_bytes" in str(error.value)
    assert str(path) in str(error.value)


def test_out_of_range_value_from_environment_names_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WALL_UPLOAD__MAX_BYTES", "-1")
    with pytest.raises(ConfigError, match=r"\[upload\] max_bytes"):
        load_settings()


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "wall.toml", "[upload]\nmax_byte = 1000000\n")
    with pytest.raises(ConfigError, match=r"\[upload\] max_byte: unknown setting"):
        load_settings(path)


def test_unknown_section_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="uploads"):
        load_settings(_write(tmp_path / "wall.toml", "[uploads]\nmax_bytes = 1000000\n"))


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(_write(tmp_path / "wall.toml", "[upload\nmax_bytes = 1\n"))


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "absent.toml")


def test_cli_serve_with_a_bad_config_exits_2_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _write(tmp_path / "bad.toml", '[upload]\nmax_bytes = "lots"\n')
    assert main(["--config", str(bad), "serve"]) == 2
    captured = capsys.readouterr()
    assert "[upload] max_bytes" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


CONTRACT_SCHEDULE = """
[schedule]
season_start = "06-15"
season_end = "09-15"
start = "sunset+15m"
end = "23:30"
latitude = 45.159
longitude = 1.533
timezone = "Europe/Paris"
"""


def test_a_schedule_written_with_the_contracts_keys_is_in_force(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path / "wall.toml", CONTRACT_SCHEDULE))
    assert settings.schedule.enabled is True
    assert settings.schedule.season_start == "06-15"


def test_enabled_false_switches_a_written_schedule_off(tmp_path: Path) -> None:
    text = CONTRACT_SCHEDULE.replace("[schedule]\n", "[schedule]\nenabled = false\n")
    assert load_settings(_write(tmp_path / "wall.toml", text)).schedule.enabled is False


def test_without_a_schedule_the_wall_has_none(tmp_path: Path) -> None:
    assert load_settings().schedule.enabled is False
    assert load_settings(_write(tmp_path / "w.toml", "[schedule]\n")).schedule.enabled is False


def test_a_schedule_from_the_environment_is_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALL_SCHEDULE__START", "21:30")
    assert load_settings().schedule.enabled is True
