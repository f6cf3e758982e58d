"""`citybot run` as a real process against a fake Bot API server on 127.0.0.1: polling, webhook, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.telegram import ENV_VARS
from bot.telegram.render import escape
from conversations import Texts
from tests.helpers.chat import ExpectedTexts
from tests.helpers.fake_bot_api_server import FakeBotApiServer
from tests.helpers.fake_telegram import TOKEN, Call
from tests.helpers.telegram_updates import USER_ID, make_callback_update, make_command_update, make_message_update

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM semantics")

START_TIMEOUT = 10.0
SENT = ExpectedTexts(Texts.load(), escape=escape)
"""What the bot sends, from the texts file: HTML-escaped, as the adapter sends it."""
LABELS = ExpectedTexts(Texts.load())


@contextmanager
def citybot_run(tmp_path: Path, **settings: str) -> Iterator[subprocess.Popen[str]]:
    """`citybot run` in a subprocess with only the given settings; killed if a test leaves it running."""
    env = {name: value for name, value in os.environ.items() if name not in ENV_VARS}
    env |= {"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": f"sqlite:///{tmp_path}/citybot.db", **settings}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=5)


def stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM, as a service manager would send it; returns stderr once the process has exited."""
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=10)
    return stderr


def sent_texts(calls: list[Call], method: str = "sendMessage") -> list[str]:
    return [call.text for call in calls if call.method == method and call.chat_id == USER_ID]


def test_polling_bot_talks_to_the_api_server_it_is_given_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    with FakeBotApiServer() as server, citybot_run(tmp_path, TELEGRAM_API_BASE_URL=server.base_url) as process:
        api = server.api
        api.wait_for(lambda calls: any(call.method == "getUpdates" for call in calls), timeout=START_TIMEOUT)
        menus = sum(call.method == "setMyCommands" for call in api.calls)  # one per language, and the default
        assert [call.method for call in api.calls[: 2 + menus]] == [
            "getMe",
            *["setMyCommands"] * menus,
            "deleteWebhook",
        ]

        api.push_update(make_command_update("/start ws_ab12").to_dict())
        api.wait_for(lambda calls: len(sent_texts(calls)) == 1)
        welcome = next(message for message in api.messages.values() if message.get("reply_markup"))
        agree = welcome["reply_markup"]["inline_keyboard"][0][0]
        assert agree["text"] == LABELS.render("onboarding.agree")

        api.push_update(make_callback_update(agree["callback_data"], message=welcome).to_dict())
        calls = api.wait_for(lambda calls: len(sent_texts(calls, "editMessageText")) == 1)
        assert any(call.method == "answerCallbackQuery" for call in calls)
        consented = SENT.render("onboarding.consented") + "\n\n" + SENT.render("onboarding.ask_city")
        assert sent_texts(calls, "editMessageText") == [consented]  # the choice and the next question, in place
        assert len(sent_texts(calls)) == 1  # no new message for it

        # An update in flight when SIGTERM arrives is finished before the process exits.
        server.delays["sendMessage"] = 0.5
        api.push_update(make_message_update("Torino").to_dict())
        api.wait_for(lambda calls: len(sent_texts(calls)) == 2)
        stderr = stop(process)

        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
        texts = sent_texts(api.calls)
        assert texts[1:] == [SENT.render("onboarding.city_saved", city="Torino"), SENT.render("onboarding.ask_role")]
        assert all(path.startswith(f"/bot{TOKEN}/") for path in server.paths)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post_update(url: str, update: dict[str, object], secret: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_webhook_bot_registers_its_url_checks_the_secret_and_answers(tmp_path: Path) -> None:
    port = free_port()
    webhook_url = f"http://127.0.0.1:{port}/citybot/hook"
    with (
        FakeBotApiServer() as server,
        citybot_run(
            tmp_path,
            TELEGRAM_API_BASE_URL=server.base_url,
            WEBHOOK_URL=webhook_url,
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(port),
            WEBHOOK_SECRET="s3cret-token",
        ) as process,
    ):
        api = server.api
        calls = api.wait_for(lambda calls: any(call.method == "setWebhook" for call in calls), timeout=START_TIMEOUT)
        [registration] = [call for call in calls if call.method == "setWebhook"]
        assert registration.params["url"] == webhook_url
        assert registration.params["secret_token"] == "s3cret-token"

        deadline = time.monotonic() + 5
        while True:  # the webhook server may still be binding
            try:
                status = post_update(webhook_url, make_command_update("/help").to_dict(), "wrong-secret")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert status == 403
        assert post_update(webhook_url, make_command_update("/help").to_dict(), "s3cret-token") == 200
        api.wait_for(lambda calls: len(sent_texts(calls)) == 1)
        assert SENT.within(sent_texts(api.calls)[0], "help.command", name="checkin")

        stderr = stop(process)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr


def test_a_token_telegram_rejects_is_a_one_line_error(tmp_path: Path) -> None:
    other_token = "42:AAAnotTheTokenTheBotUses_0123456789abc"
    with (
        FakeBotApiServer(token=other_token) as server,
        citybot_run(tmp_path, TELEGRAM_API_BASE_URL=server.base_url) as process,
    ):
        _, stderr = process.communicate(timeout=START_TIMEOUT)
    assert process.returncode == 2
    assert stderr.strip().splitlines()[-1].startswith("error: Telegram rejected TELEGRAM_BOT_TOKEN")
    assert "Traceback" not in stderr


def test_ctrl_c_stops_the_bot_cleanly(tmp_path: Path) -> None:
    with FakeBotApiServer() as server, citybot_run(tmp_path, TELEGRAM_API_BASE_URL=server.base_url) as process:
        server.api.wait_for(lambda calls: any(call.method == "getUpdates" for call in calls), timeout=START_TIMEOUT)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "Application.stop() complete" in stderr
