"""The credit under a photo, written for the people in front of the wall.

"via demo" or "via import" named the server's internal sources; the public reads who took
the photo ("Photo : Léa"), where it was posted ("#murbrive sur Mastodon") or which webcam
looks at which place. A photo with no name from the upload page stays anonymous.
"""

from __future__ import annotations

from typing import Final

from wall.i18n import DEFAULT_LANGUAGE, speaker_credit, typeset_french
from wall.schemas import WallPhoto

NETWORKS: Final = {"mastodon": "Mastodon", "pixelfed": "Pixelfed", "bluesky": "Bluesky"}

CREDIT_TEXTS: Final[dict[str, dict[str, str]]] = {
    "fr": typeset_french(
        {
            "photo": "Photo : {author}",
            "photo_speaker": "{photo} · {speaker}",
            "speaker_only": "Photo · {speaker}",
            "network": "{tag} sur {network}",
            "photo_on_network": "{photo} · {network}",
            "webcam": "Webcam : {place}",
        }
    ),
    "en": {
        "photo": "Photo: {author}",
        "photo_speaker": "{photo} · {speaker}",
        "speaker_only": "Photo · {speaker}",
        "network": "{tag} on {network}",
        "photo_on_network": "{photo} · {network}",
        "webcam": "Webcam: {place}",
    },
}


def credit_line(photo: WallPhoto, language: str = DEFAULT_LANGUAGE) -> str:
    """The credit in `language` (fr or en); empty when there is nobody to name."""
    texts = CREDIT_TEXTS.get(language, CREDIT_TEXTS[DEFAULT_LANGUAGE])
    by = _by(photo, texts, language)
    if photo.source_kind == "webcam":
        return texts["webcam"].format(place=photo.source_label or photo.source)
    network = NETWORKS.get(photo.source_kind)
    if network is None or not photo.source_label:
        return by
    posted = texts["network"].format(tag=photo.source_label, network=network)
    return texts["photo_on_network"].format(photo=by, network=posted) if by else posted


def _by(photo: WallPhoto, texts: dict[str, str], language: str) -> str:
    """Who took it, then who is speaking when the visitor let the credit say it:
    "Photo : Léa · habite ici", or "Photo · habite ici" without a name."""
    author = " ".join(photo.author.split())
    by = texts["photo"].format(author=author) if author else ""
    said = speaker_credit(language, photo.speaker)
    if not said:
        return by
    if not by:
        return texts["speaker_only"].format(speaker=said)
    return texts["photo_speaker"].format(photo=by, speaker=said)
