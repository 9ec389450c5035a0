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
from datetime import date, datetime

from fpdf import FPDF

from console import pdf_fonts
from console.contact_sheet import format_day
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


def _texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS[DEFAULT_LANGUAGE])


def speakers_of(total: PeriodFigures) -> list[str]:
    """The four speakers always, in their order, then any code a newer page sent."""
    extra = sorted(set(total.by_speaker) - set(SPEAKERS))
    return [*SPEAKERS, *extra]


def _month_name(month: date, lang: str) -> str:
    names = MONTHS.get(lang, MONTHS[DEFAULT_LANGUAGE])
    return f"{names[month.month - 1]} {month.year}"


def _main_values(period: PeriodFigures) -> list[str]:
    hours = f"{period.show_hours:.1f}"
    return [
        str(period.nights),
        hours,
        *(str(getattr(period, key)) for key in MAIN_COLUMNS[2:]),
    ]


# --- CSV ---------------------------------------------------------------------------------------


def _csv_header(total: PeriodFigures, labels: dict[str, str], lang: str) -> list[str]:
    texts = _texts(lang)
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
    row = [name, *_main_values(period)]
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
    return _texts(lang)["night"]


def season_csv(figures: SeasonFigures, labels: dict[str, str], lang: str) -> bytes:
    """Months as YYYY-MM, then the whole season."""
    rows = [(m.month.strftime("%Y-%m") if m.month else "", m) for m in figures.months]
    rows.append((_texts(lang)["season"], figures.total))
    return figures_csv(rows, figures.total, labels, lang)


# --- PDF ---------------------------------------------------------------------------------------


class _Report(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.family = "helvetica"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, self.footer_text.replace("{page}", str(self.page_no())), align="C")


def _heading(pdf: _Report, text: str, size: int = 13) -> None:
    pdf.ln(4)
    pdf.set_font(pdf.family, "B", size)
    pdf.set_text_color(20, 20, 20)
    pdf.multi_cell(pdf.epw, size * 0.5, pdf_fonts.safe_text(text, pdf.family))
    pdf.ln(1)


def _table(pdf: _Report, rows: Sequence[Sequence[str]], first_width: int = 3) -> None:
    """A plain table, the first row its header; numbers right-aligned."""
    pdf.set_font(pdf.family, "", 9)
    pdf.set_text_color(20, 20, 20)
    widths = (first_width, *([2] * (len(rows[0]) - 1)))
    align = ("LEFT", *(["RIGHT"] * (len(rows[0]) - 1)))
    with pdf.table(col_widths=widths, text_align=align, line_height=5.5) as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(pdf_fonts.safe_text(value, pdf.family))


def _key_figures(pdf: _Report, figures: SeasonFigures, lang: str) -> None:
    texts = _texts(lang)
    total = figures.total
    pdf.ln(4)
    rows = [[texts["key_figures"], texts["season"]]]
    for key, value in zip(MAIN_COLUMNS, _main_values(total), strict=True):
        rows.append([texts[key], value])
    _table(pdf, rows)
    if not figures.programmed:
        pdf.set_font(pdf.family, "", 9)
        pdf.multi_cell(pdf.epw, 5, pdf_fonts.safe_text(texts["no_programme"], pdf.family))


def _months(pdf: _Report, figures: SeasonFigures, lang: str) -> None:
    texts = _texts(lang)
    _heading(pdf, texts["by_month"])
    rows = [[texts["month"], *(texts[key] for key in MAIN_COLUMNS)]]
    for period in figures.months:
        assert period.month is not None
        rows.append([_month_name(period.month, lang), *_main_values(period)])
    rows.append([texts["season"], *_main_values(figures.total)])
    _table(pdf, rows, first_width=4)


def _sources(pdf: _Report, figures: SeasonFigures, labels: dict[str, str], lang: str) -> None:
    texts = _texts(lang)
    _heading(pdf, texts["by_source"])
    rows = [[texts["source"], texts["received"], texts["approved"]]]
    for source, (received, approved) in figures.total.by_source.items():
        rows.append([labels.get(source, source), str(received), str(approved)])
    _table(pdf, rows)


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "–"


def _speakers(pdf: _Report, figures: SeasonFigures, lang: str) -> None:
    texts = _texts(lang)
    _heading(pdf, texts["by_speaker"])
    total = figures.total
    rows = [[texts["speaker"], texts["received"], texts["approved"], texts["contributors"],
             texts["share"]]]  # fmt: skip
    for code in speakers_of(figures.total):
        found = total.by_speaker.get(code)
        received, approved, people = (
            (found.received, found.approved, found.contributors) if found else (0, 0, 0)
        )
        rows.append([speaker_label(code, lang), str(received), str(approved), str(people),
                     _share(received, total.received)])  # fmt: skip
    _table(pdf, rows)
    pdf.set_font(pdf.family, "", 8)
    pdf.multi_cell(pdf.epw, 4.5, pdf_fonts.safe_text(texts["speaker_note"], pdf.family))
    _heading(pdf, texts["speaker_months"], 11)
    codes = speakers_of(figures.total)
    rows = [[texts["month"], *(speaker_label(code, lang) for code in codes)]]
    for period in figures.months:
        assert period.month is not None
        counts = [period.by_speaker.get(code) for code in codes]
        rows.append([_month_name(period.month, lang),
                     *(str(c.received if c else 0) for c in counts)])  # fmt: skip
    _table(pdf, rows)


def season_pdf(
    figures: SeasonFigures, wall: str, labels: dict[str, str], made: datetime, lang: str
) -> bytes:
    """Blocking (fonts, layout): run it in a thread, never on the event loop."""
    texts = _texts(lang)
    season = figures.season
    pdf = _Report(texts["page"])
    words = [wall, *texts.values(), *labels.values(), *figures.total.by_source]
    pdf.family = pdf_fonts.prepare(pdf, words + [speaker_label(c, lang) for c in SPEAKERS])
    pdf.set_margins(16, 16)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(f"{wall} — {texts['title'].format(year=season.year)}")
    pdf.add_page()
    _heading(pdf, wall, 20)
    _heading(pdf, texts["title"].format(year=season.year), 16)
    pdf.set_font(pdf.family, "", 10)
    pdf.set_text_color(90, 90, 90)
    span = texts["span"].format(
        first=format_day(season.first, lang), last=format_day(season.last, lang)
    )
    made_line = texts["made"].format(date=format_day(made.date(), lang), zone=figures.timezone)
    for line in (span, made_line):
        pdf.multi_cell(pdf.epw, 5, pdf_fonts.safe_text(line, pdf.family))
    _key_figures(pdf, figures, lang)
    _months(pdf, figures, lang)
    _sources(pdf, figures, labels, lang)
    _speakers(pdf, figures, lang)
    return bytes(pdf.output())
