"""Time in one place: every stored time is UTC, and reads back with its zone.

``utcnow`` stamps rows; :class:`UtcDateTime` is the column type of every stored time, so that a
time read back is aware (SQLite keeps none, and hands datetimes back naive); ``as_utc`` writes
one out as ISO 8601 (``/mydata``, exports).
"""

from __future__ import annotations

from datetime import UTC, datetime


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
