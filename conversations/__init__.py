"""The dialogue layer: flows, per-user state and storage, behind one call, ``Engine.handle``.

Knows nothing of Telegram; adapters build :class:`Incoming` values and render :class:`Reply` values.
"""

from conversations.engine import Engine, NotYourTurn, RepliesInFlight, open_engine
from conversations.messages import (
    AnswerExport,
    Attachment,
    ChartArea,
    ChartDomain,
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

__all__ = [
    "AnswerExport",
    "Attachment",
    "ChartArea",
    "ChartDomain",
    "DatabaseError",
    "Engine",
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
