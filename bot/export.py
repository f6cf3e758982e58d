"""Exports for coordinators: every stored answer, one row per answer, as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Any

from catalogue import Catalogue

FIELDS = (
    "city",
    "participant",
    "assessment",
    "assessment_kind",
    "domain",
    "area",
    "stage",
    "action_code",
    "answer",
    "note",
    "answered_at",
)


class ExportFormat(StrEnum):
    """The file formats ``citybot export`` writes."""

    CSV = "csv"
    JSON = "json"


async def load_rows(
    database_url: str | None, city: str | None = None, catalogue: Catalogue | None = None
) -> list[dict[str, Any]]:
    """Every stored answer (of one city, if given), with domain, area and stage from the catalogue."""
    from conversations import open_engine  # the engine loads SQLAlchemy and Alembic: only when exporting

    async with await open_engine(database_url, catalogue) as engine:
        return await engine.export_answers(city=city)


def render(rows: list[dict[str, Any]], fmt: ExportFormat | str) -> str:
    """The rows as CSV (header first) or as a JSON list of objects."""
    if fmt == "json":
        return (
            json.dumps([{field: row[field] for field in FIELDS} for row in rows], ensure_ascii=False, indent=2) + "\n"
        )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(ExportFormat)}")
