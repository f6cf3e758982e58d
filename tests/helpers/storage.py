"""Storage failures on demand, for tests and benchmarks: a full SQLite database, another process's write lock.

:class:`FullDatabase` makes the engine's SQLite file full the way a full disk does to SQLite
("database or disk is full", SQLITE_FULL), without root: ``PRAGMA max_page_count`` caps the file
at its current size on every connection the engine takes, and filler rows take up the room left
in the pages of the table every update writes (the processed updates, where each update's id is claimed). :func:`hold_write_lock` is what a long ``citybot export`` or a backup tool
written against SQLite does to the file: a write transaction held open.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from conversations import Engine

UNCAPPED = 1 << 30
FILLER = "test-filler-"
FILLER_TIME = "2000-01-01 00:00:00"


class FullDatabase:
    """The engine's SQLite database made full, and given room again (``PRAGMA max_page_count``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.cap: int | None = None
        self.rows = 0
        event.listen(engine.db.sync_engine, "checkout", self._apply)

    def _apply(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count={self.cap or UNCAPPED}")
        cursor.close()

    async def fill(self) -> None:
        """Cap the file at its size, then fill the free room in its pages until nothing more fits."""
        async with self.engine.db.connect() as connection:
            pages = (await connection.execute(text("PRAGMA page_count"))).scalar()
        self.cap = int(pages or 1)
        filler = text(f"INSERT INTO processed_update (update_id, processed_at) VALUES (:id, '{FILLER_TIME}')")
        for size in (1000, 200, 40, 8, 1):
            while True:
                try:
                    async with self.engine.db.begin() as connection:
                        await connection.execute(filler, {"id": f"{FILLER}{self.rows:06d}" + "x" * size})
                    self.rows += 1
                except Exception as error:
                    assert "full" in str(error), error
                    break

    async def make_room(self) -> None:
        """Space is back: no cap, and the filler gone."""
        self.cap = None
        async with self.engine.db.begin() as connection:
            await connection.execute(text(f"DELETE FROM processed_update WHERE update_id LIKE '{FILLER}%'"))


def hold_write_lock(path: Path, seconds: float, started: threading.Event) -> None:
    """Hold SQLite's write lock on ``path`` for ``seconds`` (run it in a thread), as another process would."""
    connection = sqlite3.connect(path, timeout=10)
    connection.execute("BEGIN IMMEDIATE")
    started.set()
    time.sleep(seconds)
    connection.rollback()
    connection.close()
