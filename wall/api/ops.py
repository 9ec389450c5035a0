"""Health and metrics for the people and machines that watch the server."""

from __future__ import annotations

from fastapi import APIRouter, Response

from wall.deps import ServicesDep
from wall.domain import PhotoStatus

router = APIRouter()


@router.get("/healthz")
async def healthz(services: ServicesDep) -> dict[str, object]:
    page = await services.store.photos.list(PhotoStatus.PENDING, limit=0)
    return {"status": "ok", "pending": page.total, "ingest_in_flight": services.pool.in_flight}


@router.get("/metrics")
async def metrics(services: ServicesDep) -> Response:
    for status in PhotoStatus:
        page = await services.store.photos.list(status, limit=0)
        services.metrics.photos.labels(status.value).set(page.total)
    return Response(services.metrics.render(), media_type="text/plain; version=0.0.4")
