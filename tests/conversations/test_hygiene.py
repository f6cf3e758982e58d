"""Hostile input: clean text in storage, one-line URL errors (a busy or failing database: test_storage_failures.py)."""

from __future__ import annotations

import pytest

from conversations import DatabaseError, Engine, open_engine
from conversations.hygiene import clean
from conversations.storage import database
from conversations.storage.models import City, Participant
from tests.helpers.chat import Chat, rows


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Gent\ud800", "Gent\ufffd"),
        ("\udfffx", "\ufffdx"),
        ("e\u0301", "é"),  # composed: the same city whichever way the keyboard typed it
        ("A\x00B\x1b[31mC", "AB[31mC"),
        ("\u202eevil\u202c", "evil"),
        ("two\nlines\tand a tab", "two\nlines\tand a tab"),
        ("🏳️‍🌈 Zürich", "🏳️‍🌈 Zürich"),
    ],
)
def test_text_is_valid_composed_unicode_without_control_characters(typed: str, stored: str) -> None:
    assert clean(typed) == stored
    stored.encode("utf-8")


async def test_a_lone_surrogate_in_a_city_and_a_name_is_stored_as_a_replacement_character(engine: Engine) -> None:
    chat = Chat(engine, name="Ana\udc80")
    await chat.command("/start")
    await chat.press("onboarding.agree")
    await chat.say("Gent\ud800")
    [participant] = await rows(engine, Participant)
    [city] = await rows(engine, City)
    assert participant.name == "Ana\ufffd" and city.name == "Gent\ufffd"


# --- DATABASE_URL mistakes: one line, the password never shown ----------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://ana:p@ss@db.example.org/citybot", "percent-encode"),
        ("postgresql://ana:s3cret@db.example.org/citybot?sslmod=require", "sslmod=require"),
        ("postgresql://ana:s3cret@db.example.org/citybot?sslmode=sometimes", "sslmode=sometimes"),
        ("mysql://ana:s3cret@db.example.org/citybot", "SQLite and PostgreSQL"),
        ("not a url at all", "not a database URL"),
    ],
)
async def test_database_url_mistakes_are_one_line_without_the_password(url: str, says: str) -> None:
    with pytest.raises(DatabaseError) as raised:
        await open_engine(url)
    message = str(raised.value)
    assert says in message and "\n" not in message
    assert "s3cret" not in message and "p@ss" not in message and "ss@" not in message


def test_libpq_options_become_asyncpg_connect_arguments() -> None:
    options = database.postgres_options("postgresql://h/d", {"sslmode": "require", "connect_timeout": "3"})
    assert options == {"ssl": "require", "timeout": 3.0}
