"""Onboarding: consent first, nothing stored before it; city fuzzy-matched and confirmed; role."""

from __future__ import annotations

from conversations import Engine
from conversations.storage.models import City, Conversation, Participant, ProcessedUpdate
from tests.helpers.chat import Chat, count, rows


async def test_nothing_is_stored_before_consent(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.command("/start")
    assert chat.said("onboarding.welcome") and chat.said("onboarding.privacy")
    assert chat.pressable("onboarding.agree") and chat.pressable("onboarding.decline")
    await chat.say("how do we train staff for floods")
    await chat.command("/results")
    await chat.press("onboarding.decline")
    assert chat.said("onboarding.declined", whole=True)
    for model in (Participant, Conversation, City):
        assert await count(engine, model) == 0
    assert await count(engine, ProcessedUpdate) == 4  # only update ids, nothing about the person


async def test_an_old_decline_button_after_consent_keeps_everything(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.command("/start")
    decline = chat.option("onboarding.decline").choice
    await chat.onboard()
    await chat.choose_id(decline)
    assert chat.said("onboarding.already") and not chat.said("onboarding.declined")
    assert await count(engine, Participant) == 1


async def test_consent_city_and_role(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard("Rotterdam", "resilience")
    [participant] = await rows(engine, Participant)
    [city] = await rows(engine, City)
    role = chat.t("onboarding.roles.resilience")
    assert (participant.name, participant.role, participant.city_id) == ("Alice", role, city.id)
    assert city.name == "Rotterdam"


async def test_city_is_fuzzy_matched_with_confirmation(engine: Engine) -> None:
    await Chat(engine, "alice").onboard("Rotterdam")
    bob = Chat(engine, "bob")
    await bob.command("/start")
    await bob.press("onboarding.agree")
    await bob.say("rotterdm")
    assert bob.said("onboarding.city_confirm_one", city="Rotterdam", typed="rotterdm")
    assert bob.pressable("onboarding.city_new", city="rotterdm") and bob.pressable("onboarding.city_again")
    await bob.choose("Rotterdam")
    assert bob.said("onboarding.city_saved", reply=0, city="Rotterdam", whole=True) and bob.replies[0].replaces_previous
    carol = Chat(engine, "carol")
    await carol.command("/start")
    await carol.press("onboarding.agree")
    await carol.say("  rotterdam ")  # same name, other spelling: no question asked
    assert carol.said("onboarding.city_saved", city="Rotterdam") and carol.said("onboarding.ask_role")
    await carol.say("my own role")
    assert carol.said("onboarding.done", city="Rotterdam", role="my own role")
    assert await count(engine, City) == 1


async def test_a_new_city_can_be_kept_apart_from_a_similar_one(engine: Engine) -> None:
    await Chat(engine, "alice").onboard("Bristol")
    bob = Chat(engine, "bob")
    await bob.command("/start")
    await bob.press("onboarding.agree")
    await bob.say("Bristoll")
    await bob.press("onboarding.city_new", city="Bristoll")
    await bob.press("onboarding.roles.mayor")
    assert [c.name for c in await rows(engine, City)] == ["Bristol", "Bristoll"]


async def test_workshop_link_goes_straight_to_the_check_in(engine: Engine) -> None:
    chat = Chat(engine)
    workshop = await engine.coordination.create_workshop("Spring day")
    await chat.command(f"/start ws_{workshop.code}")
    await chat.press("onboarding.agree")
    await chat.say("Glasgow")
    await chat.press("onboarding.roles.mayor")
    assert chat.said("checkin.intro") and chat.said("checkin.question", area="L1")


async def test_commands_that_need_a_city_lead_into_onboarding(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.command("/assess")
    assert chat.said("onboarding.privacy") and chat.pressable("onboarding.agree")
    await chat.press("onboarding.agree")
    await chat.command("/checkin")
    assert chat.said("onboarding.finish_first") and chat.said("onboarding.ask_city")
