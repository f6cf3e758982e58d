"""citybot in a subprocess: the installed `citybot` command as a user runs it, or its modules in a fresh Python."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def citybot_command() -> list[str]:
    """The `citybot` script next to this Python, or `python -m bot` where it is not installed."""
    script = Path(sys.executable).with_name("citybot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def run_citybot(
    *args: str, database_url: str, lines: Sequence[str] = (), timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `citybot ARGS` on a database, typing ``lines`` on its standard input; never with a Telegram token."""
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(
        [*citybot_command(), *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def modules_loaded_by(statement: str) -> set[str]:
    """The modules a fresh Python has loaded after running ``statement``, e.g. ``"import bot.cli"``."""
    code = f"{statement}\nimport sys\nprint(*sys.modules, sep='\\n')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return set(result.stdout.split())
