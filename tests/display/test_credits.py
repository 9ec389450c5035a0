"""Credits written for the public: "Photo : Léa", "#murbrive sur Mastodon", a webcam's place.

The words come from `credit_line`; the server tells the display which configured source a
photo came from (`source_kind`, `source_label`); the real renderer following a real server
(with a fake Mastodon instance) draws them, read back from its frames' pixels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pygame
import pytest

from display.credits import credit_line
from display.layouts.spotlight import CREDIT_SHARE, Spotlight
from display.overlays import ACCENT, fit_line
from display.rotation import FairRotation
from tests.helpers.fake_mastodon import FakeMastodon
from tests.helpers.server import LiveServer
from tests.helpers.wall_display import (
    COLOUR_TOLERANCE,
    HeadlessDisplay,
    Moderator,
    coloured_photo,
    wall_photo,
)
from wall.config import Settings
from wall.display_feed import source_credits
from wall.i18n import NBSP
from wall.schemas import WallPhoto

BLUE = (30, 60, 230)  # far from the credit's amber: every amber pixel is the credit's
WALL = (1280, 720)
APPEAR_TIMEOUT_S = 40.0
CAPTION_SIDE = 0.62  # the caption panel is at most 60 % of the wall wide, from the left margin


def photo(
    source: str, author: str = "", kind: str = "", label: str = "", speaker: str = ""
) -> WallPhoto:
    return wall_photo("p").model_copy(
        update={
            "source": source,
            "author": author,
            "source_kind": kind,
            "source_label": label,
            "speaker": speaker,
        }
    )


def plain(text: str) -> str:
    return text.replace(NBSP, " ")


@pytest.mark.parametrize(
    ("shown", "french", "english"),
    [
        (photo("upload", "Léa"), "Photo : Léa", "Photo: Léa"),
        (photo("import", "  Jean   Dupont "), "Photo : Jean Dupont", "Photo: Jean Dupont"),
        (
            photo("mastodon.social", "", "mastodon", "#murbrive"),
            "#murbrive sur Mastodon",
            "#murbrive on Mastodon",
        ),
        (
            photo("m", "Léa @lea@piaille.fr", "mastodon", "#murbrive"),
            "Photo : Léa @lea@piaille.fr · #murbrive sur Mastodon",
            "Photo: Léa @lea@piaille.fr · #murbrive on Mastodon",
        ),
        (
            photo("guierle", "", "webcam", "Place de la Guierle"),
            "Webcam : Place de la Guierle",
            "Webcam: Place de la Guierle",
        ),
        (
            photo("upload", "Léa", speaker="resident"),
            "Photo : Léa · habite ici",
            "Photo: Léa · lives here",
        ),
        (
            photo("upload", "Sam", speaker="visiting"),
            "Photo : Sam · de passage",
            "Photo: Sam · visiting",
        ),
        (
            photo("upload", speaker="newcomer"),
            "Photo · vient d'arriver",
            "Photo · just moved here",
        ),
        (photo("upload", "Léa", speaker="unknown"), "Photo : Léa", "Photo: Léa"),
        (photo("demo"), "", ""),
        (photo("import"), "", ""),
        (photo("upload"), "", ""),
        (photo("folder"), "", ""),
    ],
)
def test_credit_lines_name_people_and_places_never_internal_sources(
    shown: WallPhoto, french: str, english: str
) -> None:
    assert plain(credit_line(shown, "fr")) == french
    assert credit_line(shown, "en") == english
    assert "via" not in credit_line(shown, "fr") + credit_line(shown, "en")


def test_french_credits_keep_the_colon_with_its_word() -> None:
    assert credit_line(photo("upload", "Léa"), "fr") == f"Photo{NBSP}: Léa"


def test_the_server_says_which_network_or_place_a_source_is() -> None:
    settings = Settings.model_validate(
        {
            "sources": {
                "mastodon": [
                    {"instance": "https://piaille.fr", "tag": "murbrive"},
                    {"instance": "https://pixelfed.social", "tag": "#murbrive", "name": "pf"},
                ],
                "webcam": [{"name": "Place de la Guierle", "url": "rtsp://192.0.2.1/s"}],
            }
        }
    )
    credits = source_credits(settings)
    assert (credits["piaille.fr"].kind, credits["piaille.fr"].label) == ("mastodon", "#murbrive")
    assert (credits["pf"].kind, credits["pf"].label) == ("pixelfed", "#murbrive")
    assert credits["Place de la Guierle"].kind == "webcam"
    assert "upload" not in credits


@pytest.fixture
def screen(sdl: None) -> Iterator[pygame.Surface]:  # noqa: ARG001 (SDL set up by the fixture)
    yield pygame.display.set_mode(WALL)


class BlueSource:
    """Every photo a blue picture of the size asked."""

    def get(self, photo_id: str, size: tuple[int, int], fit: str = "cover") -> pygame.Surface:  # noqa: ARG002
        picture = pygame.Surface(size)
        picture.fill(BLUE)
        return picture

    def tile_colour(self, photo_id: str) -> tuple[float, float, float] | None:  # noqa: ARG002
        return None


def amber_width(frame: np.ndarray) -> int:
    """Columns spanned by the credit's amber ink in an (h, w, 3) frame; 0 without any.
    Only the caption's side: the corner band's hashtag, far right, is amber too."""
    caption_side = frame[:, : int(frame.shape[1] * CAPTION_SIDE)]
    distance = np.abs(caption_side.astype(np.int16) - np.array(ACCENT, np.int16)).max(axis=2)
    columns = np.flatnonzero((distance <= COLOUR_TOLERANCE // 2).any(axis=0))
    return int(columns[-1] - columns[0] + 1) if columns.size else 0


def green_ink(frame: np.ndarray) -> int:
    """Pixels of the colour emoji 💚 on the caption's side: nothing else there is green."""
    side = frame[:, : int(frame.shape[1] * CAPTION_SIDE)].astype(np.int16)
    red, green, blue = side[..., 0], side[..., 1], side[..., 2]
    return int(((green > red + 50) & (green > blue + 50)).sum())


def expected_width(credit: str, height: int = WALL[1]) -> int:
    line = fit_line(credit, round(height * CREDIT_SHARE), int(WALL[0] * 0.6), ACCENT)
    assert line is not None
    alpha = pygame.surfarray.array_alpha(line)
    columns = np.flatnonzero((alpha > 128).any(axis=1))
    return int(columns[-1] - columns[0] + 1)


def spotlight_frame(shown: WallPhoto, language: str) -> np.ndarray:
    layout = Spotlight(language)
    layout.start(WALL, 0.0)
    rotation = FairRotation(10.0, 1.0, lambda: 0.0)
    rotation.add(shown, fresh=False)
    canvas = pygame.Surface(WALL)
    for now in (0.0, 2.0):
        layout.update(now, BlueSource(), rotation)
        layout.draw(canvas, now)
    return pygame.surfarray.array3d(canvas).swapaxes(0, 1).copy()


def test_the_spotlight_draws_the_credit_in_the_walls_language(screen: pygame.Surface) -> None:  # noqa: ARG001
    lea = photo("upload", "Léa")
    for language, credit in (("fr", f"Photo{NBSP}: Léa"), ("en", "Photo: Léa")):
        drawn = amber_width(spotlight_frame(lea, language))
        assert abs(drawn - expected_width(credit)) <= 2, (language, drawn)
    assert expected_width(f"Photo{NBSP}: Léa") != expected_width("— Léa")
    assert amber_width(spotlight_frame(photo("demo"), "fr")) == 0, "no 'via demo' on the wall"


def test_the_spotlight_appends_who_is_speaking_when_the_visitor_let_it(
    screen: pygame.Surface,  # noqa: ARG001
) -> None:
    said = photo("upload", "Léa", speaker="resident")
    for language, credit in (
        ("fr", f"Photo{NBSP}: Léa · habite ici"),
        ("en", "Photo: Léa · lives here"),
    ):
        drawn = amber_width(spotlight_frame(said, language))
        assert abs(drawn - expected_width(credit)) <= 2, (language, drawn)
    assert expected_width(f"Photo{NBSP}: Léa · habite ici") > expected_width(f"Photo{NBSP}: Léa")
    # A display that predates the field reads the feed as before: nothing is appended.
    older = WallPhoto.model_validate(photo("upload", "Léa").model_dump(exclude={"speaker"}))
    assert credit_line(older, "fr") == f"Photo{NBSP}: Léa"


@pytest.fixture
def fake() -> Iterator[FakeMastodon]:
    started = FakeMastodon().start()
    yield started
    started.stop()


def test_the_live_wall_credits_an_upload_and_a_mastodon_post(
    make_server: Callable[..., LiveServer],
    fake: FakeMastodon,
    tmp_path: Path,
    sdl: None,  # noqa: ARG001
) -> None:
    source = {"instance": fake.url, "tag": "murbrive", "interval_s": 1, "name": "toots"}
    server = make_server(
        sources={"mastodon": [source]}, moderation={"auto_approve_sources": ["toots"]}
    )
    moderator = Moderator(server)
    lea = moderator.upload(coloured_photo(BLUE), caption="Le pont 💚", author="Léa")
    moderator.approve(lea)
    display = HeadlessDisplay(
        tmp_path / "display", server, frames=4000, size="1280x720", fps=10, every=5
    ).start()
    pygame.display.set_mode(WALL)  # this process measures the same lines in the same fonts
    try:
        by_lea = expected_width(f"Photo{NBSP}: Léa")
        display.wait_for(
            lambda f: abs(amber_width(f) - by_lea) <= 2 and green_ink(f) > 30,
            APPEAR_TIMEOUT_S,
            "Photo : Léa, under a caption with a green heart in colour",
        )
        media = fake.add_media("bleu.jpg", coloured_photo(BLUE, (900, 600)))
        fake.add_post([media], text="Ce soir", username="sam", display_name="")
        credit = expected_width(f"Photo{NBSP}: sam @sam@127.0.0.1 · #murbrive sur Mastodon")
        display.wait_for(
            lambda f: abs(amber_width(f) - credit) <= 2, APPEAR_TIMEOUT_S, "the Mastodon credit"
        )
    finally:
        display.finish()
    with server.client() as client:
        answer = client.get("/api/wall/photos", params={"token": server.display_token})
    photos = [WallPhoto.model_validate(p) for p in answer.json()["photos"]]
    credits = sorted(plain(credit_line(p, "fr")) for p in photos)
    assert credits[0] == "Photo : Léa"
    assert credits[1].endswith("#murbrive sur Mastodon"), credits
