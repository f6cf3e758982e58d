"""A throwaway PostgreSQL database per test, on the server ``CITYBOT_TEST_POSTGRES_URL`` points at.

``CITYBOT_TEST_POSTGRES_URL`` is a plain URL (``postgresql://citybot:citybot@127.0.0.1/citybot_test``)
of a role allowed to create databases; each test gets a database of its own, created empty and
dropped afterwards, so tests never see each other's rows (``.ci/run`` sets this up).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy.engine import make_url

ENV = "CITYBOT_TEST_POSTGRES_URL"
SKIP_REASON = (
    f"{ENV} is not set: set it to a PostgreSQL URL of a role with CREATEDB, "
    "e.g. postgresql://citybot:citybot@127.0.0.1/citybot_test (.ci/run does)"
)


def admin_url() -> str:
    url = os.environ.get(ENV, "").strip()
    if not url:
        pytest.skip(SKIP_REASON)
    return url


def _asyncpg_dsn(url: str) -> str:
    """asyncpg takes libpq URLs only: ``postgresql://``, without a SQLAlchemy driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_database(url: str) -> AsyncIterator[str]:
    """Create an empty, uniquely named database next to ``url``'s; yield its plain URL; drop it."""
    import asyncpg

    name = f"citybot_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(_asyncpg_dsn(url))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
