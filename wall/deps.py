"""FastAPI dependencies as `Annotated` aliases, read from `request.app.state`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from wall.config import Settings
from wall.services import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
