"""Charts drawn in worker processes, so drawing neither blocks the bot nor shares its GIL.

A room of officials finishing a check-in together asks for many charts at once. Drawn in the
bot's own process (even on a thread) each chart holds the interpreter for tens of milliseconds,
and every other chat waits; here up to ``WORKERS`` charts are drawn side by side in other
processes, which also keep matplotlib out of the bot's memory. The same chart is not drawn
twice: the last ``CACHED`` PNGs are kept, keyed by the chart's data (a frozen value).

Workers start on the first chart (or on :func:`start`) and stop when the process exits, however it
exits: on Linux the kernel kills them with their parent (``PR_SET_PDEATHSIG``), and everywhere each
worker watches its parent's pid and ends once it has changed, so a ``kill -9`` of the bot leaves no
worker behind. Where worker processes cannot be started, charts are drawn on a thread as before.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import OrderedDict
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.charts import chart_png as draw
from bot.charts import maturity_chart_png
from conversations import ChartArea, ChartDomain, MaturityChart, ProgressChart

logger = logging.getLogger(__name__)

WORKERS = max(1, min(2, os.cpu_count() or 1))
"""Charts drawn at once: one per core, at most two (the bot itself needs a core too)."""
CACHED = 64
"""PNGs kept by chart data (about 80 kB each)."""
PARENT_CHECK_S = 0.5
"""How often a worker looks whether the bot that started it is still there."""
PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal the kernel sends this process when its parent ends (Linux)."""

_pool: Executor | None = None
_pool_lock = threading.Lock()
_cache: OrderedDict[MaturityChart | ProgressChart, bytes] = OrderedDict()


def _worker_started(parent: int, from_main_thread: bool) -> None:
    """In each new worker: end with the bot however it ends, then warm up."""
    _end_with_parent(parent, from_main_thread)
    _warm_up()


def _end_with_parent(parent: int, from_main_thread: bool) -> None:
    """Make this worker end when ``parent`` (the bot) does, even on ``kill -9``: nothing else would stop it.

    The kernel's parent-death signal fires when the *thread* that started the worker ends, so it is
    asked for only when that was the bot's main thread; the watching thread covers every other case.
    """
    if from_main_thread and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # no prctl in this libc: the watching thread alone
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the bot ended while this worker was starting
        os._exit(0)
    threading.Thread(target=_watch_parent, args=(parent,), name="citybot:watch-parent", daemon=True).start()


def _watch_parent(parent: int) -> None:
    """End the worker once its parent is gone (it is then adopted by another process: the pid changes)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _warm_up() -> None:
    """Import matplotlib and load its fonts before any official waits for a chart."""
    area = ChartArea(code="A1", title="Warm-up", reached=1, next_stage=2, share_next=0.5, stage="Starting")
    maturity_chart_png(MaturityChart("Warm-up", ("Starting", "Moderate"), (ChartDomain("A", "A", (area,)),), "a", "b"))


def start() -> Executor:
    """The worker processes, started if they are not yet (fresh interpreters: no inherited threads or loop)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            context = multiprocessing.get_context("spawn")
            started_by = (os.getpid(), threading.current_thread() is threading.main_thread())
            _pool = ProcessPoolExecutor(WORKERS, mp_context=context, initializer=_worker_started, initargs=started_by)
            for _ in range(WORKERS):
                _pool.submit(int)  # spawns the workers now, not on the first chart
        return _pool


def stop() -> None:
    """Stop the workers (at exit, or in tests); the next chart starts them again."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(stop)


async def chart_png(chart: MaturityChart | ProgressChart) -> bytes:
    """The chart as a PNG, drawn by a worker process (or taken from the cache)."""
    cached = _cache.get(chart)
    if cached is not None:
        _cache.move_to_end(chart)
        return cached
    loop = asyncio.get_running_loop()
    try:
        data = await loop.run_in_executor(start(), draw, chart)
    except (BrokenProcessPool, OSError, RuntimeError) as problem:  # a worker died, or none can be started here
        logger.warning("chart workers unavailable (%s); drawing on a thread", problem)
        stop()
        data = await asyncio.to_thread(draw, chart)
    _cache[chart] = data
    while len(_cache) > CACHED:
        _cache.popitem(last=False)
    return data
