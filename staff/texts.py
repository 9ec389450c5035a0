"""The words every staff page shares (sign-in, session, "change my password", the shared kit's
failures), in French (the default) and English: one translation of "Mot de passe" for the
whole wall. The moderators' page and the console add their own on top (`moderation.texts`,
`console.texts`); the scripts in staff/web read these keys only.
"""

from __future__ import annotations

from typing import Final

from staff.accounts import MIN_PASSWORD_CHARS
from wall.i18n import DEFAULT_LANGUAGE, typeset_french

# Photo sources with a label of their own ("upload" → "Téléphone"), named alike on both pages;
# any other source (a webcam's or a folder's name, a Mastodon host) shows by its own name.
PHOTO_SOURCES: Final = ("upload", "mastodon", "pixelfed", "bluesky", "webcam", "import")

TEXTS: Final[dict[str, dict[str, str]]] = {
    "fr": typeset_french(
        {
            "switch_label": "English",
            "switch_hint": "Switch to English",
            "noscript": "Cette page a besoin de JavaScript.",
            "username": "Identifiant",
            "password": "Mot de passe",
            "login": "Se connecter",
            "logging_in": "Connexion…",
            "bad_credentials": "Identifiant ou mot de passe incorrect.",
            "too_many_attempts": "Trop d'essais. Réessayez dans {s} s.",
            "session_expired": "Session terminée : reconnectez-vous.",
            "logout": "Se déconnecter",
            "signed_in_as": "Connecté : {name}",
            "change_password": "Changer mon mot de passe",
            "current_password": "Mot de passe actuel",
            "new_password": "Nouveau mot de passe",
            "new_password_again": "Nouveau mot de passe, une seconde fois",
            "password_save": "Enregistrer",
            "password_changed": "Mot de passe changé. Vos autres sessions sont fermées.",
            "password_weak": "Nouveau mot de passe trop court : "
            f"{MIN_PASSWORD_CHARS} caractères au moins.",
            "password_mismatch": "Les deux nouveaux mots de passe diffèrent.",
            "password_wrong": "Mot de passe actuel incorrect.",
            "offline": "Hors ligne, reconnexion…",
            "loading": "Chargement…",
            "cancel": "Annuler",
            "network_error": "Connexion impossible. Réessayez.",
            "server_error": "Le serveur a rencontré un problème. Réessayez.",
            "source_upload": "Téléphone",
            "source_mastodon": "Mastodon",
            "source_pixelfed": "Pixelfed",
            "source_bluesky": "Bluesky",
            "source_webcam": "Webcam",
            "source_import": "Import",
        }
    ),
    "en": {
        "switch_label": "Français",
        "switch_hint": "Passer en français",
        "noscript": "This page needs JavaScript.",
        "username": "Username",
        "password": "Password",
        "login": "Sign in",
        "logging_in": "Signing in…",
        "bad_credentials": "Wrong username or password.",
        "too_many_attempts": "Too many attempts. Try again in {s} s.",
        "session_expired": "Session ended: please sign in again.",
        "logout": "Sign out",
        "signed_in_as": "Signed in: {name}",
        "change_password": "Change my password",
        "current_password": "Current password",
        "new_password": "New password",
        "new_password_again": "New password, once more",
        "password_save": "Save",
        "password_changed": "Password changed. Your other sessions are signed out.",
        "password_weak": f"New password too short: {MIN_PASSWORD_CHARS} characters or more.",
        "password_mismatch": "The two new passwords differ.",
        "password_wrong": "The current password is wrong.",
        "offline": "Offline, reconnecting…",
        "loading": "Loading…",
        "cancel": "Cancel",
        "network_error": "Cannot connect. Try again.",
        "server_error": "The server ran into a problem. Try again.",
        "source_upload": "Phone",
        "source_mastodon": "Mastodon",
        "source_pixelfed": "Pixelfed",
        "source_bluesky": "Bluesky",
        "source_webcam": "Webcam",
        "source_import": "Import",
    },
}


def with_staff_texts(own: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """A staff page's table: these shared words, then the page's own (which win)."""
    return {lang: {**TEXTS[lang], **own[lang]} for lang in own}


def photo_source_labels(lang: str) -> dict[str, str]:
    """The labelled photo sources in `lang`, by code."""
    words = texts(lang)
    return {source: words[f"source_{source}"] for source in PHOTO_SOURCES}


def texts(lang: str) -> dict[str, str]:
    """The shared words in `lang`, falling back to the default language."""
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE])
