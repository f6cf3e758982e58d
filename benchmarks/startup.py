"""Start-up time of ``citybot run``: from process start to ready for updates (its first getUpdates call).

Run: python benchmarks/startup.py [--runs N]   (prints one JSON object)

Each run starts ``python -m bot run`` against the tests' fake Bot API HTTP server on 127.0.0.1,
on the same SQLite file (the first run creates it, the others open it, as after a restart),
and stops it with SIGTERM once it has asked for updates. The figure is the median.
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


def once(folder: Path) -> float:
    """Seconds from starting the process to its first getUpdates call."""
    with FakeBotApiServer() as server:
        env = {name: value for name, value in os.environ.items() if name not in SETTINGS}
        env |= {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": server.base_url,
            "DATABASE_URL": f"sqlite:///{folder}/citybot.db",
            "PYTHONPATH": str(REPO_ROOT),
        }
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            server.api.wait_for(lambda calls: any(call.method == "getUpdates" for call in calls), timeout=TIMEOUT_S)
            ready = time.perf_counter() - started
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
        return ready


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        samples = [once(Path(directory)) for _ in range(arguments.runs)]
    print(json.dumps({"runs": len(samples), "median_s": round(statistics.median(samples), 3),
                      "samples_s": [round(s, 3) for s in samples]}))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
