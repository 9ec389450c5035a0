"""The README documents every setting: an office reads it, not the code."""

import re
from pathlib import Path

from wall.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def _documented() -> dict[str, set[str]]:
    text = README.read_text(encoding="utf-8")
    block = text.split("```toml", 1)[1].split("```", 1)[0]
    sections: dict[str, set[str]] = {}
    current = ""
    for line in block.splitlines():
        if table := re.match(r"^\[\[(\w+)\.(\w+)\]\]", line):  # [[sources.mastodon]]
            sections.setdefault(table.group(1), set()).add(table.group(2))
            current = f"{table.group(1)}.{table.group(2)}"
            sections[current] = set()
        elif table_list := re.match(r"^\[\[(\w+)\]\]", line):  # [[projectors]]
            current = table_list.group(1)
            sections[current] = set()
        elif header := re.match(r"^\[(\w+)\]", line):
            current = header.group(1)
            sections[current] = set()
        elif key := re.match(r"^(\w+)\s*=", line):
            sections[current].add(key.group(1))
    return sections


def test_every_setting_is_in_the_readme() -> None:
    documented = _documented()
    for section, field in Settings.model_fields.items():
        model = field.annotation
        if getattr(model, "__origin__", None) is list:  # a top-level table list: [[projectors]]
            model = model.__args__[0]  # type: ignore[union-attr]
        assert model is not None
        keys = set(model.model_fields)  # type: ignore[union-attr]
        assert section in documented, f"[{section}] missing from README"
        assert keys == documented[section], f"[{section}] differs: {keys ^ documented[section]}"
        for key in keys:
            annotation = model.model_fields[key].annotation  # type: ignore[union-attr]
            item = getattr(annotation, "__args__", (None,))[0]
            if section == "sources" and item is not None:
                name = f"{section}.{key}"
                assert set(item.model_fields) == documented[name], f"[[{name}]] differs"


def test_readme_starts_with_the_two_commands() -> None:
    head = README.read_text(encoding="utf-8").split("## ", 1)[0]
    assert "make run" in head and "make test" in head
