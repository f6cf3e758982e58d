"""Every sentence the code asks for exists in the English texts, and tests can check replies by text key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.telegram.render import escape
from conversations import Engine, Texts
from tests.helpers.chat import Chat, ExpectedTexts, Key

ROOT = Path(__file__).resolve().parents[1]
# A dotted key passed to one of the text lookups: say("x.y"), t("x.y"), texts.get("x.y"), ...
TEXT_KEY = re.compile(r"""\b(?:say|t|get|question)\(\s*["']([a-z_]+(?:\.[a-z_0-9]+)+)["']""")
SOURCES = sorted(p for package in ("conversations", "bot") for p in (ROOT / package).rglob("*.py"))


def keys_used() -> list[tuple[str, str]]:
    return [
        (f"{path.relative_to(ROOT)}", key)
        for path in SOURCES
        for key in TEXT_KEY.findall(path.read_text(encoding="utf-8"))
    ]


def test_the_scan_finds_the_lookups() -> None:
    assert len(keys_used()) > 50


@pytest.mark.parametrize(("where", "key"), keys_used())
def test_every_key_used_in_code_is_in_the_english_texts(where: str, key: str) -> None:
    assert Texts.load().has(key), f"{where} asks for text {key!r}, which conversations/texts/en.yaml lacks"


# --- the test helper that checks replies by text key (tests/helpers/chat.py) -----------------------

TEMPLATES = Texts(
    {
        "gate": "Stage {stage} is open, so {next} waits for {stage}.",
        "saved": "🏙 City: {city}",
        "reason": "mentions {terms}",
        "match": "{code}: {title}\nWhy: {reason}",
    }
)


def test_a_rendered_key_is_the_exact_sentence() -> None:
    expected = ExpectedTexts(TEMPLATES)
    assert expected.render("saved", city="Gent") == "🏙 City: Gent"
    with pytest.raises(KeyError):
        expected.render("saved")  # every field must be given
    with pytest.raises(KeyError):
        expected.render("nonexistent")


@pytest.mark.parametrize(
    ("text", "fields", "found"),
    [
        ("Stage S is open, so M waits for S.", {}, True),
        ("Stage S is open, so M waits for T.", {}, False),  # a field that occurs twice is the same text twice
        ("Stage S is open, so M waits for S.", {"stage": "S"}, True),
        ("Stage S is open, so M waits for S.", {"stage": "M"}, False),
        ("before\nStage S is open, so M waits for S.\nafter", {}, True),  # whole lines among others
        ("xStage S is open, so M waits for S.", {}, False),  # not part of a line
    ],
)
def test_fields_left_out_match_anything_given_ones_exactly(text: str, fields: dict[str, str], found: bool) -> None:
    assert ExpectedTexts(TEMPLATES).within(text, "gate", **fields) is found


def test_another_key_can_fill_a_field_and_unknown_fields_are_refused() -> None:
    expected = ExpectedTexts(TEMPLATES)
    assert expected.whole("L4M1: Plan\nWhy: mentions “plan”", "match", code="L4M1", reason=Key("reason"))
    assert not expected.whole("L4M1: Plan\nWhy: similar wording", "match", reason=Key("reason"))
    assert expected.fields("L4M1: Plan\nWhy: x", "match") == {"code": "L4M1", "title": "Plan", "reason": "x"}
    with pytest.raises(AssertionError, match="no field"):
        expected.within("🏙 City: Gent", "saved", town="Gent")


def test_escaping_applies_to_the_sentence_and_the_given_fields() -> None:
    expected = ExpectedTexts(TEMPLATES, escape=escape)
    assert expected.render("saved", city="<A & B>") == "🏙 City: &lt;A &amp; B&gt;"
    assert expected.whole("🏙 City: &lt;A &amp; B&gt;", "saved", city="<A & B>")
    assert not expected.whole("🏙 City: <A & B>", "saved", city="<A & B>")


async def test_said_fails_when_another_message_is_sent(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.command("/cancel")
    assert chat.said("cancel.nothing", whole=True)
    assert not chat.said("cancel.done") and not chat.said("errors.internal")
    await chat.command("/start")
    assert chat.pressable("onboarding.agree") and not chat.pressable("answers.done")
    with pytest.raises(AssertionError, match="matches"):
        chat.option("answers.done")
