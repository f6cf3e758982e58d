"""The engine's promises: at-most-once updates, isolated users, stale and foreign buttons, robust commands."""

from __future__ import annotations

import pytest

from conversations import Engine, Kind, Texts
from conversations.engine import COMMANDS
from conversations.messages import MAX_CHOICE_LENGTH
from conversations.storage.models import AnswerChange, AnswerRecord, Assessment
from tests.helpers.chat import Chat, count, rows


async def snapshot(engine: Engine) -> tuple[object, ...]:
    answers = sorted((r.action_code, r.value) for r in await rows(engine, AnswerRecord))
    assessments = sorted((a.id, a.status, a.cursor) for a in await rows(engine, Assessment))
    return answers, assessments, await count(engine, AnswerChange)


async def test_two_users_interleaved_keep_their_own_state(engine: Engine) -> None:
    alice, bob = Chat(engine, "alice", "Alice"), Chat(engine, "bob", "Bob")
    await alice.onboard("Rotterdam")
    await bob.onboard("Glasgow")
    await alice.command("/assess")
    await bob.command("/checkin")
    await alice.press("answers.done")
    await bob.choose(engine.catalogue.stage("M").name)
    await alice.press("answers.not_yet")
    await bob.choose(engine.catalogue.stage("A").name)
    assert alice.said("assessment.gate", area="L1")
    assert bob.said("progress.line", index=3, count=10)
    exported = await engine.export_answers()
    by_city = {(row.city, row.participant) for row in exported}  # participants by their pseudonyms
    assert {city for city, _ in by_city} == {"Rotterdam", "Glasgow"} and len(by_city) == 2
    assert {row.action_code: row.answer for row in exported if row.city == "Rotterdam"} == {
        "L1S1": "done",
        "L1S2": "not_yet",
    }
    # Bob pressing one of Alice's buttons changes nothing.
    before = await snapshot(engine)
    await bob.choose_id(alice.options[0].choice)
    assert bob.said("errors.invalid_choice", reply=0, whole=True)
    assert await snapshot(engine) == before


async def test_redelivered_updates_are_ignored(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess", update_id="42")
    choice = chat.option("answers.done").choice
    assert await chat.choose_id(choice, update_id="43")
    before = await snapshot(engine)
    assert await chat.choose_id(choice, update_id="43") == []
    assert await chat.command("/assess", update_id="42") == []
    assert await snapshot(engine) == before


async def test_a_choice_from_an_old_question_changes_nothing(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    old = chat.option("answers.not_yet").choice
    await chat.press("answers.done")
    before = await snapshot(engine)
    await chat.choose_id(old)
    assert chat.said("errors.stale_choice", reply=0, whole=True)
    assert chat.said("assessment.question", reply=-1, code="L1S2")  # the pending question is shown again
    assert await snapshot(engine) == before


async def test_a_choice_from_a_finished_assessment_changes_nothing(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/checkin")
    moderate = engine.catalogue.stage("M").name
    for _ in range(9):
        await chat.choose(moderate)
    last_question = chat.options
    await chat.choose(moderate)
    assert chat.said("checkin.finished")
    before = await snapshot(engine)
    await chat.choose_id(last_question[0].choice)
    assert chat.said("errors.stale_choice", whole=True)
    assert await snapshot(engine) == before


@pytest.mark.parametrize(
    "choice",
    ["", "zz", "q1:", "q!:L1S1:d", "x" * 41, "go:drop-tables", "c:maybe", "ünïcode", "q1\n:d", "qz:L1S1:d"],
)
async def test_malformed_or_forged_choices_are_answered_politely(engine: Engine, choice: str) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    before = await snapshot(engine)
    await chat.choose_id(choice)
    well_formed = choice == "qz:L1S1:d"  # a question that is not the current one
    assert chat.said("errors.stale_choice" if well_formed else "errors.malformed_choice", reply=0, whole=True)
    assert await snapshot(engine) == before


async def test_a_forged_answer_for_another_action_is_refused(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    seq = chat.options[0].choice.split(":")[0]
    before = await snapshot(engine)
    await chat.choose_id(f"{seq}:C2T1:d")
    assert chat.said("errors.invalid_choice", reply=0, whole=True)
    assert await snapshot(engine) == before


@pytest.mark.parametrize(
    ("command", "key", "fields"),
    [
        ("/start@CityBot", "onboarding.welcome", {}),
        ("/HELP", "help.command", {"name": "checkin"}),
        ("/frobnicate now", "errors.unknown_command", {"command": "/frobnicate"}),
        ("/", "errors.unknown_command", {"command": "/"}),
        ("/ask@CityBot flood drills", "ask.intro", {}),
        ("/cancel", "cancel.nothing", {}),
        ("/mydata", "privacy.nothing", {}),
    ],
)
async def test_commands_are_parsed_robustly(engine: Engine, command: str, key: str, fields: dict[str, str]) -> None:
    chat = Chat(engine)
    await chat.command(command)
    assert chat.said(key, **fields)


async def test_other_kinds_of_message_get_a_helpful_reply(engine: Engine) -> None:
    chat = Chat(engine)
    for what in ("sticker", "photo", "voice", "location", ""):
        await chat.send(Kind.OTHER, what)
        assert chat.said("errors.other", whole=True) and len(chat.replies) == 1
    await chat.say("/checkin")  # a command typed as text still works
    assert chat.said("onboarding.welcome")


async def test_internal_errors_become_a_plain_apology(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(turn: object, argument: str) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setitem(COMMANDS, "help", broken)
    chat = Chat(engine)
    replies = await chat.command("/help", update_id="err-1")
    assert [r.text for r in replies] == [engine.texts.get("errors.internal")]
    assert await chat.command("/help", update_id="err-1") == []


async def test_cancel_pauses_the_assessment(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    await chat.command("/cancel")
    assert chat.said("cancel.done", whole=True)
    [assessment] = await rows(engine, Assessment)
    assert assessment.status == "paused"


def test_every_command_has_help_text_and_appears_in_help() -> None:
    texts = Texts.load()
    for name in COMMANDS:
        assert texts.get(f"commands.{name}")
    assert set(texts.section("commands")) == set(COMMANDS)


async def test_help_lists_every_command(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.command("/help")
    for name in COMMANDS:
        assert chat.said("help.command", name=name, description=chat.t(f"commands.{name}"))


def test_texts_the_telegram_adapter_relies_on() -> None:
    texts = Texts.load()
    for key in ("errors.internal", "group.open_private", "group.open_private_button"):
        assert texts.get(key)
    for name in ("start", "assess", "checkin", "results", "ask", "areas", "help"):
        assert texts.get(f"commands.{name}")


async def test_choice_ids_stay_short(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    await chat.command("/areas I2")
    await chat.press("browse.back_domain", code="I")
    seen = [o.choice for o in chat.options]
    assert all(len(choice) <= MAX_CHOICE_LENGTH and choice.isascii() for choice in seen)


def test_texts_fall_back_to_english_and_never_name_another_file(engine: Engine) -> None:
    assert engine.texts_for("en-GB") is engine.texts_for("en") is engine.texts
    assert engine.texts_for("pt-BR").language == ("pt" if "pt" in engine.languages else "en")
    assert engine.texts_for("nl-BE").language == "en"  # no Dutch texts
    for tag in (None, "", "../../catalogue/data/smr-rmm", "en/../x", "e"):
        assert engine.texts_for(tag) is engine.texts
