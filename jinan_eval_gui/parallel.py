"""Run independent jobs in worker processes where that pays (two cores on the office PC).

Jobs are module-level functions with picklable arguments. Processes are started with
``spawn`` on every platform: it is what Windows does anyway, and unlike ``fork`` it is safe
inside the Qt application, whose worker threads a forked child would inherit half-copied.
The frozen app calls ``multiprocessing.freeze_support()`` at start-up for the same reason.
Set ``JINAN_EVAL_SERIAL=1`` to run everything in-process (debugging, profiling).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

Job = tuple[Callable[..., Any], tuple[Any, ...]]


def worker_count(jobs: int) -> int:
    """How many processes to use for ``jobs`` jobs (1 means: stay in this process)."""
    if os.environ.get("JINAN_EVAL_SERIAL") == "1":
        return 1
    return max(1, min(jobs, os.cpu_count() or 1, 4))


def run(jobs: Sequence[Job], *, background: Sequence[Job] = ()) -> tuple[list[Any], list[Any]]:
    """Run ``background`` jobs in worker processes while ``jobs`` run here; return both results.

    Exceptions raised by a job propagate (after every job has finished), so a failure in a
    worker reaches the caller as the same error it would have raised in-process.
    """
    if not background or worker_count(len(background) + 1) == 1:
        return [fn(*args) for fn, args in jobs], [fn(*args) for fn, args in background]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=worker_count(len(background)), mp_context=ctx) as pool:
        futures: list[Future[Any]] = [pool.submit(fn, *args) for fn, args in background]
        here = [fn(*args) for fn, args in jobs]
        there = [f.result() for f in futures]
    return here, there


def split(items: Sequence[Any], parts: int) -> list[list[Any]]:
    """``items`` in ``parts`` interleaved chunks of nearly equal size."""
    return [list(items[i::parts]) for i in range(parts) if items[i::parts]]
