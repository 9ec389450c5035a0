"""The season report for the office's board: a CSV (one row per month and one for the season,
for a spreadsheet) and a PDF (the same figures as tables to print), in French or English.

Both are written from one `SeasonFigures` (`console.season`): the CSV's month rows add up to
its season row, except the contributors and photos shown, which count people and photos once
for the whole season.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from console.season import PeriodFigures, SeasonFigures, SpeakerFigures
from console.speakers import SPEAKERS, speaker_label
from wall.i18n import DEFAULT_LANGUAGE, MONTHS, typeset_french

TEXTS: dict[str, dict[str, str]] = {
    "fr": typeset_french(
        {
            "title": "Rapport de saison {year}",
            "span": "Saison du {first} au {last}",
            "made": "Établi le {date} · heures du mur : {zone}",
            "month": "Mois",
            "night": "Nuit",
            "season": "Saison",
            "nights": "Soirées de spectacle",
            "show_hours": "Heures programmées",
            "received": "Photos reçues",
            "approved": "Photos approuvées",
            "rejected": "Photos refusées",
            "contributors": "Contributeurs",
            "shown": "Photos montrées",
            "received_of": "Reçues : {name}",
            "approved_of": "Approuvées : {name}",
            "contributors_of": "Contributeurs : {name}",
            "key_figures": "En bref",
            "by_month": "Mois par mois",
            "by_source": "Par source",
            "by_speaker": "Qui parle",
            "speaker_months": "Qui parle, mois par mois (photos reçues)",
            "source": "Source",
            "speaker": "Qui",
            "share": "Part des photos reçues",
            "no_programme": "Pas de programme ([schedule] désactivé) : pas d'heures de spectacle.",
            "speaker_note": "Le choix « qui parle » est facultatif sur la page d'envoi ; "
            "« Non dit » compte les visiteurs qui n'ont rien choisi et les autres sources.",
            "page": "Page {page}",
        }
    ),
    "en": {
        "title": "Season report {year}",
        "span": "Season from {first} to {last}",
        "made": "Made on {date} · the wall's time: {zone}",
        "month": "Month",
        "night": "Night",
        "season": "Season",
        "nights": "Show nights",
        "show_hours": "Programmed hours",
        "received": "Photos received",
        "approved": "Photos approved",
        "rejected": "Photos rejected",
        "contributors": "Contributors",
        "shown": "Photos shown",
        "received_of": "Received: {name}",
        "approved_of": "Approved: {name}",
        "contributors_of": "Contributors: {name}",
        "key_figures": "At a glance",
        "by_month": "Month by month",
        "by_source": "By source",
        "by_speaker": "Who is speaking",
        "speaker_months": "Who is speaking, month by month (photos received)",
        "source": "Source",
        "speaker": "Who",
        "share": "Share of photos received",
        "no_programme": "No programme ([schedule] off): no show hours.",
        "speaker_note": "The “who is speaking” choice is optional on the upload page; "
        "“Unsaid” counts the visitors who chose nothing and the other sources.",
        "page": "Page {page}",
    },
}

MAIN_COLUMNS = ("nights", "show_hours", "received", "approved", "rejected", "contributors", "shown")


def report_texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE])


def speakers_of(total: PeriodFigures) -> list[str]:
    """The four speakers always, in their order, then any code a newer page sent."""
    extra = sorted(set(total.by_speaker) - set(SPEAKERS))
    return [*SPEAKERS, *extra]


def month_name(month: date, lang: str) -> str:
    names = MONTHS.get(lang, MONTHS[DEFAULT_LANGUAGE])
    return f"{names[month.month - 1]} {month.year}"


def main_values(period: PeriodFigures) -> list[str]:
    hours = f"{period.show_hours:.1f}"
    return [
        str(period.nights),
        hours,
        *(str(getattr(period, key)) for key in MAIN_COLUMNS[2:]),
    ]


# --- CSV ---------------------------------------------------------------------------------------


def _csv_header(total: PeriodFigures, labels: dict[str, str], lang: str) -> list[str]:
    texts = report_texts(lang)
    header = [texts["month"], *(texts[key] for key in MAIN_COLUMNS)]
    for source in total.by_source:
        name = labels.get(source, source)
        header += [texts["received_of"].format(name=name), texts["approved_of"].format(name=name)]
    for code in speakers_of(total):
        name = speaker_label(code, lang)
        header += [
            texts["received_of"].format(name=name),
            texts["approved_of"].format(name=name),
            texts["contributors_of"].format(name=name),
        ]
    return header


def _csv_row(name: str, period: PeriodFigures, total: PeriodFigures) -> list[str]:
    row = [name, *main_values(period)]
    for source in total.by_source:
        received, approved = period.by_source.get(source, (0, 0))
        row += [str(received), str(approved)]
    for code in speakers_of(total):
        found = period.by_speaker.get(code, SpeakerFigures())
        row += [str(found.received), str(found.approved), str(found.contributors)]
    return row


def figures_csv(
    rows: Sequence[tuple[str, PeriodFigures]],
    total: PeriodFigures,
    labels: dict[str, str],
    lang: str,
    first_column: str = "",
) -> bytes:
    """One line per period, columns for `total`'s sources and every speaker. UTF-8 with a
    byte-order mark (a spreadsheet then reads the accents), comma-separated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = _csv_header(total, labels, lang)
    writer.writerow([first_column or header[0], *header[1:]])
    for name, period in rows:
        writer.writerow(_csv_row(name, period, total))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def night_column(lang: str) -> str:
    """The first column's name in a night's CSV."""
    return report_texts(lang)["night"]


def season_csv(figures: SeasonFigures, labels: dict[str, str], lang: str) -> bytes:
    """Months as YYYY-MM, then the whole season."""
    rows = [(m.month.strftime("%Y-%m") if m.month else "", m) for m in figures.months]
    rows.append((report_texts(lang)["season"], figures.total))
    return figures_csv(rows, figures.total, labels, lang)
