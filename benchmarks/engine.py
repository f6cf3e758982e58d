"""Serial updates per second of ``Engine.handle`` on SQLite, against one bare SQLite write.

Run: python benchmarks/engine.py [--json]   (a table, or one JSON object)

On a fresh temp SQLite file (the engine's own ``create_engine``: aiosqlite, WAL,
``synchronous=NORMAL``, one connection), one update at a time:

* baseline: a bare async SQLAlchemy session on the same kind of engine doing one INSERT
  and one commit per call, what DESIGN.md's reference table calls "one SQLite write" (half
  of it before the workloads, half after);
* full assessment: answer buttons pressed through whole assessments (mixed answers, stage
  gates passed with "carry on", the last press finishing with the results summary);
* quick check-in: the ten area buttons of check-ins, the last one with the results summary;
* free text: questions typed by an onboarded user outside any flow (matched, stored).

Onboarding and ``/assess`` / ``/checkin`` themselves are not timed. Each workload reports
updates/s, p50/p99 milliseconds per update and the ratio to the baseline of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import sqlalchemy  # noqa: E402
from sqlalchemy import Column, Integer, MetaData, String, Table, insert  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from benchmarks.report import add_ratios, environment, latency_ms  # noqa: E402
from conversations import Engine, Incoming, Kind, Reply, open_engine  # noqa: E402
from conversations.storage import database  # noqa: E402

BASELINE_WRITES = 2000
FULL_ASSESSMENTS = 3
CHECKINS = 30
QUESTIONS = 300
ANSWER_PATTERN = "ddpdndudd"
"""Answers given in turn in full assessments (mostly "done", so stages advance and gates come up)."""
QUESTION_TEXTS = (
    "drills with the power company",
    "who coordinates the emergency shelters?",
    "flood risk map for the river districts",
    "budget for resilience projects",
    "how do we warn residents during a heatwave",
    "data sharing agreements with utilities",
)

bench_metadata = MetaData()
bench_rows = Table(
    "bench_row", bench_metadata, Column("id", Integer, primary_key=True), Column("value", String, nullable=False)
)


def summary(latencies: list[float], elapsed: float) -> dict[str, Any]:
    return {
        "updates": len(latencies),
        "seconds": round(elapsed, 3),
        "updates_per_s": round(len(latencies) / elapsed, 1),
        **latency_ms(latencies, digits=3),
    }


async def baseline(path: Path, writes: int) -> list[float]:
    """One INSERT + commit per call through a bare async session, on the engine's kind of SQLite engine."""
    db = database.create_engine(f"sqlite:///{path}")
    try:
        async with db.begin() as connection:
            await connection.run_sync(bench_metadata.create_all)
        sessions = async_sessionmaker(db, class_=AsyncSession, expire_on_commit=False)
        latencies = []
        for n in range(writes):
            began = time.perf_counter()
            async with sessions() as session:
                await session.execute(insert(bench_rows).values(value=f"row {n}"))
                await session.commit()
            latencies.append(time.perf_counter() - began)
        return latencies
    finally:
        await db.dispose()


class Driver:
    """Sends updates for many users to one engine, timing only the updates it is told to time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ids = itertools.count(1)
        self.latencies: list[float] = []

    async def send(self, user: str, kind: Kind, payload: str, *, timed: bool = False) -> list[Reply]:
        incoming = Incoming(
            user_id=user,
            chat_id=user,
            kind=kind,
            payload=payload,
            user_name=user,
            language="en",
            update_id=str(next(self.ids)),
        )
        began = time.perf_counter()
        replies = await self.engine.handle(incoming)
        if timed:
            self.latencies.append(time.perf_counter() - began)
        return replies

    async def onboard(self, user: str) -> None:
        replies = await self.send(user, Kind.COMMAND, "/start")
        replies = await self.send(user, Kind.CHOICE, replies[-1].options[0].choice)  # I agree
        replies = await self.send(user, Kind.TEXT, "Rotterdam")
        if "Did you mean" in replies[-1].text:
            replies = await self.send(user, Kind.CHOICE, replies[-1].options[0].choice)
        role = replies[-1].options[0]
        replies = await self.send(user, Kind.CHOICE, role.choice)
        done = self.engine.texts.get(
            "onboarding.done", city="Rotterdam", role=role.label, areas=len(self.engine.catalogue.areas)
        )
        assert done in {r.text for r in replies}, replies


def choice_ending(replies: list[Reply], suffix: str) -> str | None:
    for option in replies[-1].options if replies else ():
        if option.choice.endswith(suffix):
            return option.choice
    return None


async def full_assessments(driver: Driver, count: int, prefix: str = "full") -> None:
    answers = itertools.cycle(ANSWER_PATTERN)
    for n in range(count):
        user = f"bench:{prefix}{n}"
        await driver.onboard(user)
        replies = await driver.send(user, Kind.COMMAND, "/assess")
        while True:
            # ":end:fin": at the end, finish rather than go over the skipped and unsure ones again
            choice = (
                choice_ending(replies, ":go")
                or choice_ending(replies, ":end:fin")
                or choice_ending(replies, f":{next(answers)}")
            )
            if choice is None:
                break
            replies = await driver.send(user, Kind.CHOICE, choice, timed=True)
        finished = {driver.engine.texts.get("assessment.finished"), driver.engine.texts.get("assessment.finished_echo")}
        assert finished & {r.text for r in replies}, replies


async def checkins(driver: Driver, count: int, prefix: str = "checkin") -> None:
    for n in range(count):
        user = f"bench:{prefix}{n}"
        await driver.onboard(user)
        replies = await driver.send(user, Kind.COMMAND, "/checkin")
        for area in itertools.count():
            options = [o for o in replies[-1].options if not o.choice.endswith(":b")]
            if not options or area >= 10:
                break
            pick = options[(area + n) % len(options)]  # stages reached vary from area to area
            replies = await driver.send(user, Kind.CHOICE, pick.choice, timed=True)


async def questions(driver: Driver, count: int, prefix: str = "ask") -> None:
    users = [f"bench:{prefix}{n}" for n in range(5)]
    for user in users:
        await driver.onboard(user)
    for n in range(count):
        await driver.send(users[n % len(users)], Kind.TEXT, QUESTION_TEXTS[n % len(QUESTION_TEXTS)], timed=True)


async def workload(folder: Path, name: str, run: Any, count: int) -> dict[str, Any]:
    """One workload on its own fresh database, after an untimed warm-up of the same kind."""
    engine = await open_engine(f"sqlite:///{folder / (name + '.db')}")
    try:
        driver = Driver(engine)
        await run(driver, 1, prefix="warmup")
        driver.latencies.clear()
        started = time.perf_counter()
        await run(driver, count)
        total = time.perf_counter() - started
        # elapsed counts only the timed updates; the untimed set-up between them is left out
        return summary(driver.latencies, sum(driver.latencies)) | {"wall_seconds_incl_setup": round(total, 3)}
    finally:
        await engine.close()


async def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        # half the baseline runs before the workloads and half after, so a machine whose speed
        # drifts during the run (it is shared, it warms up) skews the ratios less
        before = await baseline(folder / "baseline-before.db", BASELINE_WRITES // 2)
        measured = {
            "full_assessment_answers": await workload(folder, "full", full_assessments, FULL_ASSESSMENTS),
            "checkin_answers": await workload(folder, "checkin", checkins, CHECKINS),
            "free_text_questions": await workload(folder, "ask", questions, QUESTIONS),
        }
        after = await baseline(folder / "baseline-after.db", BASELINE_WRITES // 2)
    base = summary(before + after, sum(before) + sum(after))
    base["updates_per_s_before_and_after_workloads"] = [
        round(len(before) / sum(before), 1),
        round(len(after) / sum(after), 1),
    ]
    results = {"baseline_one_insert_commit": base, **measured}
    add_ratios(results, base["updates_per_s"], digits=3)
    return {
        **environment(sqlalchemy=sqlalchemy.__version__),
        "notes": "serial Engine.handle on fresh temp SQLite files (aiosqlite, WAL, synchronous=NORMAL); "
        "updates_per_s = timed updates / time spent in them",
        "results": results,
    }


def print_table(result: dict[str, Any]) -> None:
    print(f"{'workload':30}{'updates':>9}{'updates/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'vs baseline':>13}")
    for name, row in result["results"].items():
        print(
            f"{name:30}{row['updates']:>9}{row['updates_per_s']:>11.1f}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
            f"{row['ratio_to_baseline']:>12.3f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    arguments = parser.parse_args()
    measured = asyncio.run(main())
    if arguments.json:
        print(json.dumps(measured, indent=2))
    else:
        print_table(measured)
