"""The dialogue layer: flows, per-user state and storage, behind one call, ``Engine.handle``.

Knows nothing of Telegram; adapters build :class:`Incoming` values and render :class:`Reply` values.
"""

from conversations.engine import Engine, open_engine
from conversations.messages import Attachment, Incoming, Kind, Option, Reply
from conversations.storage.database import DatabaseError
from conversations.texts import Texts

__all__ = ["Attachment", "DatabaseError", "Engine", "Incoming", "Kind", "Option", "Reply", "Texts", "open_engine"]
