"""A fake Telegram Bot API: records every call and answers like Telegram, without any network.

`FakeBotApi` holds the behaviour (messages it has sent, pending updates, canned failures);
`FakeTelegramRequest` plugs it into PTB as a `BaseRequest`, so the whole PTB stack runs
(`async with app: await app.process_update(update)`), the pattern of PTB's own
`tests/auxil/networking.py`. The HTTP server in `fake_bot_api_server.py` serves the same object.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 7000001
BOT_USERNAME = "citybot_test_bot"
TOKEN = f"{BOT_ID}:AAHfakeTokenForTests_0123456789abcdef"
MAX_LONG_POLL = 0.5
"""Seconds a getUpdates call waits for updates at most (Telegram waits `timeout`; tests want speed)."""

JsonDict = dict[str, Any]


@dataclass
class Call:
    """One Bot API call as the bot made it: method name, decoded parameters, uploaded files."""

    method: str
    params: JsonDict
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[JsonDict]:
        """The inline keyboard's buttons, row after row."""
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def labels(self) -> list[str]:
        return [button["text"] for button in self.buttons]


class TelegramFailure(Exception):
    """A canned error answer: the status code and description Telegram would send."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


class FakeBotApi:
    """Just enough of the Bot API for citybot, with Telegram's answers and error messages.

    Thread-safe, because the HTTP server answers from several threads.
    """

    def __init__(self, *, bot_id: int = BOT_ID, username: str = BOT_USERNAME) -> None:
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "citybot",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[Call] = []
        self.messages: dict[tuple[int, int], JsonDict] = {}
        self.files: dict[str, bytes] = {}
        """What each photo's ``file_id`` holds, as uploaded: what a chat shows, for tests to read back."""
        self.webhook: JsonDict = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        self._pending: list[JsonDict] = []
        self._failures: dict[str, list[TelegramFailure]] = {}
        self._message_ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        self._lock = threading.Condition()
        self._methods: dict[str, Callable[[JsonDict, dict[str, tuple[str, bytes]]], Any]] = {
            "getMe": lambda p, f: self.bot_user,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_reply_markup,
            "sendPhoto": self._send_photo,
            "editMessageMedia": self._edit_message_media,
            "deleteMessage": self._delete_message,
            "sendDocument": self._send_document,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda p, f: self.webhook,
        }
        for method in ("answerCallbackQuery", "setMyCommands", "deleteMyCommands", "sendChatAction",
                       "close", "logOut"):  # fmt: skip
            self._methods[method] = lambda p, f: True

    # --- what tests use -------------------------------------------------------------------------

    def fail_next(self, method: str, description: str, status: int = 400) -> None:
        """Make the next call of `method` fail the way Telegram would, e.g. 'Bad Request: message to edit not found'."""
        with self._lock:
            self._failures.setdefault(method, []).append(TelegramFailure(status, description))

    def push_update(self, update: JsonDict) -> int:
        """Queue an update (a dict, as Telegram sends it) for the next getUpdates; returns its update_id."""
        with self._lock:
            update = dict(update)
            if not update.get("update_id"):
                update["update_id"] = next(self._update_ids)
            self._pending.append(update)
            self._lock.notify_all()
            return int(update["update_id"])

    def photo(self, chat_id: int, message_id: int) -> bytes:
        """The picture a photo message in a chat shows now (after any edits)."""
        with self._lock:
            return self.files[self.messages[(chat_id, message_id)]["photo"][-1]["file_id"]]

    def calls_to(self, *methods: str, chat_id: int | None = None) -> list[Call]:
        with self._lock:
            return [
                call for call in self.calls if call.method in methods and (chat_id is None or call.chat_id == chat_id)
            ]

    def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 5.0) -> list[Call]:
        """Block (in another thread than the bot's) until the recorded calls satisfy `predicate`."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(list(self.calls)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    methods = [call.method for call in self.calls]
                    raise TimeoutError(f"condition not met within {timeout}s; calls so far: {methods}")
                self._lock.wait(remaining)
            return list(self.calls)

    # --- the API --------------------------------------------------------------------------------

    def call(
        self, method: str, params: JsonDict, files: dict[str, tuple[str, bytes]] | None = None
    ) -> tuple[int, bytes]:
        """Answer one API call: (HTTP status, JSON body), like api.telegram.org."""
        files = files or {}
        with self._lock:
            self.calls.append(Call(method, params, files))
            self._lock.notify_all()
            try:
                queued = self._failures.get(method)
                if queued:
                    raise queued.pop(0)
                handler = self._methods.get(method)
                if handler is None:
                    raise TelegramFailure(404, f"Not Found: method {method} is not implemented by the fake Bot API")
                result = handler(params, files)
            except TelegramFailure as failure:
                body = {"ok": False, "error_code": failure.status, "description": failure.description}
                return failure.status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def take_updates(self, offset: int | None, limit: int = 100) -> list[JsonDict]:
        """Confirm updates below `offset` (drop them) and return the rest, as getUpdates does."""
        with self._lock:
            if offset:
                self._pending = [update for update in self._pending if update["update_id"] >= offset]
            return self._pending[:limit]

    def wait_for_updates(self, timeout: float) -> None:
        with self._lock:
            if not self._pending:
                self._lock.wait(min(timeout, MAX_LONG_POLL))

    def _new_message(self, params: JsonDict, **content: Any) -> JsonDict:
        chat_id = int(params["chat_id"])
        message: JsonDict = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": self.bot_user,
            **content,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = _as_json(params["reply_markup"])
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _send_message(self, params: JsonDict, files: Any) -> JsonDict:
        text = str(params.get("text", ""))
        if not text.strip():
            raise TelegramFailure(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            raise TelegramFailure(400, "Bad Request: message is too long")
        return self._new_message(params, text=text)

    def _stored(self, params: JsonDict) -> JsonDict:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        if key not in self.messages:
            raise TelegramFailure(400, "Bad Request: message to edit not found")
        return self.messages[key]

    def _edit_message_text(self, params: JsonDict, files: Any) -> JsonDict:
        message = self._stored(params)
        if "text" not in message:  # a photo or a document: only its caption could be edited
            raise TelegramFailure(400, "Bad Request: there is no text in the message to edit")
        markup = _as_json(params["reply_markup"]) if params.get("reply_markup") else None
        if message.get("text") == params.get("text") and message.get("reply_markup") == markup:
            raise TelegramFailure(400, "Bad Request: message is not modified: specified new message content and "
                                       "reply markup are exactly the same as a current content and reply markup "
                                       "of the message")  # fmt: skip
        message["text"] = str(params.get("text", ""))
        message["edit_date"] = int(time.time())
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    def _edit_reply_markup(self, params: JsonDict, files: Any) -> JsonDict:
        message = self._stored(params)
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = _as_json(params["reply_markup"])
        return message

    def _send_photo(self, params: JsonDict, files: dict[str, tuple[str, bytes]]) -> JsonDict:
        if "photo" not in files and not params.get("photo"):
            raise TelegramFailure(400, "Bad Request: there is no photo in the request")
        data = files["photo"][1] if "photo" in files else b""
        return self._new_message(params, photo=self._photo_sizes(data), **_caption(params))

    def _photo_sizes(self, data: bytes) -> list[JsonDict]:
        """A photo's PhotoSize list (one size); the same bytes get the same file id, as on Telegram."""
        width, height = _png_size(data) or (640, 480)
        digest = hashlib.sha256(data).hexdigest()[:16]
        self.files[f"photo{digest}"] = data
        return [{"file_id": f"photo{digest}", "file_unique_id": f"u{digest}", "width": width, "height": height}]

    def _edit_message_media(self, params: JsonDict, files: dict[str, tuple[str, bytes]]) -> JsonDict:
        """Replace a photo message's picture (and caption, and buttons); only photos here, as citybot edits no other."""
        message = self._stored(params)
        media = _as_json(params.get("media")) or {}
        if "photo" not in message:
            raise TelegramFailure(400, "Bad Request: there is no media in the message to edit")
        if media.get("type") != "photo":
            raise TelegramFailure(400, "Bad Request: can't parse InputMedia: media type is not supported here")
        source = str(media.get("media", ""))
        if source.startswith("attach://") and source.removeprefix("attach://") in files:
            photo = self._photo_sizes(files[source.removeprefix("attach://")][1])
        elif source in self.files:
            photo = self._photo_sizes(self.files[source])  # an earlier upload's file id
        else:
            raise TelegramFailure(400, "Bad Request: can't parse InputMedia: media not found")
        caption = _caption(media)
        markup = _as_json(params["reply_markup"]) if params.get("reply_markup") else None
        if (
            photo == message["photo"]
            and caption.get("caption") == message.get("caption")
            and (markup == message.get("reply_markup"))
        ):
            raise TelegramFailure(400, "Bad Request: message is not modified: specified new message content and "
                                       "reply markup are exactly the same as a current content and reply markup "
                                       "of the message")  # fmt: skip
        message["photo"] = photo
        message.pop("caption", None)
        message.update(caption)
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return message

    def _delete_message(self, params: JsonDict, files: Any) -> bool:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        if self.messages.pop(key, None) is None:
            raise TelegramFailure(400, "Bad Request: message to delete not found")
        return True

    def _send_document(self, params: JsonDict, files: dict[str, tuple[str, bytes]]) -> JsonDict:
        name, data = files.get("document", ("file", b""))
        document = {"file_id": f"doc{len(data)}", "file_unique_id": f"d{len(data)}", "file_name": name}
        return self._new_message(params, document=document, **_caption(params))

    def _get_updates(self, params: JsonDict, files: Any) -> list[JsonDict]:
        return self.take_updates(int(params.get("offset") or 0), int(params.get("limit") or 100))

    def _set_webhook(self, params: JsonDict, files: Any) -> bool:
        self.webhook = {**self.webhook, "url": params.get("url", "")}
        return True

    def _delete_webhook(self, params: JsonDict, files: Any) -> bool:
        self.webhook = {**self.webhook, "url": ""}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True


def _as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _caption(params: JsonDict) -> JsonDict:
    if not params.get("caption"):
        return {}
    caption = str(params["caption"])
    if len(caption.encode("utf-16-le")) // 2 > 1024:
        raise TelegramFailure(400, "Bad Request: message caption is too long")
    return {"caption": caption}


def _png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header (IHDR), or None for anything else."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


class FakeTelegramRequest(BaseRequest):
    """PTB's HTTP layer replaced by the fake API: same calls, same answers, no sockets.

    `latency` adds a simulated network round trip to every call, plus up to `jitter` seconds
    more, drawn from a seeded generator (for benchmarks and ordering tests).
    """

    def __init__(self, api: FakeBotApi | None = None, *, latency: float = 0.0, jitter: float = 0.0) -> None:
        self.api = api or FakeBotApi()
        self.latency = latency
        self.jitter = jitter
        self._random = random.Random(42)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files = _files(request_data)
        if self.latency or self.jitter:
            await asyncio.sleep(self.latency + self._random.uniform(0, self.jitter))
        if api_method == "getUpdates" and not self.api.take_updates(params.get("offset")):
            await asyncio.sleep(min(float(params.get("timeout") or 0), MAX_LONG_POLL))
        return self.api.call(api_method, params, files)


def _files(request_data: RequestData | None) -> dict[str, tuple[str, bytes]]:
    if request_data is None or not request_data.contains_files:
        return {}
    files: dict[str, tuple[str, bytes]] = {}
    for name, part in request_data.multipart_data.items():
        filename, content = part[0], part[1]
        files[name] = (str(filename), content if isinstance(content, bytes) else content.read())
    return files


def methods(calls: Iterable[Call]) -> list[str]:
    """Just the method names, in order: handy in assertions."""
    return [call.method for call in calls]
