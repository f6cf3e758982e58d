"""Rounds: each finished check-in is a dated round; a repeat check-in offers the last answers; results say what changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Catalogue
from conversations import Engine
from conversations.storage.models import AnswerChange, AnswerRecord, Assessment
from tests.helpers.chat import checked_in

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
    rounds = {(row["assessment_kind"], row["round"]) for row in await engine.export_answers()}
    assert rounds == {("checkin", 1), ("checkin", 2), ("full", None)}
