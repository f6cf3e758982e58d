"""The outbox: an update's replies kept as JSON in the same transaction as its answers, until they are sent.

A crash after the commit but before the replies went out would leave an answer stored and never
answered. So the replies are stored with the update's id when the answers are committed; the
adapter reports them sent (``Engine.replies_sent``), and until then a redelivery of the same
update (Telegram sends every update it has not seen confirmed again) gets them back instead of
``[]``: stored and answered never drift apart.

Replies are plain dataclasses of plain data; this module turns them into JSON and back.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from conversations.messages import (
    AnswerExport,
    Attachment,
    ChartArea,
    ChartDomain,
    ExportRow,
    GroupReport,
    Invitation,
    MaturityChart,
    Option,
    Poster,
    ProgressChart,
    ProgressLine,
    Reply,
    ReportSection,
)

TYPE = "__type__"
BYTES = "__bytes__"
KINDS: dict[str, type[Any]] = {
    kind.__name__: kind
    for kind in (
        Reply,
        Option,
        Attachment,
        MaturityChart,
        ChartDomain,
        ChartArea,
        Invitation,
        AnswerExport,
        ExportRow,
        Poster,
        GroupReport,
        ReportSection,
        ProgressChart,
        ProgressLine,
    )
}


def encode(replies: Sequence[Reply]) -> list[Any]:
    """The replies as JSON-compatible data."""
    return [_dump(reply) for reply in replies]


def decode(data: Sequence[Any]) -> list[Reply]:
    """Replies back from :func:`encode`'s data."""
    return [_load(item) for item in data]


def _dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {TYPE: type(value).__name__, **fields}
    if isinstance(value, bytes):
        return {BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, list | tuple):
        return [_dump(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _dump(item) for key, item in value.items()}
    return value


def _load(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_load(item) for item in value)
    if not isinstance(value, dict):
        return value
    if BYTES in value:
        return base64.b64decode(value[BYTES])
    kind = KINDS.get(value.get(TYPE, ""))
    fields = {key: _load(item) for key, item in value.items() if key != TYPE}
    return fields if kind is None else kind(**fields)
