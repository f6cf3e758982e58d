"""`citybot run` starts without what only some commands or the first question need (issue 12: start-up time)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml
from telegram.ext import ApplicationBuilder

import catalogue.search
from bot.telegram import app as telegram_app
from bot.telegram import build_application
from catalogue import Catalogue
from conversations import Engine, texts
from conversations.texts import SAFE_LOADER
from tests.helpers.fake_telegram import TOKEN

UP_TO_THE_FIRST_POLL = """
import asyncio, sys
import bot.cli
from bot.telegram import app
from catalogue import Catalogue
from conversations import open_engine

async def main():
    engine = await open_engine(sys.argv[1], Catalogue.load(None))
    app.build_application(engine, sys.argv[2], base_url="http://127.0.0.1:9")
    await engine.close()

asyncio.run(main())
print(*sys.modules, sep="\\n")
"""

NOT_BEFORE_THE_FIRST_POLL = {
    "catalogue.search",  # with the first question, or in the background once polling
    "snowballstemmer",
    "platformdirs",  # only without DATABASE_URL
    "bot.telegram.webhook",  # only with WEBHOOK_URL
    "alembic",  # only when the schema is not current
    "sqlalchemy.dialects.postgresql",
    "asyncpg",
    "openpyxl",  # exports
    "matplotlib",  # charts, in their worker processes
    "segno",  # QR codes
}


def test_what_run_loads_before_its_first_poll(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/citybot.db"
    runs = [
        subprocess.run(
            [sys.executable, "-c", UP_TO_THE_FIRST_POLL, url, TOKEN], capture_output=True, text=True, check=True
        )
        for _ in range(2)  # the first creates the database (with Alembic), the second is a restart
    ]
    loaded = set(runs[1].stdout.split())
    assert {"telegram.ext", "conversations.engine", "sqlalchemy.dialects.sqlite"} <= loaded
    early = {
        name for name in loaded if name in NOT_BEFORE_THE_FIRST_POLL or name.split(".")[0] in NOT_BEFORE_THE_FIRST_POLL
    }
    assert early == set()


@pytest.mark.parametrize("source", sorted(Path(str(resources.files(texts))).glob("*.yaml")), ids=lambda p: p.name)
def test_the_texts_read_the_same_with_the_fast_loader(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    assert yaml.load(text, Loader=SAFE_LOADER) == yaml.load(text, Loader=yaml.SafeLoader)


def test_search_works_the_same_with_the_index_built_ahead() -> None:
    ahead, lazy = Catalogue.load(), Catalogue.load()
    ahead.prepare_search()
    assert "_index" in vars(ahead) and "_index" not in vars(lazy)
    question = "how do we train staff for an emergency"
    assert ahead.search(question) == lazy.search(question)
    assert len(lazy.search(question)) == catalogue.search.DEFAULT_LIMIT
    assert len(lazy.search(question, limit=5)) == 5


async def test_the_index_is_built_once_serving_and_awaited_on_stop() -> None:
    events: list[str] = []

    class Source:
        async def start(self) -> None:
            events.append("start")

        async def stop(self) -> None:
            events.append("stop")

    loaded = Catalogue.load()
    source = telegram_app.SearchReadyAfterStart(Source(), loaded)
    await source.start()
    assert events == ["start"] and "_index" not in vars(loaded)  # not before the first getUpdates has left
    await asyncio.sleep(telegram_app.PREPARE_SEARCH_AFTER_S + 0.05)
    await source.stop()
    assert events == ["start", "stop"] and "_index" in vars(loaded)


async def test_a_stop_before_the_index_is_begun_does_not_build_it() -> None:
    class Source:
        async def start(self) -> None: ...

        async def stop(self) -> None: ...

    loaded = Catalogue.load()
    source = telegram_app.SearchReadyAfterStart(Source(), loaded)
    await source.start()
    await source.stop()
    await asyncio.sleep(telegram_app.PREPARE_SEARCH_AFTER_S + 0.05)
    assert "_index" not in vars(loaded)


async def test_both_http_clients_are_ptbs_defaults_with_one_tls_context(engine: Engine) -> None:
    application = build_application(engine, TOKEN)
    plain = ApplicationBuilder().token(TOKEN).build()
    ours = [application.bot.request, application.bot._request[0]]
    ptbs = [plain.bot.request, plain.bot._request[0]]
    for mine, theirs in zip(ours, ptbs, strict=True):
        assert {k: repr(v) for k, v in mine._client_kwargs.items() if k != "verify"} == {
            k: repr(v) for k, v in theirs._client_kwargs.items()
        }
    assert ours[0]._client_kwargs["verify"] is ours[1]._client_kwargs["verify"]
    await asyncio.gather(application.bot.shutdown(), plain.bot.shutdown())
