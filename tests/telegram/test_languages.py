"""Languages through the real PTB Application and the fake Bot API: a Brazilian user is greeted in Portuguese,
/language switches to French, and the command menu is registered once per language (and once by default).

Runs on stand-in languages made from English (tests/helpers/languages.py), whatever translations are shipped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from catalogue import Catalogue
from conversations import Engine, open_engine
from tests.helpers.fake_telegram import FakeBotApi
from tests.helpers.languages import stand_in_texts
from tests.helpers.telegram_chat import TelegramChat


@pytest.fixture
async def polyglot(
    tmp_path: Path, sqlite_url: str, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Engine]:
    stand_in_texts(tmp_path / "texts", ("es", "fr", "pt"), monkeypatch)
    engine = await open_engine(sqlite_url, catalogue)
    yield engine
    await engine.close()


@pytest.fixture
def engine(polyglot: Engine) -> Engine:
    """The engine the package's ``application`` fixture runs: the one speaking Spanish, French and Portuguese."""
    return polyglot


async def test_a_brazilian_user_is_greeted_in_portuguese_and_switches_to_french(
    application: Application, api: FakeBotApi, polyglot: Engine
) -> None:
    ana = TelegramChat(application, api, language="pt-BR", texts=polyglot.texts_for("pt"))
    [welcome] = await ana.send("/start")
    assert ana.shows(welcome, "onboarding.welcome") and welcome.text.startswith("[pt] ")
    await ana.press("onboarding.agree")
    await ana.send("Recife")
    await ana.press("onboarding.roles.resilience")
    [choose] = await ana.send("/language")
    assert ana.shows(choose, "language.choose")
    names = [button["text"] for row in choose.params["reply_markup"]["inline_keyboard"] for button in row]
    assert names == ["English", "Español", "Français", "✓ Português"]
    calls = await ana.press("Français")
    ana.expect(polyglot.texts_for("fr"))
    assert any(call.text and ana.shows(call, "language.set") for call in calls)
    [help_message] = await ana.send("/help")
    assert ana.shows(help_message, "help.intro") and help_message.text.startswith("[fr] ")
    sticker = [call for call in await ana.send_content("sticker") if call.text]
    assert sticker and ana.shows(sticker[-1], "errors.other")  # what the adapter words itself follows too


async def test_the_command_menu_is_registered_per_language(
    application: Application, api: FakeBotApi, polyglot: Engine
) -> None:
    calls = {call.params.get("language_code"): call.params["commands"] for call in api.calls_to("setMyCommands")}
    assert set(calls) == {None, "es", "fr", "pt"}
    for code, commands in calls.items():
        texts = polyglot.texts_for(code)
        assert [c["description"] for c in commands] == [texts.get(f"commands.{c['command']}") for c in commands]
        assert all(c["description"].startswith(f"[{code}] ") for c in commands) == (code is not None)
        assert "language" in [c["command"] for c in commands]
