"""Text as citybot stores it: valid Unicode, composed (NFC), without control characters.

Clients can send anything: a lone surrogate (U+D800 alone) cannot even be encoded to UTF-8 for
the database, terminal control sequences would reach exports and logs, and a right-to-left
override makes a name read backwards. Everything a user typed is cleaned once, when it enters
the engine, so flows, storage and exports only ever see clean text.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from conversations.messages import Incoming

REPLACEMENT = "\ufffd"
SURROGATE = re.compile("[\ud800-\udfff]")
UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters (but tab and newline) and the bidirectional embeddings, overrides and isolates."""


def clean(text: str) -> str:
    """Lone surrogates replaced by U+FFFD, control characters dropped, composed to NFC."""
    return unicodedata.normalize("NFC", UNWANTED.sub("", SURROGATE.sub(REPLACEMENT, text)))


def cleaned(incoming: Incoming) -> Incoming:
    """The event with everything the user typed (text, display name, handle) cleaned."""
    return dataclasses.replace(
        incoming,
        payload=clean(incoming.payload),
        user_name=clean(incoming.user_name),
        username=clean(incoming.username) if incoming.username is not None else None,
    )
