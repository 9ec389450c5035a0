"""Health and metrics for the people and machines that watch the server."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from app.deps import ServicesDep
from app.services import Services
from wall.atomicfile import write_atomic
from wall.domain import PhotoStatus

router = APIRouter()


# The data dir's free space below which /healthz warns: a night's uploads (a few hundred
# photos of ~0.5 MB in renditions) with room to spare, or a sliver of a small card.
LOW_DISK_BYTES = 512 * 1024 * 1024
LOW_DISK_SHARE = 0.02


def _disk(services: Services) -> dict[str, object]:
    data_dir = services.settings.wall.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)  # a cluster's process may have written none
    usage = shutil.disk_usage(data_dir)
    low = usage.free < LOW_DISK_BYTES or usage.free < usage.total * LOW_DISK_SHARE
    return {"disk_free_mb": usage.free // 2**20, "disk_low": bool(low)}


@router.get("/healthz")
async def healthz(services: ServicesDep) -> JSONResponse:
    """ "ok", or what needs a person: `disk_low` (200: the wall runs, uploads soon refused),
    `storage_full` (503: nothing can be written)."""
    page = await services.store.photos.list(PhotoStatus.PENDING, limit=0)
    disk = await asyncio.to_thread(_disk, services)
    writable = await asyncio.to_thread(_can_write, services.settings.wall.data_dir)
    status = (
        "ok" if writable and not disk["disk_low"] else "disk_low" if writable else "storage_full"
    )
    body = {
        "status": status,
        "pending": page.total,
        "ingest_in_flight": services.pool.in_flight,
        **disk,
    }
    return JSONResponse(body, status_code=200 if writable else 503)


def _can_write(data_dir: Path) -> bool:
    """A small file written, synced and removed: a full disk or a read-only remount fails."""
    probe = data_dir / ".healthz-probe"
    try:
        write_atomic(probe, b"ok", sync_dir=False)
        probe.unlink()
    except OSError:
        return False
    return True


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
