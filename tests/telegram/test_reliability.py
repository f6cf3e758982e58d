"""Confirm after processing: the getUpdates offset and the webhook's 200 wait for the update to be processed.

The real PTB Application and engine, in this process, against the fake Bot API; a gate handler
(group -1, before citybot's own) holds chosen updates to show what is and is not confirmed yet.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.telegram import ENV_VARS, build_application
from bot.telegram.updater import (
    DELIVERY_KEY,
    POLLING_CONFLICT,
    TOKEN_REVOKED,
    Confirmations,
    DeliverAgain,
    Delivery,
    Poller,
    retry_delay,
)
from bot.telegram.webhook import WebhookServer
from conversations import Engine
from tests.helpers.fake_bot_api_server import FakeBotApiServer
from tests.helpers.fake_telegram import TOKEN, FakeBotApi, FakeTelegramRequest
from tests.helpers.telegram_chat import TelegramChat
from tests.helpers.telegram_updates import make_command_update, make_message_update

Gate = Callable[[Update], Any]


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.01)


def offsets(api: FakeBotApi) -> list[int | None]:
    return [call.params.get("offset") for call in api.calls_to("getUpdates")]


def replies_to(api: FakeBotApi, chat_id: int) -> list[str]:
    return [call.text for call in api.calls_to("sendMessage", chat_id=chat_id)]


@pytest.fixture
async def served(engine: Engine, api: FakeBotApi) -> AsyncIterator[tuple[Application, dict[int, Gate]]]:
    """A running Application whose updates are held by `gates[update_id]` (a coroutine function) if set."""
    application = build_application(engine, TOKEN, request=FakeTelegramRequest(api), rate_limited=False)
    gates: dict[int, Gate] = {}

    async def gate(update: Update, context: object) -> None:
        hold = gates.get(update.update_id)
        if hold is not None:
            await hold(update)

    application.add_handler(TypeHandler(Update, gate), group=-1)
    async with application:
        await application.start()
        yield application, gates
        await application.stop()


@pytest.fixture
async def poller(served: tuple[Application, dict[int, Gate]]) -> AsyncIterator[Poller]:
    application, _ = served
    poller = Poller(application, timeout=0)
    await poller.start()
    yield poller
    await poller.stop()


async def test_the_offset_passes_an_update_only_once_it_and_every_earlier_one_is_processed(
    served: tuple[Application, dict[int, Gate]], poller: Poller, api: FakeBotApi
) -> None:
    _, gates = served
    release = asyncio.Event()

    async def hold(update: Update) -> None:
        await release.wait()

    slow = api.push_update(make_command_update("/help", user_id=701).to_dict())
    gates[slow] = hold
    quick = api.push_update(make_command_update("/help", user_id=702).to_dict())
    await wait_until(lambda: len(replies_to(api, 702)) == 1)  # the other chat is not held up
    await asyncio.sleep(0.2)  # several polls while the first update is still being processed
    assert replies_to(api, 701) == []
    assert all(offset is None or offset <= slow for offset in offsets(api))

    release.set()
    await wait_until(lambda: len(replies_to(api, 701)) == 1)
    await wait_until(lambda: (offsets(api)[-1] or 0) == quick + 1)
    assert api.take_updates(None) == []  # Telegram holds nothing more for us


async def test_an_update_that_was_not_stored_is_fetched_again_and_answered_once(
    served: tuple[Application, dict[int, Gate]], poller: Poller, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.telegram.updater.RETRY_DELAYS", (0.05,))
    _, gates = served
    attempts: list[int] = []

    async def busy_once(update: Update) -> None:
        attempts.append(update.update_id)
        if len(attempts) == 1:
            raise DeliverAgain("database is locked")

    update_id = api.push_update(make_command_update("/help", user_id=703).to_dict())
    gates[update_id] = busy_once
    await wait_until(lambda: len(replies_to(api, 703)) == 1)
    await wait_until(lambda: (offsets(api)[-1] or 0) == update_id + 1)
    assert attempts == [update_id, update_id]
    await asyncio.sleep(0.1)
    assert len(replies_to(api, 703)) == 1  # no apology for the attempt that will be repeated


async def test_stopping_drops_the_open_long_poll_finishes_what_runs_and_confirms_it(
    served: tuple[Application, dict[int, Gate]], api: FakeBotApi
) -> None:
    application, gates = served
    poller = Poller(application, timeout=5)
    await poller.start()
    entered, release = asyncio.Event(), asyncio.Event()

    async def hold(update: Update) -> None:
        entered.set()
        await release.wait()

    update_id = api.push_update(make_command_update("/help", user_id=704).to_dict())
    gates[update_id] = hold
    await asyncio.wait_for(entered.wait(), 2)
    stopping = asyncio.create_task(poller.stop())
    await asyncio.sleep(0.1)
    assert not stopping.done()  # waits for the update being processed
    release.set()
    await asyncio.wait_for(stopping, 2)
    assert len(replies_to(api, 704)) == 1
    assert offsets(api)[-1] == update_id + 1  # the last call confirms it


@pytest.mark.parametrize(
    ("status", "description", "message"),
    [
        (401, "Unauthorized", TOKEN_REVOKED),
        (409, "Conflict: terminated by other getUpdates request", POLLING_CONFLICT.split("(")[0]),
    ],
)
async def test_a_revoked_token_or_a_second_instance_stops_polling_with_one_line(
    served: tuple[Application, dict[int, Gate]], api: FakeBotApi, status: int, description: str, message: str
) -> None:
    application, _ = served
    poller = Poller(application, timeout=0)
    await poller.start()
    api.fail_next("getUpdates", description, status)
    delivery: Delivery = application.bot_data[DELIVERY_KEY]
    await asyncio.wait_for(delivery.failed.wait(), 2)
    await poller.stop()
    assert delivery.failure is not None
    text = str(delivery.failure)
    assert text.startswith(message) and "\n" not in text


async def test_network_errors_are_retried_with_a_growing_pause(
    served: tuple[Application, dict[int, Gate]], api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.telegram.updater.RETRY_DELAYS", (0.01, 0.02))
    application, _ = served
    for _ in range(3):
        api.fail_next("getUpdates", "Bad Gateway", 502)
    poller = Poller(application, timeout=0)
    await poller.start()
    update_id = api.push_update(make_command_update("/help", user_id=705).to_dict())
    await wait_until(lambda: len(replies_to(api, 705)) == 1)
    await poller.stop()
    assert application.bot_data[DELIVERY_KEY].failure is None
    assert offsets(api)[-1] == update_id + 1


def test_confirmations_hold_the_offset_at_the_oldest_update_not_yet_processed() -> None:
    confirmations = Confirmations()
    assert confirmations.offset is None
    assert [confirmations.take(n) for n in (5, 6, 7)] == [True, True, True]
    assert confirmations.take(6) is False  # fetched again while running: not run twice
    confirmations.finish(6, confirmed=True)
    confirmations.finish(7, confirmed=True)
    assert confirmations.offset == 5 and confirmations.take(7) is False
    confirmations.finish(5, confirmed=True)
    assert confirmations.offset == 8 and not confirmations.busy
    assert confirmations.take(8)
    confirmations.finish(8, confirmed=False)  # not stored: holds the offset, comes back after a pause
    assert confirmations.offset == 8 and confirmations.busy
    assert confirmations.take(8) is False


def test_retry_pauses_grow_and_stay_bounded() -> None:
    pauses = [retry_delay(n) for n in range(1, 20)]
    assert pauses == sorted(pauses) and pauses[0] < 1 and pauses[-1] <= 30


# --- the webhook -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post(url: str, body: bytes, secret: str | None = "s3cret", content_type: str = "application/json") -> int:
    headers = {"Content-Type": content_type}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
async def webhook(served: tuple[Application, dict[int, Gate]]) -> AsyncIterator[tuple[WebhookServer, str]]:
    application, _ = served
    port = free_port()
    server = WebhookServer(
        application,
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url="https://bot.example.org/hook",
        secret_token="s3cret",
    )
    await server.start()
    yield server, f"http://127.0.0.1:{port}/hook"
    await server.stop()


async def test_the_webhook_answers_200_only_after_the_update_is_processed(
    served: tuple[Application, dict[int, Gate]], webhook: tuple[WebhookServer, str], api: FakeBotApi
) -> None:
    _, gates = served
    _, url = webhook
    [registration] = api.calls_to("setWebhook")
    assert registration.params["secret_token"] == "s3cret"
    release = asyncio.Event()

    async def hold(update: Update) -> None:
        await release.wait()

    update = make_command_update("/help", user_id=711)
    gates[update.update_id] = hold
    answer = asyncio.create_task(asyncio.to_thread(post, url, json.dumps(update.to_dict()).encode()))
    await asyncio.sleep(0.2)
    assert not answer.done()  # Telegram is kept waiting while the update is processed
    release.set()
    assert await answer == 200
    assert len(replies_to(api, 711)) == 1


async def test_the_webhook_asks_for_an_update_again_when_it_was_not_stored_and_holds_its_chat_behind_it(
    served: tuple[Application, dict[int, Gate]],
    webhook: tuple[WebhookServer, str],
    api: FakeBotApi,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.telegram.webhook.PATIENCE", 0.2)
    _, gates = served
    _, url = webhook
    ran: list[int] = []

    async def busy(update: Update) -> None:
        raise DeliverAgain("database is locked")

    async def record(update: Update) -> None:
        ran.append(update.update_id)

    update = make_command_update("/help", user_id=712)
    later = make_command_update("/help", user_id=712)
    other_chat = make_command_update("/help", user_id=713)
    gates[update.update_id] = busy
    gates[later.update_id] = gates[other_chat.update_id] = record
    assert await asyncio.to_thread(post, url, json.dumps(update.to_dict()).encode()) == 503
    assert await asyncio.to_thread(post, url, json.dumps(later.to_dict()).encode()) == 503  # held behind it
    assert await asyncio.to_thread(post, url, json.dumps(other_chat.to_dict()).encode()) == 200  # others run
    assert ran == [other_chat.update_id] and replies_to(api, 712) == []
    del gates[update.update_id]
    assert await asyncio.to_thread(post, url, json.dumps(update.to_dict()).encode()) == 200
    assert await asyncio.to_thread(post, url, json.dumps(later.to_dict()).encode()) == 200
    assert ran == [other_chat.update_id, later.update_id]
    assert len(replies_to(api, 712)) == 2


async def test_a_polled_update_that_was_not_stored_holds_its_chat_and_runs_again_in_its_place(
    served: tuple[Application, dict[int, Gate]], poller: Poller, api: FakeBotApi
) -> None:
    _, gates = served
    ran: list[int] = []
    failing = asyncio.Event()
    failing.set()
    recovered = asyncio.Event()

    async def storage_down(update: Update) -> None:
        ran.append(update.update_id)
        if failing.is_set():
            raise DeliverAgain("database or disk is full", retry_after=30, recovered=recovered)

    async def record(update: Update) -> None:
        ran.append(update.update_id)

    first = api.push_update(make_command_update("/help", user_id=714).to_dict())
    gates[first] = storage_down
    later = [api.push_update(make_command_update("/help", user_id=714).to_dict()) for _ in range(3)]
    other = api.push_update(make_command_update("/help", user_id=715).to_dict())
    for update_id in [*later, other]:
        gates[update_id] = record
    await wait_until(lambda: len(replies_to(api, 715)) == 1)
    await asyncio.sleep(0.2)
    assert ran == [first, other] and replies_to(api, 714) == []  # its chat waits behind it; the other chat does not
    assert all(offset is None or offset <= first for offset in offsets(api))
    failing.clear()
    recovered.set()  # storage works again: no need to wait the 30 s
    await wait_until(lambda: len(replies_to(api, 714)) == 4, timeout=3)
    assert ran == [first, other, first, *later]
    await wait_until(lambda: (offsets(api)[-1] or 0) == other + 1)


DEEP = b'{"update_id": 1, "message": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001
REFUSED = [
    (DEEP, "s3cret", "application/json", 400),
    (b"[" * 50_000 + b"]" * 50_000, "s3cret", "application/json", 400),
    (b"\xff\xfe not utf-8", "s3cret", "application/json", 400),
    (b'"just a string"', "s3cret", "application/json", 400),
    (b"12", "s3cret", "application/json", 400),
    (b"null", "s3cret", "application/json", 400),
    (b'{"update_id": "seven"}', "s3cret", "application/json", 400),
    (b'{"update_id": 5, "message": "not a message"}', "s3cret", "application/json", 400),
    (b'{"update_id": 5, "message": {"chat": []}}', "s3cret", "application/json", 400),
    (b'{"update_id": 5, "callback_query": {"id": 1}}', "s3cret", "application/json", 400),
    (b"{}", "wrong", "application/json", 403),
    (b"{}", None, "application/json", 403),
    (b"{}", "s3cret", "text/plain", 403),
    (b"not json", "s3cret", "application/json", 400),
    (b'{"no": "update_id"}', "s3cret", "application/json", 400),
    (b"[1, 2]", "s3cret", "application/json", 400),
]


async def test_the_webhook_refuses_calls_that_are_not_telegrams_updates(webhook: tuple[WebhookServer, str]) -> None:
    _, url = webhook
    statuses = [await asyncio.to_thread(post, url, body, secret, kind) for body, secret, kind, _ in REFUSED]
    assert statuses == [status for *_, status in REFUSED]


# --- what the log says ---------------------------------------------------------------------------


async def test_a_failing_update_is_logged_by_its_ids_never_its_text_or_the_users_name(
    chat: TelegramChat, api: FakeBotApi, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail_next("sendMessage", "Bad Request: can't parse entities: unsupported start tag")
    update = make_message_update("My secret plan for Gent", bot=chat.application.bot, user_id=chat.user_id)
    with caplog.at_level(logging.INFO):  # citybot logs at INFO (PTB's DEBUG lines do show updates)
        await chat.deliver(update)
    [record] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    logged = caplog.text
    assert str(update.update_id) in record.getMessage() and str(chat.user_id) in record.getMessage()
    assert "secret plan" not in logged and "Ana" not in logged
    assert replies_to(api, chat.user_id)[-1] == engine.texts.get("errors.internal")


# --- `citybot run` as a process --------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
async def test_a_token_revoked_while_polling_stops_the_process_with_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name not in ENV_VARS}
    with FakeBotApiServer() as server:
        env |= {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "DATABASE_URL": f"sqlite:///{tmp_path}/citybot.db",
            "TELEGRAM_API_BASE_URL": server.base_url,
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
        )
        await asyncio.to_thread(server.api.wait_for, lambda calls: any(c.method == "getUpdates" for c in calls), 20)
        server.api.fail_next("getUpdates", "Unauthorized", 401)
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2
    assert lines[-1] == f"error: {TOKEN_REVOKED}"
    assert "Traceback" not in stderr.decode()
