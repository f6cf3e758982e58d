"""Workshop participants for the tests: join by link, then answer the check-in through the engine."""

from __future__ import annotations

from collections.abc import Mapping

from catalogue import Catalogue
from conversations import Engine
from conversations.workshop_codes import join_payload
from tests.helpers.chat import Chat


async def join_only(engine: Engine, code: str, user: str, city: str = "Gent", *, language: str = "en") -> Chat:
    """A newcomer opens the join link, consents, names their city and role: the check-in's first question waits.

    ``language``: their client's language tag (their replies are checked against that language's texts).
    """
    chat = Chat(engine, user, user.title(), language=language)
    await chat.command(f"/start {join_payload(code)}")
    await chat.press("onboarding.agree")
    await chat.say(city)
    if chat.said("onboarding.city_confirm"):
        await chat.choose(city)
    await chat.press("onboarding.roles.resilience")
    assert chat.said("workshop.joined") and chat.said("checkin.intro"), chat.text
    return chat


async def answer_area(chat: Chat, catalogue: Catalogue, area: str, stage: str | None) -> None:
    """Answer the check-in's current question (``area``'s): the last stage completed, "not started" or "not sure"."""
    assert area in chat.text, f"the question waiting is not {area}'s: {chat.text}"
    if stage == "?":
        await chat.press("checkin.not_sure")
    else:
        await chat.press(catalogue.stage(stage).name if stage else "checkin.not_started")


async def join_and_check_in(
    engine: Engine, catalogue: Catalogue, code: str, user: str, stages: Mapping[str, str | None], city: str = "Gent"
) -> Chat:
    """Join and answer every area: the stage given (``"?"``: not sure), else "not started"."""
    chat = await join_only(engine, code, user, city)
    for area in catalogue.areas:
        await answer_area(chat, catalogue, area.code, stages.get(area.code))
    assert chat.said("checkin.finished"), chat.text
    return chat
