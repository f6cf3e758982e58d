"""The PDF report, the A4 poster and the XLSX Stages sheet, read back with real readers (pypdf, zxing, openpyxl).

And the one computation: the big screen, the room view, the report and the export's Summary say the
same figures for the same answers.
"""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import pytest
import zxingcpp
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from bot.cli import app
from bot.export import export_bytes
from bot.report import report_pdf
from catalogue import Catalogue
from conversations import Engine, group_words, open_engine
from conversations.group_results import workshop_results
from conversations.storage import workshops
from tests.helpers.chat import Chat
from tests.helpers.cli import clear_settings
from tests.helpers.workshops import join_and_check_in, join_only

runner = CliRunner()
NAME = "Łódź & São Paulo exchange"
PICKS = {"ana": {"L1": "M", "P1": "?"}, "ben": {"L1": "A", "P1": "S"}, "carla": {"L1": "S", "P1": "S"}}
"""Three participants: L1 Moderate, Advanced, Starting; P1 one "not sure" and two Starting."""


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


async def workshop_with_answers(engine: Engine, catalogue: Catalogue) -> str:
    info = await engine.coordination.create_workshop(NAME, city="Gent")
    for user, picks in PICKS.items():
        await join_and_check_in(engine, catalogue, info.code, user, picks)
    return info.code


async def test_the_pdf_report_holds_cover_chart_table_next_steps_and_catalogue(
    engine: Engine, catalogue: Catalogue
) -> None:
    code = await workshop_with_answers(engine, catalogue)
    asker = await join_only(engine, code, "dora")
    await asker.say("where do we find money for flood defences")  # the join message says the room sees questions
    await asker.say("/help")  # not a question for the room
    report = await engine.reports.report(workshop=code)
    data = report_pdf(report)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 4 and reader.metadata is not None and NAME in (reader.metadata.title or "")
    text = flat(pdf_text(data))
    texts = engine.texts
    assert flat(texts.get("report.title_workshop", name=NAME)) in text  # accents and Ł embedded, extracted back
    assert texts.get("report.city_line", city="Gent") in text
    assert flat(texts.get("report.respondents_line", respondents=3, joined=4, finished=3)) in text
    assert flat(texts.get("report.made_with", catalogue=catalogue.name, version=catalogue.version)) in text
    assert any(page.images for page in reader.pages[:1]), "the chart is on the cover page"

    # The table: L1's median Moderate, Starting-Advanced, 3 respondents; P1 Starting with 1 not sure.
    spread = texts.get("report.spread", low=catalogue.stage("S").name, high=catalogue.stage("A").name)
    assert f"{catalogue.stage('M').name} {spread} 3 0" in text
    hidden = texts.get("report.table_hidden", minimum=3)
    assert f"{hidden} {hidden} 2 1" in text  # P1: two gave a stage, one not sure: too few for its stages
    results = await results_of(engine, catalogue, code)
    for step in results.next_steps[:3]:
        assert step.action.code in text
    questions = text.split(texts.get("report.questions_heading"), 1)[1]
    assert flat(texts.get("report.question", question="where do we find money for flood defences")) in questions
    assert "/help" not in questions
    heading = texts.get("report.catalogue_heading", catalogue=catalogue.name, version=catalogue.version)
    assert flat(heading) in text
    for action in catalogue.actions:
        assert action.code in text


async def results_of(engine: Engine, catalogue: Catalogue, code: str):  # type: ignore[no-untyped-def]
    async with engine._sessions() as session:
        workshop = await workshops.workshop_by_code(session, code=code)
        assert workshop is not None
        return await workshop_results(session, catalogue, workshop=workshop, min_group_size=3)


async def test_figures_below_the_minimum_group_size_stay_out_of_the_report(
    engine: Engine, catalogue: Catalogue
) -> None:
    info = await engine.coordination.create_workshop("Small room", city="Gent")
    await join_and_check_in(engine, catalogue, info.code, "ana", {"L1": "R"})
    await join_and_check_in(engine, catalogue, info.code, "ben", {"L1": "T"})
    report = await engine.reports.report(workshop=info.code)
    assert report.chart is None
    text = flat(pdf_text(report_pdf(report)))
    hidden = engine.texts.get("report.table_hidden", minimum=3)
    assert f"L1 {catalogue.area('L1').title}" in text or "L1" in text
    assert hidden in text
    table = text.split(flat(engine.texts.get("report.table_heading")), 1)[1].split(
        engine.texts.get("report.next_heading")
    )[0]
    for stage in ("R", "T"):
        assert catalogue.stage(stage).name not in table


async def test_the_telegram_flow_sends_the_report_and_the_poster(engine: Engine, catalogue: Catalogue) -> None:
    code = await workshop_with_answers(engine, catalogue)
    chat = Chat(engine, "coord", "Cora")
    await chat.onboard("Gent")
    await engine.coordination.grant(chat.user_id)
    await chat.command(f"/export {code}")
    await chat.press("report.button")
    [reply] = chat.replies
    told = engine.texts.get("report.ready_questions")
    assert chat.said("report.ready", name=NAME, questions=told) and reply.report is not None
    assert NAME in pdf_text(report_pdf(reply.report))
    await chat.command(f"/workshop {code}")
    await chat.press("screen.poster")
    [reply] = chat.replies
    assert chat.said("screen.poster_ready", name=NAME) and reply.poster is not None
    assert reply.poster.code == code


def test_the_poster_is_an_a4_page_with_name_code_link_and_a_readable_qr(
    database_url: str, catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_settings(monkeypatch, tmp_path)
    created = runner.invoke(app, ["workshop", "create", *NAME.split(), "--database-url", database_url])
    assert created.exit_code == 0, created.stderr
    code = created.stdout.split()[1]
    target = tmp_path / "poster.pdf"
    args = ["workshop", "poster", code, "-o", str(target), "--database-url", database_url]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "--bot-username" in refused.stderr  # no link without the bot's name
    done = runner.invoke(app, [*args, "--bot-username", "@gent_citybot"])
    assert done.exit_code == 0, done.stderr
    reader = PdfReader(target)
    [page] = reader.pages
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = flat(page.extract_text())
    link = f"https://t.me/gent_citybot?start=ws_{code}"
    texts = asyncio.run(texts_of(database_url, catalogue))
    for expected in (NAME, code, link, texts.get("poster.how"), texts.get("poster.code", code=code)):
        assert flat(expected) in text
    [image] = page.images
    [barcode] = zxingcpp.read_barcodes(image.image)
    assert barcode.text == link


async def texts_of(database_url: str, catalogue: Catalogue):  # type: ignore[no-untyped-def]
    async with await open_engine(database_url, catalogue) as engine:
        return engine.texts


def test_citybot_report_writes_a_pdf_for_a_workshop_and_a_city(
    database_url: str, catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_settings(monkeypatch, tmp_path)

    async def fill() -> tuple[str, Engine]:
        engine = await open_engine(database_url, catalogue)
        code = await workshop_with_answers(engine, catalogue)
        await engine.close()
        return code, engine

    code, engine = asyncio.run(fill())
    for filters, title in (
        (["--workshop", code], engine.texts.get("report.title_workshop", name=NAME)),
        (["--city", "Gent"], engine.texts.get("report.title_city", city="Gent")),
    ):
        target = tmp_path / "report.pdf"
        result = runner.invoke(
            app, ["report", *filters, "--format", "pdf", "-o", str(target), "--database-url", database_url]
        )
        assert result.exit_code == 0, result.stderr
        assert flat(title) in flat(pdf_text(target.read_bytes()))
    wrong = runner.invoke(app, ["report", "--workshop", code, "-f", "pdf", "-o", str(tmp_path / "r.png")])
    assert wrong.exit_code == 2 and "should end in .pdf" in wrong.stderr


async def test_the_stages_sheet_has_each_participants_stage_per_area(engine: Engine, catalogue: Catalogue) -> None:
    code = await workshop_with_answers(engine, catalogue)
    rows = await engine.export_answers(workshop=code)
    texts = engine.texts
    data = export_bytes(
        rows,
        "xlsx",
        catalogue=catalogue,
        not_started=texts.get("results.not_started"),
        not_sure=texts.get("report.not_sure"),
    )
    sheet = load_workbook(io.BytesIO(data))["Stages"]
    header = [cell.value for cell in sheet[1]]
    table = [dict(zip(header, (cell.value for cell in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    pseudonyms = {row.participant for row in rows}
    assert len(table) == len(pseudonyms) * len(catalogue.areas)  # one row per participant and area
    by_person: dict[str, dict[str, str]] = {}
    for row in table:
        by_person.setdefault(row["participant"], {})[row["area"]] = row["stage_name"]
        assert row["workshop"] == code and row["implied"] is True
    expected = sorted(
        tuple(
            texts.get("report.not_sure")
            if picks.get(area.code) == "?"
            else catalogue.stage(picks[area.code]).name
            if picks.get(area.code)
            else texts.get("results.not_started")
            for area in catalogue.areas
        )
        for picks in PICKS.values()
    )
    got = sorted(tuple(person[area.code] for area in catalogue.areas) for person in by_person.values())
    assert got == expected


async def test_the_screen_the_room_view_the_report_and_the_summary_agree(engine: Engine, catalogue: Catalogue) -> None:
    code = await workshop_with_answers(engine, catalogue)
    _, token = await engine.screens.new_link(code)
    assert token is not None
    screen = await engine.screens.for_token(token, keep_after_close=timedelta(hours=1))
    assert screen is not None
    results = await results_of(engine, catalogue, code)
    chat = Chat(engine, "coord", "Cora")
    await chat.onboard("Gent")
    await engine.coordination.grant(chat.user_id)
    await chat.command(f"/workshop {code}")
    room = chat.text
    report = await engine.reports.report(workshop=code)
    table = {row[0].split()[0]: row for row in report.rows if len(row) > 1}
    for area in screen.areas:
        said = group_words.area_figures(engine.texts, catalogue, results.areas[area.code], 3)
        assert area.summary == said  # the screen says what the group results say
        assert engine.texts.get("group_results.area", area=area.code, figures=said) in room  # as the room view does
        result = results.areas[area.code]
        assert area.respondents == result.respondents and area.unsure == result.unsure
        if result.shown:
            assert area.median == group_words.stage_name(engine.texts, catalogue, result.median) == table[area.code][1]
            assert table[area.code][3:] == (str(result.respondents), str(result.unsure))
    assert (screen.joined, screen.finished) == (results.joined, results.finished) == (3, 3)
