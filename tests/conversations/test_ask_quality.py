"""Answers to real questions: whole messages, generic questions, ranking with the official's results, other languages."""

from __future__ import annotations

import pytest

from catalogue import Catalogue
from conversations import Engine
from tests.helpers.chat import Chat, Key, checked_in

CONTEXT = (
    "We are a mid-sized river city and the council has asked our small team to look into resilience after the "
    "storms of last winter. We have a climate adaptation strategy from 2019, some contacts with the water board, "
    "and a lot of goodwill from the neighbourhood associations, although nobody really owns the topic yet. "
)


async def test_the_whole_of_a_long_message_is_read(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    assert len(CONTEXT) > 300
    await chat.say(CONTEXT + "How do we organise emergency drills in schools?")
    assert chat.said("ask.intro") and not chat.said("ask.truncated")
    shown = [option.choice.removeprefix("x:") for option in chat.last.options]
    assert {"P2A3", "P2S1", "P2M1", "P2A2"} & set(shown), shown  # drills and schools, from the last sentence


async def test_where_to_start_at_the_end_of_a_long_message_gets_the_next_steps(
    engine: Engine, catalogue: Catalogue
) -> None:
    chat = await checked_in(engine, catalogue, {"L1": "S", "P2": "M"})
    await chat.say(CONTEXT + "The mayor wants a plan soon, but I don't know where to start")
    assert chat.said("ask.next_steps") and not chat.said("ask.intro")


@pytest.mark.parametrize("question", ["what should we do first?", "Where do we start?", "what are our priorities?"])
async def test_generic_words_do_not_decide_the_match(engine: Engine, catalogue: Catalogue, question: str) -> None:
    chat = await checked_in(engine, catalogue, {"L1": "M", "P1": "S", "P2": "M"})
    await chat.say(question)
    assert chat.said("ask.next_steps") and not chat.said("ask.intro"), chat.text
    assert chat.said("ask.next_step", code="P1M1", area="P1", stage=catalogue.stage("S").name)
    assert chat.said("ask.next_step_fresh", code="L3S1", area="L3")
    assert chat.pressable("results.all_next")


async def test_a_generic_question_before_any_answer_leads_to_the_checkin(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.say("what should we do first?")
    assert chat.said("ask.next_steps_unknown", whole=True) and chat.pressable("menu.checkin")


async def test_matches_are_ranked_with_the_officials_results(engine: Engine, catalogue: Catalogue) -> None:
    chat = await checked_in(engine, catalogue, {"L4": "S"})
    await chat.say("how do we start a resilience plan")
    first = chat.last.options[0].choice.removeprefix("x:")
    assert first == "L4M1"  # their next step in L4
    starting = catalogue.stage("S").name
    assert chat.said("ask.yours_next", stage=starting, area="L4")
    if "L4R1" in chat.text:
        assert chat.said("ask.yours_later", area="L4", next_stage=catalogue.stage("M").name)


async def test_what_they_did_is_marked_done(engine: Engine, catalogue: Catalogue) -> None:
    chat = await checked_in(engine, catalogue, {"L1": "S"})
    await chat.say("who should lead the resilience team")
    assert "L1S1" in chat.text and chat.said("ask.yours_done")


async def test_without_answers_matches_carry_no_standing(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.say("how do we start a resilience plan")
    assert chat.said("ask.intro") and not chat.said("ask.yours_next") and not chat.said("ask.yours_done")


async def test_the_reason_says_how_a_word_matched(engine: Engine, catalogue: Catalogue) -> None:
    question = "flood drills with the power company"
    via = [(m, item) for m in catalogue.search(question) if m.confident for item in m.why if "~" in item]
    chat = Chat(engine)
    await chat.say(question)
    assert chat.said("ask.match", reason=Key("ask.reason_terms"))
    for _, item in via[:1]:
        asked, _, word = (part.strip() for part in item.partition("~"))
        assert chat.t("ask.term_via", term=asked, word=word) in chat.text


def readable(engine: Engine) -> str:
    """The languages citybot reads, as an English reader is told them."""
    return engine.texts.join([engine.texts.get(f"ask.languages.{code}") for code in engine.languages])


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Wie beginnen wir mit einem Resilienzplan für unsere Stadt?", "de"),
        ("Comment commencer un plan de résilience pour notre ville ?", "fr"),
        ("¿Cómo empezamos un plan de resiliencia en la ciudad?", "es"),
        ("Hoe beginnen we met een plan voor de stad?", "nl"),
    ],
)
async def test_another_language_is_named_or_spoken(engine: Engine, question: str, language: str) -> None:
    chat = Chat(engine)
    await chat.say(question)
    if language in engine.languages:  # shipped: answered in it, with the offer to switch
        chat.expect(language)
        assert chat.said("language.offer", reply=-1) and (chat.said("ask.intro") or chat.said("ask.no_match"))
        return
    name = chat.t(f"ask.languages.{language}")
    assert chat.said("ask.other_language_named", language=name, languages=readable(engine))
    assert not chat.said("ask.no_match") and not chat.said("ask.intro")


async def test_another_script_gets_the_same_sentence(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.say("как начать план устойчивости города?")
    assert chat.said("ask.other_language", languages=readable(engine))


@pytest.mark.parametrize("question", ["flood drills in Den Haag", "evacuation plans for São Paulo de la Sierra"])
async def test_english_with_a_foreign_name_is_still_english(engine: Engine, question: str) -> None:
    chat = Chat(engine)
    await chat.say(question)
    assert not chat.said("ask.other_language_named") and not chat.said("ask.other_language")


async def test_a_question_naming_a_hazard_is_told_which_hazard_was_read(engine: Engine, catalogue: Catalogue) -> None:
    question = "what should we do about floods?"
    best = next(match for match in catalogue.search(question) if match.confident)
    chat = Chat(engine)
    await chat.say(question)
    assert chat.said("search.hazard", hazard="floods") and chat.said("ask.intro")
    assert best.action.code in chat.text


async def test_the_honest_no_still_says_which_hazard_it_read(engine: Engine, catalogue: Catalogue) -> None:
    question = "a landslide blocked the road to my cousin's farm"
    assert not any(match.confident for match in catalogue.search(question, limit=8))
    chat = Chat(engine)
    await chat.say(question)
    assert chat.said("search.hazard", hazard="landslide") and chat.said("ask.no_match", model=catalogue.name)
    assert not chat.said("ask.intro")


async def test_no_hazard_line_where_none_is_named(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.say("how do we start a resilience plan")
    assert chat.said("ask.intro") and not chat.said("search.hazard")


async def test_the_honest_no_offers_the_officials_own_next_steps(engine: Engine, catalogue: Catalogue) -> None:
    chat = await checked_in(engine, catalogue, {"L1": "S", "P2": "M"})
    await chat.say("can someone help me plan the team barbecue")
    assert chat.said("ask.no_match", model=catalogue.name) and chat.said("search.no_match_next")
    assert not chat.said("ask.intro")
    await chat.press("menu.next")
    assert "L1M1" in chat.text  # their own next steps, one tap away


async def test_the_honest_no_before_any_answer_offers_the_checkin(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.say("our network printer needs a new cartridge")
    assert chat.said("ask.no_match", model=catalogue.name) and chat.said("search.no_match_checkin")
    assert chat.pressable("menu.checkin") and chat.pressable("menu.areas")


async def test_line_breaks_end_sentences_so_the_question_on_the_last_line_leads(engine: Engine) -> None:
    message = (
        "Our sirens were tested last week and the fire brigade drill went well\n"
        "Many volunteers from the neighbourhood joined the exercise\n"
        "How do we get households to insure themselves against damage"
    )
    chat = Chat(engine)
    await chat.say(message)
    shown = [option.choice.removeprefix("x:") for option in chat.last.options]
    assert shown and shown[0] in {"I2R2", "I2T2"}, shown  # insurance, not the drills of the context
