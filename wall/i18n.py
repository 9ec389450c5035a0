"""Every visitor-facing text in French (the default) and English, and how a language is chosen.

Visitors read these on a phone in the street at night: short sentences, no jargon. The consent
sentence is a legal statement (droit à l'image, CNIL): its wording is versioned so that each
stored photo records exactly which text its contributor agreed to.
"""

from __future__ import annotations

import os
import re
from typing import Final

LANGUAGES: Final = ("fr", "en")
DEFAULT_LANGUAGE: Final = "fr"

# Bump whenever CONSENT_TEMPLATES or the consent notice changes: the server stores this value
# with each photo as proof of what the contributor accepted. ".2": the optional print tick.
CONSENT_VERSION: Final = "2026-12-04.2"
# The text shown while `[gallery] enabled`: it names online publication too. Only photos
# sent under a version of this set may appear in the online gallery.
CONSENT_VERSION_ONLINE: Final = "2026-12-04.2-online"
ONLINE_CONSENT_VERSIONS: Final = frozenset({CONSENT_VERSION_ONLINE})

NBSP: Final = "\u00a0"
_FRENCH_SPACES: Final = re.compile(r" ([:;!?»])|(«) ")


def _typeset_french(text: str) -> str:
    """Non-breaking spaces before : ; ! ? » and after «, so a narrow phone never orphans them."""
    return _FRENCH_SPACES.sub(lambda m: f"{NBSP}{m[1]}" if m[1] else f"{m[2]}{NBSP}", text)


def _french(table: dict[str, str]) -> dict[str, str]:
    """French texts are written with plain spaces for legibility, typeset once here."""
    return {key: _typeset_french(text) for key, text in table.items()}


def typeset_french(table: dict[str, str]) -> dict[str, str]:
    """The same typesetting for the other pages' text tables (moderation, console)."""
    return _french(table)


CONSENT_TEMPLATES: Final[dict[str, str]] = {
    "fr": _typeset_french(
        "J'ai pris cette photo, les personnes reconnaissables ont donné leur accord, "
        "j'ai 15 ans ou plus, et j'accepte sa projection sur {wall} pendant la saison {season}."
    ),
    "en": (
        "I took this photo, the people recognisable in it agree, I am 15 or older, "
        "and I agree to its projection on {wall} during the season {season}."
    ),
}

# The same sentence while the online gallery is on (CONSENT_VERSION_ONLINE).
CONSENT_TEMPLATES_ONLINE: Final[dict[str, str]] = {
    "fr": _typeset_french(
        "J'ai pris cette photo, les personnes reconnaissables ont donné leur accord, "
        "j'ai 15 ans ou plus, et j'accepte sa projection sur {wall} pendant la saison {season} "
        "et sa publication dans la galerie en ligne du mur."
    ),
    "en": (
        "I took this photo, the people recognisable in it agree, I am 15 or older, "
        "and I agree to its projection on {wall} during the season {season} "
        "and to its publication in the wall's online gallery."
    ),
}


# Who is speaking, as a credit says it when the visitor ticked "show it with my name" (the
# wall, the moderation tablet, the gallery): "Photo : Léa · habite ici".
SPEAKER_CREDITS: Final[dict[str, dict[str, str]]] = {
    "fr": {"visiting": "de passage", "resident": "habite ici", "newcomer": "vient d'arriver"},
    "en": {"visiting": "visiting", "resident": "lives here", "newcomer": "just moved here"},
}


def speaker_credit(lang: str, speaker: str) -> str:
    """The words a credit appends for `speaker` ("" for nothing said, or unknown)."""
    return SPEAKER_CREDITS.get(lang, SPEAKER_CREDITS[DEFAULT_LANGUAGE]).get(speaker, "")


def consent_version(online: bool) -> str:
    """The version of the consent text the page shows: `online` when the gallery is on."""
    return CONSENT_VERSION_ONLINE if online else CONSENT_VERSION


def names_online(text_version: str) -> bool:
    """Whether the consent text of this version named online publication."""
    return text_version in ONLINE_CONSENT_VERSIONS


TEXTS: Final[dict[str, dict[str, str]]] = {
    "fr": _french(
        {
            "page_title": "Envoyer une photo",
            # The intro's promise follows the show plan (show/tonight.py): "ce soir" only
            # when a show falls on tonight.
            "intro_tonight": "Votre photo sur le mur, ce soir.",
            "intro_tonight_from": "Votre photo sur le mur ce soir, à partir de {time}.",
            "intro_next_show": "Prochaine projection le {day} à partir de {time}.",
            "intro_no_show": "Votre photo sur le mur à la prochaine projection (aucune n'est "
            "prévue pour le moment).",
            "intro_anytime": "Votre photo sur le mur.",
            "intro": "Elle sera vérifiée par un modérateur avant d'être projetée.",
            "switch_label": "English",
            "switch_hint": "Switch to English",
            "choose_photo": "Choisir une photo",
            "change_photo": "Changer de photo",
            "photo_help": "Depuis l'appareil photo ou la galerie.",
            "preview_alt": "Aperçu de la photo choisie",
            "preview_unavailable": "Aperçu indisponible pour ce format : la photo sera quand même "
            "envoyée.",
            "not_an_image": "Ce fichier n'est pas une photo.",
            "caption_label": "Légende (facultatif)",
            "caption_placeholder": "Un mot sur votre photo",
            "counter": "{n} / {max}",
            "author_label": "Votre nom ou pseudo (facultatif)",
            "author_placeholder": "Affiché avec la photo",
            "consent_heading": "Votre accord",
            "delete_notice": "Après l'envoi, un lien « Suivre ma photo » vous permet de la "
            "suivre et de la supprimer à tout moment. Les informations cachées (lieu GPS, "
            "appareil) sont retirées des images diffusées.",
            "retention_notice": "Chaque photo est effacée au plus tard {days} jours après son "
            "envoi.",
            # The visitor's choices (issue 15): a second, optional consent, and who is speaking.
            "consent_print": "Ma photo peut être imprimée pour les expositions itinérantes de "
            "l'office (facultatif).",
            "consent_print_help": "Supprimer la photo avec le lien « Suivre ma photo » la retire "
            "aussi des expositions.",
            "speaker_heading": "Qui parle ? (facultatif)",
            "speaker_help": "Un seul appui : l'office saura si les habitants participent autant "
            "que les visiteurs.",
            "speaker_unsaid": "Je préfère ne pas dire",
            "speaker_visiting": "De passage",
            "speaker_resident": "J'habite ici",
            "speaker_newcomer": "Je viens d'arriver",
            "speaker_in_credit": "L'afficher avec mon nom sur le mur",
            "send": "Envoyer la photo",
            "send_hint": "Choisissez une photo et cochez la case d'accord pour envoyer.",
            "preparing": "Préparation de la photo…",
            "uploading": "Envoi en cours…",
            "processing": "Photo reçue, vérification…",
            "progress_label": "Progression de l'envoi",
            "retrying": "Connexion perdue, nouvel essai…",
            "retry_in": "Connexion perdue, nouvel essai dans {s} s (essai {n} sur {max})",
            "server_retry_in": "Le serveur est occupé, nouvel essai dans {s} s "
            "(essai {n} sur {max})",
            "waiting_online": "Hors connexion : l'envoi reprendra dès le retour du réseau.",
            "rate_wait": "Beaucoup d'envois en peu de temps : nouvel essai automatique dans "
            "{time}.",
            "sent_bytes": "{sent} sur {total} envoyés",
            "unit_kb": "ko",
            "unit_mb": "Mo",
            "cancel_wait": "Annuler l'envoi",
            "upload_cancelled": "Envoi annulé. Votre photo est toujours choisie : renvoyez-la "
            "quand vous voulez.",
            "gave_up": "L'envoi n'a pas abouti. Vérifiez votre connexion puis réessayez.",
            "try_again": "Réessayer",
            "thanks": "Merci !",
            "receipt_pending": "Votre photo est en attente de modération.",
            "receipt_rejected": "Votre photo a été refusée.",
            "receipt_rejected_duplicate": "Votre photo a été refusée : doublon (elle a "
            "déjà été envoyée).",
            "receipt_keep": "Gardez ce lien : c'est le seul moyen de suivre ou de supprimer votre "
            "photo.",
            # The upload page's link to the receipt page (key kept: upload.html names it).
            "follow_my_photo": "Suivre ma photo",
            "delete_this_photo": "Supprimer ma photo",
            "send_another": "Envoyer une autre photo",
            "my_photos": "Vos photos envoyées",
            "sent_at": "Envoyée le {date}",
            "noscript": "Cette page a besoin de JavaScript pour préparer et envoyer votre photo.",
            "receipt_title": "Votre photo",
            "loading": "Chargement…",
            "status_label": "État",
            "caption_heading": "Légende",
            "author_heading": "Nom",
            "consent_label": "Votre accord",
            "scope_wall": "Projection sur le mur",
            "scope_online": "Publication dans la galerie en ligne du mur",
            "scope_print": "Impression pour les expositions itinérantes de l'office",
            "speaker_label": "Qui parle",
            "speaker_shown": "{speaker}, affiché avec votre nom",
            "speaker_not_shown": "{speaker}, pas affiché sur le mur",
            "status_pending": "En attente de modération",
            "status_approved": "Acceptée : elle attend son tour sur le mur",
            "status_on_wall": "Sur le mur en ce moment !",
            "status_shown_at": "Montrée sur le mur à {time}",
            "status_shown_on": "Montrée sur le mur le {day} à {time}",
            "status_rejected": "Refusée par la modération : elle ne sera pas projetée",
            "status_removed": "Retirée du mur par l'équipe",
            "thumb_alt": "Votre photo",
            "live_note": "Cette page se met à jour toute seule.",
            "status_deleted": "Supprimée",
            "reason_duplicate": "doublon",
            "delete_confirm": "Supprimer définitivement cette photo ? Elle ne sera plus "
            "projetée et ses fichiers seront effacés.",
            "delete_yes": "Oui, supprimer",
            "delete_cancel": "Annuler",
            "deleting": "Suppression…",
            "deleted": "Votre photo a été supprimée.",
            "missing_token": "Ce lien est incomplet : il manque le code du reçu. Utilisez le lien "
            "affiché après l'envoi.",
            "network_error": "Connexion impossible. Vérifiez votre réseau et réessayez.",
            "back_home": "Envoyer une photo",
        }
    ),
    "en": {
        "page_title": "Send a photo",
        "intro_tonight": "Your photo on the wall, tonight.",
        "intro_tonight_from": "Your photo on the wall tonight, from {time}.",
        "intro_next_show": "Next show on {day} from {time}.",
        "intro_no_show": "Your photo on the wall at the next show (none is planned for now).",
        "intro_anytime": "Your photo on the wall.",
        "intro": "A moderator checks it before it is projected.",
        "switch_label": "Français",
        "switch_hint": "Passer en français",
        "choose_photo": "Choose a photo",
        "change_photo": "Change photo",
        "photo_help": "From the camera or the gallery.",
        "preview_alt": "Preview of the chosen photo",
        "preview_unavailable": "No preview for this format: the photo will still be sent.",
        "not_an_image": "This file is not a photo.",
        "caption_label": "Caption (optional)",
        "caption_placeholder": "A word about your photo",
        "counter": "{n} / {max}",
        "author_label": "Your name or nickname (optional)",
        "author_placeholder": "Shown with the photo",
        "consent_heading": "Your consent",
        "delete_notice": "After sending, a “Follow my photo” link lets you follow it and delete "
        "it at any time. Hidden information (GPS location, camera) is removed from the images "
        "shown.",
        "retention_notice": "Every photo is erased at the latest {days} days after it is sent.",
        "consent_print": "My photo may be printed for the office's travelling exhibitions "
        "(optional).",
        "consent_print_help": "Deleting the photo with the “Follow my photo” link takes it out of "
        "the exhibitions too.",
        "speaker_heading": "Who is speaking? (optional)",
        "speaker_help": "One tap: the office learns whether locals take part as well as visitors.",
        "speaker_unsaid": "Rather not say",
        "speaker_visiting": "Visiting",
        "speaker_resident": "I live here",
        "speaker_newcomer": "I just moved here",
        "speaker_in_credit": "Show it with my name on the wall",
        "send": "Send the photo",
        "send_hint": "Choose a photo and tick the consent box to send.",
        "preparing": "Preparing the photo…",
        "uploading": "Sending…",
        "processing": "Photo received, checking…",
        "progress_label": "Upload progress",
        "retrying": "Connection lost, trying again…",
        "retry_in": "Connection lost, trying again in {s} s (attempt {n} of {max})",
        "server_retry_in": "The server is busy, trying again in {s} s (attempt {n} of {max})",
        "waiting_online": "Offline: sending resumes as soon as the network is back.",
        "rate_wait": "Many uploads in a short time: trying again automatically in {time}.",
        "sent_bytes": "{sent} of {total} sent",
        "unit_kb": "kB",
        "unit_mb": "MB",
        "cancel_wait": "Cancel sending",
        "upload_cancelled": "Sending cancelled. Your photo is still chosen: send it again "
        "whenever you like.",
        "gave_up": "The photo could not be sent. Check your connection and try again.",
        "try_again": "Try again",
        "thanks": "Thank you!",
        "receipt_pending": "Your photo is waiting for moderation.",
        "receipt_rejected": "Your photo was rejected.",
        "receipt_rejected_duplicate": "Your photo was rejected: duplicate (it was already sent).",
        "receipt_keep": "Keep this link: it is the only way to follow or delete your photo.",
        # The upload page's link to the receipt page (key kept: upload.html names it).
        "follow_my_photo": "Follow my photo",
        "delete_this_photo": "Delete my photo",
        "send_another": "Send another photo",
        "my_photos": "Photos you sent",
        "sent_at": "Sent on {date}",
        "noscript": "This page needs JavaScript to prepare and send your photo.",
        "receipt_title": "Your photo",
        "loading": "Loading…",
        "status_label": "Status",
        "caption_heading": "Caption",
        "author_heading": "Name",
        "consent_label": "Your consent",
        "scope_wall": "Projection on the wall",
        "scope_online": "Publication in the wall's online gallery",
        "scope_print": "Printing for the office's travelling exhibitions",
        "speaker_label": "Who is speaking",
        "speaker_shown": "{speaker}, shown with your name",
        "speaker_not_shown": "{speaker}, not shown on the wall",
        "status_pending": "Waiting for moderation",
        "status_approved": "Approved: waiting for its turn on the wall",
        "status_on_wall": "On the wall right now!",
        "status_shown_at": "Shown on the wall at {time}",
        "status_shown_on": "Shown on the wall on {day} at {time}",
        "status_rejected": "Rejected by the moderators: it will not be shown",
        "status_removed": "Taken off the wall by the team",
        "thumb_alt": "Your photo",
        "live_note": "This page updates by itself.",
        "status_deleted": "Deleted",
        "reason_duplicate": "duplicate",
        "delete_confirm": "Delete this photo for good? It will no longer be projected and its "
        "files will be erased.",
        "delete_yes": "Yes, delete",
        "delete_cancel": "Cancel",
        "deleting": "Deleting…",
        "deleted": "Your photo has been deleted.",
        "missing_token": "This link is incomplete: the receipt code is missing. Use the link "
        "shown after sending.",
        "network_error": "Cannot connect. Check your network and try again.",
        "back_home": "Send a photo",
    },
}

ERROR_MESSAGES: Final[dict[str, dict[str, str]]] = {
    "fr": _french(
        {
            "consent_required": "Cochez la case d'accord pour envoyer votre photo.",
            "invalid_field": "Un champ n'est pas valide (légende : 280 caractères au plus, "
            "nom : 60).",
            # A field's own wording, where the generic one would mislead ("code:field").
            "invalid_field:night": "Nuit invalide : donnez sa date au format AAAA-MM-JJ, "
            "par exemple 2027-07-14.",
            "invalid_field:format": "Format invalide : « pdf » ou « jpeg ».",
            # Announcements (console/announcements_api.py)
            "text_empty": "Écrivez au moins le titre en français : c'est lui que le mur "
            "affiche en grand.",
            "text_too_long": "Texte trop long : 80 caractères au plus pour un titre, 240 pour "
            "un texte.",
            "image_required": "Choisissez l'image à afficher (JPEG, PNG, WebP ou HEIC).",
            "window_backwards": "La fin de la période est avant son début : vérifiez les dates.",
            "window_too_long": "Période trop longue : 400 jours au plus.",
            "invalid_field:first_day": "Premier jour invalide : une date AAAA-MM-JJ.",
            "invalid_field:last_day": "Dernier jour invalide : une date AAAA-MM-JJ.",
            "invalid_field:start": "Heure de début invalide : HH:MM, par exemple 21:30.",
            "invalid_field:end": "Heure de fin invalide : HH:MM, par exemple 23:30.",
            "invalid_field:every_minutes": "Fréquence invalide : toutes les 1 à 240 minutes.",
            "invalid_field:seconds": "Durée invalide : de 4 à 60 secondes à l'écran.",
            "invalid_field:kind": "Type de diapositive invalide : image ou texte.",
            "invalid_field:cadence": "Fréquence invalide : toutes les N minutes ou entre deux "
            "mises en page.",
            "invalid_field:before": "Page de la galerie invalide : rechargez la galerie.",
            "invalid_field:limit": "Nombre de photos invalide : de 1 à 96 par page.",
            "invalid_field:speaker": "Choix invalide pour « qui parle » : de passage, j'habite "
            "ici ou je viens d'arriver (ou rien).",
            "invalid_field:consent_print": "Réponse invalide pour l'impression : oui ou non.",
            "invalid_field:speaker_in_credit": "Réponse invalide pour l'affichage avec votre "
            "nom : oui ou non.",
            "too_large": "Cette photo est trop lourde. Essayez une photo plus petite.",
            "too_slow": "L'envoi s'est arrêté en route. Vérifiez la connexion et réessayez.",
            "unsupported_type": "Ce format n'est pas accepté. Envoyez une photo JPEG, PNG, WebP "
            "ou HEIC.",
            "undecodable": "Cette photo est illisible ou abîmée. Essayez-en une autre.",
            "too_many_pixels": "Cette photo est trop grande (trop de pixels). Essayez une photo "
            "plus petite.",
            "rate_limited": "Trop d'envois d'un coup. Patientez un peu puis réessayez.",
            "not_found": "Photo introuvable, ou lien de reçu invalide.",
            "busy": "Beaucoup de photos arrivent en ce moment. Réessayez dans un instant.",
            "unavailable": "Le stockage des photos ne répond pas. Réessayez dans un instant.",
            "storage_full": "Le mur n'a plus de place pour de nouvelles photos. Réessayez un "
            "peu plus tard : l'équipe est prévenue.",
            "unauthorized": "Connectez-vous pour continuer.",
            "forbidden": "Vous n'avez pas accès à cette action.",
            "method_not_allowed": "Cette action n'est pas possible ici.",
            "conflict": "Quelqu'un d'autre vient de modifier cette photo. Rechargez la page.",
            "bad_credentials": "Nom d'utilisateur ou mot de passe incorrect.",
            "too_many_attempts": "Trop d'essais de connexion. Patientez avant de réessayer.",
            "csrf": "Requête refusée par sécurité. Rechargez la page puis recommencez.",
            "invalid_username": "Nom d'utilisateur invalide : 1 à 40 lettres, chiffres, "
            "« _ », « . » ou « - ».",
            "weak_password": "Mot de passe trop court : 10 caractères au moins.",
            "account_exists": "Ce nom d'utilisateur est déjà pris.",
            "account_not_found": "Compte introuvable.",
            "self_disable": "Vous ne pouvez pas désactiver votre propre compte.",
            "undo_expired": "Trop tard pour annuler : les 10 secondes sont passées.",
            "wrong_password": "Mot de passe actuel incorrect.",
            "self_reset": "Pour votre propre compte, utilisez « Changer mon mot de passe » : "
            "il demande le mot de passe actuel.",
            "internal": "Le serveur a rencontré un problème. Réessayez dans un instant.",
            "no_preview": "L'affichage n'a pas encore envoyé d'image du mur.",
            "invalid_preview": "L'aperçu envoyé n'est pas une image JPEG lisible.",
            "live_unavailable": "Cette webcam n'envoie pas d'images en ce moment (ou elle "
            "est filmée par un autre serveur du mur). Réessayez dans un instant.",
            "live_not_found": "Aucune fenêtre en direct de ce nom : vérifiez `live = true` "
            "dans [[sources.webcam]].",
            "invalid_field:name": "Nom invalide : de 1 à 80 caractères.",
            "invalid_field:year": "Saison invalide : donnez l'année où elle commence, par "
            "exemple 2027.",
            "invalid_field:job": "Numéro de téléchargement invalide : rechargez la page.",
            "exhibition_not_found": "Cette exposition n'existe pas (ou plus).",
            "exhibition_exists": "Une exposition porte déjà ce nom.",
            "exhibition_full": "L'exposition est complète : retirez une photo avant d'en "
            "ajouter une autre.",
            "not_print_consented": "L'auteur de cette photo n'a pas accepté qu'elle soit "
            "imprimée pour les expositions : elle ne peut pas y entrer.",
            "not_approved": "Seules les photos approuvées, sur le mur, peuvent entrer dans une "
            "exposition.",
            "not_started": "Ce téléchargement n'a pas (encore) commencé.",
        }
    ),
    "en": {
        "consent_required": "Tick the consent box to send your photo.",
        "invalid_field": "A field is not valid (caption: 280 characters at most, name: 60).",
        "invalid_field:night": "Invalid night: give its date as YYYY-MM-DD, e.g. 2027-07-14.",
        "invalid_field:format": "Invalid format: “pdf” or “jpeg”.",
        # Announcements (console/announcements_api.py)
        "text_empty": "Write at least the French title: it is what the wall shows large.",
        "text_too_long": "Text too long: 80 characters at most for a title, 240 for a text.",
        "image_required": "Choose the image to show (JPEG, PNG, WebP or HEIC).",
        "window_backwards": "The period ends before it starts: check the dates.",
        "window_too_long": "Period too long: 400 days at most.",
        "invalid_field:first_day": "Invalid first day: a date YYYY-MM-DD.",
        "invalid_field:last_day": "Invalid last day: a date YYYY-MM-DD.",
        "invalid_field:start": "Invalid start time: HH:MM, e.g. 21:30.",
        "invalid_field:end": "Invalid end time: HH:MM, e.g. 23:30.",
        "invalid_field:every_minutes": "Invalid frequency: every 1 to 240 minutes.",
        "invalid_field:seconds": "Invalid duration: 4 to 60 seconds on screen.",
        "invalid_field:kind": "Invalid slide type: image or text.",
        "invalid_field:cadence": "Invalid frequency: every N minutes or between two layouts.",
        "invalid_field:before": "Invalid gallery page: reload the gallery.",
        "invalid_field:limit": "Invalid number of photos: 1 to 96 a page.",
        "invalid_field:speaker": "Invalid choice for “who is speaking”: visiting, living here "
        "or just moved here (or nothing).",
        "invalid_field:consent_print": "Invalid answer for printing: yes or no.",
        "invalid_field:speaker_in_credit": "Invalid answer for showing it with your name: yes "
        "or no.",
        "too_large": "This photo is too heavy. Try a smaller one.",
        "too_slow": "The upload stalled on the way. Check the connection and try again.",
        "unsupported_type": "This format is not accepted. Send a JPEG, PNG, WebP or HEIC photo.",
        "undecodable": "This photo cannot be read or is damaged. Try another one.",
        "too_many_pixels": "This photo is too big (too many pixels). Try a smaller one.",
        "rate_limited": "Too many uploads at once. Wait a little and try again.",
        "not_found": "Photo not found, or the receipt link is invalid.",
        "busy": "Many photos are arriving right now. Try again in a moment.",
        "unavailable": "Photo storage is not answering. Try again in a moment.",
        "storage_full": "The wall has no room left for new photos. Try again a little later: "
        "the team has been told.",
        "unauthorized": "Sign in to continue.",
        "forbidden": "You are not allowed to do this.",
        "method_not_allowed": "This action is not possible here.",
        "conflict": "Someone else has just changed this photo. Reload the page.",
        "bad_credentials": "Wrong username or password.",
        "too_many_attempts": "Too many sign-in attempts. Wait before trying again.",
        "csrf": "Request refused for security. Reload the page and try again.",
        "invalid_username": "Invalid username: 1 to 40 letters, digits, “_”, “.” or “-”.",
        "weak_password": "Password too short: at least 10 characters.",
        "account_exists": "This username is already taken.",
        "account_not_found": "Account not found.",
        "self_disable": "You cannot disable your own account.",
        "undo_expired": "Too late to undo: the 10 seconds have passed.",
        "wrong_password": "The current password is wrong.",
        "self_reset": "For your own account, use “Change my password”: it asks for the "
        "current one.",
        "internal": "The server ran into a problem. Try again in a moment.",
        "no_preview": "The display has not sent a picture of the wall yet.",
        "invalid_preview": "The preview sent is not a readable JPEG image.",
        "live_unavailable": "This webcam is not sending pictures right now (or another "
        "server of the wall captures it). Try again in a moment.",
        "live_not_found": "No live window of this name: check `live = true` in [[sources.webcam]].",
        "invalid_field:name": "Invalid name: 1 to 80 characters.",
        "invalid_field:year": "Invalid season: give the year it starts in, e.g. 2027.",
        "invalid_field:job": "Invalid download number: reload the page.",
        "exhibition_not_found": "This exhibition does not exist (any more).",
        "exhibition_exists": "An exhibition already has this name.",
        "exhibition_full": "The exhibition is full: take a photo out before adding another.",
        "not_print_consented": "This photo's author did not agree to prints for exhibitions: "
        "it cannot join one.",
        "not_approved": "Only approved photos, on the wall, can join an exhibition.",
        "not_started": "This download has not started (yet).",
    },
}

MONTHS: Final[dict[str, tuple[str, ...]]] = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

_SEASON_DATE = re.compile(r"^(?:(?P<year>\d{4})-)?(?P<month>\d{2})-(?P<day>\d{2})$")
_LANGUAGE_RANGE = re.compile(r"^\s*(?P<tag>[A-Za-z*]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*$")


def normalise_language(value: str | None) -> str | None:
    """Return "fr" or "en" for a supported tag ("EN", "fr-CA"), None for anything else."""
    if not value:
        return None
    primary = value.strip().split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def _accept_language_choice(header: str) -> str | None:
    """Best supported language of an Accept-Language header by q-value (ties: header order)."""
    best: tuple[float, str] | None = None
    for item in header.split(",")[:32]:  # a hostile header must not cost much
        tag, _, params = item.partition(";")
        match = _LANGUAGE_RANGE.match(tag)
        if not match:
            continue
        quality = _quality(params)
        language = normalise_language(match["tag"])
        if language is None or quality <= 0:
            continue
        if best is None or quality > best[0]:
            best = (quality, language)
    return best[1] if best else None


def _quality(params: str) -> float:
    """The q parameter of one Accept-Language item; 1.0 when absent, 0.0 when malformed."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return 0.0
            return quality if 0.0 <= quality <= 1.0 else 0.0
    return 1.0


def pick_language(
    query_lang: str | None, cookie_lang: str | None, accept_language: str | None
) -> str:
    """The visitor's explicit choice wins, then their remembered cookie, then the browser's."""
    for explicit in (query_lang, cookie_lang):
        language = normalise_language(explicit)
        if language:
            return language
    if accept_language:
        return _accept_language_choice(accept_language) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def texts(lang: str) -> dict[str, str]:
    """All page texts in `lang`, falling back to the default language."""
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE])


def error_message(code: str, lang: str) -> str:
    """The visitor-facing message for an API error code; unknown codes get the generic one."""
    messages = ERROR_MESSAGES.get(lang, ERROR_MESSAGES[DEFAULT_LANGUAGE])
    return messages.get(code, messages["internal"])


def _format_day(lang: str, raw: str, with_year: bool) -> str:
    match = _SEASON_DATE.match(raw)
    if not match or not 1 <= int(match["month"]) <= 12 or not 1 <= int(match["day"]) <= 31:
        return raw
    day, month = int(match["day"]), MONTHS[lang][int(match["month"]) - 1]
    if lang == "fr":
        text = f"{'1er' if day == 1 else day} {month}"
    else:
        text = f"{day} {month}"
    if with_year and match["year"]:
        text += f" {match['year']}"
    return text


def season_text(lang: str, start: str, end: str) -> str:
    """A season ("06-01", "2026-09-30") in words: "du 1er juin au 30 septembre"."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    start_year, end_year = start[:4] if len(start) == 10 else "", end[:4] if len(end) == 10 else ""
    # One year shown once when both ends share it ("du 1er juin au 30 septembre 2026").
    start_words = _format_day(lang, start, with_year=start_year != end_year)
    end_words = _format_day(lang, end, with_year=True)
    if lang == "fr":
        return f"du {start_words} au {end_words}"
    return f"from {start_words} to {end_words}"


_ARTICLES: Final[dict[str, tuple[str, ...]]] = {
    "fr": ("le ", "la ", "les ", "l'", "l’"),
    "en": ("the ",),
}


def with_article(lang: str, name: str) -> str:
    """The wall's name as a sentence needs it: "sur le Mur participatif de Brive", "sur
    l'Écran des Quais", "on the Quay Wall"; a name with its own article keeps it, in lower case
    ("sur la Fresque")."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    for article in _ARTICLES[lang]:
        if name.lower().startswith(article):
            return article + name[len(article) :]
    if lang == "en":  # a French name's own article stays as written: "on La Fresque"
        own = any(name.lower().startswith(article) for article in _ARTICLES["fr"])
        return name if own else f"the {name}"
    return f"l'{name}" if name[:1].lower() in "aâàeéèêëiîïoôuùûyh" else f"le {name}"


def consent_text(lang: str, wall_name: str, season: str, online: bool = False) -> str:
    """The consent sentence the visitor ticks; `season` comes from `season_text`; `online`:
    the gallery is on, and the sentence names online publication."""
    templates = CONSENT_TEMPLATES_ONLINE if online else CONSENT_TEMPLATES
    template = templates.get(lang, templates[DEFAULT_LANGUAGE])
    return template.format(wall=with_article(lang, wall_name), season=season)


CLI_TEXTS: Final[dict[str, dict[str, str]]] = {
    "fr": {
        "data_dir_busy": (
            "Un autre « wall serve » utilise déjà {data_dir} (processus {pid}) : un seul serveur"
            " par dossier de données. Arrêtez-le d'abord, ou donnez à celui-ci un autre"
            " [wall] data_dir."
        ),
        "import_handed_off": (
            "Le serveur tourne et garde {data_dir} : les photos lui sont confiées, il les"
            " traite comme des envois (elles arrivent en direct en modération et sur le mur)."
        ),
        "import_still_queued": (
            "{count} photos attendent encore que le serveur les prenne : rien n'est perdu,"
            " elles restent dans sa file et seront traitées dès qu'il le pourra."
        ),
        "import_held": (
            "{count} photos retenues par le contrôle des images : elles attendent un"
            " modérateur, même avec --approve."
        ),
        "database_damaged": (
            "La base de données {path} est abîmée ({findings}). Le mur ne démarre pas dessus"
            " pour ne rien aggraver. Remettez la dernière sauvegarde : « wall restore"
            " DOSSIER_DE_SAUVEGARDE » (le fichier abîmé est gardé à côté, rien n'est effacé)."
        ),
        "backup_done": (
            "Sauvegarde faite dans {destination} : la base ({mb} Mo) et {files} nouveaux"
            " fichiers de photos."
        ),
        "restore_done": "Sauvegarde remise en place dans {data_dir}.{aside}",
        "restore_aside": " L'ancien état est gardé dans {aside}.",
        "cluster_backup": (
            "Un mur en grappe se sauvegarde avec les outils de ses moteurs : pg_dump pour"
            " PostgreSQL et une copie du bucket (voir deploy/cluster/README.md)."
        ),
    },
    "en": {
        "data_dir_busy": (
            "Another `wall serve` already uses {data_dir} (process {pid}): one server per data"
            " directory. Stop it first, or give this one another [wall] data_dir."
        ),
        "import_handed_off": (
            "The server is running and owns {data_dir}: the photos are handed to it, and it"
            " takes them like uploads (they reach moderation and the wall live)."
        ),
        "import_still_queued": (
            "{count} photos are still waiting for the server to take them: nothing is lost,"
            " they stay in its queue and will be taken as soon as it can."
        ),
        "import_held": (
            "{count} photos held back by the image-safety check: they wait for a moderator,"
            " even with --approve."
        ),
        "database_damaged": (
            "The database {path} is damaged ({findings}). The wall does not start on it, so"
            " as to make nothing worse. Put the last backup back: `wall restore BACKUP_DIR`"
            " (the damaged file is kept aside, nothing is deleted)."
        ),
        "backup_done": (
            "Backed up into {destination}: the database ({mb} MB) and {files} new photo files."
        ),
        "restore_done": "Backup put back in {data_dir}.{aside}",
        "restore_aside": " The former state is kept in {aside}.",
        "cluster_backup": (
            "A cluster's wall is backed up with its engines' tools: pg_dump for PostgreSQL"
            " and a copy of the bucket (see deploy/cluster/README.md)."
        ),
    },
}


def cli_text(key: str, lang: str, **params: str) -> str:
    """A command-line message in the terminal's language."""
    table = CLI_TEXTS.get(lang, CLI_TEXTS[DEFAULT_LANGUAGE])
    return table[key].format(**params)


def terminal_language() -> str:
    """The language of command-line messages: French under a French locale, else English."""
    return "fr" if os.environ.get("LANG", "").lower().startswith("fr") else "en"
