"""FastAPI dependencies as `Annotated` aliases, read from `request.app.state`.

The core does not know the services container (the app package builds it): each feature
names what it reads with a narrow Protocol over `services_of`, and the app package checks
that its container satisfies them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from wall.config import Settings


def services_of(conn: HTTPConnection) -> Any:
    """The running app's services; a feature types it with its own Protocol."""
    return conn.app.state.services


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
