"""Onboarding: consent first, nothing stored before it; city fuzzy-matched and confirmed; role."""

from __future__ import annotations

from conversations import Engine
from conversations.storage.models import City, Conversation, Participant, ProcessedUpdate
from tests.helpers.chat import Chat, count, rows


async def test_nothing_is_stored_before_consent(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.command("/start")
    assert "Nothing is stored until you agree" in chat.text
    await chat.say("how do we train staff for floods")
    await chat.command("/results")
    await chat.choose("No, thanks")
    assert "nothing was stored" in chat.text
    for model in (Participant, Conversation, City):
        assert await count(engine, model) == 0
    assert await count(engine, ProcessedUpdate) == 4  # only update ids, nothing about the person


async def test_an_old_decline_button_after_consent_keeps_everything(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.command("/start")
    decline = chat.option("No, thanks").choice
    await chat.onboard()
    await chat.choose_id(decline)
    assert "already set up" in chat.text and "nothing was stored" not in chat.text
    assert await count(engine, Participant) == 1


async def test_consent_city_and_role(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard("Rotterdam", "Resilience officer")
    [participant] = await rows(engine, Participant)
    [city] = await rows(engine, City)
    assert (participant.name, participant.role, participant.city_id) == ("Alice", "Resilience officer", city.id)
    assert city.name == "Rotterdam"


async def test_city_is_fuzzy_matched_with_confirmation(engine: Engine) -> None:
    await Chat(engine, "alice").onboard("Rotterdam")
    bob = Chat(engine, "bob")
    await bob.command("/start")
    await bob.choose("I agree")
    await bob.say("rotterdm")
    assert "Did you mean" in bob.text
    await bob.choose("Rotterdam")
    assert "City: Rotterdam" in bob.replies[0].text and bob.replies[0].replaces_previous
    carol = Chat(engine, "carol")
    await carol.command("/start")
    await carol.choose("I agree")
    await carol.say("  rotterdam ")  # same name, other spelling: no question asked
    assert "City: Rotterdam" in carol.text
    await carol.say("my own role")
    assert "All set: Rotterdam, my own role" in carol.text
    assert await count(engine, City) == 1


async def test_a_new_city_can_be_kept_apart_from_a_similar_one(engine: Engine) -> None:
    await Chat(engine, "alice").onboard("Bristol")
    bob = Chat(engine, "bob")
    await bob.command("/start")
    await bob.choose("I agree")
    await bob.say("Bristoll")
    await bob.choose("is a new one")
    await bob.choose("Mayor")
    assert [c.name for c in await rows(engine, City)] == ["Bristol", "Bristoll"]


async def test_workshop_link_goes_straight_to_the_check_in(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.command("/start ws_ab12")
    await chat.choose("I agree")
    await chat.say("Glasgow")
    await chat.choose("Mayor")
    assert "Quick check-in" in chat.text and "Which stage has your city completed" in chat.text


async def test_commands_that_need_a_city_lead_into_onboarding(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.command("/assess")
    assert "Nothing is stored until you agree" in chat.text
    await chat.choose("I agree")
    await chat.command("/checkin")
    assert "finish setting you up" in chat.text and "Which city" in chat.text
