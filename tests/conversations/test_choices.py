"""Button data: the declared types of ``conversations/choices.py`` keep the encodings buttons already in chats send,
take apart whatever a client sends without failing, and fit Telegram's 64-byte limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations import Engine
from conversations.choices import (
    Close,
    Consent,
    Export,
    FollowUp,
    Gate,
    Hide,
    Op,
    Pick,
    ReminderOff,
    Rhythm,
    ShareName,
    is_question,
    parse_choice,
    question_choice,
)
from conversations.messages import MAX_CHOICE_LENGTH
from tests.helpers.chat import Chat

PRINTABLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)


def test_the_encodings_are_the_ones_buttons_in_chats_already_send() -> None:
    assert [op.value for op in Op] == ["b", "s", "t", "z", "c", "next", "go", "over", "fin"]
    assert Pick("L1S1", Op.SKIP).pack() == "L1S1:s"
    assert Gate("L1", "S").pack() == "gate:L1:S"
    assert Pick(Gate("L1", "S").pack(), Op.NEXT_AREA).pack() == "gate:L1:S:next"
    assert FollowUp("ROT-2", "ROT-1").pack() == "wf:ROT-2:ROT-1"
    assert (Hide("ROT-1", hidden=True).pack(), Hide("ROT-1", hidden=False).pack()) == ("wh:ROT-1:1", "wh:ROT-1:0")
    assert (Close("ROT-1").pack(), Close("ROT-1", confirmed=True).pack()) == ("wc:ROT-1", "wc:ROT-1:y")
    assert (Export("xlsx").pack(), Export("pdf", "ROT-1").pack()) == ("ex:xlsx", "ex:pdf:ROT-1")
    assert (Consent(True).pack(), Consent(False).pack(), Consent(True, "ROT-1").pack()) == ("c:y", "c:n", "c:y:ROT-1")
    assert Rhythm(12, 6).pack() == "rr:12.6"
    assert (ReminderOff(7).pack(), ReminderOff(12, paused=True).pack()) == ("rf:7", "rf:p12")
    assert (ShareName(shown=True).pack(), ShareName(shown=False).pack()) == ("sn:y", "sn:n")


@given(
    subject=st.text(PRINTABLE, min_size=1, max_size=20), op=st.text(PRINTABLE.filter(lambda c: c != ":"), min_size=1)
)
def test_a_pick_comes_back_as_it_was_packed(subject: str, op: str) -> None:
    assert Pick.parse(Pick(subject, op).pack()) == Pick(subject, op)


@pytest.mark.parametrize("value", ["", "L1S1", ":d", "L1S1:", ":"])
def test_a_malformed_pick_is_none(value: str) -> None:
    assert Pick.parse(value) is None


@pytest.mark.parametrize("cursor", ["L1S1", "end", "gate:L1", "gate::S", "gate:L1:", "gate:L1:S:next", "gat:L1:S"])
def test_only_a_gate_cursor_parses_as_a_gate(cursor: str) -> None:
    assert Gate.parse(cursor) is None
    assert Gate.parse("gate:L1:S") == Gate("L1", "S")


def test_navigation_arguments_come_back_as_they_were_packed() -> None:
    for packed in (
        FollowUp("A-1", "B-2"),
        Hide("A-1", hidden=True),
        Close("A-1", confirmed=True),
        Export("csv", "A-1"),
        ShareName(shown=False),
    ):
        parsed = parse_choice(packed.pack())
        assert parsed is not None and parsed.prefix is not None
        assert type(packed).parse(parsed.value) == packed
    assert Hide.parse("A-1:2") is None and Hide.parse("A-1") is None
    assert Close.parse("A-1:n") == Close("A-1") and Export.parse("json") == Export("json")
    assert [Consent.parse(value) for value in ("y:", "n:A-1", "maybe", "")] == [None] * 4
    assert [Rhythm.parse(value) for value in ("3", "3.", ".6", "a.6", "3.-6")] == [None] * 5
    assert [ReminderOff.parse(value) for value in ("", "p", "pp3", "x3", "-3")] == [None] * 5
    assert [ShareName.parse(value) for value in ("", "yes", "Y", "y:n")] == [None] * 4


def test_the_longest_buttons_fit_telegrams_limit() -> None:
    longest = question_choice(36**10 - 1, Pick(Gate("X" * 4, "Y" * 4).pack(), Op.NEXT_AREA).pack())
    assert len(longest.encode()) <= MAX_CHOICE_LENGTH <= 64
    assert is_question(longest) and not is_question(Close("ROT-1").pack()) and not is_question("q1")


async def test_buttons_sent_before_the_types_still_answer_the_assessment(engine: Engine) -> None:
    """Ids as an earlier citybot wrote them, typed out, act exactly as today's buttons do."""
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/assess")
    seq = chat.options[0].choice.split(":")[0]
    await chat.choose_id(f"{seq}:L1S1:s")
    assert chat.said("assessment.skipped", code="L1S1", title=engine.catalogue.action("L1S1").title, reply=0)
    await chat.press("answers.not_yet")  # L1's first stage left open: the gate
    stage = engine.catalogue.action("L1S1").stage
    seq = chat.options[0].choice.split(":")[0]
    await chat.choose_id(f"{seq}:gate:L1:{stage}:next")
    assert chat.said("assessment.gate_moved_on", area="L1")


@pytest.mark.parametrize("choice", ["sn:maybe", "rr:3.", "rf:x3", "c:maybe"])
async def test_data_that_does_not_parse_never_reaches_its_handler(engine: Engine, choice: str) -> None:
    """The routing table parses a typed button's data: malformed data gets the usual sentence, nothing changes."""
    chat = Chat(engine)
    await chat.onboard()
    await chat.choose_id(choice)
    assert chat.said("errors.malformed_choice", reply=0)
