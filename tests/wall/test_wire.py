"""The sockets' typed messages (`wall.wire`): each one round-trips, the `type` tells them apart,
and the bytes on the wire are the contract's (what the plain dicts used to send)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from wall.domain import ShowReason, ShowState
from wall.schemas import WallPhoto
from wall.wire import (
    DISPLAY_MESSAGE,
    MODERATION_MESSAGE,
    ConfigChanged,
    Hello,
    ModPhoto,
    PhotoApproved,
    PhotoDecided,
    PhotoErased,
    PhotoPending,
    PhotoRemoved,
    ResyncMessage,
    ShowMessage,
    Snapshot,
    WallConfig,
    encode,
)

AT = datetime(2027, 7, 14, 21, 30, tzinfo=UTC)


def wall_photo(photo_id: str = "p1") -> WallPhoto:
    return WallPhoto(
        id=photo_id,
        caption="Le quai",
        author="Ana",
        source="upload",
        contributor="device:1",
        created_at=AT,
        approved_at=AT,
        width=1600,
        height=1200,
        mean_lab=(50.0, 1.5, -2.0),
        urls={"display": f"/media/display/{photo_id}.jpg"},
    )


def mod_photo() -> ModPhoto:
    return ModPhoto(
        id="p1",
        status="pending",
        source="upload",
        caption="Le quai",
        author="Ana",
        flags=["blocked_word"],
        urls={"thumb": "/media/thumb/p1.jpg"},
        version=1,
        created_at=AT,
        updated_at=AT,
        reason="",
        source_ref="",
        signals={},
    )


SHOW = ShowState(
    lit=True,
    reason=ShowReason.SHOW,
    start=AT,
    end=datetime(2027, 7, 15, 0, 30, tzinfo=UTC),
    upcoming=((AT, datetime(2027, 7, 15, 0, 30, tzinfo=UTC)),),
)
CONFIG = WallConfig(
    wall_name="Mur de Brive",
    hashtag="#murbrive",
    qr_target="https://mur.example",
    cta_fr="Envoyez vos photos",
    cta_en="Send your photos",
)

DISPLAY_MESSAGES: list[BaseModel] = [
    Snapshot(photos=[wall_photo("p1"), wall_photo("p2")]),
    PhotoApproved(photo=wall_photo()),
    PhotoRemoved(photo_id="p1"),
    ShowMessage.of(SHOW),
    ShowMessage.of(ShowState(lit=False, reason=ShowReason.BLANKED)),
    ConfigChanged(config=CONFIG),
    ResyncMessage(),
]
MODERATION_MESSAGES: list[BaseModel] = [
    Hello(backlog=3),
    PhotoPending(photo=mod_photo(), backlog=1),
    PhotoPending(photo=mod_photo(), by="alice", backlog=1),
    PhotoDecided(photo=mod_photo(), by="policy", backlog=0),
    PhotoErased(photo_id="p1", backlog=0),
    ResyncMessage(),
]


@pytest.mark.parametrize("message", DISPLAY_MESSAGES, ids=lambda m: m.type)
def test_each_display_message_round_trips_through_the_one_adapter(message: BaseModel) -> None:
    read = DISPLAY_MESSAGE.validate_json(encode(message))
    assert type(read) is type(message)
    assert read == message


@pytest.mark.parametrize("message", MODERATION_MESSAGES, ids=lambda m: m.type)
def test_each_moderation_message_round_trips(message: BaseModel) -> None:
    read = MODERATION_MESSAGE.validate_json(encode(message))
    assert type(read) is type(message)
    assert read == message


def test_the_type_field_decides_the_model() -> None:
    assert isinstance(DISPLAY_MESSAGE.validate_python({"type": "resync"}), ResyncMessage)
    removed = DISPLAY_MESSAGE.validate_python({"type": "photo.removed", "photo_id": "p9"})
    assert isinstance(removed, PhotoRemoved) and removed.photo_id == "p9"
    stop = DISPLAY_MESSAGE.validate_python(
        {"type": "show.stop", "show": {"lit": False, "reason": "blanked"}}
    )
    assert isinstance(stop, ShowMessage) and stop.show.reason == "blanked"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"type": "mystery"}', "union_tag_invalid"),
        ('{"photo_id": "p1"}', "union_tag_not_found"),
        ('{"type": "photo.removed"}', "missing"),
        ('{"type": "photo.approved", "photo": {"id": "p1"}}', "missing"),
        ("not json", "json_invalid"),
    ],
)
def test_an_unknown_or_malformed_message_is_refused(text: str, error: str) -> None:
    with pytest.raises(ValidationError) as refused:
        DISPLAY_MESSAGE.validate_json(text)
    assert error in {e["type"] for e in refused.value.errors()}


def legacy(message: dict[str, Any]) -> str:
    """How `wall.display_feed` and `moderation.live` wrote their dicts before the models."""
    return json.dumps(message, default=str)


def test_the_bytes_on_the_wire_are_the_contracts() -> None:
    photo = wall_photo().model_dump(mode="json")
    assert encode(PhotoApproved(photo=wall_photo())) == legacy(
        {"type": "photo.approved", "photo": photo}
    )
    assert encode(PhotoRemoved(photo_id="p1")) == legacy(
        {"type": "photo.removed", "photo_id": "p1"}
    )
    assert encode(ShowMessage.of(SHOW)) == legacy({"type": "show.start", "show": SHOW.as_json()})
    assert encode(Snapshot(photos=[wall_photo()])) == legacy(
        {"type": "snapshot", "photos": [photo]}
    )
    assert encode(ConfigChanged(config=CONFIG)) == legacy(
        {"type": "config.changed", "config": CONFIG.model_dump()}
    )
    assert encode(ResyncMessage()) == '{"type": "resync"}'


def test_moderation_bytes_keep_their_keys_and_order() -> None:
    photo = mod_photo().model_dump(mode="json")
    assert encode(PhotoPending(photo=mod_photo(), backlog=2)) == legacy(
        {"type": "photo.pending", "photo": photo, "backlog": 2}  # a new photo: no "by"
    )
    assert encode(PhotoPending(photo=mod_photo(), by="bob", backlog=2)) == legacy(
        {"type": "photo.pending", "photo": photo, "by": "bob", "backlog": 2}
    )
    assert encode(PhotoDecided(photo=mod_photo(), by="policy", backlog=0)) == legacy(
        {"type": "photo.decided", "photo": photo, "by": "policy", "backlog": 0}
    )
    assert encode(PhotoErased(photo_id="p1", backlog=0)) == legacy(
        {"type": "photo.deleted", "photo_id": "p1", "backlog": 0}
    )
    assert encode(Hello(backlog=4)) == legacy({"type": "hello", "backlog": 4})
