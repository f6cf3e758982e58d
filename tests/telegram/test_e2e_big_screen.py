"""`citybot run` with a public URL and a web port serves the big screens in the same process, and stops with it."""

from __future__ import annotations

import asyncio
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from catalogue import Catalogue
from conversations import open_engine
from conversations.screen import screen_path
from tests.helpers.fake_bot_api_server import FakeBotApiServer
from tests.helpers.fake_telegram import BOT_USERNAME
from tests.telegram.test_e2e import START_TIMEOUT, citybot_run, free_port, stop

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM semantics")


async def open_workshop_with_link(database: Path, catalogue: Catalogue) -> tuple[str, str]:
    async with await open_engine(f"sqlite:///{database}", catalogue) as engine:
        info = await engine.coordination.create_workshop("Spring day", city="Gent")
        _, token = await engine.screens.new_link(info.code)
    assert token is not None
    return info.code, token


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_citybot_run_serves_the_big_screen_alongside_telegram(tmp_path: Path, catalogue: Catalogue) -> None:
    code, token = asyncio.run(open_workshop_with_link(tmp_path / "citybot.db", catalogue))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {"CITYBOT_PUBLIC_URL": base, "CITYBOT_WEB_PORT": str(port), "CITYBOT_WEB_LISTEN": "127.0.0.1"}
    with FakeBotApiServer() as server, citybot_run(tmp_path, TELEGRAM_API_BASE_URL=server.base_url, **settings) as bot:
        server.api.wait_for(lambda calls: any(call.method == "getUpdates" for call in calls), timeout=START_TIMEOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                status, page = fetch(base + screen_path(token))
                break
            except (ConnectionError, urllib.error.URLError):
                assert time.monotonic() < deadline, "the big screen was not served"
                time.sleep(0.1)
        assert status == 200 and "Spring day" in page and code in page
        assert f"https://t.me/{BOT_USERNAME}?start=ws_{code}" in page  # the running bot's own username
        assert fetch(base + screen_path(token[::-1]))[0] == 404
        stderr = stop(bot)
    assert bot.returncode == 0, stderr
    assert "Traceback" not in stderr and token not in stderr
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        fetch(base + screen_path(token))  # stopped with the bot


def test_citybot_run_with_the_web_port_taken_stops_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken, FakeBotApiServer() as server:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = {
            "CITYBOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "CITYBOT_WEB_PORT": str(port),
            "CITYBOT_WEB_LISTEN": "127.0.0.1",
        }
        with citybot_run(tmp_path, TELEGRAM_API_BASE_URL=server.base_url, **settings) as bot:
            _, stderr = bot.communicate(timeout=START_TIMEOUT * 2)
    assert bot.returncode == 2, stderr
    assert "error: cannot serve the big screen on 127.0.0.1:" in stderr and "Traceback" not in stderr
    methods = [call.method for call in server.api.calls]
    assert methods == ["getMe", *["setMyCommands"] * (len(methods) - 1)]  # the menus (per language), no update taken
