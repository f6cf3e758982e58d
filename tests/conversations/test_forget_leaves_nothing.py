"""/forget leaves nothing readable: not in the tables, not in a reply kept after a failed send, not in the file or its WAL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalogue import Catalogue
from conversations import Engine
from conversations.storage.models import City, JoinAttempt, Note, ProcessedUpdate
from tests.helpers.chat import Chat, Key, count, rows

NAME = "Zelda Forgetsworth"
CITY = "Quokkaville"
NOTE = "budget line kumquat-seventeen"
QUESTION = "how do we protect the marmalade orchards from floods"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url  # raw bytes of an SQLite file and its WAL: SQLite only


def raw(url: str) -> bytes:
    """The database file and its WAL (if any), as bytes on disk."""
    path = Path(url.removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_after_forget_the_file_and_its_wal_hold_none_of_the_persons_strings(
    engine: Engine, catalogue: Catalogue, database_url: str
) -> None:
    zelda = Chat(engine, "zelda", NAME, username="zelda_f")
    await zelda.onboard(CITY, "mayor")
    await zelda.command("/assess")
    await zelda.press("assessment.note")
    await zelda.say(NOTE)  # a note added before any answer
    await zelda.press("answers.done")
    await zelda.say(QUESTION)
    await zelda.command("/join zzzzzz")  # a wrong code, counted
    assert await count(engine, JoinAttempt) == 1
    [participant] = [p for p in await engine_participants(engine) if p.user_id == zelda.user_id]
    pseudonym = participant.pseudonym

    zelda.outbox = True  # as on Telegram; the adapter never reports these replies sent (the user blocked the bot)
    await zelda.command("/mydata")
    zelda.outbox = False
    data = json.loads(zelda.last.attachment.data)
    assert [note["text"] for note in data["notes"]] == [NOTE]  # /mydata has the note given before the answer
    assert data["pseudonym"] == pseudonym
    kept = [u for u in await rows(engine, ProcessedUpdate) if u.replies]
    assert kept and CITY in json.dumps(kept[0].replies)  # the failed send holds everything
    await zelda.command("/mydata")
    assert zelda.said(
        "privacy_more.mydata",
        pseudonym=pseudonym,
        notes=Key("privacy_more.notes", count=1),
        kept=Key("privacy_more.kept", count=1),
    )
    strings = [NAME, CITY, NOTE, QUESTION, pseudonym, zelda.user_id]
    before = raw(database_url)
    assert all(text.encode() in before for text in strings)

    await zelda.command("/forget")
    await zelda.press("privacy.forget_yes")
    assert zelda.said("privacy.forgotten")
    after = raw(database_url)
    left = [text for text in strings if text.encode() in after]
    assert left == [], f"still readable after /forget: {left}"
    assert await count(engine, Note) == 0 and await count(engine, JoinAttempt) == 0
    assert [c.name for c in await rows(engine, City)] == []  # nobody else named Quokkaville
    assert all(u.user_id is None for u in await rows(engine, ProcessedUpdate))


async def engine_participants(engine: Engine) -> list:
    from conversations.storage.models import Participant

    return await rows(engine, Participant)
