"""citybot in a subprocess: the installed `citybot` command as a user runs it, or its modules in a fresh Python."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.settings import ENV_VARS


def citybot_command() -> list[str]:
    """The `citybot` script next to this Python, or `python -m bot` where it is not installed."""
    script = Path(sys.executable).with_name("citybot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def run_citybot(
    *args: str, database_url: str | None, cwd: Path | None = None, lines: Sequence[str] = (), timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `citybot ARGS` in ``cwd``, typing ``lines`` on its standard input.

    None of the developer's citybot settings reach it: it gets ``DATABASE_URL=database_url`` (unless
    ``None``) and otherwise only what a `.env` file in ``cwd`` says; ``cwd`` defaults to an empty folder.
    """
    env = {name: value for name, value in os.environ.items() if name not in ENV_VARS}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    with tempfile.TemporaryDirectory() as empty:
        return subprocess.run(
            [*citybot_command(), *args],
            input="".join(f"{line}\n" for line in lines),
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd or empty,
            timeout=timeout,
            check=False,
        )


def clear_settings(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Run in ``folder`` (so only a `.env` written there counts) with none of citybot's variables set."""
    monkeypatch.chdir(folder)
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def modules_loaded_by(statement: str) -> set[str]:
    """The modules a fresh Python has loaded after running ``statement``, e.g. ``"import bot.cli"``."""
    code = f"{statement}\nimport sys\nprint(*sys.modules, sep='\\n')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return set(result.stdout.split())
