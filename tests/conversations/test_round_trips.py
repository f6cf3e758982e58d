"""What one update costs the database: few statements per update, and the answers it reads once stay right."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from catalogue import Catalogue
from conversations import Engine, Kind
from conversations.routes import COMMANDS
from conversations.storage.models import AnswerChange, AnswerRecord
from conversations.turn import Turn
from tests.helpers.chat import Chat, rows


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements (and commits) the engine sends while the block runs."""
    sent: list[str] = []

    def on_execute(conn: object, cursor: object, statement: str, *args: object) -> None:
        sent.append(statement.split(None, 1)[0].upper())

    def on_commit(conn: object) -> None:
        sent.append("COMMIT")

    sync = engine.db.sync_engine
    event.listen(sync, "before_cursor_execute", on_execute)
    event.listen(sync, "commit", on_commit)
    try:
        yield sent
    finally:
        event.remove(sync, "before_cursor_execute", on_execute)
        event.remove(sync, "commit", on_commit)


def locked(engine: Engine, sent: list[str]) -> list[str]:
    """The statements after the user's lock: on PostgreSQL each update first takes an advisory lock (one SELECT)."""
    if engine.db.dialect.name == "postgresql":
        assert sent[:1] == ["SELECT"], sent
        return sent[1:]
    return sent


def state_read(engine: Engine) -> list[str]:
    """Reading the user's state: one SELECT, except on SQLite, where the engine keeps it from their last update."""
    return [] if engine.db.dialect.name == "sqlite" else ["SELECT"]


@pytest.mark.parametrize("outbox", [False, True], ids=["console", "telegram"])
async def test_an_answer_press_takes_seven_statements(engine: Engine, outbox: bool) -> None:
    chat = Chat(engine, outbox=outbox)
    await chat.onboard()
    await chat.command("/assess")
    await chat.press("answers.done")
    with statements(engine) as sent:
        await chat.press("answers.not_yet")  # the last action of the stage: the gate needs all its answers
    assert chat.said("assessment.gate", area="L1")
    # read the user's state, the answer and its history, assessment and conversation, claim the update
    # (with its replies kept when the adapter asks for an outbox), commit
    expected = [*state_read(engine), "INSERT", "INSERT", "UPDATE", "UPDATE", "INSERT", "COMMIT"]
    assert locked(engine, sent) == expected


async def test_a_check_in_press_takes_seven_statements_for_all_answers_of_an_area(
    engine: Engine, catalogue: Catalogue
) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/checkin")
    with statements(engine) as sent:
        await chat.choose(catalogue.stage("M").name)
    assert chat.said("progress.line", index=2, count=10)
    expected = [*state_read(engine), "INSERT", "INSERT", "UPDATE", "UPDATE", "INSERT", "COMMIT"]
    assert locked(engine, sent) == expected
    assert len(await rows(engine, AnswerChange)) == len(catalogue.actions_of("L1")) > 2


async def test_a_free_text_question_takes_five_statements(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    with statements(engine) as sent:
        await chat.say("drills with the power company")
    # state, the official's answers (matches are ranked with their results), the question, claim, commit
    assert locked(engine, sent) == [*state_read(engine), "SELECT", "INSERT", "INSERT", "COMMIT"]


async def test_replies_reported_sent_are_cleared_with_the_next_update_not_in_a_commit_of_their_own(
    engine: Engine,
) -> None:
    chat = Chat(engine, outbox=True)  # ids that are not numbers: on PostgreSQL, not through the inbox (test_inbox.py)
    await chat.onboard()
    await chat.command("/help", update_id="u7")
    await engine.replies_sent("u7")
    with statements(engine) as redelivery:
        assert await chat.command("/help", update_id="u7") == []  # a redelivery from now on: nothing again
    with statements(engine) as following:
        await chat.command("/help", update_id="u8")
    assert locked(engine, redelivery) == [*state_read(engine), "INSERT"]  # claim refused: rolled back
    # after a rollback the state is read again; 7's outbox is emptied with this update's commit
    assert locked(engine, following) == ["SELECT", "INSERT", "UPDATE", "COMMIT"]


async def test_after_a_failed_update_the_next_one_sees_the_database_not_what_the_failure_left_in_memory(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    question = chat.option("answers.done")

    async def broken(turn: Turn, argument: str) -> list[object]:
        turn.set_flow("checkin")  # changed in memory: every button shown before would be stale...
        raise RuntimeError("boom")  # ...but never committed

    monkeypatch.setitem(COMMANDS, "help", broken)
    await chat.command("/help")
    assert chat.said("errors.internal", whole=True)
    with statements(engine) as sent:
        await chat.send(Kind.CHOICE, question.choice)
    assert locked(engine, sent)[0] == "SELECT"  # the state read again, on SQLite too
    assert chat.said("assessment.question", reply=-1, code="L1S2")  # the button still answered its question


async def test_a_redelivered_update_changes_nothing(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess", update_id="u7")  # not numbers: not through PostgreSQL's inbox (test_inbox.py)
    await chat.press("answers.done", update_id="u8")
    with statements(engine) as sent:
        assert await chat.press("answers.done", update_id="u8") == []
    assert "COMMIT" not in sent
    [answer] = await rows(engine, AnswerRecord)
    assert answer.value == "done" and len(await rows(engine, AnswerChange)) == 1


async def test_answering_again_in_the_assessment_keeps_the_history(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    await chat.press("answers.done")
    await chat.press("assessment.back")
    assert chat.said("assessment.current_answer", answer=chat.t("answers.done"))
    await chat.press("answers.in_progress")
    await chat.press("assessment.back")
    assert chat.said("assessment.current_answer", answer=chat.t("answers.in_progress"))
    await chat.press("answers.in_progress")  # the same answer again changes nothing
    assert chat.said("assessment.question", reply=-1, code="L1S2")
    values = {r.action_code: r.value for r in await rows(engine, AnswerRecord)}
    assert values == {"L1S1": "in_progress"}
    history = [(c.previous, c.value) for c in await rows(engine, AnswerChange)]
    assert history == [(None, "done"), ("done", "in_progress")]


async def test_a_note_shows_on_its_action_from_the_next_update_on(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    assert not chat.said("assessment.has_notes")
    await chat.press("assessment.note")
    await chat.say("Monthly meetings.")
    assert chat.said("assessment.note_saved", code="L1S1") and chat.said("assessment.has_notes", count=1)
    await chat.press("answers.done")
    assert chat.said("assessment.question", reply=-1, code="L1S2")
    assert not chat.said("assessment.has_notes")  # L1S2 has none
    await chat.press("assessment.back")
    assert chat.said("assessment.has_notes", count=1)
    assert chat.said("assessment.current_answer", answer=chat.t("answers.done"))


async def test_check_in_again_on_an_area_records_what_changed(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/checkin")
    await chat.choose(catalogue.stage("M").name)
    await chat.press("checkin.back")
    await chat.choose(catalogue.stage("S").name)
    starting = {a.code for a in catalogue.actions_of("L1", "S")}
    values = {r.action_code: r.value for r in await rows(engine, AnswerRecord)}
    assert {code for code, value in values.items() if value == "done"} == starting
    changes = [(c.previous, c.value) for c in await rows(engine, AnswerChange)]
    moderate_only = len(catalogue.actions_of("L1", "M"))
    assert changes.count(("done", "open")) == moderate_only  # the Moderate actions, and only they, changed back
    assert len(changes) == len(catalogue.actions_of("L1")) + moderate_only
