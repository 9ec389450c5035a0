"""Who is speaking in the figures, and the season report, through the app (in-process ASGI):
visitors who say they are visiting, living here or just moved here (or say nothing), a
moderator's decisions; then the night's figures split by speaker (JSON and CSV) and the
season's report, whose CSV adds up to the photos sent and whose PDF reads back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from console.season import InvalidSeason, months_of, season_of
from tests.console.test_night import decide
from tests.helpers.accounts import add_account, login
from tests.helpers.app_server import AppServer
from tests.helpers.images import distinctive_jpeg
from wall.config import ScheduleSection

PASSWORD = "correct horse battery"
OPERATOR, MODERATOR = "olga", "mia"
ZONE = "Europe/Paris"
# A season around the whole year: whenever the test runs, today is in it.
SCHEDULE = {"season_start": "01-01", "season_end": "12-31", "start": "21:00", "end": "23:30",
            "timezone": ZONE}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    app = AppServer(tmp_path_factory.mktemp("season"), schedule=SCHEDULE).start()
    add_account(app, OPERATOR, "operator", PASSWORD)
    add_account(app, MODERATOR, "moderator", PASSWORD)
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def sent(server: AppServer) -> dict[str, str]:
    """Five photos from four phones, decided: what the figures below must add up to."""
    choices = {
        "tourist": ("visiting", "phone-1"),
        "tourist-again": ("visiting", "phone-1"),
        "local": ("resident", "phone-2"),
        "newcomer": ("newcomer", "phone-3"),
        "silent": ("", "phone-4"),
    }
    ids: dict[str, str] = {}
    phones: dict[str, object] = {}
    for index, (name, (speaker, phone)) in enumerate(choices.items()):
        client = phones.get(phone) or server.client()
        if phone not in phones:
            assert client.get("/").status_code == 200  # type: ignore[attr-defined]
            phones[phone] = client
        answer = client.post(  # type: ignore[attr-defined]
            "/api/photos",
            files={"file": ("p.jpg", distinctive_jpeg((30 + index * 40, 90, 150), seed=index))},
            data={"consent": "true", "speaker": speaker},
        )
        assert answer.status_code == 201, answer.text
        ids[name] = answer.json()["id"]
    for client in phones.values():
        client.close()  # type: ignore[attr-defined]
    with login(server, MODERATOR, PASSWORD) as moderator:
        for name in ("tourist", "local", "silent"):
            decide(moderator, ids[name], "approve")
        decide(moderator, ids["newcomer"], "reject")
    return ids


def rows_of(data: bytes) -> list[list[str]]:
    """The CSV's rows; French headings carry a no-break space before their colon."""
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:].replace("\u00a0", " "))))


def test_the_nights_figures_split_by_speaker(server: AppServer, sent: dict[str, str]) -> None:
    assert len(sent) == 5
    with login(server, OPERATOR, PASSWORD) as operator:
        night = operator.get("/api/console/night").json()
        assert night["received"] == 5 and night["approved"] == 3
        assert night["by_speaker"] == [
            {"speaker": "visiting", "label": "De passage", "received": 2, "approved": 1,
             "contributors": 1},
            {"speaker": "resident", "label": "Habite ici", "received": 1, "approved": 1,
             "contributors": 1},
            {"speaker": "newcomer", "label": "Vient d’arriver ici", "received": 1,
             "approved": 0, "contributors": 1},
            {"speaker": "", "label": "Non dit", "received": 1, "approved": 1, "contributors": 1},
        ]  # fmt: skip
        english = operator.get("/api/console/night", headers={"Accept-Language": "en"}).json()
        labels = [s["label"] for s in english["by_speaker"]]
        assert labels == ["Visiting", "Living here", "Just moved here", "Unsaid"]

        answer = operator.get("/api/console/night.csv", params={"night": night["night"]})
        assert answer.status_code == 200
        assert answer.headers["content-disposition"] == (
            f'attachment; filename="wall-{night["night"]}.csv"'
        )
        header, row = rows_of(answer.content)
        line = dict(zip(header, row, strict=True))
        assert line["Nuit"] == night["night"]
        assert (line["Photos reçues"], line["Photos approuvées"]) == ("5", "3")
        assert line["Reçues : De passage"] == "2" and line["Approuvées : Habite ici"] == "1"
        assert line["Contributeurs : Vient d’arriver ici"] == "1"


@pytest.mark.usefixtures("sent")
def test_the_season_report_adds_up_to_the_photos(server: AppServer) -> None:
    year = datetime.now(UTC).astimezone(ZoneInfo(ZONE)).year
    with login(server, OPERATOR, PASSWORD) as operator:
        season = operator.get("/api/console/season").json()
        assert (season["year"], season["first_night"]) == (year, f"{year}-01-01")
        assert len(season["months"]) == 12 and season["programmed"] is True
        total = season["total"]
        assert (total["received"], total["approved"], total["rejected"]) == (5, 3, 1)
        assert total["contributors"] == 4
        assert total["nights"] in (365, 366) and total["show_hours"] == total["nights"] * 2.5
        assert sum(m["received"] for m in season["months"]) == 5
        assert {s["speaker"]: s["received"] for s in total["by_speaker"]} == {
            "visiting": 2, "resident": 1, "newcomer": 1, "": 1,
        }  # fmt: skip

        answer = operator.get("/api/console/season-report", params={"format": "csv"})
        assert answer.headers["content-disposition"] == f'attachment; filename="saison-{year}.csv"'
        header, *months, whole = rows_of(answer.content)
        assert len(months) == 12 and whole[0] == "Saison"
        assert [m[0] for m in months] == [f"{year}-{n:02d}" for n in range(1, 13)]
        for column, name in enumerate(header):
            if column == 0 or name in ("Contributeurs", "Photos montrées"):
                continue  # people and photos shown count once for the season
            if name.startswith("Contributeurs"):
                continue
            month_sum = sum(float(m[column]) for m in months)
            assert month_sum == pytest.approx(float(whole[column])), name
        line = dict(zip(header, whole, strict=True))
        assert (line["Photos reçues"], line["Photos approuvées"]) == ("5", "3")
        assert line["Reçues : Téléphone"] == "5"
        speakers = ["De passage", "Habite ici", "Vient d’arriver ici", "Non dit"]
        assert sum(int(line[f"Reçues : {s}"]) for s in speakers) == 5

        answer = operator.get("/api/console/season-report", params={"year": str(year)})
        assert answer.headers["content-type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(answer.content))
        text = " ".join((p.extract_text() or "") for p in reader.pages).replace("\u00a0", " ")
        assert f"Rapport de saison {year}" in text
        assert "Qui parle" in text and "Vient d’arriver ici" in text and "Téléphone" in text


def test_operators_only_and_bad_seasons_named(server: AppServer) -> None:
    with login(server, MODERATOR, PASSWORD) as moderator:
        for path in ("/api/console/season", "/api/console/season-report", "/api/console/night.csv"):
            assert moderator.get(path).status_code == 403
    with login(server, OPERATOR, PASSWORD) as operator:
        for params, field in (
            ({"year": "1999"}, "year"),
            ({"year": "twenty"}, "year"),
            ({"year": "2027", "format": "xlsx"}, "format"),
        ):
            answer = operator.get("/api/console/season-report", params=params)
            assert answer.status_code == 400, params
            assert answer.json()["error"]["field"] == field
            assert answer.json()["error"]["message"]
        # A digit that int() cannot read (the API fuzzer found "²" made a 500).
        for year in ("²", "٣٠٢٧", " 2027x"):
            answer = operator.get("/api/console/season", params={"year": year})
            assert answer.status_code == 400, year
            assert answer.json()["error"]["field"] == "year"


def test_season_dates_follow_the_schedule() -> None:
    summer = ScheduleSection(season_start="06-01", season_end="09-30")
    assert season_of(summer, None, date(2027, 5, 31)).year == 2026  # the last one begun
    running = season_of(summer, None, date(2027, 7, 14))
    assert (running.first, running.last) == (date(2027, 6, 1), date(2027, 9, 30))
    assert [m[0].month for m in months_of(running)] == [6, 7, 8, 9]
    winter = season_of(
        ScheduleSection(season_start="11-15", season_end="02-15"), 2027, date.today()
    )
    assert (winter.first, winter.last) == (date(2027, 11, 15), date(2028, 2, 15))
    assert [m[1] for m in months_of(winter)][:2] == [date(2027, 11, 15), date(2027, 12, 1)]
    once = ScheduleSection(season_start="2027-06-15", season_end="2027-08-31")
    assert season_of(once, None, date(2030, 1, 1)).first == date(2027, 6, 15)
    with pytest.raises(InvalidSeason):
        season_of(once, 2028, date(2030, 1, 1))
