"""The console's announcements card, in French and English (merged into the page's texts)."""

from __future__ import annotations

from typing import Final

from wall.i18n import typeset_french

TEXTS: Final[dict[str, dict[str, str]]] = {
    "fr": typeset_french(
        {
            "ann_title": "Annonces sur le mur",
            "ann_help": "Une image, ou un titre et un court texte en français et en anglais, "
            "affichés en plein écran entre les photos, aux dates et heures choisies (heure du "
            "mur).",
            "ann_none": "Aucune annonce. Le mur ne montre que les photos.",
            "ann_new": "Nouvelle annonce",
            "ann_edit_title": "Modifier l'annonce",
            "ann_kind": "Type",
            "ann_kind_text": "Titre et texte",
            "ann_kind_image": "Image seule",
            "ann_title_fr": "Titre (français)",
            "ann_text_fr": "Texte (français)",
            "ann_title_en": "Titre (anglais)",
            "ann_text_en": "Texte (anglais)",
            "ann_image": "Image",
            "ann_image_text": "Photo de fond (facultative, assombrie sous le texte)",
            "ann_image_keep": "Garder l'image actuelle",
            "ann_first_day": "Du",
            "ann_last_day": "Au (inclus)",
            "ann_start": "Chaque soir de",
            "ann_end": "à",
            "ann_times_note": "Une fin avant le début passe minuit (21:00 à 01:00) ; la même "
            "heure aux deux bouts : toute la journée.",
            "ann_cadence": "Fréquence",
            "ann_every": "Toutes les",
            "ann_minutes": "minutes",
            "ann_between": "Entre deux mises en page",
            "ann_seconds": "Durée à l'écran (secondes)",
            "ann_preview": "Aperçu",
            "ann_preview_alt": "L'annonce telle que le mur l'affichera",
            "ann_save": "Enregistrer",
            "ann_cancel": "Annuler",
            "ann_edit": "Modifier",
            "ann_delete": "Supprimer",
            "ann_delete_confirm": "Confirmer : supprimer",
            "ann_saved": "Annonce enregistrée : le mur la connaît déjà.",
            "ann_deleted": "Annonce supprimée : elle quitte le mur.",
            "ann_state_on": "En cours",
            "ann_state_coming": "À venir",
            "ann_state_past": "Terminée",
            "ann_window": "du {first} au {last}, {start}–{end}",
            "ann_every_n": "toutes les {n} min, {s} s",
            "ann_between_layouts": "entre deux mises en page, {s} s",
            "ann_image_only": "(image)",
            "ann_conflict": "Quelqu'un d'autre vient de modifier cette annonce : rechargée, "
            "refaites votre modification.",
            "ann_gone": "Cette annonce n'existe plus.",
        }
    ),
    "en": {
        "ann_title": "Announcements on the wall",
        "ann_help": "An image, or a title and a short text in French and English, shown full "
        "screen between the photos on the chosen days and times (the wall's clock).",
        "ann_none": "No announcements. The wall shows only photos.",
        "ann_new": "New announcement",
        "ann_edit_title": "Edit the announcement",
        "ann_kind": "Type",
        "ann_kind_text": "Title and text",
        "ann_kind_image": "Image only",
        "ann_title_fr": "Title (French)",
        "ann_text_fr": "Text (French)",
        "ann_title_en": "Title (English)",
        "ann_text_en": "Text (English)",
        "ann_image": "Image",
        "ann_image_text": "Background photo (optional, darkened under the text)",
        "ann_image_keep": "Keep the current image",
        "ann_first_day": "From",
        "ann_last_day": "To (included)",
        "ann_start": "Each evening from",
        "ann_end": "to",
        "ann_times_note": "An end before the start runs past midnight (21:00 to 01:00); the "
        "same time at both ends: the whole day.",
        "ann_cadence": "Frequency",
        "ann_every": "Every",
        "ann_minutes": "minutes",
        "ann_between": "Between two layouts",
        "ann_seconds": "Time on screen (seconds)",
        "ann_preview": "Preview",
        "ann_preview_alt": "The announcement as the wall will show it",
        "ann_save": "Save",
        "ann_cancel": "Cancel",
        "ann_edit": "Edit",
        "ann_delete": "Delete",
        "ann_delete_confirm": "Confirm: delete",
        "ann_saved": "Announcement saved: the wall already knows it.",
        "ann_deleted": "Announcement deleted: it leaves the wall.",
        "ann_state_on": "On now",
        "ann_state_coming": "Coming",
        "ann_state_past": "Over",
        "ann_window": "from {first} to {last}, {start}–{end}",
        "ann_every_n": "every {n} min, {s} s",
        "ann_between_layouts": "between two layouts, {s} s",
        "ann_image_only": "(image)",
        "ann_conflict": "Someone else just changed this announcement: reloaded, make your "
        "change again.",
        "ann_gone": "This announcement no longer exists.",
    },
}


def texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS["fr"])
