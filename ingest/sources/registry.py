"""Builds the configured sources; each network or device kind is one module of its own."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ingest.sources.base import Source
from wall.config import Settings

# kind → (module, factory name); modules are imported only when a source of the kind exists.
KINDS: dict[str, tuple[str, str]] = {
    "mastodon": ("ingest.sources.mastodon", "create"),
    "webcam": ("ingest.sources.webcam", "create"),
    "folder": ("ingest.sources.folder", "create"),
    "bluesky": ("ingest.sources.bluesky", "create"),
}


def _factory(kind: str) -> Callable[[Any, Settings], Source]:
    module_name, attribute = KINDS[kind]
    factory: Callable[[Any, Settings], Source] = getattr(
        importlib.import_module(module_name), attribute
    )
    return factory


def build_sources(settings: Settings) -> list[Source]:
    """One `Source` per `[[sources.<kind>]]` table, via that kind's `create(config, settings)`."""
    sources: list[Source] = []
    for kind in KINDS:
        configs = getattr(settings.sources, kind)
        if configs:
            create = _factory(kind)
            sources.extend(create(config, settings) for config in configs)
    return sources
