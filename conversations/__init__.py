"""The dialogue layer: flows, per-user state and storage, behind one call, ``Engine.handle``.

Knows nothing of Telegram; adapters build :class:`Incoming` values and render :class:`Reply` values.

The names load on first use (PEP 562): a command-line tool that needs one of them (the export
formats, say) does not load the engine and the database layer with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conversations.engine import Engine, NotYourTurn, RepliesInFlight, open_engine
    from conversations.messages import (
        AnswerExport,
        Attachment,
        ChartArea,
        ChartDomain,
        ExportFormat,
        ExportRow,
        GroupReport,
        Incoming,
        Invitation,
        Kind,
        MaturityChart,
        Option,
        Poster,
        ProgressChart,
        ProgressLine,
        Reply,
        ReportSection,
    )
    from conversations.storage.database import DatabaseError, StorageUnavailable
    from conversations.texts import Texts

_HOMES = {
    "AnswerExport": "conversations.messages",
    "Attachment": "conversations.messages",
    "ChartArea": "conversations.messages",
    "ChartDomain": "conversations.messages",
    "DatabaseError": "conversations.storage.database",
    "Engine": "conversations.engine",
    "ExportFormat": "conversations.messages",
    "ExportRow": "conversations.messages",
    "GroupReport": "conversations.messages",
    "Incoming": "conversations.messages",
    "Invitation": "conversations.messages",
    "Kind": "conversations.messages",
    "MaturityChart": "conversations.messages",
    "NotYourTurn": "conversations.engine",
    "Option": "conversations.messages",
    "Poster": "conversations.messages",
    "ProgressChart": "conversations.messages",
    "ProgressLine": "conversations.messages",
    "RepliesInFlight": "conversations.engine",
    "Reply": "conversations.messages",
    "ReportSection": "conversations.messages",
    "StorageUnavailable": "conversations.storage.database",
    "Texts": "conversations.texts",
    "open_engine": "conversations.engine",
}
"""Where each public name lives."""

__all__ = [
    "AnswerExport",
    "Attachment",
    "ChartArea",
    "ChartDomain",
    "DatabaseError",
    "Engine",
    "ExportFormat",
    "ExportRow",
    "GroupReport",
    "Incoming",
    "Invitation",
    "Kind",
    "MaturityChart",
    "NotYourTurn",
    "Option",
    "Poster",
    "ProgressChart",
    "ProgressLine",
    "RepliesInFlight",
    "Reply",
    "ReportSection",
    "StorageUnavailable",
    "Texts",
    "open_engine",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
