"""The fake Bot API served over HTTP on 127.0.0.1, for a bot running in another process.

A bot started with `TELEGRAM_API_BASE_URL=<server.base_url>` calls `<base>/bot<token>/<method>`
here exactly as it would call api.telegram.org; the server answers from a `FakeBotApi`.

Like Telegram, it keeps an update until the bot confirms it: getUpdates with a higher offset,
or, once the bot has called setWebhook, a 200 answer to the POST that delivered it. Webhook
updates go out over several connections at once, each chat's one at a time and in order, and
anything not answered with 200 (an error status, a refused or dropped connection) is sent again.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.error
import urllib.request
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.helpers.fake_telegram import TOKEN, FakeBotApi

TEXT_PARAMETERS = {"text", "caption", "callback_query_id", "parse_mode", "url", "secret_token", "file_id", "emoji"}
"""Sent as plain strings by PTB; every other form field is JSON-encoded."""


class QuietHTTPServer(ThreadingHTTPServer):
    """Says nothing when a client goes away mid-request (a bot killed with SIGKILL does)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeBotApiServer:
    """A threaded HTTP server around a FakeBotApi; use as a context manager."""

    def __init__(self, api: FakeBotApi | None = None, *, token: str = TOKEN) -> None:
        self.api = api or FakeBotApi()
        self.token = token
        self.paths: list[str] = []
        self.delays: dict[str, float] = {}
        """Seconds to hold the answer to a method after recording the call: a slow network, on demand."""
        self._server = QuietHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-bot-api", daemon=True)
        self.webhook_connections = WEBHOOK_CONNECTIONS
        self.webhook_statuses: list[int] = []
        """The status of every webhook POST (0: no answer), oldest first."""
        self._stopping = threading.Event()
        self._in_flight: set[int] = set()  # update ids being posted to the webhook
        self._pushers = [
            threading.Thread(target=self._push_webhook_updates, name=f"fake-webhook-{n}", daemon=True)
            for n in range(self.webhook_connections)
        ]

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeBotApiServer:
        self._thread.start()
        for pusher in self._pushers:
            pusher.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        with self.api._lock:
            self.api._lock.notify_all()
        for pusher in self._pushers:
            pusher.join(timeout=5)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- webhook delivery, as Telegram does it once setWebhook is called ------------------------

    def _webhook_target(self) -> tuple[str, str | None] | None:
        url = self.api.webhook.get("url")
        if not url:
            return None
        secret = next(
            (c.params.get("secret_token") for c in reversed(self.api.calls) if c.method == "setWebhook"), None
        )
        return url, secret

    def _next_webhook_update(self) -> tuple[dict[str, Any], str, str | None] | None:
        """The oldest pending update whose chat has nothing in flight (claimed), or None after a short wait."""
        api = self.api
        with api._lock:
            target = self._webhook_target()
            if target is not None:
                busy = {_chat_of(u) for u in api._pending if u["update_id"] in self._in_flight}
                for update in api._pending:
                    chat = _chat_of(update)
                    if update["update_id"] not in self._in_flight and chat not in busy:
                        self._in_flight.add(update["update_id"])
                        return update, *target
                    busy.add(chat)  # keep each chat's updates in order
            api._lock.wait(WEBHOOK_IDLE_WAIT)
        return None

    def _push_webhook_updates(self) -> None:
        while not self._stopping.is_set():
            claimed = self._next_webhook_update()
            if claimed is None:
                continue
            update, url, secret = claimed
            status = _post(url, update, secret)
            with self.api._lock:
                self.webhook_statuses.append(status)
                self._in_flight.discard(update["update_id"])
                if status == 200:  # confirmed: Telegram forgets it
                    self.api._pending = [u for u in self.api._pending if u["update_id"] != update["update_id"]]
                self.api._lock.notify_all()
            if status != 200:
                time.sleep(WEBHOOK_RETRY_DELAY)


WEBHOOK_CONNECTIONS = 8
"""Simultaneous webhook deliveries (Telegram's `max_connections` defaults to 40)."""
WEBHOOK_IDLE_WAIT = 0.05
WEBHOOK_RETRY_DELAY = 0.1
"""Seconds before an update the bot did not accept is sent again (Telegram waits longer)."""


def _chat_of(update: dict[str, Any]) -> object:
    for field in ("message", "edited_message", "channel_post", "callback_query"):
        if field in update:
            content = update[field]
            message = content.get("message", content) if field == "callback_query" else content
            chat = (message or {}).get("chat") or content.get("from") or {}
            return chat.get("id")
    return None


def _post(url: str, update: dict[str, Any], secret: str | None) -> int:
    """POST one update as Telegram does; the status code, or 0 when nothing answered."""
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return 0


def _handler_for(server: FakeBotApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self._answer()

        def do_GET(self) -> None:
            self._answer()

        def _answer(self) -> None:
            path = urlsplit(self.path).path
            server.paths.append(path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            prefix = f"/bot{server.token}/"
            if not path.startswith(prefix):
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            method = path.removeprefix(prefix)
            params, files = _decode(self.headers.get("Content-Type", ""), body, urlsplit(self.path).query)
            if method == "getUpdates" and not server.api.take_updates(params.get("offset")):
                server.api.wait_for_updates(float(params.get("timeout") or 0))
            status, payload = server.api.call(method, params, files)
            time.sleep(server.delays.get(method, 0))
            self._reply(status, payload)

        def _reply(self, status: int, payload: bytes | dict[str, Any]) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the bot gave up waiting (e.g. a long poll cut short at shutdown)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    return Handler


def _decode(content_type: str, body: bytes, query: str) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """Form fields back into Python values, and uploaded files as (filename, bytes)."""
    fields: dict[str, str] = dict(parse_qsl(query))
    files: dict[str, tuple[str, bytes]] = {}
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            content = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[str(name)] = (part.get_filename() or "", content)
            else:
                fields[str(name)] = content.decode()
    elif content_type.startswith("application/json"):
        return json.loads(body or b"{}"), files
    else:
        fields.update(parse_qsl(body.decode()))
    return {name: _value(name, value) for name, value in fields.items()}, files


def _value(name: str, value: str) -> Any:
    if name in TEXT_PARAMETERS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
