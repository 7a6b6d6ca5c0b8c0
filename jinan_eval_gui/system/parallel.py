"""Run independent jobs in worker processes where that pays (two cores on the office PC).

Jobs are module-level functions with picklable arguments. Processes are started with
``spawn`` on every platform: it is what Windows does anyway, and unlike ``fork`` it is safe
inside the Qt application, whose worker threads a forked child would inherit half-copied.
The frozen app calls ``multiprocessing.freeze_support()`` at start-up for the same reason.
Set ``JINAN_EVAL_SERIAL=1`` to run everything in-process (debugging, profiling).

Every pool comes from :func:`pool`: its workers die with this process, however it ends
(:mod:`.processes`: a parent watch in each worker, a kill-on-close job object on Windows).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from . import processes

Job = tuple[Callable[..., Any], tuple[Any, ...]]
_QUIET_TRACKER = "ignore:resource_tracker:UserWarning"


def worker_count(jobs: int) -> int:
    """How many processes to use for ``jobs`` jobs (1 means: stay in this process)."""
    if os.environ.get("JINAN_EVAL_SERIAL") == "1":
        return 1
    return max(1, min(jobs, os.cpu_count() or 1, 4))


def pool(workers: int) -> ProcessPoolExecutor:
    """A spawn-started pool whose workers end when this process ends (see module doc)."""
    if _QUIET_TRACKER not in sys.warnoptions:
        # multiprocessing's resource tracker (POSIX) is started with our -W options; after a
        # kill it would otherwise print an English warning about the pool's semaphores.
        sys.warnoptions.append(_QUIET_TRACKER)
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                               initializer=processes.watch_parent)


def submit(executor: ProcessPoolExecutor, fn: Callable[..., Any], *args: Any) -> Future[Any]:
    """``executor.submit`` that also ties a worker started for it to this process."""
    future = executor.submit(fn, *args)
    processes.adopt(executor)
    return future


def run(jobs: Sequence[Job], *, background: Sequence[Job] = ()) -> tuple[list[Any], list[Any]]:
    """Run ``background`` jobs in worker processes while ``jobs`` run here; return both results.

    Exceptions raised by a job propagate (after every job has finished), so a failure in a
    worker reaches the caller as the same error it would have raised in-process.
    """
    if not background or worker_count(len(background) + 1) == 1:
        return [fn(*args) for fn, args in jobs], [fn(*args) for fn, args in background]
    with pool(worker_count(len(background))) as executor:
        futures: list[Future[Any]] = [submit(executor, fn, *args) for fn, args in background]
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
            self._pool = pool(self.workers)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=exc_type is not None)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` in a worker (or here, now); the future holds result or error."""
        if self._pool is not None:
            return submit(self._pool, fn, *args)
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


class Shared:
    """Chunks of one job shared between this process and a worker, results in chunk order.

    ``fn(chunk, *common)`` runs for every chunk. The worker takes chunks from the back while
    this process takes them from the front (a chunk the worker has not started is taken back
    and run here), so the split adapts to the worker's start-up time and to load on the
    machine, and nothing waits for a fixed half. Iterate to get each chunk's result in order;
    :meth:`stop` drops the chunks nobody has started (iteration then ends after the results
    of the chunks already running or done, so no finished work is lost). With one process
    (``JINAN_EVAL_SERIAL=1``, one CPU, fewer than two chunks) everything runs here.
    """

    def __init__(self, fn: Callable[..., Any], chunks: Sequence[Sequence[Any]],
                 common: tuple[Any, ...] = ()) -> None:
        self.fn = fn
        self.chunks = [list(c) for c in chunks]
        self.common = common
        self._pool: ProcessPoolExecutor | None = None
        self._futures: dict[int, Future[Any]] = {}
        self._stopped = False

    def __enter__(self) -> Shared:
        if len(self.chunks) > 1 and worker_count(2) > 1:
            self._pool = pool(1)
            for i in reversed(range(1, len(self.chunks))):
                self._futures[i] = submit(self._pool, self.fn, self.chunks[i], *self.common)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def stop(self) -> None:
        """Run no chunk that has not started yet."""
        self._stopped = True
        for future in self._futures.values():
            future.cancel()

    def __iter__(self) -> Iterator[Any]:
        for i, chunk in enumerate(self.chunks):
            future = self._futures.get(i)
            if future is not None and not future.cancel():  # running or done over there
                yield future.result()
            elif not self._stopped:
                yield self.fn(chunk, *self.common)


def chunked(items: Sequence[Any], size: int) -> list[list[Any]]:
    """``items`` in consecutive chunks of ``size`` (the last one shorter)."""
    return [list(items[i:i + size]) for i in range(0, len(items), max(1, size))]


def split(items: Sequence[Any], parts: int) -> list[list[Any]]:
    """``items`` in ``parts`` interleaved chunks of nearly equal size."""
    return [list(items[i::parts]) for i in range(parts) if items[i::parts]]
