"""Workshop codes: made (short, unguessable, easy to read out), parsed from what people type or a link carries.

A coordinator opens a workshop and shares its join link (``/start ws_<code>``); participants go
straight into the quick check-in, linked to the workshop.
"""

from __future__ import annotations

import re
import secrets

from sqlmodel.ext.asyncio.session import AsyncSession

from conversations.storage import workshops as stored_workshops
from conversations.storage.models import City, Workshop

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Workshop codes: lower-case letters and digits without look-alikes (no 0/o, 1/l/i)."""


CODE_LENGTH = 6
"""31^6, about 887 million codes: unguessable enough for a room, short enough to read out."""


JOIN_PREFIX = "ws_"
"""A join link's start payload is ``ws_<code>``: within Telegram's 64 characters of ``[A-Za-z0-9_-]``."""


CODE = re.compile(rf"^(?:{JOIN_PREFIX})?([{CODE_ALPHABET}]{{{CODE_LENGTH}}})$")


MAX_NAME_LENGTH = 80


USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{4,31})$")
"""A Telegram username as people write it (``@gent_coordinator``): 5-32 characters."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def join_payload(code: str) -> str:
    return f"{JOIN_PREFIX}{code}"


def parse_code(text: str) -> str | None:
    """The workshop code in what someone typed or a link carried (``K7M2QP``, ``ws_k7m2qp``); ``None`` if none."""
    match = CODE.match(text.strip().lower())
    return match.group(1) if match else None


def parse_username(text: str) -> str | None:
    """A Telegram username, lower case without the ``@`` (usernames are case-insensitive)."""
    match = USERNAME.match(text.strip())
    return match.group(1).lower() if match else None


async def create_workshop(
    session: AsyncSession, *, name: str, city: City | None, created_by: str | None, follows: Workshop | None = None
) -> Workshop:
    """Open a workshop under a fresh code (as a follow-up of ``follows``, if given)."""
    while True:
        code = new_code()
        if await stored_workshops.workshop_by_code(session, code=code) is None:
            workshop = await stored_workshops.create_workshop(
                session, code=code, name=name.strip()[:MAX_NAME_LENGTH], city=city, created_by=created_by
            )
            if follows is not None:
                workshop.follows_id = follows.id
                session.add(workshop)
            return workshop
