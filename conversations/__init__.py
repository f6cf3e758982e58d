"""The dialogue layer: flows, per-user state and storage, behind one call, ``Engine.handle``.

Knows nothing of Telegram; adapters build :class:`Incoming` values and render :class:`Reply` values.
"""

from conversations.engine import Engine, NotYourTurn, RepliesInFlight, open_engine
from conversations.messages import (
    AnswerExport,
    Attachment,
    ChartArea,
    ChartDomain,
    Incoming,
    Invitation,
    Kind,
    MaturityChart,
    Option,
    Reply,
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
    "Incoming",
    "Invitation",
    "Kind",
    "MaturityChart",
    "NotYourTurn",
    "Option",
    "RepliesInFlight",
    "Reply",
    "StorageUnavailable",
    "Texts",
    "open_engine",
]
