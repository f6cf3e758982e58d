"""Alembic environment: runs on the connection citybot hands over (see ``database.migrate``)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from conversations.storage import models  # noqa: F401  (registers the tables)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("citybot runs its migrations itself: open the engine with conversations.open_engine()")
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
