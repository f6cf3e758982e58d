"""Opening a database whose schema is current runs no migration and does not even import Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from conversations.storage import database

OPEN_AND_LIST_MODULES = """
import asyncio, sys
from conversations import open_engine
async def main():
    engine = await open_engine(sys.argv[1])
    await engine.close()
asyncio.run(main())
print("alembic" in sys.modules)
"""


def test_the_head_read_from_the_scripts_is_alembics() -> None:
    assert database.head_revision() == ScriptDirectory.from_config(database.alembic_config()).get_current_head()


def test_a_current_database_opens_without_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/current.db"
    opened = [
        subprocess.run([sys.executable, "-c", OPEN_AND_LIST_MODULES, url], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert [run.stdout.strip() for run in opened] == ["True", "False"]  # created by Alembic, then just opened
