"""Every text of the gallery pages, in French (the default) and English.

Read by the public on a phone, and by the office's website visitors in an `<iframe>`: short
words, the wall's own name. Credits follow the wall's ("Photo : Léa", "#murbrive sur
Mastodon"), so a photo is credited the same on the facade and online.
"""

from __future__ import annotations

from typing import Final

from wall.i18n import DEFAULT_LANGUAGE, typeset_french

# The networks a source may post from, as the public names them (the display says the same).
NETWORKS: Final = {"mastodon": "Mastodon", "pixelfed": "Pixelfed", "bluesky": "Bluesky"}

TEXTS: Final[dict[str, dict[str, str]]] = {
    "fr": typeset_french(
        {
            "page_title": "Galerie",
            "heading": "Les photos du mur",
            "intro": "Les photos des visiteurs projetées sur {wall}, les plus récentes "
            "d'abord. Seules celles dont l'auteur a accepté la publication en ligne "
            "apparaissent ici.",
            "embed_heading": "Les photos de {wall}",
            "open_full": "Ouvrir la galerie (nouvel onglet)",
            "send_yours": "Envoyer une photo",
            "switch_label": "English",
            "switch_hint": "View this page in English",
            "live": "En direct",
            "offline": "Hors ligne, reconnexion…",
            "loading": "Chargement des photos…",
            "load_failed": "Les photos n'ont pas pu être chargées. Nouvel essai dans un instant.",
            "empty": "Aucune photo pour l'instant : revenez après la prochaine projection !",
            "more": "Voir plus de photos",
            "no_more": "Vous avez vu toutes les photos.",
            "count": "{n} photos affichées",
            "count_one": "1 photo affichée",
            "new_photo": "Nouvelle photo : {what}",
            "photo_gone": "Une photo a été retirée.",
            "untitled": "Photo sans légende",
            "photo": "Photo : {author}",
            "network": "{tag} sur {network}",
            "webcam": "Webcam : {place}",
            "photo_speaker": "{photo} · {speaker}",
            "speaker_only": "Photo · {speaker}",
            "see_post": "voir la publication",
            "sent_on": "Envoyée le {date}",
            "open_photo": "Agrandir : {what}",
            "list_label": "Photos, les plus récentes d'abord",
        }
    ),
    "en": {
        "page_title": "Gallery",
        "heading": "The wall's photos",
        "intro": "Visitors' photos projected on {wall}, newest first. Only those whose "
        "authors agreed to online publication appear here.",
        "embed_heading": "Photos of {wall}",
        "open_full": "Open the gallery (new tab)",
        "send_yours": "Send a photo",
        "switch_label": "Français",
        "switch_hint": "Voir cette page en français",
        "live": "Live",
        "offline": "Offline, reconnecting…",
        "loading": "Loading the photos…",
        "load_failed": "The photos could not be loaded. Trying again in a moment.",
        "empty": "No photos yet: come back after the next show!",
        "more": "See more photos",
        "no_more": "You have seen every photo.",
        "count": "{n} photos shown",
        "count_one": "1 photo shown",
        "new_photo": "New photo: {what}",
        "photo_gone": "A photo was taken down.",
        "untitled": "Untitled photo",
        "photo": "Photo: {author}",
        "network": "{tag} on {network}",
        "webcam": "Webcam: {place}",
        "photo_speaker": "{photo} · {speaker}",
        "speaker_only": "Photo · {speaker}",
        "see_post": "see the post",
        "sent_on": "Sent on {date}",
        "open_photo": "Enlarge: {what}",
        "list_label": "Photos, newest first",
    },
}


def texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE])
