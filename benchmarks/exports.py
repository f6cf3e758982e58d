"""Coordinator exports and group charts: how long a file of N answer rows and a workshop's chart take.

Synthetic rows shaped like a real export (one per answer of the SMR model, a check-in's worth
per participant, spread over a few cities and a workshop), written as CSV, JSON and XLSX by
``bot.export``; and the chart of a group (median stage per area with its spread) drawn by
``bot.charts``, against a baseline measured in the same run: a plain ``csv.writer`` over the
same rows, the least any CSV export can cost::

    python benchmarks/exports.py [--rows N] [--json]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.report import environment  # noqa: E402
from bot.charts import maturity_chart_png  # noqa: E402
from bot.export import ANSWER_FIELDS, export_bytes  # noqa: E402
from catalogue import Answer, Catalogue, answers_for_stage  # noqa: E402
from conversations import Texts  # noqa: E402
from conversations.group_results import group_results  # noqa: E402
from conversations.group_words import group_chart  # noqa: E402
from conversations.messages import ExportFormat, ExportRow  # noqa: E402
from conversations.times import utcnow  # noqa: E402

CITIES = ("Gent", "Torino", "Rotterdam", "São Paulo")
CHART_RUNS = 5


def synthetic_rows(catalogue: Catalogue, count: int, seed: int = 9) -> tuple[list[ExportRow], list[dict[str, str]]]:
    """``count`` answer rows, a check-in per participant; and each participant's answers, for the chart."""
    rng = random.Random(seed)
    rows: list[ExportRow] = []
    people: list[dict[str, str]] = []
    person = 0
    while len(rows) < count:
        person += 1
        answers: dict[str, Answer] = {}
        for area in catalogue.areas:
            stages = [None, *(stage.code for stage in catalogue.stages_of(area.code))]
            answers |= answers_for_stage(catalogue, area.code, rng.choice(stages))
        people.append({code: str(value) for code, value in answers.items()})
        for code, value in answers.items():
            action = catalogue.action(code)
            rows.append(
                ExportRow(
                    city=CITIES[person % len(CITIES)],
                    participant=f"P-{person:06d}",
                    name="",
                    role="Resilience officer",
                    workshop="k7m2qp" if person % 2 else "",
                    workshop_name="Spring day" if person % 2 else "",
                    assessment=person,
                    assessment_kind="checkin",
                    round=1,
                    domain=action.domain,
                    area=action.area,
                    area_title=catalogue.area(action.area).title,
                    stage=action.stage,
                    stage_name=catalogue.stage(action.stage).name,
                    action_code=code,
                    action_title=action.title,
                    answer=str(value),
                    implied=True,
                    note="",
                    answered_at="2026-12-01T09:30:00+00:00",
                )
            )
    return rows[:count], people


def timed(job: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = job()
    return time.perf_counter() - start, result


def plain_csv(rows: list[ExportRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([getattr(row, field) for field in ANSWER_FIELDS] for row in rows)
    return buffer.getvalue().encode()


def run(row_count: int) -> dict[str, Any]:
    catalogue = Catalogue.load()
    rows, people = synthetic_rows(catalogue, row_count)
    report: dict[str, Any] = {"rows": len(rows), "participants": len(people)}
    seconds, data = timed(lambda: plain_csv(rows))
    report["baseline_plain_csv"] = {"s": round(seconds, 3), "mb": round(len(data) / 1e6, 2)}  # type: ignore[arg-type]
    for fmt in ExportFormat:
        seconds, data = timed(lambda fmt=fmt: export_bytes(rows, fmt, catalogue=catalogue, not_started="not started"))
        report[str(fmt)] = {
            "s": round(seconds, 3),
            "mb": round(len(data) / 1e6, 2),  # type: ignore[arg-type]
            "ratio_to_baseline": round(seconds / report["baseline_plain_csv"]["s"], 1),
        }
    texts = Texts.load()
    group = group_results(catalogue, people)
    chart = group_chart(texts, catalogue, group, title="Workshop “Spring day” (k7m2qp)", moment=utcnow())
    maturity_chart_png(chart)  # the first chart loads matplotlib and its fonts
    draws = sorted(timed(lambda: maturity_chart_png(chart))[0] for _ in range(CHART_RUNS))
    report["group_chart"] = {"respondents": group.respondents, "median_ms": round(draws[len(draws) // 2] * 1000)}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="How many answer rows to export (default 10,000).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    arguments = parser.parse_args()
    report = {"environment": environment(), **run(arguments.rows)}
    if arguments.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['rows']} rows, {report['participants']} participants")
    for name in ("baseline_plain_csv", *map(str, ExportFormat)):
        print(f"  {name:<20} {report[name]['s']:>7.3f} s  {report[name]['mb']:>6.2f} MB")
    print(f"  group chart          {report['group_chart']['median_ms']:>7} ms (median of {CHART_RUNS})")


if __name__ == "__main__":
    main()
