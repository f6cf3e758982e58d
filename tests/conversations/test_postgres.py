"""What only PostgreSQL does: migrations on an empty server, two bot processes, advisory locks, retries, URLs.

Every scenario test of tests/conversations already runs on PostgreSQL too (see conftest.py); this
file holds what has no SQLite counterpart. Runs when ``CITYBOT_TEST_POSTGRES_URL`` names a role that
may create databases (``.ci/run`` starts a server and sets it); skipped otherwise. Every test gets
an empty database of its own. Two engines on one database stand for two bot processes: each has its
own connection pool and in-process locks, so all they share is the database, as separate processes would.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import Catalogue, answers_for_stage
from conversations import DatabaseError, Engine, Texts, open_engine
from conversations.city_matching import city_key
from conversations.storage import database, participants, updates
from conversations.storage.models import AnswerChange, AnswerRecord, Assessment, City, Participant, ProcessedUpdate
from tests.helpers.chat import Chat, ExpectedTexts, count, rows
from tests.helpers.cli import run_citybot
from tests.helpers.postgres import ENV, SKIP_REASON, admin_url, fresh_database

if not os.environ.get(ENV, "").strip():
    pytest.skip(SKIP_REASON, allow_module_level=True)

CHECK_IN = ["S", "M", None, "S", "A"] * 2
"""The stage each area reached, area after area (``None``: not started)."""
REFUSALS = ("errors.stale_choice", "errors.invalid_choice", "errors.malformed_choice")


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with fresh_database(admin_url()) as url:
        yield url


@pytest.fixture
async def pg(pg_url: str, catalogue: Catalogue) -> AsyncIterator[Engine]:
    async with await open_engine(pg_url, catalogue) as engine:
        yield engine


@pytest.fixture
async def two(pg_url: str, catalogue: Catalogue) -> AsyncIterator[tuple[Engine, Engine]]:
    """Two "bot processes" on one database, opened at the same moment (both run the migrations)."""
    first, second = await asyncio.gather(open_engine(pg_url, catalogue), open_engine(pg_url, catalogue))
    async with first, second:
        yield first, second


def current_code(chat: Chat) -> str:
    return chat.options[0].choice.split(":")[1]


def refused(chat: Chat) -> bool:
    """The latest press was turned down, nothing changed."""
    return any(chat.said(key, reply=0, whole=True) for key in REFUSALS)


async def check_in(chat: Chat, stage: str | None) -> None:
    await chat.press(chat.engine.catalogue.stage(stage).name if stage else "checkin.not_started")


async def answers(engine: Engine) -> dict[str, str]:
    return {record.action_code: record.value for record in await rows(engine, AnswerRecord)}


async def scalar(engine: Engine, sql: str) -> Any:
    async with engine.db.connect() as connection:
        return (await connection.execute(text(sql))).scalar()


# --- schema ------------------------------------------------------------------------------------


async def test_migrations_create_the_schema_on_an_empty_database(pg_url: str, catalogue: Catalogue) -> None:
    head = ScriptDirectory.from_config(database.alembic_config()).get_current_head()
    for _ in range(2):  # opening an up-to-date database again is a no-op
        async with await open_engine(pg_url, catalogue) as engine:
            assert await scalar(engine, "SELECT version_num FROM alembic_version") == head
            async with engine.db.connect() as connection:
                tables = set(
                    (
                        await connection.execute(
                            text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
                        )
                    ).scalars()
                )
                stamp_type = (
                    await connection.execute(
                        text(
                            "SELECT data_type FROM information_schema.columns "
                            "WHERE table_name = 'answer' AND column_name = 'answered_at'"
                        )
                    )
                ).scalar()
    assert {"city", "participant", "assessment", "answer", "answer_change", "note", "conversation"} <= tables
    assert {"asked_question", "processed_update", "alembic_version"} <= tables
    assert stamp_type == "timestamp with time zone"


# --- what only PostgreSQL stores differently ----------------------------------------------------


async def test_timestamps_keep_their_time_zone(pg: Engine, catalogue: Catalogue) -> None:
    chat = Chat(pg)
    await chat.onboard()
    await chat.command("/checkin")
    for _ in catalogue.areas:
        await chat.press("checkin.not_started")
    assert chat.said("checkin.finished")
    [assessment] = await rows(pg, Assessment)
    assert assessment.finished_at is not None and assessment.finished_at.utcoffset() is not None
    assert all(record.answered_at.tzinfo is not None for record in await rows(pg, AnswerRecord))
    exported = await pg.export_answers()
    assert len(exported) == len(catalogue.actions) and all(row.answered_at.endswith("+00:00") for row in exported)


# --- updates at most once, across processes ----------------------------------------------------


async def test_claiming_an_update_is_safe_across_processes(pg: Engine) -> None:
    """Two transactions claim one update id: the second waits for the first and finds it taken."""
    async with AsyncSession(pg.db) as first, AsyncSession(pg.db) as second:
        assert await updates.claim_update(first, update_id="u-race")
        waiting = asyncio.create_task(updates.claim_update(second, update_id="u-race"))
        await asyncio.sleep(0.2)
        await first.commit()
        assert await waiting is False
    assert await count(pg, ProcessedUpdate) == 1


async def test_a_unique_violation_is_retryable(pg: Engine) -> None:
    async with AsyncSession(pg.db) as first, AsyncSession(pg.db) as second:
        first.add(City(name="Utrecht", key="utrecht"))
        await first.commit()
        second.add(City(name="Utrecht", key="utrecht"))
        with pytest.raises(IntegrityError) as raised:
            await second.flush()
        assert database.is_retryable(raised.value)


# --- two bot processes on one database ---------------------------------------------------------


async def test_two_processes_serve_interleaved_users(two: tuple[Engine, Engine], catalogue: Catalogue) -> None:
    a, b = two
    alice, bob = Chat(a, "alice", "Alice"), Chat(b, "bob", "Bob")
    await asyncio.gather(alice.onboard("Rotterdam"), bob.onboard("Glasgow"))
    await asyncio.gather(alice.command("/checkin"), bob.command("/assess"))
    for pick in CHECK_IN:
        await asyncio.gather(check_in(alice, pick), bob.press("answers.done"))
    assert alice.said("checkin.finished")
    exported = await b.export_answers()
    pseudonyms = {person.name: person.pseudonym for person in await rows(a, Participant)}
    assert {row.participant for row in exported} == {pseudonyms["Alice"], pseudonyms["Bob"]}
    assert sum(row.participant == pseudonyms["Alice"] for row in exported) == len(catalogue.actions)
    bob_codes = [row.action_code for row in exported if row.participant == pseudonyms["Bob"]]
    assert len(bob_codes) == len(set(bob_codes)) == 10  # every tap answered exactly one action
    assert await count(a, Participant) == 2 and await count(a, City) == 2


async def test_one_user_alternating_between_processes_keeps_one_conversation(two: tuple[Engine, Engine]) -> None:
    a, b = two
    on_a, on_b = Chat(a), Chat(b)  # the same official, whose updates land on either process
    await on_a.onboard()
    await on_b.command("/assess")
    shown = on_b.options
    for turn in range(6):
        chat = (on_a, on_b)[turn % 2]
        chat.options = shown  # the buttons on screen, pressed; the update lands on either process
        await chat.press("answers.done")
        assert not refused(chat) and chat.said("assessment.answered", reply=0, answer=chat.t("answers.done"))
        shown = chat.options
    assert await answers(a) == dict.fromkeys(["L1S1", "L1S2", "L1M1", "L1M2", "L1M3", "L1M4"], "done")
    [assessment] = await rows(b, Assessment)
    assert assessment.cursor == current_code(chat) == "L1M5"


async def test_a_double_tap_reaching_both_processes_counts_once(
    two: tuple[Engine, Engine], catalogue: Catalogue
) -> None:
    a, b = two
    on_a, on_b = Chat(a), Chat(b)
    await on_a.onboard()
    await on_a.command("/checkin")
    on_b.options = on_a.options
    # Two different buttons of the same question, pressed at once, each reaching another process.
    await asyncio.gather(check_in(on_a, "A"), check_in(on_b, None))
    turned_down = [refused(chat) for chat in (on_a, on_b)]
    assert sorted(turned_down) == [False, True], [on_a.text, on_b.text]
    for chat in (on_a, on_b):  # the refused one is shown the next question
        assert chat.said("progress.line", index=2, count=10)
    stage = "A" if not turned_down[0] else None  # Advanced won, or Not started did
    expected = {code: answer.value for code, answer in answers_for_stage(catalogue, "L1", stage).items()}
    assert await answers(a) == expected
    assert await count(a, AnswerChange) == len(expected)


async def test_one_update_delivered_to_both_processes_is_handled_once(two: tuple[Engine, Engine]) -> None:
    a, b = two
    on_a, on_b = Chat(a), Chat(b)
    await on_a.onboard()
    await on_a.command("/assess")
    on_b.options = on_a.options
    replies = await asyncio.gather(
        on_a.press("answers.done", update_id="9001"), on_b.press("answers.done", update_id="9001")
    )
    assert sorted(bool(r) for r in replies) == [False, True]
    assert await answers(a) == {"L1S1": "done"} and await count(a, AnswerChange) == 1


async def test_two_officials_naming_a_new_city_at_once_share_it(two: tuple[Engine, Engine]) -> None:
    a, b = two
    alice, bob = Chat(a, "alice", "Alice"), Chat(b, "bob", "Bob")
    await asyncio.gather(alice.onboard("Utrecht"), bob.onboard("Utrecht"))
    [city] = await rows(a, City)
    assert city.name == "Utrecht"
    assert {p.city_id for p in await rows(b, Participant)} == {city.id}


async def test_a_lost_race_for_a_new_city_is_run_again(
    two: tuple[Engine, Engine], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Deterministically: another process inserts the same city and commits while this one inserts it."""
    a, b = two
    chat = Chat(a)
    await chat.command("/start")
    await chat.press("onboarding.agree")
    real_add_city = participants.add_city
    calls = 0

    async def add_city_losing_the_race(session: AsyncSession, *, name: str) -> City:
        nonlocal calls
        calls += 1
        if calls > 1:
            return await real_add_city(session, name=name)
        async with AsyncSession(b.db) as other:
            other.add(City(name=name, key=city_key(name)))
            await other.flush()  # holds the new key, uncommitted: our insert waits for it, then fails
            inserting = asyncio.create_task(real_add_city(session, name=name))
            await asyncio.sleep(0.2)
            await other.commit()
            return await inserting

    monkeypatch.setattr(participants, "add_city", add_city_losing_the_race)
    with caplog.at_level(logging.INFO, logger="conversations.engine"):
        await chat.say("Utrecht")
    assert "running it again" in caplog.text
    assert calls == 1  # the second run finds the city the other process created
    assert chat.said("onboarding.city_saved", city="Utrecht") and not chat.said("errors.internal")
    [city] = await rows(a, City)
    [participant] = await rows(a, Participant)
    assert participant.city_id == city.id


async def test_a_command_reaching_both_processes_at_once_starts_one_assessment(two: tuple[Engine, Engine]) -> None:
    a, b = two
    on_a, on_b = Chat(a), Chat(b)
    await on_a.onboard()
    await asyncio.gather(on_a.command("/assess"), on_b.command("/assess"))
    assert await count(a, Assessment) == 1
    assert current_code(on_a) == current_code(on_b) == "L1S1"


async def test_citybot_chat_and_export_take_a_plain_postgresql_url(pg_url: str, catalogue: Catalogue) -> None:
    # pg_url is postgresql://user:pw@host/db, as users write it
    script = ["1", "Leeds", "2", "/checkin"] + ["2"] * len(catalogue.areas)
    chat = await asyncio.to_thread(run_citybot, "chat", "--user", "ana", database_url=pg_url, lines=script)
    assert chat.returncode == 0 and chat.stderr == "", chat.stderr
    expected = ExpectedTexts(Texts.load())
    assert (
        expected.render("checkin.finished") in chat.stdout
        and expected.render("results.title", city="Leeds") in chat.stdout
    )
    export = await asyncio.to_thread(run_citybot, "export", "--format", "json", database_url=pg_url)
    assert export.returncode == 0, export.stderr
    rows = json.loads(export.stdout)
    assert len(rows) == len(catalogue.actions) and {row["city"] for row in rows} == {"Leeds"}


# --- errors --------------------------------------------------------------------------------------


async def test_a_missing_database_or_wrong_password_is_one_clear_line(pg_url: str, catalogue: Catalogue) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(pg_url)
    missing = url.set(database="citybot_no_such_database").render_as_string(hide_password=False)
    with pytest.raises(DatabaseError, match=r"^DATABASE_URL postgresql://.*citybot_no_such_database: .*does not exist"):
        await open_engine(missing, catalogue)
    wrong = url.set(password="wrong-password").render_as_string(hide_password=False)
    with pytest.raises(DatabaseError) as raised:
        await open_engine(wrong, catalogue)
    message = str(raised.value)
    assert message.startswith("DATABASE_URL ") and "password" in message and "wrong-password" not in message
    assert "\n" not in message
