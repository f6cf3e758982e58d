"""The big screen: a workshop's live page in the room, served by citybot itself (see docs/big-screen.md)."""

from bot.web.server import ScreenApp, screen_app

__all__ = ["ScreenApp", "screen_app"]
