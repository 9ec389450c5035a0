"""Visitor texts: language choice, the consent sentence, and both languages kept in step."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from console import texts as console_texts
from console.projectors_api import ProjectorOut
from moderation import texts as moderation_texts
from show.projectors.pjlink import ERROR_PARTS
from staff import texts as staff_texts
from staff.accounts import Role
from wall import i18n

CONTRACT_ERROR_CODES = {
    "consent_required",
    "invalid_field",
    "too_large",
    "unsupported_type",
    "undecodable",
    "too_many_pixels",
    "rate_limited",
    "not_found",
    "internal",
}


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        (None, None, None, "fr"),
        ("en", "fr", "fr", "en"),  # an explicit choice wins
        ("EN-gb", None, None, "en"),
        ("de", "en", "fr", "en"),  # an unsupported choice falls through to the cookie
        (None, "en", "fr-FR", "en"),
        (None, None, "en-US,en;q=0.9,fr;q=0.8", "en"),
        (None, None, "de-DE, fr;q=0.3, en;q=0.5", "en"),  # by q-value, not order
        (None, None, "en;q=0, fr;q=0.1", "fr"),  # q=0 means "not this one"
        (None, None, "de, it", "fr"),
        (None, None, "*", "fr"),
        (None, None, "en;q=banana, ;;;,", "fr"),  # junk costs nothing and changes nothing
    ],
)
def test_pick_language(
    query: str | None, cookie: str | None, accept: str | None, expected: str
) -> None:
    assert i18n.pick_language(query, cookie, accept) == expected


def test_both_languages_have_every_text_and_error() -> None:
    assert i18n.TEXTS["fr"].keys() == i18n.TEXTS["en"].keys()
    assert i18n.ERROR_MESSAGES["fr"].keys() == i18n.ERROR_MESSAGES["en"].keys()
    assert CONTRACT_ERROR_CODES <= i18n.ERROR_MESSAGES["fr"].keys()


def test_error_message_falls_back_to_the_generic_one() -> None:
    assert i18n.error_message("too_large", "en").startswith("This photo is too heavy")
    assert i18n.error_message("no_such_code", "fr") == i18n.ERROR_MESSAGES["fr"]["internal"]
    assert i18n.error_message("too_large", "xx") == i18n.ERROR_MESSAGES["fr"]["too_large"]


def test_consent_names_the_wall_and_the_season() -> None:
    season = i18n.season_text("fr", "06-01", "09-30")
    assert season == "du 1er juin au 30 septembre"
    text = i18n.consent_text("fr", "Mur des Quais", season)
    assert text.startswith("J'ai pris cette photo, les personnes reconnaissables")
    assert "j'ai 15 ans ou plus" in text and "Mur des Quais" in text and season in text
    english = i18n.consent_text("en", "Quay Wall", i18n.season_text("en", "06-01", "09-30"))
    assert "I am 15 or older" in english and "from 1 June to 30 September" in english


def test_season_with_years() -> None:
    assert i18n.season_text("en", "2026-06-01", "2026-09-30") == "from 1 June to 30 September 2026"
    assert i18n.season_text("fr", "2026-12-01", "2027-01-31") == (
        "du 1er décembre 2026 au 31 janvier 2027"
    )


def test_french_punctuation_never_starts_a_line() -> None:
    assert i18n.TEXTS["fr"]["thanks"] == "Merci\u00a0!"
    for text in i18n.TEXTS["fr"].values():
        assert " :" not in text and " ?" not in text and " !" not in text


def test_console_texts_are_complete_in_both_languages() -> None:
    """Every console text in FR and EN with the same placeholders; a label for every code the
    console's APIs return; the sign-in words are the moderators' page's own."""
    french, english = console_texts.TEXTS["fr"], console_texts.TEXTS["en"]
    assert french.keys() == english.keys()
    for key in french:
        assert french[key].strip() and english[key].strip(), key
        assert set(re.findall(r"\{\w+\}", french[key])) == set(
            re.findall(r"\{\w+\}", english[key])
        ), key
    codes = [f"power_{c}" for c in console_texts.POWER_STATES]
    codes += [f"part_{c}" for c in console_texts.PROJECTOR_PARTS]
    codes += [f"source_state_{c}" for c in console_texts.SOURCE_STATES]
    codes += [f"kind_{c}" for c in console_texts.SOURCE_KINDS]
    codes += [f"role_{c}" for c in console_texts.ROLES]
    codes += [f"error_{c}" for c in console_texts.ACCOUNT_ERRORS]
    assert set(codes) <= french.keys()
    # ... and those codes are the APIs' own.
    assert set(console_texts.PROJECTOR_PARTS) == set(ERROR_PARTS)
    assert set(console_texts.POWER_STATES) == set(
        get_args(ProjectorOut.model_fields["power"].annotation)
    )
    assert set(console_texts.ROLES) == {role.value for role in Role}
    for lang in ("fr", "en"):  # the staff pages' shared words are one table, read by both
        for key, text in staff_texts.TEXTS[lang].items():
            assert console_texts.TEXTS[lang][key] == text == moderation_texts.TEXTS[lang][key]
    for text in french.values():
        assert " :" not in text and " ?" not in text and " !" not in text
    assert console_texts.texts("de") == french


def test_every_error_code_the_code_raises_has_a_message() -> None:
    """An API client reads the message: a code without one would say "internal error"."""
    root = Path(__file__).resolve().parents[2]
    raised = {
        match.group(1)
        for package in ("wall", "ingest", "moderation", "staff", "console")
        for path in (root / package).rglob("*.py")
        for match in re.finditer(r'ApiError\(\s*\d+,\s*"([a-z_]+)"', path.read_text())
    }
    assert len(raised) > 10  # the scan found the routers
    for lang in ("fr", "en"):
        assert raised <= set(i18n.ERROR_MESSAGES[lang]), lang


@pytest.mark.parametrize(
    ("lang", "name", "expected"),
    [
        ("fr", "Mur participatif de Brive", "sur le Mur participatif de Brive pendant"),
        ("fr", "Écran des Quais", "sur l'Écran des Quais pendant"),
        ("fr", "La Fresque", "sur la Fresque pendant"),
        ("en", "Quay Wall", "on the Quay Wall during"),
        ("en", "La Fresque", "on La Fresque during"),
    ],
)
def test_consent_gives_the_wall_its_article(lang: str, name: str, expected: str) -> None:
    """The consent sentence read "sur Mur participatif de Brive": a name needs its article."""
    assert expected in i18n.consent_text(lang, name, i18n.season_text(lang, "06-01", "09-30"))
