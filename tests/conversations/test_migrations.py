"""Upgrading keeps the data: a database made at the first migration, with answers in it, upgraded to the newest."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from catalogue import Catalogue
from conversations import open_engine
from conversations.storage import database

FIRST = "0001"
ANSWERS = {"L1S1": "d", "L1S2": "p", "P1S1": "n", "C2T1": "u"}


def heads() -> list[str]:
    return list(ScriptDirectory.from_config(database.alembic_config()).get_heads())


def test_the_migrations_form_one_line_from_the_first_revision() -> None:
    script = ScriptDirectory.from_config(database.alembic_config())
    assert len(heads()) == 1, f"two heads: {heads()}: set down_revision of the newer migration to the other"
    assert [revision.revision for revision in script.walk_revisions()][-1] == FIRST


async def test_answers_stored_at_the_first_revision_are_all_there_after_upgrading_to_the_newest(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = database.create_engine(url)
    async with old.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(database.alembic_config(sync), FIRST))
        now = "2026-01-15 10:00:00.000000"
        await connection.execute(
            text("INSERT INTO city (id, name, key, created_at) VALUES (1, 'Gent', 'gent', :t)"), {"t": now}
        )
        await connection.execute(
            text(
                "INSERT INTO participant (id, user_id, name, language, role, city_id, consented_at, created_at) "
                "VALUES (1, 'telegram:5', 'Ana', 'en', 'mayor', 1, :t, :t)"
            ),
            {"t": now},
        )
        await connection.execute(
            text(
                "INSERT INTO assessment (id, participant_id, city_id, kind, status, catalogue, cursor, trail, "
                "started_at, updated_at) VALUES (1, 1, 1, 'full', 'paused', 'smr-rmm 1.0', 'P1S2', '[]', :t, :t)"
            ),
            {"t": now},
        )
        for number, (code, value) in enumerate(ANSWERS.items(), start=1):
            await connection.execute(
                text(
                    "INSERT INTO answer (id, assessment_id, action_code, value, answered_at) VALUES (:n, 1, :c, :v, :t)"
                ),
                {"n": number, "c": code, "v": value, "t": now},
            )
            await connection.execute(
                text("INSERT INTO answer_change (answer_id, previous, value, changed_at) VALUES (:n, NULL, :v, :t)"),
                {"n": number, "v": value, "t": now},
            )
    await old.dispose()

    async with await open_engine(url, catalogue) as engine:  # upgrades to the newest revision on opening
        async with engine.db.connect() as connection:
            revision = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        rows = await engine.export_answers()
    assert [revision] == heads()
    assert {row.action_code: row.answer for row in rows} == ANSWERS
    assert {row.city for row in rows} == {"Gent"}
