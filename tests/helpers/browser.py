"""A real headless browser for the tests: Debian's ``chromium``, driven over the Chrome DevTools Protocol.

Chromium is started headless with a fresh profile and asked for a debugging port of its own
choosing (it writes it to ``DevToolsActivePort`` in the profile); the test then talks to the page
over that websocket (tornado's client, already installed with the bot). No browser is downloaded:
where ``chromium`` is missing the tests that need it are skipped, saying so.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient
from tornado.websocket import WebSocketClientConnection, websocket_connect

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)
START_TIMEOUT_S = 30.0


def chromium_path() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def require_chromium() -> str:
    """The browser's path, or skip the test with the reason and the fix."""
    path = chromium_path()
    if path is None:
        pytest.skip("needs a headless browser: `apt-get install -y --no-install-recommends chromium` (.ci/run does)")
    return path


class Page:
    """One tab, over its DevTools websocket."""

    def __init__(self, socket: WebSocketClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        await self._socket.write_message(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = await self._socket.read_message()
            if message is None:
                raise RuntimeError("the browser closed its DevTools connection")
            data = json.loads(message)
            if data.get("id") == number:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                return data.get("result", {})

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (plain JSON values only)."""
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def goto(self, url: str) -> None:
        await self.call("Page.navigate", url=url)
        await self.wait_for("document.readyState === 'complete'")

    async def wait_for(self, expression: str, *, timeout: float = 10.0) -> float:
        """Wait until ``expression`` is true in the page; returns how long it took (seconds)."""
        started = time.monotonic()
        while True:
            with contextlib.suppress(RuntimeError):  # a page being replaced by a navigation
                if await self.evaluate(f"Boolean({expression})"):
                    return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise AssertionError(f"not true after {timeout} s: {expression}")
            await asyncio.sleep(0.05)

    async def text(self, selector: str = "body") -> str:
        return await self.evaluate(f"document.querySelector({json.dumps(selector)})?.innerText ?? ''")

    async def screenshot(self) -> bytes:
        result = await self.call("Page.captureScreenshot", format="png")
        return base64.b64decode(result["data"])


@contextlib.asynccontextmanager
async def browser(*, width: int = 1920, height: int = 1080) -> AsyncIterator[Page]:
    """A headless Chromium with one blank tab of ``width`` x ``height``; stopped and its profile removed after."""
    path = require_chromium()
    profile = Path(tempfile.mkdtemp(prefix="citybot-chromium-"))
    process = await asyncio.create_subprocess_exec(
        path,
        *FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "about:blank",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    socket: WebSocketClientConnection | None = None
    try:
        port_file = profile / "DevToolsActivePort"
        started = time.monotonic()
        while not port_file.is_file() or len(port_file.read_text().splitlines()) < 2:
            if process.returncode is not None or time.monotonic() - started > START_TIMEOUT_S:
                raise RuntimeError("chromium did not start its DevTools server")
            await asyncio.sleep(0.05)
        port = int(port_file.read_text().splitlines()[0])
        response = await AsyncHTTPClient().fetch(f"http://127.0.0.1:{port}/json/list")
        [tab] = [target for target in json.loads(response.body) if target["type"] == "page"]
        socket = await websocket_connect(tab["webSocketDebuggerUrl"], max_message_size=64 * 1024 * 1024)
        page = Page(socket)
        await page.call("Page.enable")
        await page.call(
            "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
        )
        yield page
    finally:
        if socket is not None:
            socket.close()
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
        shutil.rmtree(profile, ignore_errors=True)
