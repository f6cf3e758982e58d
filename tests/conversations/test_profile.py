"""Onboarding that keeps a city's data together, and /profile to see and change city and role."""

from __future__ import annotations

import pytest

from catalogue import Catalogue
from conversations import Engine
from conversations.storage.models import City
from tests.helpers.chat import Chat, rows


async def newcomer(engine: Engine, user: str) -> Chat:
    chat = Chat(engine, user, user.title())
    await chat.command("/start")
    await chat.press("onboarding.agree")
    return chat


@pytest.mark.parametrize("typo", ["Gnet", "Gant", "gent ", "Ghent"])
async def test_a_close_typo_of_a_known_city_asks_did_you_mean(engine: Engine, typo: str) -> None:
    await Chat(engine, "ana", "Ana").onboard(city="Gent")
    chat = await newcomer(engine, "bo")
    await chat.say(typo)
    if typo.strip().lower() == "gent":  # the same name: no question
        assert chat.said("onboarding.city_saved", city="Gent")
        return
    assert chat.said("onboarding.city_confirm_one", city="Gent", typed=typo)
    await chat.press("onboarding.city_yes", city="Gent")
    assert chat.said("onboarding.city_saved", city="Gent")
    assert [city.name for city in await rows(engine, City)] == ["Gent"]


async def test_no_it_is_a_new_city(engine: Engine) -> None:
    await Chat(engine, "ana", "Ana").onboard(city="Gent")
    chat = await newcomer(engine, "bo")
    await chat.say("Genk")
    assert chat.said("onboarding.city_confirm_one", city="Gent", typed="Genk")
    await chat.press("onboarding.city_new", city="Genk")
    assert sorted(city.name for city in await rows(engine, City)) == ["Genk", "Gent"]


@pytest.mark.parametrize("name", ["🏙️", "🏙 🌉", "123"])
async def test_a_city_name_without_letters_gets_its_own_message(engine: Engine, name: str) -> None:
    chat = await newcomer(engine, "bo")
    await chat.say(name)
    assert chat.said("onboarding.city_no_letters", whole=True)
    assert await rows(engine, City) == []


async def test_profile_shows_and_changes_city_and_role(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.onboard(city="Gent")
    await chat.command("/checkin")
    await chat.press(catalogue.stage("M").name)
    await chat.command("/profile")
    role = chat.t("onboarding.roles.resilience")
    assert chat.said("profile.card", city="Gent", role=role)
    await chat.press("profile.change_role")
    assert chat.said("onboarding.ask_role")
    await chat.press("onboarding.roles.mayor")
    assert chat.said("profile.role_changed")
    await chat.command("/profile")
    assert chat.said("profile.card", city="Gent", role=chat.t("onboarding.roles.mayor"))
    await chat.press("profile.change_city")
    await chat.say("Leuven")
    assert chat.said("profile.city_changed", city="Leuven")
    await chat.command("/results")  # the check-in was Gent's: Leuven has no answers yet
    assert chat.said("results.empty")
    await chat.command("/checkin")  # Gent's unfinished check-in is not continued for Leuven
    assert chat.said("progress.line", index=1)


async def test_profile_keep(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/profile")
    await chat.press("profile.keep")
    assert chat.said("profile.kept")
