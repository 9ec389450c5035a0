"""Health and metrics for the people and machines that watch the server."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.deps import ServicesDep
from app.services import Services
from wall.domain import PhotoStatus

router = APIRouter()


@router.get("/healthz")
async def healthz(services: ServicesDep) -> dict[str, object]:
    page = await services.store.photos.list(PhotoStatus.PENDING, limit=0)
    return {"status": "ok", "pending": page.total, "ingest_in_flight": services.pool.in_flight}


async def _show_gauges(services: Services) -> None:
    metrics = services.metrics
    metrics.show_lit.set(1 if services.show.state.lit else 0)
    metrics.displays.set(len(services.display_feed.clients))
    latest = await services.preview.latest()
    metrics.preview_age.set(-1 if latest is None else latest.age_s)
    for state in services.projectors.states():
        metrics.projector_reachable.labels(state["name"]).set(1 if state["reachable"] else 0)


@router.get("/metrics")
async def metrics(services: ServicesDep) -> Response:
    for status in PhotoStatus:
        page = await services.store.photos.list(status, limit=0)
        services.metrics.photos.labels(status.value).set(page.total)
    await _show_gauges(services)
    return Response(services.metrics.render(), media_type="text/plain; version=0.0.4")
