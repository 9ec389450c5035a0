"""The services one server runs, built in order and closed in reverse."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ingest.faces import FaceDetector
from ingest.service import IngestService, pipeline_spec
from ingest.workers import WorkerPool
from moderation.policy import Policy
from wall.config import Settings
from wall.events import EventBus
from wall.instance import InstanceSecrets
from wall.lifecycle import PhotoLifecycle
from wall.metrics import Metrics
from wall.ratelimit import RateLimiter
from wall.storage import open_embedded_store
from wall.storage.base import Store

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    secrets: InstanceSecrets
    store: Store
    bus: EventBus
    pool: WorkerPool
    ingest: IngestService
    lifecycle: PhotoLifecycle
    upload_limiter: RateLimiter
    metrics: Metrics

    @classmethod
    def build(cls, settings: Settings) -> Services:
        data_dir = settings.wall.data_dir
        store = open_embedded_store(data_dir)
        bus = EventBus()
        pool = WorkerPool(settings.ingest.workers, settings.ingest.queue_limit)
        detector = FaceDetector() if settings.ingest.detect_faces else None
        ingest = IngestService(
            store, bus, pool, pipeline_spec(settings), Policy(settings.moderation), detector
        )
        return cls(
            settings=settings,
            secrets=InstanceSecrets(data_dir, settings.wall.display_token),
            store=store,
            bus=bus,
            pool=pool,
            ingest=ingest,
            lifecycle=PhotoLifecycle(store, bus),
            upload_limiter=RateLimiter(settings.upload.rate_limit_per_minute),
            metrics=Metrics(),
        )

    async def start(self) -> None:
        recovered = await self.store.recover()
        if any(recovered.values()):
            log.warning("recovered after an unclean stop: %s", recovered)

    async def stop(self) -> None:
        self.pool.close()
        await self.store.photos.close()
