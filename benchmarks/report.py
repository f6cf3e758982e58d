"""What every benchmark reports the same way: latency percentiles, ratios to a baseline, the machine."""

from __future__ import annotations

import platform
import statistics
from collections.abc import Iterable
from typing import Any


def latency_ms(seconds: Iterable[float], digits: int) -> dict[str, float]:
    """Median and 99th percentile (nearest rank) of samples taken in seconds, in milliseconds."""
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, digits), "p99_ms": round(p99 * 1000, digits)}


def add_ratios(results: dict[str, dict[str, Any]], reference: float, digits: int) -> None:
    """Give each result its ``ratio_to_baseline``: its updates per second over the baseline's."""
    for result in results.values():
        result["ratio_to_baseline"] = round(result["updates_per_s"] / reference, digits)


def environment(**versions: str) -> dict[str, str]:
    """The Python version, the given library versions and the machine, to head a JSON report."""
    return {"python": platform.python_version(), **versions, "machine": platform.machine()}
