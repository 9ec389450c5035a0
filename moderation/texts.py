"""Every text of the moderators' tablet page, in French (the default) and English.

Same shape as `wall.i18n.TEXTS`, on top of the staff pages' shared words (`staff.texts`); the
language itself is chosen by `wall.i18n.pick_language`.
Moderators read these at night, in a hurry, often one-handed: one or two words per control.
Flag, source and reject-reason labels are keyed by the codes the API uses, so the scripts
only ever translate a code and never show raw server text as a label.
"""

from __future__ import annotations

from typing import Final

from staff.texts import PHOTO_SOURCES, with_staff_texts
from wall.i18n import DEFAULT_LANGUAGE, SPEAKER_CREDITS, typeset_french

# Codes the queue API attaches to photos (`flags`) and accepts as `?flag=` filters.
FLAGS: Final = (
    "blurry",
    "dark",
    "tiny",
    "faces",
    "face_heavy",
    "near_duplicate",
    "blocklist",
    "sensitive",  # the image-safety check's score, or a post its author marked sensitive
    "held",  # the safety check held a trusted source's photo back: a moderator decides
)
# Source codes with a label of their own; any other source (a webcam's or a folder's name,
# a Mastodon instance's host) shows by its own name. The filter chips list only the sources
# this wall has (moderation.pages.configured_sources), and those of waiting photos.
SOURCES: Final = PHOTO_SOURCES  # their labels are the staff pages' shared words
# Reject reasons in keyboard order (R then 1-6); the last one asks for free text.
REJECT_REASONS: Final = (
    "off_topic",
    "inappropriate",
    "identifiable_person",
    "poor_quality",
    "advertising",
    "other",
)

_OWN: Final[dict[str, dict[str, str]]] = {
    "fr": typeset_french(
        {
            "page_title": "Modération",
            "login_title": "Connexion modérateur",
            "not_moderator": "Ce compte n'a pas accès à la modération.",
            "backlog": "{n} en attente",
            "backlog_one": "1 en attente",
            "backlog_zero": "Rien en attente",
            "filters": "Filtres",
            "filter_all": "Toutes",
            "filter_source": "Source",
            "filter_flag": "Signal",
            "empty": "Rien à modérer. Les nouvelles photos arrivent ici toutes seules.",
            "empty_filtered": "Aucune photo en attente pour ce filtre.",
            "clear_filters": "Voir toutes les photos",
            "approve": "Approuver",
            "reject": "Refuser",
            "swipe_hint": "Glisser à droite : approuver · à gauche : refuser",
            "keys_hint": "Clavier : A approuver · R refuser · U annuler",
            "photo_alt": "Photo à modérer",
            "no_caption": "Sans légende",
            "anonymous": "Anonyme",
            "by": "par {name}",
            "received": "{time}, {ago}",
            "just_now": "à l'instant",
            "next_title": "À suivre",
            "next_more": "+{n}",
            "wall_title": "Sur le mur maintenant",
            "wall_empty": "Aucune photo sur le mur.",
            "remove": "Retirer",
            "remove_confirm": "Confirmer ?",
            "quoted": "« {text} »",
            "remove_label": "Retirer du mur : {photo}",
            "remove_confirm_label": "Confirmer le retrait du mur : {photo}",
            "similar_label": "Ressemble à cette photo ({status})",
            "similar_alt": "La photo déjà reçue qui lui ressemble",
            "similar_pending": "en attente",
            "similar_approved": "sur le mur",
            "similar_rejected": "refusée",
            "similar_removed": "retirée du mur",
            "reasons_title": "Pourquoi refuser ?",
            "reason_off_topic": "Hors sujet",
            "reason_inappropriate": "Inapproprié",
            "reason_identifiable_person": "Personne identifiable sans accord",
            "reason_poor_quality": "Mauvaise qualité",
            "reason_advertising": "Publicité",
            "reason_other": "Autre…",
            "other_placeholder": "Raison du refus",
            "other_send": "Refuser",
            "approved_toast": "Approuvée",
            "rejected_toast": "Refusée",
            "removed_toast": "Retirée du mur",
            "undo": "Annuler",
            "undone": "Décision annulée",
            "undo_expired": "Trop tard pour annuler.",
            "nothing_to_undo": "Rien à annuler.",
            "conflict": "Déjà traitée par un autre modérateur",
            "gone": "Photo supprimée entre-temps",
            "flag_blurry": "Floue",
            "flag_dark": "Sombre",
            "flag_tiny": "Petite",
            "flag_faces": "Visages",
            "flag_face_heavy": "Portrait",
            "flag_near_duplicate": "Presque doublon",
            "flag_blocklist": "Mot interdit",
            "flag_sensitive": "À vérifier",
            "flag_held": "Retenue",
        }
    ),
    "en": {
        "page_title": "Moderation",
        "login_title": "Moderator sign-in",
        "not_moderator": "This account has no access to moderation.",
        "backlog": "{n} waiting",
        "backlog_one": "1 waiting",
        "backlog_zero": "Nothing waiting",
        "filters": "Filters",
        "filter_all": "All",
        "filter_source": "Source",
        "filter_flag": "Signal",
        "empty": "Nothing to moderate. New photos show up here by themselves.",
        "empty_filtered": "No waiting photo for this filter.",
        "clear_filters": "Show all photos",
        "approve": "Approve",
        "reject": "Reject",
        "swipe_hint": "Swipe right: approve · left: reject",
        "keys_hint": "Keys: A approve · R reject · U undo",
        "photo_alt": "Photo to moderate",
        "no_caption": "No caption",
        "anonymous": "Anonymous",
        "by": "by {name}",
        "received": "{time}, {ago}",
        "just_now": "just now",
        "next_title": "Up next",
        "next_more": "+{n}",
        "wall_title": "On the wall now",
        "wall_empty": "No photo on the wall.",
        "remove": "Remove",
        "remove_confirm": "Confirm?",
        "quoted": "“{text}”",
        "remove_label": "Take off the wall: {photo}",
        "remove_confirm_label": "Confirm taking off the wall: {photo}",
        "similar_label": "Looks like this photo ({status})",
        "similar_alt": "The earlier photo it looks like",
        "similar_pending": "waiting",
        "similar_approved": "on the wall",
        "similar_rejected": "rejected",
        "similar_removed": "taken off the wall",
        "reasons_title": "Why reject it?",
        "reason_off_topic": "Off topic",
        "reason_inappropriate": "Inappropriate",
        "reason_identifiable_person": "Identifiable person without consent",
        "reason_poor_quality": "Poor quality",
        "reason_advertising": "Advertising",
        "reason_other": "Other…",
        "other_placeholder": "Reason for rejecting",
        "other_send": "Reject",
        "approved_toast": "Approved",
        "rejected_toast": "Rejected",
        "removed_toast": "Taken off the wall",
        "undo": "Undo",
        "undone": "Decision undone",
        "undo_expired": "Too late to undo.",
        "nothing_to_undo": "Nothing to undo.",
        "conflict": "Already handled by another moderator",
        "gone": "Photo deleted in the meantime",
        "flag_blurry": "Blurry",
        "flag_dark": "Dark",
        "flag_tiny": "Small",
        "flag_faces": "Faces",
        "flag_face_heavy": "Portrait",
        "flag_near_duplicate": "Near duplicate",
        "flag_blocklist": "Banned word",
        "flag_sensitive": "To check",
        "flag_held": "Held back",
    },
}


def _with_speakers(table: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Who is speaking in the credit's own words ("speaker_resident": "habite ici"): the
    card says what the wall will say."""
    return {
        lang: {**own, **{f"speaker_{code}": words for code, words in SPEAKER_CREDITS[lang].items()}}
        for lang, own in table.items()
    }


# The sign-in, session and password words are the staff pages' own (staff.texts).
TEXTS: Final[dict[str, dict[str, str]]] = with_staff_texts(_with_speakers(_OWN))


def texts(lang: str) -> dict[str, str]:
    """All texts of the page in `lang`, falling back to the default language."""
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE])
