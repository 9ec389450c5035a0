"""Typed, validated settings: `wall.toml` plus `WALL_<SECTION>__<KEY>` environment overrides.

Each subsystem receives only its own section. Errors name the bad key, so an office
employee editing `wall.toml` sees which line to fix instead of a stack trace.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from wall.schedule import ScheduleError, validate_schedule

DEFAULT_CONFIG_NAME = "wall.toml"


class ConfigError(Exception):
    """A configuration problem, worded for the person who edits `wall.toml`."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WallSection(_Section):
    """Identity of the wall and where its data lives."""

    name: str = Field("Mur participatif", min_length=1, max_length=80)
    id: str = Field(
        "main",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$",
        description="the wall's name in a cluster: lowercase letters, digits, - and _",
    )
    data_dir: Path = Path("wall-data")
    public_url: str = "http://127.0.0.1:8000"
    hashtag: str = "#murparticipatif"
    display_token: str = Field("", description="empty: generated once and kept in data_dir")
    retention_days: int = Field(
        180, ge=1, le=3650, description="every photo is erased this long after it arrived"
    )
    rejected_retention_days: int = Field(
        7, ge=1, le=3650, description="a rejected photo is erased this long after the decision"
    )


class StorageSection(_Section):
    """Where the wall's state lives: empty (the default) keeps SQLite and files in data_dir;
    a cluster points every process of every wall at PostgreSQL and an S3-compatible store."""

    database: str = Field(
        "",
        pattern=r"^(|postgres(ql)?://.+)$",
        description='empty: SQLite in data_dir; "postgresql://user@host:5432/db" for a cluster',
    )
    media: str = Field(
        "",
        pattern=r"^(|s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?)$",
        description='empty: files in data_dir; "s3://bucket/prefix" for a cluster',
    )
    s3_endpoint: str = Field("", description="any S3-compatible store; empty: AWS")
    s3_region: str = "us-east-1"
    s3_access_key_id: str = Field("", description="empty: AWS_ACCESS_KEY_ID")
    s3_secret_access_key: str = Field("", description="empty: AWS_SECRET_ACCESS_KEY")


class ServerSection(_Section):
    """Where `wall serve` listens and which proxies it believes."""

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses whose X-Forwarded-For is believed (the reverse proxy)",
    )


class UploadSection(_Section):
    """Limits on what an anonymous visitor may send."""

    max_bytes: int = Field(25 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024)
    max_pixels: int = Field(50_000_000, ge=10_000, le=400_000_000)
    rate_limit_per_minute: int = Field(
        10, ge=1, le=100_000, description="uploads per visitor's device (its upload-page token)"
    )
    rate_limit_per_address_per_minute: int = Field(
        120, ge=1, le=1_000_000, description="all uploads from one address: a busy venue's Wi-Fi"
    )
    max_pending_per_contributor: int = Field(
        20, ge=1, le=1_000_000, description="more waiting photos from one visitor: 429"
    )


class IngestSection(_Section):
    """Renditions produced for every photo and the size of the worker pool."""

    display_long_edge: int = Field(1920, ge=64, le=8192)
    thumb_long_edge: int = Field(400, ge=32, le=2048)
    tile_size: int = Field(128, ge=8, le=512)
    jpeg_quality: int = Field(85, ge=30, le=100)
    workers: int = Field(0, ge=0, le=64, description="0: one per CPU core")
    queue_limit: int = Field(64, ge=1, le=10_000, description="uploads waiting for a worker")
    detect_faces: bool = True


class ModerationSection(_Section):
    """Thresholds that turn the pipeline's signals into flags for the moderators."""

    auto_approve_sources: list[str] = Field(default_factory=list)
    blur_threshold: float = Field(60.0, ge=0)
    dark_threshold: float = Field(40.0, ge=0, le=100, description="mean L* under this: dark")
    min_long_edge: int = Field(800, ge=1, description="smaller photos are flagged tiny")
    duplicate_distance: int = Field(6, ge=0, le=64)
    caption_blocklist: list[str] = Field(default_factory=list)
    builtin_blocklist: bool = Field(True, description="also flag the shipped FR/EN lists")
    session_idle_minutes: int = Field(
        720, ge=1, le=7 * 24 * 60, description="a moderator session unused this long ends"
    )
    session_max_hours: int = Field(
        24, ge=1, le=24 * 90, description="no session outlives this, used or not"
    )
    # The image-safety check (ingest.safety): open_nsfw's score of every photo, 0..1.
    safety_check: bool = Field(True, description="score every photo with the local NSFW model")
    safety_flag_threshold: float = Field(
        0.4, ge=0, le=1, description="score from which a photo is flagged sensitive"
    )
    safety_hold_threshold: float = Field(
        0.8, ge=0, le=1, description="score from which no source's photo skips the queue"
    )

    @model_validator(mode="after")
    def _flag_before_hold(self) -> ModerationSection:
        if self.safety_flag_threshold >= self.safety_hold_threshold:
            raise ValueError(
                f"[moderation] safety_flag_threshold ({self.safety_flag_threshold}) must be "
                f"below safety_hold_threshold ({self.safety_hold_threshold}): a photo held "
                "back is always flagged for the moderators first"
            )
        return self


LAYOUTS = ("mosaic", "spotlight", "photomosaic")
# Not in the default playlist: `window` shows a live webcam (`[[sources.webcam]] live`).
KNOWN_LAYOUTS = (*LAYOUTS, "window")


class DisplaySection(_Section):
    """What `wall display` shows and how: the renderer reads only this section and [wall]."""

    server_url: str = Field("http://127.0.0.1:8000", description="where the server's feed is")
    size: str = Field("1920x1080", pattern=r"^\d{2,5}x\d{2,5}$")
    fps: int = Field(60, ge=1, le=240)
    vsync: bool = True
    fullscreen: bool = False
    renderer: Literal["auto", "cpu", "gpu"] = Field(
        "auto", description="gpu: SDL Renderer; auto: gpu on a real window, else cpu"
    )
    playlist: list[str] = Field(default_factory=lambda: list(LAYOUTS), min_length=1)
    layout_seconds: float = Field(90.0, ge=5, le=3600, description="time on each layout")
    rotation_max_minutes: float = Field(10.0, ge=0.5, le=240)
    contributor_share: float = Field(0.25, gt=0, le=1, description="max share of the screen")
    cta_fr: str = "Envoyez vos photos ! Scannez le code"
    cta_en: str = "Send us your photos! Scan the code"
    language: Literal["fr", "en"] = Field("fr", description="of the credits under the photos")
    fonts: list[str] = Field(
        default_factory=list, description="font files or families tried before the shipped ones"
    )
    qr_target: str = Field("", description="empty: [wall] public_url")
    target_image: str = Field("", description="photomosaic picture; empty: the shipped default")
    cache_dir: str = Field("", description="empty: <data_dir>/display-cache")
    cache_max_mb: int = Field(2048, ge=16, le=1_000_000)
    calibration_file: str = Field("", description="empty: <data_dir>/calibration.json")
    outputs: int = Field(1, ge=1, le=2, description="projectors side by side, each of `size`")
    blend_px: int = Field(0, ge=0, le=4096, description="overlap of two outputs, content pixels")
    blend_gamma: float = Field(2.2, ge=1.0, le=3.0, description="projector gamma for the blend")
    brightness: float = Field(1.0, ge=0.05, le=1.0, description="cap on every output pixel")
    live_hold_s: float = Field(
        5.0, ge=0, le=120, description="a stalled live window keeps its last frame this long"
    )

    @model_validator(mode="after")
    def _blend_fits(self) -> DisplaySection:
        width = self.output_size[0]
        if self.blend_px and self.outputs < 2:
            raise ValueError("[display] blend_px needs outputs = 2 (the overlap of two outputs)")
        if self.blend_px * 2 > width:
            raise ValueError(
                f"[display] blend_px = {self.blend_px} is more than half of an output's width "
                f"({width} px)"
            )
        return self

    @field_validator("playlist")
    @classmethod
    def _known_layouts(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in KNOWN_LAYOUTS]
        if unknown:
            raise ValueError(f"unknown layouts {unknown}; choose from {list(KNOWN_LAYOUTS)}")
        return value

    @property
    def output_size(self) -> tuple[int, int]:
        width, height = self.size.split("x")
        return int(width), int(height)


class ScheduleSection(_Section):
    """The season the consent text names and the nightly show times (see wall/schedule.py)."""

    enabled: bool = Field(
        False,
        description="a written [schedule] is in force (lit only during shows); false switches "
        "it off (lit whenever the display runs); no [schedule] at all: off",
    )
    season_start: str = Field("06-01", pattern=r"^(\d{4}-)?\d{2}-\d{2}$")
    season_end: str = Field("09-30", pattern=r"^(\d{4}-)?\d{2}-\d{2}$")
    start: str = Field("sunset+15m", description='"21:30", "sunset", "sunset+15m", ...')
    end: str = Field("23:30", description="before start: the show ends the next day")
    latitude: float = Field(45.159, ge=-90, le=90)
    longitude: float = Field(1.533, ge=-180, le=180)
    timezone: str = Field("Europe/Paris", min_length=1)
    nights_off: list[str] = Field(default_factory=list, description='"YYYY-MM-DD"')
    special_nights: list[str] = Field(
        default_factory=list, description='"YYYY-MM-DD START END": that night\'s times'
    )

    @model_validator(mode="before")
    @classmethod
    def _written_means_in_force(cls, data: Any) -> Any:
        """A season written with the contract's keys is meant to run: only an explicit
        `enabled = false` switches it off (an empty or absent table leaves it off)."""
        if isinstance(data, dict) and data and "enabled" not in data:
            return {**data, "enabled": True}
        return data


class MastodonSource(_Section):
    """A hashtag timeline on a Mastodon or Pixelfed instance (same API)."""

    instance: str = Field(min_length=1, description="https://mastodon.example")
    tag: str = Field(min_length=1, pattern=r"^#?[\w]+$")
    interval_s: float = Field(60.0, ge=1, le=86_400)
    name: str = Field("", description="source name on the wall; empty: the instance's host")
    access_token: str = Field(
        "", description="for instances that refuse anonymous hashtag timelines (read scope)"
    )


class WebcamSource(_Section):
    """A public webcam: RTSP, MJPEG over HTTP, an HTTP JPEG snapshot, a video file or a device."""

    name: str = Field(min_length=1, max_length=40)
    url: str = Field(min_length=1)
    interval_s: float = Field(60.0, ge=0.2, le=86_400)
    blur_faces: bool = True
    live: bool = Field(False, description="also a live window on the wall (a stream URL)")
    live_fps: float = Field(10.0, ge=1, le=30, description="frames a second of the live window")
    place: str = Field("", max_length=60, description="its live window's caption; empty: name")

    @model_validator(mode="after")
    def _live_is_blurred(self) -> WebcamSource:
        if self.live and not self.blur_faces:
            raise ValueError(
                f"[[sources.webcam]] {self.name}: live = true needs blur_faces = true "
                "(a live window never shows a passer-by's face)"
            )
        return self

    @property
    def caption(self) -> str:
        return self.place or self.name


class FolderSource(_Section):
    """A watched folder: the reporters' cards and shared drives."""

    path: str = Field(min_length=1)
    source: str = Field("folder", min_length=1, max_length=40)
    approve: bool = Field(False, description="trusted: straight onto the wall")


BLUESKY_JETSTREAMS = (  # Bluesky's public instances (github.com/bluesky-social/jetstream)
    "wss://jetstream1.us-east.bsky.network/subscribe",
    "wss://jetstream2.us-east.bsky.network/subscribe",
    "wss://jetstream1.us-west.bsky.network/subscribe",
    "wss://jetstream2.us-west.bsky.network/subscribe",
)


class BlueskySource(_Section):
    """A hashtag on Bluesky: read from the public Jetstream firehose (no account), or by
    `app.bsky.feed.searchPosts` when an app password is given. Every endpoint is a key, so a
    local stand-in (or a self-hosted Jetstream) can take Bluesky's place."""

    tag: str = Field(min_length=1, pattern=r"^#?[\w]+$")
    name: str = Field("bluesky", min_length=1, max_length=40, description="source name")
    jetstream: list[str] = Field(
        default_factory=lambda: list(BLUESKY_JETSTREAMS),
        min_length=1,
        description="ws(s):// Jetstream URLs, tried in turn (the next one when one fails)",
    )
    appview: str = Field(
        "https://public.api.bsky.app", min_length=1, description="app.bsky.actor.getProfile"
    )
    cdn: str = Field(
        "https://cdn.bsky.app/img/feed_fullsize/plain/{did}/{cid}@jpeg",
        description="an image's URL, from the author's {did} and the blob's {cid}",
    )
    identifier: str = Field("", description="handle or e-mail: search instead of the firehose")
    app_password: str = Field("", description="an app password (Settings → App passwords)")
    pds: str = Field("https://bsky.social", min_length=1, description="where the account lives")
    interval_s: float = Field(60.0, ge=5, le=86_400, description="between two searches")

    @field_validator("jetstream")
    @classmethod
    def _websocket_urls(cls, value: list[str]) -> list[str]:
        wrong = [url for url in value if not url.startswith(("ws://", "wss://"))]
        if wrong:
            raise ValueError(f"[[sources.bluesky]] jetstream: not ws:// or wss:// URLs: {wrong}")
        return value

    @field_validator("cdn")
    @classmethod
    def _cdn_template(cls, value: str) -> str:
        if "{did}" not in value or "{cid}" not in value:
            raise ValueError("[[sources.bluesky]] cdn: the URL must hold {did} and {cid}")
        return value

    @model_validator(mode="after")
    def _both_or_neither(self) -> BlueskySource:
        if bool(self.identifier) != bool(self.app_password):
            raise ValueError(
                f"[[sources.bluesky]] {self.name}: identifier and app_password go together "
                "(both for the search, neither for the firehose)"
            )
        return self


class SourcesSection(_Section):
    """Everything besides the upload page that feeds the wall (`[[sources.X]]` tables)."""

    mastodon: list[MastodonSource] = Field(default_factory=list)
    webcam: list[WebcamSource] = Field(default_factory=list)
    folder: list[FolderSource] = Field(default_factory=list)
    bluesky: list[BlueskySource] = Field(default_factory=list)


# An origin as a browser sends it: scheme, host, optional port; no path, no trailing slash.
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


class GallerySection(_Section):
    """The online gallery (`/galerie`): off unless the office turns it on; when on, the
    visitor page's consent names online publication and records its own text version."""

    enabled: bool = Field(False, description="the public page /galerie and its embed")
    embed_origins: list[str] = Field(
        default_factory=list,
        description='sites that may frame the gallery, e.g. ["https://www.brive-tourisme.fr"]',
    )

    @field_validator("embed_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _ORIGIN.match(value):
                raise ValueError(
                    f"{value!r} is not an origin: write the scheme and host only, e.g."
                    ' "https://www.brive-tourisme.fr" (no path, no trailing slash)'
                )
        return values


class ProjectorSection(_Section):
    """A projector switched over PJLink class 1 (`[[projectors]]`, one table per projector)."""

    name: str = Field("", max_length=40, description="shown on the console; empty: the host")
    host: str = Field(min_length=1, description="the projector's address on the venue network")
    port: int = Field(4352, ge=1, le=65535)
    password: str = Field("", description="PJLink password; empty: authentication off")
    input: str = Field("", description='"31": digital 1; empty: leave it alone')
    lead_s: float = Field(120.0, ge=0, le=3600, description="power on this long before a show")
    poll_s: float = Field(10.0, ge=0.05, le=3600, description="how often its state is read")
    timeout_s: float = Field(5.0, gt=0, le=60, description="wait this long for an answer")
    mute_when_blanked: bool = Field(False, description="AV-mute while the wall is blanked")

    @field_validator("input")
    @classmethod
    def _pjlink_input(cls, value: str) -> str:
        if value and not re.fullmatch(r"[1-5][1-9]", value):
            raise ValueError(
                "a PJLink input is two digits: the kind (1 RGB, 2 video, 3 digital/HDMI, "
                '4 storage, 5 network) then its number, e.g. "31"; empty: leave it alone'
            )
        return value


class Settings(BaseSettings):
    """All of `wall.toml`; environment variables `WALL_<SECTION>__<KEY>` win over the file."""

    model_config = SettingsConfigDict(
        env_prefix="WALL_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    wall: WallSection = WallSection()
    storage: StorageSection = StorageSection()
    server: ServerSection = ServerSection()
    upload: UploadSection = UploadSection()
    ingest: IngestSection = IngestSection()
    moderation: ModerationSection = ModerationSection()
    sources: SourcesSection = SourcesSection()
    display: DisplaySection = DisplaySection()
    gallery: GallerySection = GallerySection()
    projectors: list[ProjectorSection] = Field(default_factory=list)
    schedule: ScheduleSection = ScheduleSection()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],  # noqa: ARG003 (the signature pydantic-settings calls)
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003 (the signature pydantic-settings calls)
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003 (the signature pydantic-settings calls)
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init kwargs (see load_settings); the environment wins.
        return (env_settings, init_settings)

    @property
    def data_dir(self) -> Path:
        return self.wall.data_dir


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _describe(error: Mapping[str, Any], origin: str) -> str:
    loc = [str(part) for part in error["loc"]]
    if len(loc) >= 3 and loc[1].isdigit():  # a top-level table list: the Nth [[projectors]]
        where = f"[[{loc[0]}]] #{int(loc[1]) + 1}: {'.'.join(loc[2:])}"
    elif len(loc) >= 2:
        where = f"[{loc[0]}] {'.'.join(loc[1:])}"
    else:
        where = ".".join(loc) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{origin}: {where}: unknown setting (check its spelling in the README)"
    return f"{origin}: {where}: {error['msg']} (got {error.get('input')!r})"


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Load `path` (or ./wall.toml when present, else defaults), then the environment.

    `overrides` are whole sections, as a test or the demo would give them.
    """
    origin = "defaults"
    data: dict[str, Any] = {}
    if path is None and Path(DEFAULT_CONFIG_NAME).is_file():
        path = Path(DEFAULT_CONFIG_NAME)
    if path is not None:
        origin = str(path)
        data = _read_toml(path)
    for section, values in overrides.items():
        data.setdefault(section, {}).update(values)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        lines = [_describe(err, f"{origin} or WALL_* environment") for err in exc.errors()]
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None
    try:
        validate_schedule(settings.schedule)
    except ScheduleError as exc:
        raise ConfigError(f"invalid configuration:\n  {origin}: {exc}") from None
    return settings
