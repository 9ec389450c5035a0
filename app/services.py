"""The services one server runs, built in order and closed in reverse."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import partial

from app.slides import SlideImages, SlidePreviews
from console.announcements import AnnouncementService
from console.announcements_api import AnnouncementServices
from console.deps import ConsoleServices
from gallery.deps import GalleryServices
from gallery.live import gallery_feed
from gallery.page import embed_snippet
from ingest.deps import IngestServices
from ingest.faces import FaceDetector
from ingest.importer import ImportServices
from ingest.inbox import InboxWatcher
from ingest.service import IngestService, pipeline_spec
from ingest.sources.registry import build_sources
from ingest.sources.supervisor import SourceSupervisor
from ingest.uploadprogress import UploadProgress
from ingest.visitors import DeviceTokens, UploadGate
from ingest.workers import WorkerPool
from moderation.deps import ModerationServices
from moderation.live import ModerationTranslator
from moderation.policy import Policy
from show.controller import ShowController
from show.preview import PreviewBoard
from show.projectors.controller import ProjectorController
from staff.accounts import GUESSING_KIND, AccountService
from staff.sessions import SessionManager
from wall.config import Settings
from wall.display_feed import source_credits, translate_for_display
from wall.domain import PhotoStatus
from wall.events import EventBus
from wall.instance import InstanceSecrets
from wall.lifecycle import PhotoLifecycle
from wall.live import LiveFeed
from wall.metrics import Metrics
from wall.presence import FeedPresence
from wall.retention import RetentionSweeper
from wall.storage import store_from_settings
from wall.storage.base import EventRelay, Leadership, Store

log = logging.getLogger(__name__)


async def _open_store(store: Store, policy: Policy) -> None:
    """Before any photo arrives: the near-duplicate index from the store, and what an
    unclean stop left behind cleared."""
    await store.photos.open()
    policy.load(await store.photos.perceptual_hashes())
    # Before serving, the embedded store's process owns its data dir (`wall.datadir`).
    recovered = await store.recover(sole_writer=store.cluster is None)
    if any(recovered.values()):
        log.warning("recovered after an unclean stop: %s", recovered)


async def _raise_guessing_alarm(store: Store, metrics: Metrics, name: str, failures: int) -> None:
    """A name failing again and again: every process's console shows it (glimpses)."""
    metrics.sign_in_guessing.inc()
    log.warning("sign-in: %d failed tries at %r in 15 min: someone is guessing", failures, name)
    await store.glimpses.put(GUESSING_KIND, name, str(failures).encode())


@dataclass
class ClusterLinks:
    """What ties a process to the wall's other processes: the relay that publishes every
    process's photo events here, the near-duplicate index following them, and the claim on
    the wall's leadership (the jobs that must run once)."""

    relay: EventRelay
    leadership: Leadership
    bus: EventBus
    policy: Policy
    _follower: asyncio.Task[None] | None = None

    @classmethod
    def build(cls, store: Store, bus: EventBus, policy: Policy) -> ClusterLinks | None:
        if store.cluster is None:
            return None
        return cls(store.cluster.relay(bus), store.cluster.leadership("wall-jobs"), bus, policy)

    def start(self) -> None:
        self._follower = asyncio.create_task(
            self.policy.follow(self.bus.subscribe()), name="near-duplicates-follow"
        )
        self.relay.start()

    async def stop(self) -> None:
        await self.leadership.stop()
        await self.relay.stop()
        if self._follower is not None:
            self._follower.cancel()
            await asyncio.gather(self._follower, return_exceptions=True)


@dataclass
class ImportKit:
    """What `wall import` and the demo's seeding run: the store, the pipeline and the
    lifecycle, without the projectors, show, sources, accounts or sockets of a server."""

    settings: Settings
    store: Store
    bus: EventBus
    pool: WorkerPool
    policy: Policy
    ingest: IngestService
    lifecycle: PhotoLifecycle

    @classmethod
    def build(cls, settings: Settings) -> ImportKit:
        store = store_from_settings(settings)
        bus = EventBus(relayed=store.cluster is not None)
        pool = WorkerPool(settings.ingest.workers, settings.ingest.queue_limit)
        detector = FaceDetector() if settings.ingest.detect_faces else None
        policy = Policy(settings.moderation)
        ingest = IngestService(store, bus, pool, pipeline_spec(settings), policy, detector)
        lifecycle = PhotoLifecycle(store, bus, policy.forget)
        return cls(settings, store, bus, pool, policy, ingest, lifecycle)

    async def start(self) -> None:
        await _open_store(self.store, self.policy)

    async def stop(self) -> None:
        self.pool.close()
        await self.store.photos.close()


@dataclass
class Services:
    settings: Settings
    secrets: InstanceSecrets
    store: Store
    bus: EventBus
    pool: WorkerPool
    policy: Policy  # moderation's: implements ingest's Triage, owns the near-duplicate index
    ingest: IngestService
    lifecycle: PhotoLifecycle
    upload_gate: UploadGate
    devices: DeviceTokens
    upload_progress: UploadProgress
    metrics: Metrics
    moderation_translator: ModerationTranslator
    moderation_feed: LiveFeed
    display_feed: LiveFeed
    gallery_feed: LiveFeed  # `/ws/gallery`'s: runs only with `[gallery] enabled`
    displays: FeedPresence  # how many displays, on every process of the wall
    sources: SourceSupervisor
    accounts: AccountService
    sessions: SessionManager
    show: ShowController
    projectors: ProjectorController
    preview: PreviewBoard
    retention: RetentionSweeper
    cluster: ClusterLinks | None
    inbox: InboxWatcher | None  # the embedded store's: what `wall import` hands the server
    announcements: AnnouncementService  # the office's slides (console), on every display

    @classmethod
    def build(cls, settings: Settings) -> Services:
        kit = ImportKit.build(settings)
        store, bus, pool, policy, ingest = kit.store, kit.bus, kit.pool, kit.policy, kit.ingest
        moderation_translator = ModerationTranslator(store, policy)
        instance_secrets = InstanceSecrets(settings.wall.display_token)
        lifecycle = kit.lifecycle
        metrics = Metrics()
        display_feed = LiveFeed(
            "display",
            bus,
            partial(
                translate_for_display,
                credits=source_credits(settings),
                timezone=settings.schedule.timezone,
            ),
        )

        async def approve(photo_id: str, actor: str) -> None:
            await lifecycle.transition(photo_id, PhotoStatus.APPROVED, actor, "trusted source")

        show = ShowController(settings.schedule, bus, store.sources)
        projectors = ProjectorController(
            settings.projectors, show.power_wanted, lambda: show.blanked, glimpses=store.glimpses
        )
        show.on_change(projectors.nudge)
        return cls(
            settings=settings,
            secrets=instance_secrets,
            store=store,
            bus=bus,
            pool=pool,
            policy=policy,
            ingest=ingest,
            lifecycle=lifecycle,
            upload_gate=UploadGate(settings.upload, store.limits),
            devices=DeviceTokens(instance_secrets),
            upload_progress=UploadProgress(store.glimpses),
            metrics=metrics,
            moderation_translator=moderation_translator,
            moderation_feed=LiveFeed("moderation", bus, moderation_translator),
            display_feed=display_feed,
            gallery_feed=gallery_feed(bus, settings),
            displays=FeedPresence(store.glimpses, display_feed),
            sources=SourceSupervisor(ingest, store.sources, approve, store.glimpses),
            accounts=AccountService(
                store.accounts,
                pseudonym=instance_secrets.pseudonym,
                on_guessing=partial(_raise_guessing_alarm, store, metrics),
            ),
            sessions=SessionManager.from_settings(store.accounts, settings.moderation),
            show=show,
            projectors=projectors,
            preview=PreviewBoard(store.glimpses),
            retention=RetentionSweeper(
                settings.wall, store.photos, lifecycle, collect_orphans=store.recover
            ),
            cluster=ClusterLinks.build(store, bus, policy),
            inbox=None
            if store.cluster is not None
            else InboxWatcher(
                settings.wall.data_dir,
                ingest,
                partial(approve, actor="import"),
                settings.upload.max_bytes,
            ),
            announcements=AnnouncementService(
                settings, store, bus, SlideImages(settings), SlidePreviews(settings)
            ),
        )

    async def start(self) -> None:
        await _open_store(self.store, self.policy)
        await self.secrets.load(self.store.secrets)
        if self.cluster is not None:
            self.cluster.start()
        self.moderation_feed.start()
        self.display_feed.start()
        if self.settings.gallery.enabled:
            self.gallery_feed.start()
        self.displays.start()

    def gallery_snippet(self, lang: str) -> str:
        """The `<iframe>` the console gives the office for its website; "" without a gallery."""
        return embed_snippet(self.settings, lang) if self.settings.gallery.enabled else ""

    async def start_show(self) -> None:
        """Only the server decides when the wall is lit (not `wall import`); every process
        of a cluster follows the same schedule, for the displays connected to it."""
        await self.show.start()

    async def start_wall_jobs(self) -> None:
        """The jobs that must run once per wall: retention, the pollers, cameras and folders,
        the projectors (after the show loop knows the state). One process: here and now; a
        cluster: on the wall's leader, and on the next one when it dies."""
        if self.cluster is None:
            await self._run_wall_jobs()
        else:
            self.cluster.leadership.start(self._run_wall_jobs, self._stop_wall_jobs)

    async def _run_wall_jobs(self) -> None:
        if self.inbox is not None:
            self.inbox.start()
        self.retention.start()
        self.sources.start(build_sources(self.settings))
        self.projectors.start()

    async def _stop_wall_jobs(self) -> None:
        if self.inbox is not None:
            await self.inbox.stop()
        await self.projectors.stop()
        await self.retention.stop()
        await self.sources.stop()

    async def stop(self) -> None:
        if self.cluster is not None:
            await self.cluster.leadership.stop()
        await self._stop_wall_jobs()
        await self.show.stop()
        await self.displays.stop()
        await self.display_feed.stop()
        await self.gallery_feed.stop()
        await self.moderation_feed.stop()
        if self.cluster is not None:
            await self.cluster.stop()
        self.pool.close()
        await self.store.photos.close()


def feature_views(services: Services, kit: ImportKit) -> None:
    """Never called: mypy checks here that the container gives each feature what its
    narrow Protocol asks for (the features read `app.state.services` through them)."""
    ingest: IngestServices = services
    importing: ImportServices = kit
    moderation: ModerationServices = services
    console: ConsoleServices = services
    gallery: GalleryServices = services
    announcements: AnnouncementServices = services
    del ingest, importing, moderation, console, gallery, announcements
