"""The season report as a PDF: the same figures as `console.season_report`'s CSV, as tables to
print. Its own module so that fpdf2 and fontTools (~0.2 s of imports) load with the first
report, not with every server start (`console.season_api` imports it where it is asked for).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fpdf import FPDF

from console import pdf_fonts
from console.contact_sheet import format_day
from console.season import SeasonFigures
from console.season_report import (
    MAIN_COLUMNS,
    main_values,
    month_name,
    report_texts,
    speakers_of,
)
from console.speakers import SPEAKERS, speaker_label


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
    texts = report_texts(lang)
    total = figures.total
    pdf.ln(4)
    rows = [[texts["key_figures"], texts["season"]]]
    for key, value in zip(MAIN_COLUMNS, main_values(total), strict=True):
        rows.append([texts[key], value])
    _table(pdf, rows)
    if not figures.programmed:
        pdf.set_font(pdf.family, "", 9)
        pdf.multi_cell(pdf.epw, 5, pdf_fonts.safe_text(texts["no_programme"], pdf.family))


def _months(pdf: _Report, figures: SeasonFigures, lang: str) -> None:
    texts = report_texts(lang)
    _heading(pdf, texts["by_month"])
    rows = [[texts["month"], *(texts[key] for key in MAIN_COLUMNS)]]
    for period in figures.months:
        assert period.month is not None
        rows.append([month_name(period.month, lang), *main_values(period)])
    rows.append([texts["season"], *main_values(figures.total)])
    _table(pdf, rows, first_width=4)


def _sources(pdf: _Report, figures: SeasonFigures, labels: dict[str, str], lang: str) -> None:
    texts = report_texts(lang)
    _heading(pdf, texts["by_source"])
    rows = [[texts["source"], texts["received"], texts["approved"]]]
    for source, (received, approved) in figures.total.by_source.items():
        rows.append([labels.get(source, source), str(received), str(approved)])
    _table(pdf, rows)


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "–"


def _speakers(pdf: _Report, figures: SeasonFigures, lang: str) -> None:
    texts = report_texts(lang)
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
        rows.append([month_name(period.month, lang),
                     *(str(c.received if c else 0) for c in counts)])  # fmt: skip
    _table(pdf, rows)


def season_pdf(
    figures: SeasonFigures, wall: str, labels: dict[str, str], made: datetime, lang: str
) -> bytes:
    """Blocking (fonts, layout): run it in a thread, never on the event loop."""
    texts = report_texts(lang)
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
