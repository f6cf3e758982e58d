"""The fake Bot API served over HTTP on 127.0.0.1, for a bot running in another process.

A bot started with `TELEGRAM_API_BASE_URL=<server.base_url>` calls `<base>/bot<token>/<method>`
here exactly as it would call api.telegram.org; the server answers from a `FakeBotApi`.
"""

from __future__ import annotations

import json
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.helpers.fake_telegram import TOKEN, FakeBotApi

TEXT_PARAMETERS = {"text", "caption", "callback_query_id", "parse_mode", "url", "secret_token", "file_id", "emoji"}
"""Sent as plain strings by PTB; every other form field is JSON-encoded."""


class FakeBotApiServer:
    """A threaded HTTP server around a FakeBotApi; use as a context manager."""

    def __init__(self, api: FakeBotApi | None = None, *, token: str = TOKEN) -> None:
        self.api = api or FakeBotApi()
        self.token = token
        self.paths: list[str] = []
        self.delays: dict[str, float] = {}
        """Seconds to hold the answer to a method after recording the call: a slow network, on demand."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-bot-api", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeBotApiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


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
