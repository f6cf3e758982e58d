"""Time in one place: every stored time is UTC, and reads back with its zone.

``utcnow`` stamps rows; :class:`UtcDateTime` is the column type of every stored time, so that a
time read back is aware (SQLite keeps none, and hands datetimes back naive); ``as_utc`` writes
one out as ISO 8601 (``/mydata``, exports).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """A time with its zone: one without is UTC (as every time citybot stores)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def as_utc(moment: datetime | None) -> str:
    """ISO 8601 in UTC to the second; ``""`` for no time."""
    if moment is None:
        return ""
    return aware(moment).isoformat(timespec="seconds")


class UtcDateTime(TypeDecorator[datetime]):
    """The column type of every stored time: written in UTC, read back aware (no schema change: a timestamp with zone).

    SQLite keeps no zone and hands datetimes back naive; PostgreSQL's ``timestamptz`` keeps it.
    Either way a time read back is in UTC with its zone, so code compares and subtracts stored
    times without asking where they came from.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo is not None else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else aware(value)
