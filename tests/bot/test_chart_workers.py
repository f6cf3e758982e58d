"""Chart worker processes end when the bot ends, however it ends: a `kill -9` of the bot leaves none behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOT = """
import time
from bot import chart_workers
pool = chart_workers.start()
pool.submit(int).result()
print(*pool._processes, flush=True)
time.sleep(120)
"""


def ended(pid: int) -> bool:
    """Gone, or a zombie nobody has reaped yet (it runs no more)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_chart_workers_end_when_the_bot_is_killed_with_sigkill() -> None:
    bot = subprocess.Popen([sys.executable, "-c", BOT], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert bot.stdout is not None
        workers = [int(pid) for pid in bot.stdout.readline().split()]
        assert workers and not any(ended(pid) for pid in workers)
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=10)
        deadline = time.monotonic() + 5
        while not all(ended(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [pid for pid in workers if not ended(pid)] == []
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(timeout=10)
        if bot.stdout is not None:
            bot.stdout.close()
