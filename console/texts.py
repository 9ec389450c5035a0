"""Every text of the operator console (`/console`), in French (the default) and English.

The console is read by office staff, not engineers, often at night next to a projector: plain
words, state first ("Allumé", "Masqué"), no codes. The sign-in words are the staff pages'
(`staff.texts`): one translation of "Mot de passe" for the whole wall. Labels are keyed by
the codes the APIs return (power, source states, roles, error codes), so the scripts only ever
translate a code and never show raw server text as a label.
"""

from __future__ import annotations

from typing import Final

from console import report_texts
from staff import texts as staff_texts
from staff.accounts import MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS
from wall.i18n import DEFAULT_LANGUAGE, typeset_french

# Codes whose labels the scripts look up as `<prefix>_<code>`.
POWER_STATES: Final = ("on", "off", "warming", "cooling", "unknown")
PROJECTOR_PARTS: Final = ("fan", "lamp", "temperature", "cover", "filter", "other")
SOURCE_STATES: Final = ("starting", "ok", "retrying", "stopped")
SOURCE_KINDS: Final = ("mastodon", "webcam", "folder", "bluesky")
ROLES: Final = ("moderator", "operator")
# The projectors' problems (`last_error_code`: show/projectors/pjlink.py, controller.py),
# worded as `projector_error_<code>` with their values ({input}).
PROJECTOR_ERRORS: Final = (
    "failed",
    "unreachable",
    "timeout",
    "wrong_password",
    "password_needed",
    "not_pjlink",
    "unsupported",
    "refused_setting",
    "busy",
    "projector_failure",
    "internal",
    "no_input",
)
# The sources' problems (`last_error_code`: ingest/sources), worded as `source_error_<code>`
# with their values; `token_needed`, `token_refused` and `feeds_disabled` name a fix.
SOURCE_ERRORS: Final = (
    "failed",
    "crashed",
    "timeout",
    "unreachable",
    "rate_limited",
    "server_error",
    "bad_answer",
    "refused",
    "token_needed",
    "token_refused",
    "feeds_disabled",
    "camera_unreachable",
    "stream_dropped",
    "camera_http_status",
    "busy",
    "file_refused",
    "file_unreadable",
    "jetstream_unreachable",
    "jetstream_dropped",
    "login_refused",
)
ACCOUNT_ERRORS: Final = (
    "invalid_username",
    "weak_password",
    "account_exists",
    "account_not_found",
    "self_disable",
    "self_reset",
)

_OWN: Final[dict[str, dict[str, str]]] = {
    "fr": {
        "page_title": "Régie",
        "login_title": "Connexion régie",
        "not_operator": "Ce compte ne peut pas ouvrir la régie : elle est réservée aux "
        "opérateurs. La modération des photos reste ouverte sur sa propre page.",
        "for_moderators": "Vous modérez les photos ?",
        "moderation_page": "Page de modération",
        "blanked_flag": "Mur masqué",
        "wall_now": "Sur le mur maintenant",
        "preview_alt": "Ce que le mur montre en ce moment",
        "preview_live": "En direct",
        "preview_none": "Pas encore d'image de l'affichage.",
        "preview_waiting": "L'affichage est connecté, sa première image arrive.",
        "preview_stale": "L'affichage a cessé d'envoyer son image il y a {age}.",
        "preview_lost": "Plus d'image nouvelle du mur depuis {age} : l'affichage ou la "
        "liaison avec le serveur est coupé.",
        "no_display": "Aucun affichage connecté.",
        "rate_reduced": "L'affichage tourne à {fps} images/s au lieu de {of} : ses images "
        "coûtent trop pour cette machine. Le mouvement reste régulier.",
        "guessing": "Quelqu'un essaie de deviner le mot de passe de {names} ({n} essais "
        "manqués en 15 min). Seul l'appareil qui devine est bloqué : le bon mot de passe "
        "marche toujours ailleurs. Changez-le s'il est court ou déjà utilisé ailleurs.",
        "show_title": "Spectacle",
        "state_lit": "Allumé",
        "state_dark": "Éteint",
        "state_blanked": "Masqué",
        "lit_always": "Pas de programme : le mur s'allume dès que l'affichage tourne.",
        "lit_show": "Spectacle en cours jusqu'à {end}.",
        "dark_between": "Entre deux spectacles. Prochain : {next}.",
        "dark_no_next": "Aucun autre spectacle prévu cette saison.",
        "blanked_state": "Écran noir demandé depuis la régie, jusqu'à ce qu'on rallume le mur.",
        "blank_now": "Masquer le mur maintenant",
        "blank_confirm": "Confirmer : écran noir",
        "light_again": "Rallumer le mur",
        "light_confirm": "Confirmer : rallumer",
        "confirm_hint": "Appuyez une seconde fois pour confirmer.",
        "blank_done": "Mur masqué : écran noir.",
        "light_done": "Mur rallumé.",
        "schedule_title": "Prochains spectacles",
        "schedule_none": "Pas de programme : le mur s'allume dès que l'affichage tourne.",
        "schedule_empty": "Aucun spectacle à venir cette saison.",
        "night_off": "Relâche",
        "special_night": "Soirée spéciale",
        "timezone_note": "Heures du mur ({zone})",
        "backlog_title": "Modération",
        "backlog_zero": "Rien en attente.",
        "backlog_one": "1 photo en attente",
        "backlog_many": "{n} photos en attente",
        "backlog_oldest": "la plus ancienne attend depuis {age}",
        "open_moderation": "Ouvrir la modération",
        # The online gallery's card (`[gallery] enabled`): the <iframe> for the office's site.
        "gallery_title": "La galerie sur votre site",
        "gallery_help": "Copiez ce code dans une page de votre site : il y montre les photos "
        "du mur publiées en ligne, les plus récentes d'abord, en direct.",
        "gallery_snippet": "Code à copier",
        "gallery_copy": "Copier le code",
        "gallery_copied": "Code copié.",
        "gallery_copy_failed": "Copie impossible : sélectionnez le code et copiez-le.",
        "gallery_origins": "Sites autorisés à l'afficher : {origins}",
        "gallery_no_origins": "Aucun site n'est encore autorisé à l'afficher : ajoutez "
        "l'adresse du vôtre à [gallery] embed_origins dans wall.toml.",
        "gallery_open": "Ouvrir la galerie",
        "sources_title": "Sources",
        "sources_none": "Aucune source configurée : seulement les envois des visiteurs.",
        "source_error_token_needed": "Cette instance ne montre ses mots-dièse qu'aux comptes"
        " connectés : ajoutez un access_token (jeton de lecture, Préférences > Développement)"
        " à cette source dans wall.toml.",
        "source_error_token_refused": "L'instance refuse l'access_token de cette source :"
        " vérifiez-le ou créez-en un nouveau.",
        "source_error_feeds_disabled": "Cette instance a fermé ses fils de mots-dièse :"
        " choisissez une autre instance.",
        "source_error_failed": "La source n'a pas pu être lue.",
        "source_error_crashed": "Erreur interne de la source (voir le journal du serveur).",
        "source_error_timeout": "L'instance n'a pas répondu à temps.",
        "source_error_unreachable": "Impossible de joindre l'instance (réseau ou adresse ?).",
        "source_error_rate_limited": "L'instance demande de ralentir (trop de requêtes).",
        "source_error_server_error": "L'instance est en panne (erreur {status}).",
        "source_error_bad_answer": "Réponse incompréhensible de l'instance.",
        "source_error_refused": "L'instance refuse ce fil de mot-dièse : vérifiez l'instance et "
        "le mot-dièse dans wall.toml.",
        "source_error_camera_unreachable": "Impossible de joindre la caméra (branchée, sur le "
        "réseau, bonne adresse ?).",
        "source_error_stream_dropped": "Le flux de la caméra s'est coupé après {frames} images.",
        "source_error_camera_http_status": "La caméra a répondu par une erreur ({status}).",
        "source_error_busy": "Trop de photos à traiter : une image de la caméra a été sautée.",
        "source_error_file_refused": "Fichier refusé par les vérifications : {file}",
        "source_error_file_unreadable": "Fichier illisible (droits d'accès ?) : {file}",
        "source_error_jetstream_unreachable": "Impossible de joindre le flux Bluesky ({host}) :"
        " réseau, pare-feu (WebSocket sortant) ou adresse ? L'hôte suivant est essayé.",
        "source_error_jetstream_dropped": "Le flux Bluesky ({host}) s'est coupé : reconnexion"
        " sur l'hôte suivant, sans perdre de message.",
        "source_error_login_refused": "Bluesky refuse la connexion de ce compte : vérifiez"
        " identifier et app_password (un mot de passe d'application) dans wall.toml.",
        "source_retry_in": "Nouvel essai dans {wait} s.",
        "col_name": "Nom",
        "col_kind": "Type",
        "col_state": "État",
        "col_last_success": "Dernier succès",
        "col_last_error": "Dernière erreur",
        "source_state_starting": "Démarrage",
        "source_state_ok": "OK",
        "source_state_retrying": "Nouvel essai",
        "source_state_stopped": "Arrêtée",
        "kind_mastodon": "Mastodon / Pixelfed",
        "kind_webcam": "Webcam",
        "kind_folder": "Dossier",
        "kind_bluesky": "Bluesky",
        "never": "jamais",
        "none": "aucune",
        "ago": "il y a {age}",
        "dur_s": "{n} s",
        "dur_min": "{n} min",
        "dur_h": "{h} h {m} min",
        "projectors_title": "Projecteurs",
        "projectors_none": "Aucun projecteur configuré.",
        "projectors_unavailable": "Le suivi des projecteurs n'est pas disponible sur ce serveur.",
        "power_on": "Allumé",
        "power_off": "Éteint",
        "power_warming": "Préchauffage",
        "power_cooling": "Refroidissement",
        "power_unknown": "Inconnu",
        "unreachable": "Ne répond pas",
        "label_input": "Entrée",
        "label_lamp": "Lampe",
        "lamp_hours": "{h} h",
        "label_alerts": "Alertes",
        "label_last_error": "Dernière erreur",
        "wanted_on": "Le programme le veut allumé.",
        "wanted_off": "Le programme le veut éteint.",
        "projector_error_failed": "Le projecteur n'a pas pu être commandé.",
        "projector_error_unreachable": "Impossible de joindre le projecteur (est-il branché et "
        "sur le réseau ?)",
        "projector_error_timeout": "Le projecteur n'a pas répondu à temps (est-il branché et "
        "sur le réseau ?)",
        "projector_error_wrong_password": "Mot de passe PJLink refusé (vérifiez celui du "
        "projecteur dans wall.toml)",
        "projector_error_password_needed": "Le projecteur demande un mot de passe PJLink : "
        "aucun n'est indiqué dans wall.toml",
        "projector_error_not_pjlink": "Réponse incompréhensible (cette adresse est-elle bien "
        "un projecteur PJLink ?)",
        "projector_error_unsupported": "Le projecteur ne connaît pas cette commande",
        "projector_error_refused_setting": "Le projecteur a refusé le réglage (vérifiez le "
        "numéro d'entrée dans wall.toml)",
        "projector_error_busy": "Le projecteur est occupé (préchauffage ou refroidissement) : "
        "nouvel essai bientôt",
        "projector_error_projector_failure": "Le projecteur signale une panne (vérifiez la "
        "lampe, le ventilateur et le filtre)",
        "projector_error_internal": "Erreur interne en commandant le projecteur (voir le "
        "journal du serveur)",
        "projector_error_no_input": "Le projecteur n'a pas d'entrée {input} (vérifiez wall.toml)",
        "part_fan": "Ventilateur",
        "part_lamp": "Lampe",
        "part_temperature": "Température",
        "part_cover": "Capot",
        "part_filter": "Filtre",
        "part_other": "Autre",
        "level_warning": "alerte",
        "level_error": "panne",
        "alert_item": "{part} : {level}",
        "accounts_title": "Comptes",
        "col_role": "Rôle",
        "col_created": "Créé le",
        "role_moderator": "Modération",
        "role_operator": "Régie",
        "account_active": "Actif",
        "account_disabled": "Désactivé",
        "you": "vous",
        "disable": "Désactiver",
        "disable_confirm": "Confirmer ?",
        "enable": "Réactiver",
        "add_account_title": "Ajouter un compte",
        "add_account": "Ajouter",
        "password_hint": f"{MIN_PASSWORD_CHARS} caractères au moins",
        "account_created": "Compte {name} créé.",
        "account_disabled_done": "Compte {name} désactivé.",
        "account_enabled_done": "Compte {name} réactivé.",
        "error_invalid_username": "Identifiant : lettres, chiffres, point, tiret ou souligné, "
        f"{MAX_USERNAME_CHARS} au plus.",
        "error_weak_password": "Mot de passe trop faible : "
        f"{MIN_PASSWORD_CHARS} caractères au moins.",
        "error_account_exists": "Ce compte existe déjà.",
        "error_account_not_found": "Ce compte n'existe plus.",
        "error_self_disable": "Vous ne pouvez pas désactiver votre propre compte.",
        "error_self_reset": "Pour votre propre compte, utilisez « Changer mon mot de passe ».",
        "col_actions": "Actions",
        "reset_password": "Nouveau mot de passe",
        "reset_for": "Nouveau mot de passe pour {name}",
        "reset_note": f"{MIN_PASSWORD_CHARS} caractères au moins. Ses sessions ouvertes seront "
        "fermées ; communiquez-lui le nouveau mot de passe.",
        "reset_save": "Enregistrer",
        "reset_confirm": "Confirmer ?",
        "reset_done": "Nouveau mot de passe enregistré pour {name}.",
        "night_title": "La nuit en chiffres",
        "night_pick": "Nuit du",
        "tonight": "Cette nuit",
        "night_span": "de {start} à {end}",
        "fig_received": "Reçues",
        "fig_approved": "Approuvées",
        "fig_rejected": "Refusées",
        "fig_shown": "Projetées",
        "fig_contributors": "Contributeurs",
        "chart_title": "Photos par heure",
        "legend_received": "reçues",
        "legend_approved": "approuvées",
        "chart_bar": "{hour} h : {received} reçues, {approved} approuvées",
        "chart_empty": "Aucune photo cette nuit-là.",
        "col_hour": "Heure",
        "hour_label": "{hour} h",
        "by_source_title": "Par source",
        "col_source": "Source",
        "sheet_title": "Planche contact des photos approuvées",
        "sheet_jpeg": "Télécharger en JPEG",
        "sheet_pdf": "Télécharger en PDF",
        "night_unavailable": "Les chiffres de la nuit ne sont pas disponibles sur ce serveur.",
        "night_invalid": "Choisissez une date valide.",
    },
    "en": {
        "page_title": "Operator console",
        "login_title": "Operator sign-in",
        "not_operator": "This account cannot open the operator console: it is for operators. "
        "Photo moderation stays open on its own page.",
        "for_moderators": "Moderating photos?",
        "moderation_page": "Moderation page",
        "blanked_flag": "Wall blanked",
        "wall_now": "On the wall now",
        "preview_alt": "What the wall shows right now",
        "preview_live": "Live",
        "preview_none": "No picture from the display yet.",
        "preview_waiting": "The display is connected, its first picture is on its way.",
        "preview_stale": "The display stopped sending its picture {age} ago.",
        "preview_lost": "No new picture of the wall for {age}: the display or the link to the "
        "server is down.",
        "no_display": "No display connected.",
        "rate_reduced": "The display runs at {fps} frames/s instead of {of}: its frames cost too "
        "much for its machine. Motion stays even.",
        "guessing": "Someone is trying to guess the password of {names} ({n} failed tries in "
        "15 min). Only the guessing device is held back: the right password still works "
        "elsewhere. Change it if it is short or used elsewhere too.",
        "show_title": "Show",
        "state_lit": "Lit",
        "state_dark": "Dark",
        "state_blanked": "Blanked",
        "lit_always": "No schedule: the wall is lit whenever the display runs.",
        "lit_show": "Show on until {end}.",
        "dark_between": "Between shows. Next: {next}.",
        "dark_no_next": "No more shows planned this season.",
        "blanked_state": "Black screen asked from the console, until someone lights the wall.",
        "blank_now": "Blank the wall now",
        "blank_confirm": "Confirm: black screen",
        "light_again": "Light the wall again",
        "light_confirm": "Confirm: light it",
        "confirm_hint": "Press a second time to confirm.",
        "blank_done": "Wall blanked: black screen.",
        "light_done": "Wall lit again.",
        "schedule_title": "Next shows",
        "schedule_none": "No schedule: the wall is lit whenever the display runs.",
        "schedule_empty": "No show ahead this season.",
        "night_off": "Night off",
        "special_night": "Special night",
        "timezone_note": "The wall's time ({zone})",
        "backlog_title": "Moderation",
        "backlog_zero": "Nothing waiting.",
        "backlog_one": "1 photo waiting",
        "backlog_many": "{n} photos waiting",
        "backlog_oldest": "the oldest has waited {age}",
        "open_moderation": "Open moderation",
        "gallery_title": "The gallery on your website",
        "gallery_help": "Paste this code into a page of your website: it shows the wall's "
        "photos published online there, newest first, live.",
        "gallery_snippet": "Code to copy",
        "gallery_copy": "Copy the code",
        "gallery_copied": "Code copied.",
        "gallery_copy_failed": "Could not copy: select the code and copy it.",
        "gallery_origins": "Sites allowed to show it: {origins}",
        "gallery_no_origins": "No site may show it yet: add your site's address to [gallery] "
        "embed_origins in wall.toml.",
        "gallery_open": "Open the gallery",
        "sources_title": "Sources",
        "sources_none": "No source configured: visitor uploads only.",
        "source_error_token_needed": "This instance shows hashtags to signed-in accounts only:"
        " add an access_token (a read token, Preferences > Development) to this source in"
        " wall.toml.",
        "source_error_token_refused": "The instance refuses this source's access_token: check it"
        " or make a new one.",
        "source_error_feeds_disabled": "This instance has closed its hashtag timelines: choose"
        " another instance.",
        "source_error_failed": "The source could not be read.",
        "source_error_crashed": "Internal error in the source (see the server log).",
        "source_error_timeout": "The instance did not answer in time.",
        "source_error_unreachable": "Cannot reach the instance (network or address?).",
        "source_error_rate_limited": "The instance asks us to slow down (too many requests).",
        "source_error_server_error": "The instance is failing (error {status}).",
        "source_error_bad_answer": "The instance's answer made no sense.",
        "source_error_refused": "The instance refuses this hashtag timeline: check the instance "
        "and the hashtag in wall.toml.",
        "source_error_camera_unreachable": "Cannot reach the camera (plugged in, on the "
        "network, right address?).",
        "source_error_stream_dropped": "The camera's stream dropped after {frames} frames.",
        "source_error_camera_http_status": "The camera answered with an error ({status}).",
        "source_error_busy": "Too many photos to process: a camera frame was skipped.",
        "source_error_file_refused": "File refused by the checks: {file}",
        "source_error_file_unreadable": "Unreadable file (permissions?): {file}",
        "source_error_jetstream_unreachable": "Cannot reach the Bluesky stream ({host}): network,"
        " firewall (outgoing WebSocket) or address? The next host is tried.",
        "source_error_jetstream_dropped": "The Bluesky stream ({host}) dropped: reconnecting"
        " to the next host, no message lost.",
        "source_error_login_refused": "Bluesky refuses this account's sign-in: check identifier"
        " and app_password (an app password) in wall.toml.",
        "source_retry_in": "Next try in {wait} s.",
        "col_name": "Name",
        "col_kind": "Kind",
        "col_state": "State",
        "col_last_success": "Last success",
        "col_last_error": "Last error",
        "source_state_starting": "Starting",
        "source_state_ok": "OK",
        "source_state_retrying": "Retrying",
        "source_state_stopped": "Stopped",
        "kind_mastodon": "Mastodon / Pixelfed",
        "kind_webcam": "Webcam",
        "kind_folder": "Folder",
        "kind_bluesky": "Bluesky",
        "never": "never",
        "none": "none",
        "ago": "{age} ago",
        "dur_s": "{n} s",
        "dur_min": "{n} min",
        "dur_h": "{h} h {m} min",
        "projectors_title": "Projectors",
        "projectors_none": "No projector configured.",
        "projectors_unavailable": "Projector monitoring is not available on this server.",
        "power_on": "On",
        "power_off": "Off",
        "power_warming": "Warming up",
        "power_cooling": "Cooling down",
        "power_unknown": "Unknown",
        "unreachable": "Not answering",
        "label_input": "Input",
        "label_lamp": "Lamp",
        "lamp_hours": "{h} h",
        "label_alerts": "Alerts",
        "label_last_error": "Last error",
        "wanted_on": "The schedule wants it on.",
        "wanted_off": "The schedule wants it off.",
        "projector_error_failed": "The projector could not be controlled.",
        "projector_error_unreachable": "Cannot reach the projector (is it plugged in and on "
        "the network?)",
        "projector_error_timeout": "The projector did not answer in time (is it plugged in and "
        "on the network?)",
        "projector_error_wrong_password": "Wrong PJLink password (check the projector's "
        "password in wall.toml)",
        "projector_error_password_needed": "The projector asks for a PJLink password; none is "
        "set in wall.toml",
        "projector_error_not_pjlink": "The answer made no sense (is this address a PJLink "
        "projector?)",
        "projector_error_unsupported": "The projector does not support this command",
        "projector_error_refused_setting": "The projector refused the setting (check the input "
        "number in wall.toml)",
        "projector_error_busy": "The projector is busy (warming up or cooling down); trying "
        "again soon",
        "projector_error_projector_failure": "The projector reports a failure (check its lamp, "
        "fan and filter)",
        "projector_error_internal": "Internal error while controlling the projector (see the "
        "server log)",
        "projector_error_no_input": "The projector has no input {input} (check wall.toml)",
        "part_fan": "Fan",
        "part_lamp": "Lamp",
        "part_temperature": "Temperature",
        "part_cover": "Cover",
        "part_filter": "Filter",
        "part_other": "Other",
        "level_warning": "warning",
        "level_error": "failure",
        "alert_item": "{part}: {level}",
        "accounts_title": "Accounts",
        "col_role": "Role",
        "col_created": "Created",
        "role_moderator": "Moderation",
        "role_operator": "Operator",
        "account_active": "Active",
        "account_disabled": "Disabled",
        "you": "you",
        "disable": "Disable",
        "disable_confirm": "Confirm?",
        "enable": "Enable",
        "add_account_title": "Add an account",
        "add_account": "Add",
        "password_hint": f"{MIN_PASSWORD_CHARS} characters or more",
        "account_created": "Account {name} created.",
        "account_disabled_done": "Account {name} disabled.",
        "account_enabled_done": "Account {name} enabled again.",
        "error_invalid_username": "Username: letters, digits, dot, dash or underscore, "
        f"{MAX_USERNAME_CHARS} at most.",
        "error_weak_password": f"Password too weak: {MIN_PASSWORD_CHARS} characters or more.",
        "error_account_exists": "This account already exists.",
        "error_account_not_found": "This account no longer exists.",
        "error_self_disable": "You cannot disable your own account.",
        "error_self_reset": "For your own account, use “Change my password”.",
        "col_actions": "Actions",
        "reset_password": "New password",
        "reset_for": "New password for {name}",
        "reset_note": f"{MIN_PASSWORD_CHARS} characters or more. Their open sessions will end; "
        "tell them the new password.",
        "reset_save": "Save",
        "reset_confirm": "Confirm?",
        "reset_done": "New password saved for {name}.",
        "night_title": "The night in figures",
        "night_pick": "Night of",
        "tonight": "Tonight",
        "night_span": "from {start} to {end}",
        "fig_received": "Received",
        "fig_approved": "Approved",
        "fig_rejected": "Rejected",
        "fig_shown": "Shown",
        "fig_contributors": "Contributors",
        "chart_title": "Photos by hour",
        "legend_received": "received",
        "legend_approved": "approved",
        "chart_bar": "{hour}:00: {received} received, {approved} approved",
        "chart_empty": "No photo that night.",
        "col_hour": "Hour",
        "hour_label": "{hour}:00",
        "by_source_title": "By source",
        "col_source": "Source",
        "sheet_title": "Contact sheet of the approved photos",
        "sheet_jpeg": "Download as JPEG",
        "sheet_pdf": "Download as PDF",
        "night_unavailable": "The night's figures are not available on this server.",
        "night_invalid": "Pick a valid date.",
    },
}


TEXTS: Final[dict[str, dict[str, str]]] = staff_texts.with_staff_texts(
    {
        "fr": typeset_french({**_OWN["fr"], **report_texts.OWN["fr"]}),
        "en": {**_OWN["en"], **report_texts.OWN["en"]},
    }
)


def texts(lang: str) -> dict[str, str]:
    """All texts of the console in `lang`, falling back to the default language."""
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE])


def photo_source_labels(lang: str) -> dict[str, str]:
    """How the moderators' page names photo sources ("upload" → "Téléphone"): same words here."""
    return staff_texts.photo_source_labels(lang)
