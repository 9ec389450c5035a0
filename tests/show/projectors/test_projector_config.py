"""`[[projectors]]` tables: defaults, and mistakes named the way the office reads wall.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from wall.config import ConfigError, load_settings


def _load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "wall.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


def test_a_table_needs_only_a_host(tmp_path: Path) -> None:
    settings = _load(tmp_path, '[[projectors]]\nhost = "192.0.2.20"\n')
    (projector,) = settings.projectors  # type: ignore[attr-defined]
    assert (projector.port, projector.password, projector.input) == (4352, "", "")
    assert projector.lead_s > 0 and projector.poll_s > 0 and not projector.mute_when_blanked


def test_no_table_means_no_projector(tmp_path: Path) -> None:
    assert _load(tmp_path, "").projectors == []  # type: ignore[attr-defined]


def test_mistakes_name_the_table_and_the_key(tmp_path: Path) -> None:
    text = '[[projectors]]\nhost = "a"\n\n[[projectors]]\nname = "right"\ninput = "HDMI1"\n'
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert "[[projectors]] #2: host: Field required" in message
    assert "[[projectors]] #2: input:" in message and 'e.g. "31"' in message
    assert "#1" not in message
