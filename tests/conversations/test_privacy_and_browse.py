"""/mydata, /forget and browsing the catalogue."""

from __future__ import annotations

import json

from catalogue import Catalogue
from conversations import Engine
from conversations.storage.models import AnswerChange, AnswerRecord, AskedQuestion, Assessment, City, Participant
from tests.helpers.chat import Chat, Key, count


async def test_mydata_sends_everything_stored(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard("Rotterdam", "mayor")
    await chat.command("/assess")
    await chat.press("answers.done")
    await chat.say("how do we start a resilience plan")
    await chat.command("/mydata")
    mayor = chat.t("onboarding.roles.mayor")
    assert chat.said(
        "privacy.mydata",
        city="Rotterdam",
        role=mayor,
        assessments=Key("privacy.assessments", count=1),
        answers=Key("privacy.answers", count=1),
        questions=Key("privacy.questions", count=1),
    )
    attachment = chat.last.attachment
    assert attachment is not None and attachment.filename.endswith(".json")
    data = json.loads(attachment.data)
    assert (data["city"], data["role"], data["name"]) == ("Rotterdam", mayor, "Alice")
    [assessment] = data["assessments"].values()
    assert assessment["answers"][0]["action"] == "L1S1"
    assert assessment["answers"][0]["history"][0]["to"] == "done"
    assert data["questions"][0]["text"] == "how do we start a resilience plan"


async def test_forget_deletes_after_confirmation(engine: Engine, catalogue: Catalogue) -> None:
    colleague = Chat(engine, "bob", "Bob")
    await colleague.onboard("Rotterdam")
    chat = Chat(engine)
    await chat.onboard("Rotterdam")
    await chat.command("/checkin")
    await chat.choose(catalogue.stage("S").name)
    await chat.say("how do we start a resilience plan")
    await chat.command("/forget")
    assert chat.said("privacy.forget_question", whole=True)
    await chat.press("privacy.forget_no")
    assert chat.said("privacy.forget_kept", reply=0, whole=True)
    assert await count(engine, Participant) == 2
    await chat.command("/forget")
    stale = chat.options
    await chat.press("privacy.forget_yes")
    assert chat.said("privacy.forgotten", whole=True)
    for model in (Assessment, AnswerRecord, AnswerChange, AskedQuestion):
        assert await count(engine, model) == 0
    assert await count(engine, Participant) == 1  # Bob
    assert await count(engine, City) == 1  # cities are shared: Bob's Rotterdam stays
    chat.options = stale
    await chat.press("privacy.forget_yes")
    assert chat.said("errors.stale_choice", whole=True)
    await chat.command("/start")
    assert chat.said("onboarding.privacy")  # a newcomer again


async def test_browse_domains_areas_and_actions(engine: Engine, catalogue: Catalogue) -> None:
    chat = Chat(engine)
    await chat.command("/areas")
    preparedness = catalogue.domain("P")
    assert chat.said("browse.domain_line", code="P", name=preparedness.name, count=2)
    await chat.choose(preparedness.name)
    p2 = catalogue.area("P2")
    assert chat.said("browse.area_line", code="P2", title=p2.title)
    await chat.choose("P2")
    starting = catalogue.stage("S")
    assert chat.said("browse.stage", name=starting.name, description=starting.description)
    assert chat.said("browse.action_line", code="P2S1", title=catalogue.action("P2S1").title)
    await chat.choose("P2S1")
    assert chat.said("browse.action", code="P2S1", area="P2", area_title=p2.title)
    assert not chat.pressable("browse.change")  # nothing to change before consent
    await chat.press("browse.back_area", code="P2")
    await chat.press("browse.back_domain", code="P")
    await chat.press("browse.back_domains")
    assert chat.said("browse.domain_line", code="L", name=catalogue.domain("L").name)
    await chat.command("/areas nonsense")
    assert chat.said("browse.domains", model=catalogue.name)
