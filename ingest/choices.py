"""The visitor's choices in an upload form: what the consent covers, and who is speaking.

Each is optional and checked strictly: a value the page never sends is a 400 naming the
field, not a silent guess (a consent is never widened by a typo)."""

from __future__ import annotations

from starlette.datastructures import FormData

from wall.domain import ConsentScope, Speaker
from wall.errors import ApiError
from wall.i18n import names_online

YES = frozenset({"true", "on", "1", "yes"})
NO = frozenset({"", "false", "off", "0", "no"})


def form_flag(form: FormData, name: str) -> bool:
    """An optional yes/no field (a checkbox): absent is no."""
    value = form.get(name)
    if value is None:
        return False
    word = value.strip().lower() if isinstance(value, str) else None
    if word in YES:
        return True
    if word in NO:
        return False
    raise ApiError(400, "invalid_field", field=name)


def consent_scopes(form: FormData, text_version: str, gallery_on: bool) -> frozenset[ConsentScope]:
    """The wall always; online when the gallery is on and the text the visitor saw named it
    (a page loaded before the gallery was switched on did not); print when ticked."""
    scopes = {ConsentScope.WALL}
    if gallery_on and names_online(text_version):
        scopes.add(ConsentScope.ONLINE)
    if form_flag(form, "consent_print"):
        scopes.add(ConsentScope.PRINT)
    return frozenset(scopes)


def speaker(form: FormData) -> tuple[Speaker, bool]:
    """Who is speaking, and whether the credit may say it (only when something was said)."""
    in_credit = form_flag(form, "speaker_in_credit")  # checked even when nothing was said
    value = form.get("speaker", "")
    if not isinstance(value, str):
        raise ApiError(400, "invalid_field", field="speaker")
    try:
        said = Speaker(value.strip().lower())
    except ValueError:
        raise ApiError(400, "invalid_field", field="speaker") from None
    return said, in_credit and said is not Speaker.UNSAID
