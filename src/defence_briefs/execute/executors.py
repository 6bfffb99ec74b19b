"""Where brief jobs run: threads of this process with warm local kernels, or a Dask distributed cluster.

Both take `BriefJob`s and yield `BriefOutcome`s as they finish, in any order. With Dask, each worker keeps
one warm kernel per worker thread for the length of a build; workers need this package and its environment
installed, and must see the project root at the same path (a shared filesystem) because the notebooks read
the computed metrics there. The files a job makes travel back to the client in its outcome, so only the
client writes the site.
"""

from __future__ import annotations

import os
import queue
import threading
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ..errors import UsageError
from .jobs import BriefJob, BriefOutcome, close_process_pools, execute_job, render_job, run_job

EXECUTORS = ("local", "dask")


def default_jobs() -> int:
    """The machine's cores available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class LocalExecutor:
    """`jobs` threads, each job executing in one of `jobs` warm kernels started when the executor is made (or in
    `pool`'s), and `jobs` more threads rendering the executed briefs, at most 2 x `jobs` of them waiting at once."""

    def __init__(self, jobs: int, notebooks: Path, pool=None):
        from .kernels import KernelPool

        self.jobs = max(1, jobs)
        self.pool = KernelPool(self.jobs, notebooks) if pool is None else pool
        self.threads = ThreadPoolExecutor(self.jobs, thread_name_prefix="brief")
        # a brief is rendered (pandoc, typst) on threads of its own, so that its kernel takes the next notebook at
        # once instead of waiting for the pages (a thread per kernel keeps its client: a client left idle on a
        # kernel while other threads' clients run notebooks there fills with their messages and then drops its own)
        self.renderers = ThreadPoolExecutor(self.jobs, thread_name_prefix="render")
        self._rendering = threading.BoundedSemaphore(2 * self.jobs)  # executed notebooks held for rendering

    def run(self, jobs: Iterable[BriefJob], started=None) -> Iterator[BriefOutcome]:
        done: queue.Queue[Future] = queue.Queue()

        def rendered(future: Future) -> None:
            self._rendering.release()
            done.put(future)

        def work(job: BriefJob) -> None:
            try:
                if started is not None:
                    started(job)
                outcome = execute_job(job, self.pool)
                self._rendering.acquire()
                try:
                    future = self.renderers.submit(render_job, outcome)
                except BaseException:
                    self._rendering.release()
                    raise
                future.add_done_callback(rendered)
            except BaseException as exc:  # not a notebook's or renderer's failure (those are outcomes): a bug
                failed: Future = Future()
                failed.set_exception(exc)
                done.put(failed)

        # no list of the outcomes is kept: each goes once yielded, and with it the job's pages
        count = 0
        for job in jobs:
            self.threads.submit(work, job)
            count += 1
        for _ in range(count):
            yield done.get().result()

    def close(self) -> None:
        # renderers first: a notebook still running when a build stops then finds them closed, and no pages are made
        # for outcomes nobody reads
        self.renderers.shutdown(wait=True, cancel_futures=True)
        self.threads.shutdown(wait=True, cancel_futures=True)
        self.pool.close()


class DaskExecutor:
    """Jobs submitted to the Dask scheduler at `address`; outcomes come back as they finish."""

    def __init__(self, address: str):
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--executor dask needs Dask, an optional extra: pip install -e \".[dask]\" (or "
                             "pip install 'dask[distributed]')") from None
        try:
            self.client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"--scheduler {address}: cannot reach a Dask scheduler there ({exc})") from None
        self.jobs = sum(self.client.nthreads().values()) or 1

    def run(self, jobs: Iterable[BriefJob], started=None) -> Iterator[BriefOutcome]:
        from distributed import as_completed as dask_completed

        futures = []
        for job in jobs:
            if started is not None:
                started(job)
            futures.append(self.client.submit(run_job, job, key=f"brief-{job.release}-{job.name}-{uuid.uuid4().hex}",
                                              pure=False))
        completed = dask_completed(futures)
        futures.clear()  # each future (and the job's pages) goes once yielded
        for future in completed:
            yield future.result()

    def close(self) -> None:
        try:
            # kernels stay warm only for one build: the next build may run changed code
            self.client.run(close_process_pools)
        finally:
            self.client.close()


def make_executor(kind: str, jobs: int, notebooks: Path, scheduler: str | None):
    """The executor for `--executor kind`; dask needs `scheduler` (a scheduler address)."""
    if kind == "local":
        return LocalExecutor(jobs, notebooks)
    if kind == "dask":
        if not scheduler:
            raise UsageError("--executor dask needs --scheduler ADDRESS (for example tcp://10.0.0.5:8786)")
        return DaskExecutor(scheduler)
    raise UsageError(f"--executor {kind!r}: choose from {', '.join(EXECUTORS)}")
