"""`citybot serve`, `citybot workshop screen|hide|reveal|create --hidden` as a user runs them, and their settings."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import ENV_VARS, ConfigError, load_settings
from tests.helpers.cli import citybot_command, clear_settings
from tests.telegram.test_e2e import free_port

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_settings(monkeypatch, tmp_path)


def citybot(database_url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--database-url", database_url])
    return result.exit_code, result.stdout, result.stderr


def test_screen_prints_a_new_link_and_needs_the_public_url(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    status, out, _ = citybot(database_url, "workshop", "create", "Spring", "day", "--hidden")
    assert status == 0 and "hidden on the big screen" in out
    code = out.split()[1]
    status, _, error = citybot(database_url, "workshop", "screen", code)
    assert status == 2 and "CITYBOT_PUBLIC_URL" in error
    monkeypatch.setenv("CITYBOT_PUBLIC_URL", "http://192.168.1.20:8080/")
    status, first, _ = citybot(database_url, "workshop", "screen", code)
    _, second, _ = citybot(database_url, "workshop", "screen", code)
    assert status == 0 and first.startswith("http://192.168.1.20:8080/screen/") and first != second
    assert len(first.strip().rsplit("/", 1)[1]) == 32  # 192 bits in base64url
    assert citybot(database_url, "workshop", "reveal", code)[0] == 0
    assert citybot(database_url, "workshop", "hide", code)[0] == 0
    assert citybot(database_url, "workshop", "reveal", "nosuch")[0] == 2
    citybot(database_url, "workshop", "close", code)
    status, _, error = citybot(database_url, "workshop", "screen", code)
    assert status == 2 and "closed" in error


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CITYBOT_PUBLIC_URL", "citybot.example.org", "CITYBOT_PUBLIC_URL must be an http(s) URL"),
        ("CITYBOT_WEB_PORT", "80000", "CITYBOT_WEB_PORT must be a port number"),
        ("CITYBOT_SCREEN_HOURS", "soon", "CITYBOT_SCREEN_HOURS must be a number of hours"),
    ],
)
def test_a_bad_web_setting_is_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings()


def test_web_settings_default_to_no_big_screen() -> None:
    settings = load_settings()
    assert settings.citybot_public_url is None and settings.citybot_web_port is None
    assert (settings.citybot_web_listen, settings.citybot_screen_hours) == ("0.0.0.0", 2.0)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM semantics")
def test_citybot_serve_serves_the_page_and_stops_on_sigterm(database_url: str) -> None:
    status, out, _ = citybot(database_url, "workshop", "create", "Laptop", "workshop")
    assert status == 0
    code = out.split()[1]
    port = free_port()
    env = {name: value for name, value in os.environ.items() if name not in ENV_VARS}
    env |= {"DATABASE_URL": database_url, "CITYBOT_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    link = subprocess.run(
        [*citybot_command(), "workshop", "screen", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    command = [*citybot_command(), "serve", "--port", str(port), "--listen", "127.0.0.1", "--bot-username", "gent_bot"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(link, timeout=5) as response:
                    page = response.read().decode()
                break
            except (ConnectionError, urllib.error.URLError):
                assert process.poll() is None and time.monotonic() < deadline, process.stderr
                time.sleep(0.1)
        assert "Laptop workshop" in page and f"https://t.me/gent_bot?start=ws_{code}" in page
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        assert "Traceback" not in err and link.rsplit("/", 1)[1] not in out + err
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_a_port_in_use_is_one_line(database_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, _, error = citybot(database_url, "serve", "--port", str(port), "--listen", "127.0.0.1")
    assert (
        status == 2
        and error.startswith("error: cannot serve the big screen on 127.0.0.1:")
        and "CITYBOT_WEB_PORT" in error
    )
    assert "Traceback" not in error
