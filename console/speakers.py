"""Who is speaking: the visitor's optional one-tap choice, as the console's figures, exports
and credits name it (FR/EN).

The codes are `wall.domain.Speaker`'s values; "" is a visitor who said nothing, which is most
of them and still an answer the office wants to see (the split sums to every photo).
"""

from __future__ import annotations

from typing import Final

from wall.i18n import DEFAULT_LANGUAGE, speaker_credit

# The order every table and chart uses: tourists, locals, newcomers, then the silent.
SPEAKERS: Final = ("visiting", "resident", "newcomer", "")

LABELS: Final[dict[str, dict[str, str]]] = {
    "fr": {
        "visiting": "De passage",
        "resident": "Habite ici",
        "newcomer": "Vient d’arriver ici",
        "": "Non dit",
    },
    "en": {
        "visiting": "Visiting",
        "resident": "Living here",
        "newcomer": "Just moved here",
        "": "Unsaid",
    },
}


def speaker_label(code: str, lang: str) -> str:
    """The label of a speaker code; an unknown code (a newer visitor page) is shown as is."""
    labels = LABELS.get(lang, LABELS[DEFAULT_LANGUAGE])
    return labels.get(code, code)


def speaker_labels(lang: str) -> dict[str, str]:
    return dict(LABELS.get(lang, LABELS[DEFAULT_LANGUAGE]))


def in_credit(code: str, lang: str) -> str:
    """The words a credit adds after the name ("habite ici"), as the wall and the gallery
    write them (`wall.i18n.speaker_credit`); "" for an unsaid speaker."""
    return speaker_credit(lang, code)
