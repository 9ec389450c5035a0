"""What ingest's routers read of the app's services: a narrow view, not the container.

The app package's `Services` satisfies it (checked there by mypy); a test could hand any
object with these attributes.
"""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends

from ingest.service import IngestService
from ingest.uploadprogress import UploadProgress
from ingest.visitors import DeviceTokens, UploadGate
from show.controller import ShowController
from show.preview import PreviewBoard
from wall.config import Settings
from wall.deps import services_of
from wall.lifecycle import PhotoLifecycle
from wall.metrics import Metrics
from wall.storage.base import Store


class IngestServices(Protocol):
    settings: Settings
    store: Store
    ingest: IngestService
    lifecycle: PhotoLifecycle
    upload_gate: UploadGate
    devices: DeviceTokens
    upload_progress: UploadProgress
    metrics: Metrics
    preview: PreviewBoard  # a receipt says when the photo was last on the wall
    show: ShowController  # the upload page promises the next show


IngestDep = Annotated[IngestServices, Depends(services_of)]
