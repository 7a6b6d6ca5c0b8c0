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


class Background:
    """Worker processes started ahead of need, for jobs submitted later.

    Starting a worker costs the interpreter and the imports (about a second on the office PC),
    so a caller that knows it will have background work opens this first and submits a
    warm-up job (imports, font parsing) that overlaps with its own work. When only one process
    is to be used (``JINAN_EVAL_SERIAL=1``, one CPU, ``workers=0``), jobs run at submission,
    in this process.
    """

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers if workers > 0 and worker_count(workers + 1) > 1 else 0
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Background:
        if self.workers:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=exc_type is not None)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` in a worker (or here, now); the future holds result or error."""
        if self._pool is not None:
            return self._pool.submit(fn, *args)
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


def split(items: Sequence[Any], parts: int) -> list[list[Any]]:
    """``items`` in ``parts`` interleaved chunks of nearly equal size."""
    return [list(items[i::parts]) for i in range(parts) if items[i::parts]]
