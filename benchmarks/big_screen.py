"""The big screen: what one refresh costs, and how soon an answer reaches an open page.

A workshop of N participants (each through the engine: join link, consent, check-in) on an SQLite
file; then, with citybot's web server on a local port and one live stream open (``/events``,
read as a browser's EventSource would), further participants answer and the time from each
answer's ``Engine.handle`` returning to its figures arriving on the stream is measured.

One refresh (read the workshop, compute, render the page's parts) is timed against a baseline
measured in the same run: the group results alone (``workshop_results``: the same read and the
same computation the room view makes), so ``refresh_ratio`` is what the screen adds; and the
screen's version (what an open page asks for four times a second) against the same baseline::

    python benchmarks/big_screen.py [--people N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tornado.httpclient import AsyncHTTPClient, HTTPRequest  # noqa: E402

from benchmarks.report import environment  # noqa: E402
from bot.web import page, screen_app  # noqa: E402
from catalogue import Catalogue  # noqa: E402
from conversations import open_engine  # noqa: E402
from conversations.group_results import workshop_results  # noqa: E402
from conversations.screen import ScreenSettings, screen_path  # noqa: E402
from conversations.storage import workshops  # noqa: E402
from tests.helpers.workshops import answer_area, join_and_check_in, join_only  # noqa: E402

REFRESHES = 30
LATE = 5
"""Participants who answer while the page is open; each answer's arrival is timed."""


def ladder(catalogue: Catalogue, area: str) -> list[str]:
    """The area's first three stages (not every area has every stage)."""
    return [stage.code for stage in catalogue.stages_of(area)][:3]


async def measure(people: int) -> dict[str, object]:
    catalogue = Catalogue.load()
    folder = Path(tempfile.mkdtemp(prefix="citybot-bench-screen-"))
    engine = await open_engine(f"sqlite:///{folder}/citybot.db", catalogue)
    engine.screen_settings = ScreenSettings(public_url="http://127.0.0.1", keep_after_close=timedelta(hours=1))
    info = await engine.coordination.create_workshop("Benchmark day", city="Gent")
    for number in range(people):
        picks = {area.code: ladder(catalogue, area.code)[(number + i) % 3] for i, area in enumerate(catalogue.areas)}
        await join_and_check_in(engine, catalogue, info.code, f"p{number}", picks)
    _, token = await engine.screens.new_link(info.code)
    assert token is not None
    keep = timedelta(hours=1)

    async with engine._sessions() as session:
        workshop = await workshops.workshop_by_code(session, code=info.code)
    assert workshop is not None
    baseline, refresh, versions = [], [], []
    for _ in range(REFRESHES):
        started = time.perf_counter()
        assert await engine.screens.version(token, keep_after_close=keep) is not None
        versions.append(time.perf_counter() - started)
        started = time.perf_counter()
        async with engine._sessions() as session:
            await workshop_results(session, catalogue, workshop=workshop, min_group_size=3)
        baseline.append(time.perf_counter() - started)
        started = time.perf_counter()
        screen = await engine.screens.for_token(token, keep_after_close=keep)
        assert screen is not None
        page.parts(screen)
        refresh.append(time.perf_counter() - started)

    app = screen_app(engine, bot_username="bench_bot")
    await app.start(listen="127.0.0.1", port=0)
    received: list[tuple[float, bytes]] = []
    request = HTTPRequest(
        f"http://127.0.0.1:{app.port}{screen_path(token)}/events",
        streaming_callback=lambda chunk: received.append((time.perf_counter(), chunk)),
        request_timeout=600,
    )
    stream = asyncio.ensure_future(AsyncHTTPClient().fetch(request, raise_error=False))
    while not any(b"data:" in chunk for _, chunk in received):
        await asyncio.sleep(0.01)
    delays = []
    for number in range(LATE):
        chat = await join_only(engine, info.code, f"late{number}")
        seen = len(received)
        await answer_area(chat, catalogue, catalogue.areas[0].code, "T")  # a new highest stage: L1's figures change
        answered = time.perf_counter()
        while not any(b"data:" in chunk for _, chunk in received[seen:]):
            await asyncio.sleep(0.005)
        arrived = next(moment for moment, chunk in received[seen:] if b"data:" in chunk)
        delays.append(max(0.0, arrived - answered))
    await app.stop()
    stream.cancel()
    await engine.close()
    return {
        "people": people,
        "baseline_ms_p50": round(1000 * statistics.median(baseline), 2),
        "refresh_ms_p50": round(1000 * statistics.median(refresh), 2),
        "refresh_ratio": round(statistics.median(refresh) / statistics.median(baseline), 2),
        "version_ms_p50": round(1000 * statistics.median(versions), 2),
        "version_ratio": round(statistics.median(versions) / statistics.median(baseline), 4),
        "answer_to_screen_s_p50": round(statistics.median(delays), 3),
        "answer_to_screen_s_max": round(max(delays), 3),
        "environment": environment(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(measure(args.people))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
