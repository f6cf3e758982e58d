"""Rounds: each finished check-in is a dated round; a repeat check-in offers the last answers; results say what changed."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.charts import progress_chart_png
from catalogue import Catalogue
from conversations import Engine, ProgressChart
from conversations.storage.models import AnswerChange, AnswerRecord, Assessment
from tests.helpers.chat import Chat, checked_in

FIRST = {"L1": "S", "L2": "A", "L3": None, "L4": "S", "P1": "A", "P2": "S", "I1": None, "I2": "M", "C1": "S", "C2": "M"}


async def backdate(engine: Engine, days: int) -> None:
    """Move everything stored so far ``days`` into the past, as if the first round was that long ago."""
    async with AsyncSession(engine.db) as session:
        for table, columns in (
            (Assessment, ("finished_at", "started_at", "updated_at")),
            (AnswerChange, ("changed_at",)),
            (AnswerRecord, ("answered_at",)),
        ):
            for row in (await session.exec(select(table))).all():
                for column in columns:
                    if getattr(row, column) is not None:
                        setattr(row, column, getattr(row, column) - timedelta(days=days))
                session.add(row)
        await session.commit()


async def test_a_repeat_check_in_offers_each_areas_last_answer_and_keeps_it_in_one_tap(
    engine: Engine, catalogue: Catalogue
) -> None:
    chat = await checked_in(engine, catalogue, FIRST)
    await chat.command("/checkin")
    advanced = catalogue.stage("A").name
    assert chat.said("rounds.last_time", answer=catalogue.stage("S").name)  # L1 was Starting
    assert chat.pressable("rounds.keep")
    await chat.press("rounds.keep")
    assert chat.said("checkin.answered", area="L1", stage=catalogue.stage("S").name)
    assert chat.said("rounds.last_time", answer=advanced)  # L2 was Advanced
    await chat.press(catalogue.stage("T").name)  # L2 moves up
    assert chat.said("rounds.last_time", answer=chat.t("checkin.not_started"))  # L3
    await chat.press("rounds.keep")


async def test_two_rounds_with_different_stages_name_the_change_per_area(engine: Engine, catalogue: Catalogue) -> None:
    chat = await checked_in(engine, catalogue, FIRST)
    assert not chat.said("rounds.compared")  # one round: nothing to compare with
    await backdate(engine, 90)
    first_day = (datetime.now(UTC) - timedelta(days=90)).date().isoformat()
    second = {**FIRST, "L1": "M", "L2": "M", "P1": "A"}
    await chat.command("/checkin")
    await chat.answer_check_in(catalogue, second)
    assert chat.said("rounds.compared", number=1, date=first_day)
    names = {code: catalogue.stage(code).name for code in "SMA"}
    l1 = next(line for line in chat.text.splitlines() if line.strip().startswith("L1 "))
    assert chat.expected.pattern("rounds.up", before=names["S"], date=first_day).search(l1)
    l2 = next(line for line in chat.text.splitlines() if line.strip().startswith("L2 "))
    assert chat.expected.pattern("rounds.down", before=names["A"], date=first_day).search(l2)
    p1 = next(line for line in chat.text.splitlines() if line.strip().startswith("P1 "))
    assert chat.expected.pattern("rounds.same", date=first_day).search(p1)

    await chat.command("/results")  # asked again later: still against the round before
    assert chat.said("rounds.compared", number=1)


async def test_coordinators_exports_carry_each_answers_round(engine: Engine, catalogue: Catalogue) -> None:
    chat = await checked_in(engine, catalogue, FIRST)
    await chat.command("/checkin")
    await chat.answer_check_in(catalogue, {**FIRST, "L1": "M"})
    await chat.command("/assess")  # a third assessment, not finished: not a round yet
    await chat.press("answers.done")
    rounds = {(row.assessment_kind, row.round) for row in await engine.export_answers()}
    assert rounds == {("checkin", 1), ("checkin", 2), ("full", None)}


async def test_progress_draws_each_areas_stage_over_the_rounds(engine: Engine, catalogue: Catalogue) -> None:
    chat = await checked_in(engine, catalogue, FIRST)
    await backdate(engine, 30)
    await chat.command("/checkin")
    await chat.answer_check_in(catalogue, {**FIRST, "L1": "M", "L3": "S"})
    await chat.command("/progress")
    assert chat.said("rounds.progress_title", count=2)
    names = {code: catalogue.stage(code).name for code in "SM"}
    arrow = chat.t("rounds.arrow")
    assert chat.said("rounds.progress_area", area="L1", stages=names["S"] + arrow + names["M"])
    assert chat.said("rounds.progress_area", area="L3", stages=chat.t("results.not_started") + arrow + names["S"])
    chart = chat.last.chart
    assert isinstance(chart, ProgressChart) and len(chart.rounds) == 2
    lines = {line.code: line.points for line in chart.lines}
    assert (lines["L1"], lines["L3"]) == ((1, 2), (0, 1))
    png = progress_chart_png(chart)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and struct.unpack(">II", png[16:24]) == (800, 600)


async def test_progress_before_any_round_says_how_to_make_one(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/progress")
    assert chat.said("rounds.progress_none") and chat.pressable("menu.checkin")
