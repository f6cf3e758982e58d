"""/mydata, /forget and browsing the catalogue."""

from __future__ import annotations

import json

from conversations import Engine
from conversations.storage.models import AnswerChange, AnswerRecord, AskedQuestion, Assessment, City, Participant
from tests.helpers.chat import Chat, count


async def test_mydata_sends_everything_stored(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard("Rotterdam", "Mayor")
    await chat.command("/assess")
    await chat.choose("Done")
    await chat.say("how do we start a resilience plan")
    await chat.command("/mydata")
    attachment = chat.last.attachment
    assert attachment is not None and attachment.filename.endswith(".json")
    data = json.loads(attachment.data)
    assert (data["city"], data["role"], data["name"]) == ("Rotterdam", "Mayor or councillor", "Alice")
    [assessment] = data["assessments"].values()
    assert assessment["answers"][0]["action"] == "L1S1"
    assert assessment["answers"][0]["history"][0]["to"] == "done"
    assert data["questions"][0]["text"] == "how do we start a resilience plan"


async def test_forget_deletes_after_confirmation(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.onboard()
    await chat.command("/checkin")
    await chat.choose("Starting")
    await chat.say("how do we start a resilience plan")
    await chat.command("/forget")
    await chat.choose("No, keep it")
    assert await count(engine, Participant) == 1
    await chat.command("/forget")
    stale = chat.options
    await chat.choose("Yes, delete it")
    assert "everything about you is deleted" in chat.text
    for model in (Participant, Assessment, AnswerRecord, AnswerChange, AskedQuestion):
        assert await count(engine, model) == 0
    assert await count(engine, City) == 1  # cities are shared
    chat.options = stale
    await chat.choose("Yes, delete it")
    assert "did not change anything" in chat.text
    await chat.command("/start")
    assert "Nothing is stored until you agree" in chat.text


async def test_browse_domains_areas_and_actions(engine: Engine) -> None:
    chat = Chat(engine)
    await chat.command("/areas")
    assert "P · Preparedness (2 areas)" in chat.text
    await chat.choose("Preparedness")
    assert "P2: Education and Training" in chat.text
    await chat.choose("P2")
    assert "Stage Starting" in chat.text and "P2S1" in chat.text
    await chat.choose("P2S1")
    assert "Area P2 Education and Training" in chat.text
    assert all("Change" not in o.label for o in chat.options)  # nothing to change before consent
    await chat.choose("Area P2")
    await chat.choose("Domain P")
    await chat.choose("All domains")
    assert "L · Leadership & Governance" in chat.text
    await chat.command("/areas nonsense")
    assert f"The {engine.catalogue.name} has these domains" in chat.text
