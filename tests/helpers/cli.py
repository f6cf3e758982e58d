"""Running the installed `citybot` command as a user would, in a subprocess."""

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
