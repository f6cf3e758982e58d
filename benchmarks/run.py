"""Every performance figure of citybot in one command, each part in its own process.

Run: python benchmarks/run.py [--quick] [--json]   (a table, or one JSON object)

* ``bot``: the real citybot Application and a bare PTB echo bot on the same recorded mix of
  updates from 200 officials (``benchmarks/bot_load.py``): updates/s of each and their ratio;
  the same mix with every Bot API call taking 50 ms (+-50%): updates/s, per-update latency,
  replies out of order within a chat, errors;
* ``workshop``: 60 officials sending their last check-in tap within one second
  (``benchmarks/workshop_load.py``): 99th percentile seconds to their results text and chart;
* ``matching``: free-text search accuracy and latency (``benchmarks/matching.py``);
* ``startup_s``: ``citybot run`` from process start to its first getUpdates, median of 5
  (``benchmarks/startup.py``); ``rss_mb``: the citybot load process's resident memory after the load.

``--quick`` records the mix from 50 officials, times 20 workshop participants and 3 start-ups,
and matching on the dev questions alone: under a minute on an idle machine, where the full run
takes under five. ``run.seconds_per_part`` says where a run's time went.
Ratios compare figures measured in the same run, because this machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

TINY_ENV = "CITYBOT_BENCH_TINY"
"""Set (to 1) by the test that checks the report's keys: the smallest sizes that still run every part."""
SIZES = {
    "full": {"users": 200, "participants": 60, "startups": 5},
    "quick": {"users": 50, "participants": 20, "startups": 3},
    "tiny": {"users": 6, "participants": 3, "startups": 1},
}
RTT_MS = 50.0
PART_TIMEOUT_S = 600


PART_SECONDS: dict[str, float] = {}
"""How long each part took, by script (and first argument), for the report."""


def part(*args: str) -> dict[str, Any]:
    """Run one part in a fresh Python process; its output (or its last line) is its JSON result."""
    started = time.perf_counter()
    name = " ".join([Path(args[0]).stem, *args[1:2]])
    completed = subprocess.run(
        [sys.executable, *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=PART_TIMEOUT_S, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    PART_SECONDS[name] = round(PART_SECONDS.get(name, 0.0) + time.perf_counter() - started, 1)
    output = completed.stdout.strip()
    try:
        return json.loads(output)
    except json.JSONDecodeError:
        return json.loads(output.splitlines()[-1])


def dig(report: dict[str, Any], *paths: tuple[str, ...]) -> Any:
    """The value at the first of the key paths that the nested report has, else ``None``."""
    for path in paths:
        value: Any = report
        for key in path:
            if not isinstance(value, dict) or key not in value:
                break
            value = value[key]
        else:
            return value
    return None


def matching_figures(size: str, folder: Path) -> dict[str, Any]:
    """The search figures of ``matching.py --json`` (the dev set's accuracy, latency over all its questions).

    A quick run gives it the dev set alone (the full run also times the other question sets); the
    tiny size (for the test of the report's keys) only the dev set's first three questions.
    """
    import yaml

    arguments = [str(HERE / "matching.py"), "--json"]
    dev = Path(REPO_ROOT.parent / "shared" / "eval" / "questions-dev.yaml")
    if not dev.exists():  # the dev set lives beside the checkout; a clone elsewhere has only our own set
        dev = HERE / "questions" / "own.yaml"
    if size == "tiny":
        document = yaml.safe_load(dev.read_text(encoding="utf-8"))
        few = Path(folder) / dev.name
        few.write_text(yaml.safe_dump({**document, "questions": document["questions"][:3]}), encoding="utf-8")
        arguments += ["--questions", str(few)]
    if size != "full":
        arguments.append("--quick")  # the baseline's 10k-action latency (only a ratio's denominator) on a few queries
    if size == "quick":
        arguments += ["--questions", str(dev)]  # the dev set alone: latency over its 50 questions
    report = part(*arguments)
    return {
        "top1": dig(report, ("sets", dev.stem, "search", "top1"), ("search", "top1")),
        "top3": dig(report, ("sets", dev.stem, "search", "top3"), ("search", "top3")),
        "p99_ms": dig(report, ("latency", "search_96", "p99_ms"), ("search", "latency_96", "p99_ms")),
        "p99_ms_10k": dig(report, ("latency", "search_10k", "p99_ms"), ("search", "latency_10k", "p99_ms")),
        "office_requests_rejected": dig(report, ("ordinary_requests", "rejected")),
    }


def run(size: str) -> dict[str, Any]:
    sizes = SIZES[size]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        trace = str(Path(folder) / "trace.json")
        load = str(HERE / "bot_load.py")
        if size == "tiny":  # one process instead of four: a smoke run
            everything = part(load, "all", trace, "--users", str(sizes["users"]), "--rtt-ms", str(RTT_MS))
            recorded, echo, citybot, delayed = (everything[key] for key in ("record", "echo", "citybot", "citybot_rtt"))
        else:
            recorded = part(load, "record", trace, "--users", str(sizes["users"]))
            echo = part(load, "echo", trace)
            citybot = part(load, "citybot", trace)
            delayed = part(load, "citybot", trace, "--rtt-ms", str(RTT_MS))
        workshop = part(str(HERE / "workshop_load.py"), "--participants", str(sizes["participants"]))
        matching = matching_figures(size, Path(folder))
        startup = part(str(HERE / "startup.py"), "--runs", str(sizes["startups"]))
    return {
        "bot": {
            "echo_ups": echo["updates_per_s"],
            "citybot_ups": citybot["updates_per_s"],
            "ratio": round(citybot["updates_per_s"] / echo["updates_per_s"], 3),
            "rtt50_ups": delayed["updates_per_s"],
            "rtt50_p50_ms": delayed["p50_ms"],
            "rtt50_p99_ms": delayed["p99_ms"],
            "order_violations": citybot["order_violations"] + delayed["order_violations"],
            "errors": citybot["errors"] + delayed["errors"],
        },
        "workshop": {
            "results_p99_s": workshop["results"]["p99_s"],
            "chart_p99_s": workshop["chart"]["p99_s"],
        },
        "matching": matching,
        "startup_s": startup["median_s"],
        "rss_mb": max(citybot["rss_mb"], delayed["rss_mb"]),
        "run": {
            "size": size,
            "users": recorded["users"],
            "updates": recorded["updates"],
            "workshop_participants": workshop["participants"],
            "startup_runs": startup["runs"],
            "seconds": round(time.perf_counter() - started, 1),
            "seconds_per_part": dict(PART_SECONDS),
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        },
        "cpu_ms_per_update": {
            "echo": echo["cpu_ms_per_update"],
            "citybot": citybot["cpu_ms_per_update"],
            "ratio": round(echo["cpu_ms_per_update"] / max(citybot["cpu_ms_per_update"], 1e-9), 3),
        },
        "details": {"echo": echo, "citybot": citybot, "citybot_rtt50": delayed, "workshop": workshop},
    }


ROWS = (
    ("bot", "echo_ups", "bare PTB echo bot, updates/s", ""),
    ("bot", "citybot_ups", "citybot, updates/s", ""),
    ("bot", "ratio", "citybot / echo", ">= 0.5"),
    ("bot", "rtt50_ups", "citybot, 50 ms per call: updates/s", ">= 500"),
    ("bot", "rtt50_p50_ms", "  per-update latency p50, ms", ""),
    ("bot", "rtt50_p99_ms", "  per-update latency p99, ms", ""),
    ("bot", "order_violations", "replies out of order within a chat", "0"),
    ("bot", "errors", "errors", "0"),
    ("workshop", "results_p99_s", "workshop of 60: results text p99, s", "<= 1"),
    ("workshop", "chart_p99_s", "workshop of 60: chart p99, s", "<= 3"),
    ("matching", "top1", "matching top-1", ""),
    ("matching", "top3", "matching top-3", ""),
    ("matching", "p99_ms", "matching p99, ms (96 actions)", "<= 1"),
    ("matching", "p99_ms_10k", "matching p99, ms (10,000 actions)", ""),
    ("matching", "office_requests_rejected", "office requests rejected (across authors)", ""),
    (None, "startup_s", "start-up to first getUpdates, s", "<= 1.5"),
    (None, "rss_mb", "RSS after the load run, MB", "<= 120"),
)


def print_cpu(report: dict[str, Any]) -> None:
    cpu = report["cpu_ms_per_update"]
    print(
        f"CPU per update (this machine is shared, so wall figures vary): echo {cpu['echo']} ms, "
        f"citybot {cpu['citybot']} ms (echo / citybot = {cpu['ratio']})"
    )


def print_table(report: dict[str, Any]) -> None:
    info = report["run"]
    print(
        f"{info['size']} run: {info['users']} officials, {info['updates']} updates; workshop of "
        f"{info['workshop_participants']}; {info['startup_runs']} start-ups; {info['seconds']} s "
        f"(Python {info['python']}, {info['machine']})"
    )
    print(f"{'figure':42}{'value':>12}  target")
    for group, key, label, target in ROWS:
        value = report[group][key] if group else report[key]
        print(f"{label:42}{value:>12}  {target}")
    print_cpu(report)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    arguments = parser.parse_args(argv)
    size = "tiny" if os.environ.get(TINY_ENV) else "quick" if arguments.quick else "full"
    report = run(size)
    if arguments.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
