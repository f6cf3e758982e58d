"""Start-up time of ``citybot run``: from process start to ready for updates (its first getUpdates call).

Run: python benchmarks/startup.py [--runs N]   (prints one JSON object)

Each run starts ``python -m bot run`` against the tests' fake Bot API HTTP server on 127.0.0.1,
on the same SQLite file (the first run creates it, the others open it, as after a restart),
and stops it with SIGTERM once it has asked for updates. The figure is the median.

A run ends when the bot's first getUpdates request reaches the server, not when the server
answers it: the fake API holds an empty long poll for up to half a second before it records the
call, which is waiting for updates, not starting. One server serves every run (its HTTP handler
sends each answer without Nagle's delay, as a production HTTP server does; Python's
``http.server`` otherwise makes each small answer wait about 40 ms for the client's delayed ACK),
and each run waits for the previous bot to have exited. The bot's Python bytecode is cached as
an installed package's is (``PYTHONDONTWRITEBYTECODE`` is not passed on): the first run writes
it, like the first start after an install.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.helpers.fake_bot_api_server import FakeBotApiServer  # noqa: E402
from tests.helpers.fake_telegram import TOKEN  # noqa: E402

RUNS = 5
TIMEOUT_S = 30.0
SETTINGS = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "DATABASE_URL", "WEBHOOK_URL", "CITYBOT_CATALOGUE")
NOT_PASSED_ON = (*SETTINGS, "PYTHONDONTWRITEBYTECODE")


class Arrivals(list[str]):
    """The server's list of request paths (appended as each request arrives, before its body is read):
    notes when the first getUpdates of a run arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.first_poll: float | None = None
        self.polled = threading.Event()

    def arm(self) -> None:
        self.first_poll = None
        self.polled.clear()

    def append(self, path: str) -> None:
        if self.first_poll is None and path.endswith("/getUpdates"):
            self.first_poll = time.perf_counter()
            self.polled.set()
        super().append(path)


def once(server: FakeBotApiServer, arrivals: Arrivals, folder: Path) -> float:
    """Seconds from starting the process to the arrival of its first getUpdates call."""
    env = {name: value for name, value in os.environ.items() if name not in NOT_PASSED_ON}
    env |= {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "DATABASE_URL": f"sqlite:///{folder}/citybot.db",
        "PYTHONPATH": str(REPO_ROOT),
    }
    arrivals.arm()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = started + TIMEOUT_S
        while not arrivals.polled.wait(0.05):
            if process.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"citybot did not ask for updates within {TIMEOUT_S} s (exit code {process.poll()})")
        assert arrivals.first_poll is not None
        return arrivals.first_poll - started
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, errors = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            _, errors = process.communicate()
        if process.returncode not in (0, -signal.SIGTERM):
            sys.stderr.write(errors.decode(errors="replace"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    arguments = parser.parse_args(argv)
    arrivals = Arrivals()
    with tempfile.TemporaryDirectory() as directory, FakeBotApiServer() as server:
        server.paths = arrivals
        server._server.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        samples = [once(server, arrivals, Path(directory)) for _ in range(arguments.runs)]
    print(json.dumps({"runs": len(samples), "median_s": round(statistics.median(samples), 3),
                      "samples_s": [round(s, 3) for s in samples]}))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
