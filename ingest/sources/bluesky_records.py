"""A Bluesky post as the wall sees it: read from a Jetstream event or a search result.

Only what the wall needs is kept: who posted (the DID), the post's key, its text and
hashtags, the images' blob CIDs and the author's own content labels. A post is a candidate
when it carries the wall's hashtag (a tag facet, the record's `tags`, or `#tag` in its text,
case-insensitive) and at least one image; one the author labelled as adult or graphic
content is never one, whatever the moderators' settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

POST_COLLECTION = "app.bsky.feed.post"
TAG_FACET = "app.bsky.richtext.facet#tag"
IMAGES_EMBED = "app.bsky.embed.images"
RECORD_WITH_MEDIA_EMBED = "app.bsky.embed.recordWithMedia"
SELF_LABELS = "com.atproto.label.defs#selfLabels"
# The author's own warnings (Bluesky's adult-content and graphic-media self-labels): such a
# post never reaches a public wall, not even the moderation queue.
BLOCKING_LABELS = frozenset({"porn", "sexual", "nudity", "graphic-media", "gore"})
# An account that asked not to be shown to logged-out viewers; a wall is one of those.
NO_UNAUTHENTICATED = "!no-unauthenticated"
CAPTION_MAX = 280  # the contract's caption limit
# A hashtag in the text as Bluesky's own parser finds it: after a start or a space, up to
# the next space, not a number alone. The facets are the authority; the text catches
# clients that send none.
_TEXT_TAG = re.compile(r"(?:^|\s)[#＃]([^\s#＃]+)")
_TRAILING_PUNCTUATION = re.compile(r"[.,;:!?)\]}'\"»]+$")


@dataclass(frozen=True, slots=True)
class BlueskyPost:
    did: str  # the author's stable identity: key of the photo and of the contributor
    rkey: str  # the post's record key in the author's repository
    text: str
    tags: frozenset[str]  # casefolded, without '#'
    image_cids: tuple[str, ...]
    labels: frozenset[str]  # the author's self-labels on this post
    time_us: int = 0  # Jetstream's cursor at this event; 0 for a search result

    @property
    def at_uri(self) -> str:
        return f"at://{self.did}/{POST_COLLECTION}/{self.rkey}"

    def link(self, index: int) -> str:
        """The photo's `source_ref`: the post on bsky.app (with the DID, which a handle
        change does not break, so a replayed post is recognised), and the image's place."""
        return f"https://bsky.app/profile/{self.did}/post/{self.rkey}#{index}"

    def tagged(self, tag: str) -> bool:
        return tag.lstrip("#").casefold() in self.tags

    @property
    def blocked_by_label(self) -> bool:
        return bool(self.labels & BLOCKING_LABELS)

    @property
    def caption(self) -> str:
        """The post's text as the wall shows it: blank lines dropped, breaks kept, cut."""
        lines = (" ".join(line.split()) for line in self.text.splitlines())
        text = "\n".join(line for line in lines if line)
        return text if len(text) <= CAPTION_MAX else text[: CAPTION_MAX - 1].rstrip() + "…"


def text_tags(text: str) -> set[str]:
    """Hashtags written in `text`, casefolded, as a reader would see them (a trailing full
    stop or bracket is not part of the tag)."""
    tags = set()
    for match in _TEXT_TAG.finditer(text):
        tag = _TRAILING_PUNCTUATION.sub("", match.group(1))
        if tag and not tag.isdigit():
            tags.add(tag.casefold())
    return tags


def _facet_tags(record: dict[str, Any]) -> set[str]:
    tags = set()
    for facet in _dicts(record.get("facets")):
        for feature in _dicts(facet.get("features")):
            tag = feature.get("tag")
            if feature.get("$type") == TAG_FACET and isinstance(tag, str):
                tags.add(tag.lstrip("#").casefold())
    return tags


def _blob_cid(image: dict[str, Any]) -> str | None:
    """The CID of an image blob: `{"$type": "blob", "ref": {"$link": cid}}`, or the legacy
    `{"cid": cid}` of early posts."""
    blob = image.get("image")
    if not isinstance(blob, dict):
        return None
    ref = blob.get("ref")
    cid = ref.get("$link") if isinstance(ref, dict) else blob.get("cid")
    return cid if isinstance(cid, str) and cid else None


def image_cids(embed: Any) -> tuple[str, ...]:
    """The images of a post's embed: `images`, or the media of `recordWithMedia` (a quote
    post with pictures). Videos, links and plain quotes carry none."""
    if not isinstance(embed, dict):
        return ()
    if embed.get("$type") == RECORD_WITH_MEDIA_EMBED:
        return image_cids(embed.get("media"))
    if embed.get("$type") != IMAGES_EMBED:
        return ()
    found = (_blob_cid(image) for image in _dicts(embed.get("images")))
    return tuple(cid for cid in found if cid)


def self_labels(labels: Any) -> frozenset[str]:
    """The values of a record's `com.atproto.label.defs#selfLabels`."""
    if not isinstance(labels, dict) or labels.get("$type") != SELF_LABELS:
        return frozenset()
    values = (value.get("val") for value in _dicts(labels.get("values")))
    return frozenset(value for value in values if isinstance(value, str))


def post_from_record(did: str, rkey: str, record: Any, time_us: int = 0) -> BlueskyPost | None:
    """A post record (`app.bsky.feed.post`), or None when it is not one."""
    if not isinstance(record, dict) or not did.startswith("did:") or not rkey:
        return None
    raw_text = record.get("text")
    text = raw_text if isinstance(raw_text, str) else ""
    extra = {t.lstrip("#").casefold() for t in record.get("tags") or [] if isinstance(t, str)}
    return BlueskyPost(
        did=did,
        rkey=rkey,
        text=text,
        tags=frozenset(_facet_tags(record) | text_tags(text) | extra),
        image_cids=image_cids(record.get("embed")),
        labels=self_labels(record.get("labels")),
        time_us=time_us,
    )


def post_from_event(event: Any) -> BlueskyPost | None:
    """The post a Jetstream event creates; None for anything else (a like, a delete, an
    edit, an identity or account event)."""
    if not isinstance(event, dict) or event.get("kind") != "commit":
        return None
    commit = event.get("commit")
    did, time_us = event.get("did"), event.get("time_us")
    if not isinstance(commit, dict) or not isinstance(did, str) or not isinstance(time_us, int):
        return None
    if commit.get("operation") != "create" or commit.get("collection") != POST_COLLECTION:
        return None
    rkey = commit.get("rkey")
    return post_from_record(
        did, rkey if isinstance(rkey, str) else "", commit.get("record"), time_us
    )


def post_from_view(view: Any) -> BlueskyPost | None:
    """A `postView` of `app.bsky.feed.searchPosts`: its `uri` names the author and key."""
    if not isinstance(view, dict) or not isinstance(view.get("uri"), str):
        return None
    parts = view["uri"].removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != POST_COLLECTION:
        return None
    return post_from_record(parts[0], parts[2], view.get("record"))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
