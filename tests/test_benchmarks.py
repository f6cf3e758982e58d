"""`benchmarks/run.py --quick --json` runs every part and reports every figure (values belong to benchmarks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
KEYS = {
    "bot": {
        "echo_ups",
        "citybot_ups",
        "ratio",
        "rtt50_ups",
        "rtt50_p50_ms",
        "rtt50_p99_ms",
        "order_violations",
        "errors",
    },
    "workshop": {"results_p99_s", "chart_p99_s"},
    "matching": {"top1", "top3", "p99_ms", "p99_ms_10k", "office_requests_rejected"},
}


def test_the_quick_benchmark_reports_every_figure() -> None:
    env = {**os.environ, "CITYBOT_BENCH_TINY": "1"}  # the smallest sizes: this checks the keys, not the speed
    completed = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout)
    for group, keys in KEYS.items():
        assert keys <= set(report[group]), (group, sorted(report[group]))
    assert {"startup_s", "rss_mb"} <= set(report)
