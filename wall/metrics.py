"""Prometheus metrics, one registry per app so that tests can build many apps."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

INGEST_BUCKETS = (0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.0, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.uploads = Counter(
            "wall_uploads", "Upload attempts by outcome", ["outcome"], registry=self.registry
        )
        self.ingest_seconds = Histogram(
            "wall_ingest_seconds",
            "Time from a received upload to its committed row",
            buckets=INGEST_BUCKETS,
            registry=self.registry,
        )
        self.ingest_in_flight = Gauge(
            "wall_ingest_in_flight", "Photos in or waiting for the pipeline", registry=self.registry
        )
        self.photos = Gauge("wall_photos", "Photos by status", ["status"], registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
