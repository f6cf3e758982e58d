"""What one update costs the database: few statements per update, and the answers it reads once stay right."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from catalogue import Catalogue
from conversations import Engine
from conversations.storage.models import AnswerChange, AnswerRecord
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


async def test_an_answer_press_takes_seven_statements(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    await chat.choose("Done")
    with statements(engine) as sent:
        await chat.choose("Not yet")  # the last action of the stage: the gate needs all its answers
    assert "still has open actions" in chat.text
    # claim the update, read the user's state, the answer and its history, assessment and conversation, commit
    assert sent == ["INSERT", "SELECT", "INSERT", "INSERT", "UPDATE", "UPDATE", "COMMIT"]


async def test_a_check_in_press_takes_seven_statements_for_all_answers_of_an_area(
    engine: Engine, catalogue: Catalogue
) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/checkin")
    with statements(engine) as sent:
        await chat.choose("Moderate")
    assert "area 2/10" in chat.text
    assert sent == ["INSERT", "SELECT", "INSERT", "INSERT", "UPDATE", "UPDATE", "COMMIT"]
    assert len(await rows(engine, AnswerChange)) == len(catalogue.actions_of("L1")) > 2


async def test_a_free_text_question_takes_four_statements(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    with statements(engine) as sent:
        await chat.say("drills with the power company")
    assert sent == ["INSERT", "SELECT", "INSERT", "COMMIT"]


async def test_a_redelivered_update_stops_after_one_statement(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/help", update_id="7")
    with statements(engine) as sent:
        assert await chat.command("/help", update_id="7") == []
    assert sent == ["INSERT"]


async def test_answering_again_in_the_assessment_keeps_the_history(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    await chat.choose("Done")
    await chat.choose("Back")
    assert "Current answer: ✅ Done" in chat.text
    await chat.choose("In progress")
    await chat.choose("Back")
    assert "Current answer: 🔄 In progress" in chat.text
    await chat.choose("In progress")  # the same answer again changes nothing
    assert "L1S2" in chat.last.text
    values = {r.action_code: r.value for r in await rows(engine, AnswerRecord)}
    assert values == {"L1S1": "in_progress"}
    history = [(c.previous, c.value) for c in await rows(engine, AnswerChange)]
    assert history == [(None, "done"), ("done", "in_progress")]


async def test_a_note_shows_on_its_action_from_the_next_update_on(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    assert "note(s)" not in chat.text
    await chat.choose("Add a note")
    await chat.say("Monthly meetings.")
    assert "Note saved for L1S1" in chat.text and "1 note(s) on this action" in chat.text
    await chat.choose("Done")
    assert "note(s)" not in chat.last.text  # L1S2 has none
    await chat.choose("Back")
    assert "1 note(s) on this action" in chat.text and "Current answer: ✅ Done" in chat.text


async def test_check_in_again_on_an_area_records_what_changed(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/checkin")
    await chat.choose("Moderate")
    await chat.choose("Back")
    await chat.choose("Starting")
    starting = {a.code for a in catalogue.actions_of("L1", "S")}
    values = {r.action_code: r.value for r in await rows(engine, AnswerRecord)}
    assert {code for code, value in values.items() if value == "done"} == starting
    changes = [(c.previous, c.value) for c in await rows(engine, AnswerChange)]
    moderate_only = len(catalogue.actions_of("L1", "M"))
    assert changes.count(("done", "not_yet")) == moderate_only  # the Moderate actions, and only they, changed back
    assert len(changes) == len(catalogue.actions_of("L1")) + moderate_only
