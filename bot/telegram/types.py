"""The Application's type as citybot builds it: PTB's generic `Application` with its default context types."""

from __future__ import annotations

from typing import Any, TypeAlias

from telegram.ext import Application

CitybotApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
"""citybot keeps its own objects in ``bot_data`` under typed keys, so the context types stay PTB's defaults."""
