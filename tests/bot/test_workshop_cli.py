"""`citybot coordinators|workshop|export|report`: the coordinator's side on the server, read back with real readers."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from matplotlib.image import imread
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli import app
from bot.export import ANSWER_FIELDS
from catalogue import Catalogue, answers_for_stage
from conversations import open_engine
from conversations.storage.models import AnswerRecord
from tests.helpers.chat import Chat
from tests.helpers.cli import clear_settings
from tests.helpers.workshops import join_only

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings(monkeypatch, tmp_path)  # neither the developer's variables nor a stray .env


def citybot(database_url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--database-url", database_url])
    return result.exit_code, result.stdout, result.stderr


def created_code(output: str) -> str:
    """The code in `citybot workshop create`'s first line: "workshop k7m2qp “Name” ... is open"."""
    return output.split()[1]


async def fill(database_url: str, catalogue: Catalogue, code: str) -> None:
    """Two Gent officials check in through the workshop, one Torino official on their own, with a note."""
    async with await open_engine(database_url, catalogue) as engine:
        for user, stage in (("ana", "S"), ("ben", "A")):
            chat = await join_only(engine, code, user)
            for area in catalogue.areas:
                await chat.press(catalogue.stage(stage).name if area.code == "L1" else "checkin.not_started")
        dora = Chat(engine, "dora", "Dora")
        await dora.onboard("Torino")
        await dora.command("/assess")
        await dora.press("assessment.note")
        await dora.say('=HYPERLINK("x") team set up in 2021')
        await dora.press("answers.done")


@pytest.fixture
def workshop(database_url: str, catalogue: Catalogue) -> str:
    status, out, err = citybot(database_url, "workshop", "create", "Spring", "day", "--city", "Gent")
    assert status == 0, err
    code = created_code(out)
    asyncio.run(fill(database_url, catalogue, code))
    return code


def test_coordinators_add_list_and_remove(database_url: str) -> None:
    assert citybot(database_url, "coordinators", "list")[1].startswith("no coordinators yet")
    everywhere = " for all cities (give --city NAME to limit a grant to one city)\n"
    assert citybot(database_url, "coordinators", "add", "42")[:2] == (0, "42 is now a coordinator" + everywhere)
    assert (
        citybot(database_url, "coordinators", "add", "telegram:42")[1]
        == "telegram:42 is already a coordinator" + everywhere
    )
    assert citybot(database_url, "coordinators", "add", "@Gent_Coordinator")[0] == 0
    status, listing, _ = citybot(database_url, "coordinators", "list")
    assert status == 0 and listing.splitlines()[0].startswith("telegram:42")
    assert "@gent_coordinator" in listing and "waiting for them to write to the bot" in listing
    assert citybot(database_url, "coordinators", "remove", "42")[0] == 0
    status, _, error = citybot(database_url, "coordinators", "remove", "42")
    assert (status, error) == (2, "error: 42 is not a coordinator\n")
    status, _, error = citybot(database_url, "coordinators", "add", "not a user")
    assert status == 2 and error.startswith("error: ") and len(error.splitlines()) == 1


def test_a_grant_for_one_city_says_so_and_lists_it(database_url: str) -> None:
    assert citybot(database_url, "coordinators", "add", "@x_gent", "--city", "Gent")[1] == (
        "@x_gent is now a coordinator for Gent\n"
    )
    assert citybot(database_url, "coordinators", "add", "@x_gent", "--city", "Brugge")[0] == 0
    listing = citybot(database_url, "coordinators", "list")[1]
    assert "Brugge, Gent" in listing and "all cities" not in listing
    assert citybot(database_url, "coordinators", "add", "@x_gent")[1].startswith("@x_gent is now a coordinator for all")
    assert "all cities" in citybot(database_url, "coordinators", "list")[1]


def test_workshop_create_prints_the_link_and_writes_a_qr_code(database_url: str, tmp_path: Path) -> None:
    status, out, err = citybot(database_url, "workshop", "create", "Gent", "spring")
    assert status == 0, err
    code = created_code(out)
    assert f"/start ws_{code}" in out and "TELEGRAM_BOT_USERNAME" in out  # no username known: no link yet
    qr = tmp_path / "join.png"
    status, out, err = citybot(
        database_url, "workshop", "create", "Day 2", "--bot-username", "@gent_citybot", "--qr", str(qr)
    )
    assert status == 0, err
    code = created_code(out)
    link = f"https://t.me/gent_citybot?start=ws_{code}"
    assert link in out and str(qr) in out
    image = imread(io.BytesIO(qr.read_bytes()), format="png")
    grey = image if image.ndim == 2 else image[..., :3].mean(axis=2)
    assert [b.text for b in zxingcpp.read_barcodes((grey * 255).astype(np.uint8))] == [link]
    listed = citybot(database_url, "workshop", "list")[1]
    for options, message in [
        (("--bot-username", "gent_citybot", "--qr", "/no/such/dir/q.png"), "cannot write /no/such/dir/q.png"),
        (("--bot-username", "b!"), "is not a bot username"),
    ]:
        status, _, error = citybot(database_url, "workshop", "create", "x", *options)
        assert status == 2 and message in error and len(error.splitlines()) == 1, error
    assert citybot(database_url, "workshop", "list")[1] == listed  # nothing was created


def test_workshop_list_and_close(database_url: str, workshop: str) -> None:
    status, listing, _ = citybot(database_url, "workshop", "list")
    assert status == 0
    assert listing.split()[:6] == [workshop, "open", "2", "joined", "2", "finished"]
    assert listing.rstrip().endswith("Spring day (Gent)")
    status, out, _ = citybot(database_url, "workshop", "close", workshop.upper())
    assert status == 0 and out == f"workshop {workshop} “Spring day” is closed: 2 of 2 participants finished\n"
    assert citybot(database_url, "workshop", "list")[1].split()[1] == "closed"
    status, _, error = citybot(database_url, "workshop", "close", "zzzzzz")
    assert status == 2 and "no workshop 'zzzzzz'" in error and len(error.splitlines()) == 1


def stored_answers(database_url: str, catalogue: Catalogue) -> list[AnswerRecord]:
    from tests.helpers.chat import rows

    async def read() -> list[AnswerRecord]:
        async with await open_engine(database_url, catalogue) as engine:
            return await rows(engine, AnswerRecord)

    return asyncio.run(read())


def test_every_format_reads_back_as_the_stored_answers(
    database_url: str, catalogue: Catalogue, workshop: str, tmp_path: Path
) -> None:
    stored = {(r.assessment_id, r.action_code): r.value for r in stored_answers(database_url, catalogue)}
    status, out, err = citybot(database_url, "export", "--format", "csv")
    assert status == 0, err
    as_csv = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert out.startswith("\ufeff") and tuple(as_csv[0]) == ANSWER_FIELDS
    assert {(int(r["assessment"]), r["action_code"]): r["answer"] for r in as_csv} == stored
    status, out, _ = citybot(database_url, "export", "-f", "json")
    as_json = json.loads(out)
    assert {(r["assessment"], r["action_code"]): r["answer"] for r in as_json} == stored
    target = tmp_path / "answers.xlsx"
    status, _, err = citybot(database_url, "export", "-f", "xlsx", "-o", str(target))
    assert status == 0 and err == f"{len(stored)} answers written to {target}\n"
    sheet = load_workbook(target)["Answers"]
    header = [c.value for c in sheet[1]]
    as_xlsx = [dict(zip(header, values, strict=True)) for values in sheet.iter_rows(min_row=2, values_only=True)]
    assert {(r["assessment"], r["action_code"]): r["answer"] for r in as_xlsx} == stored
    # The three agree row by row, and a Torino note that looks like a formula stays text.
    assert (
        [r["action_code"] for r in as_csv] == [r["action_code"] for r in as_json] == [r["action_code"] for r in as_xlsx]
    )
    [note] = [r for r in as_json if r["note"]]
    assert note["note"].startswith("=HYPERLINK") and note["city"] == "Torino"
    assert next(r for r in as_csv if r["note"])["note"].startswith("'=HYPERLINK")
    assert {r["participant"][:2] for r in as_json} == {"P-"} and {r["name"] for r in as_json} == {""}
    checkin = [r for r in as_json if r["assessment_kind"] == "checkin"]
    assert checkin and all(r["implied"] and r["workshop"] == workshop for r in checkin)


def test_filters_by_city_workshop_and_date(database_url: str, catalogue: Catalogue, workshop: str) -> None:
    def exported(*filters: str) -> list[dict[str, object]]:
        status, out, err = citybot(database_url, "export", "-f", "json", *filters)
        assert status == 0, err
        return json.loads(out)

    everything = exported()
    gent = exported("--city", "gent")
    assert gent and {r["city"] for r in gent} == {"Gent"}
    assert len(gent) == 2 * len(catalogue.actions)
    assert exported("--workshop", workshop) == gent  # both Gent officials answered through the workshop
    assert [r for r in everything if r["city"] == "Torino"] == exported("--city", "Torino")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert exported("--since", tomorrow) == []
    assert exported("--since", "2020-01-01") == everything
    for filters, message in [
        (("--city", "Atlantis"), "no city 'Atlantis'"),
        (("--workshop", "zzzzzz"), "no workshop 'zzzzzz'"),
        (("--since", "yesterday"), "--since 'yesterday' is not a date"),
    ]:
        status, _, error = citybot(database_url, "export", *filters)
        assert status == 2 and message in error and len(error.splitlines()) == 1, error
    status, _, error = citybot(database_url, "export", "-o", "/no/such/dir/a.csv")
    assert status == 2 and error.startswith("error: cannot write /no/such/dir/a.csv") and len(error.splitlines()) == 1


def test_the_xlsx_summary_combines_the_workshop_and_the_cities(
    database_url: str, catalogue: Catalogue, workshop: str, tmp_path: Path
) -> None:
    target = tmp_path / "report.xlsx"
    assert citybot(database_url, "export", "-f", "xlsx", "-o", str(target))[0] == 0
    sheet = load_workbook(target)["Summary"]
    header = [c.value for c in sheet[1]]
    summary = {
        (r["group"], r["name"], r["area"]): r
        for r in (dict(zip(header, v, strict=True)) for v in sheet.iter_rows(min_row=2, values_only=True))
    }
    l1 = summary[("workshop", f"{workshop} · Spring day", "L1")]
    assert (l1["respondents"], l1["lowest_stage"], l1["highest_stage"]) == (2, "Starting", "Advanced")
    assert l1["median_stage"] == "Starting"  # the lower median of two
    assert summary[("city", "Gent", "L1")]["respondents"] == 2
    assert summary[("city", "Torino", "L1")]["respondents"] == 0  # Dora did one action of Starting: no stage given yet
    expected = answers_for_stage(catalogue, "L1", "S")
    assert expected  # the Summary is computed with the same rules as the engine's (see tests/catalogue)


def test_report_draws_a_city_or_a_workshop(
    database_url: str, workshop: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, _, error = citybot(database_url, "report", "--city", "Gent", "-o", str(tmp_path / "few.png"))
    assert status == 2 and "no area of Gent has 3 or more people" in error  # two officials: too few to draw
    monkeypatch.setenv("CITYBOT_MIN_GROUP_SIZE", "2")
    for filters, counts in ((("--city", "Gent"), "2 officials"), (("--workshop", workshop), "Joined 2 · finished 2")):
        target = tmp_path / f"{filters[0][2:]}.png"
        status, out, err = citybot(database_url, "report", *filters, "-o", str(target))
        assert status == 0, err
        assert out.startswith(f"{target}: ") and counts in out
        image = imread(io.BytesIO(target.read_bytes()), format="png")
        assert image.shape[1] == 962 and image.shape[0] >= 600
    for filters, message in [
        (("--city", "Gent", "--workshop", workshop), "either --city NAME or --workshop CODE"),
        ((), "either --city NAME or --workshop CODE"),
        (("--city", "Atlantis"), "no city 'Atlantis'"),
    ]:
        status, _, error = citybot(database_url, "report", *filters, "-o", str(tmp_path / "x.png"))
        assert status == 2 and message in error, error
    status, _, error = citybot(database_url, "report", "--city", "Gent", "-o", str(tmp_path / "x.jpg"))
    assert status == 2 and "should end in .pdf or .png" in error
