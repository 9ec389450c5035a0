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
        self.storage_full = Counter(
            "wall_storage_full",
            "Requests refused because the disk (or the database) was full",
            registry=self.registry,
        )
        self.sign_in_guessing = Counter(
            "wall_sign_in_guessing",
            "Wrong passwords past the alarm's count for one name (someone is guessing)",
            registry=self.registry,
        )
        self.ingest_in_flight = Gauge(
            "wall_ingest_in_flight", "Photos in or waiting for the pipeline", registry=self.registry
        )
        self.photos = Gauge("wall_photos", "Photos by status", ["status"], registry=self.registry)
        # What an office's monitoring alerts on during a show: the wall dark when it should be
        # lit, a display gone quiet, a projector unreachable.
        self.show_lit = Gauge(
            "wall_show_lit",
            "1 while the wall is lit (a show, or no schedule)",
            registry=self.registry,
        )
        self.displays = Gauge(
            "wall_displays_connected", "Displays on /ws/display", registry=self.registry
        )
        self.preview_age = Gauge(
            "wall_display_preview_age_seconds",
            "Seconds since the display last sent its picture (-1: never)",
            registry=self.registry,
        )
        self.projector_reachable = Gauge(
            "wall_projector_reachable",
            "1 when the projector answered its last check",
            ["projector"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
