"""Where brief jobs run: threads of this process with warm local kernels, or a Dask distributed cluster.

Both take `BriefJob`s and yield `BriefOutcome`s as they finish, in any order. With Dask, each worker keeps
one warm kernel per worker thread for the length of a build; workers need this package and its environment
installed, and must see the project root at the same path (a shared filesystem) because the notebooks read
the computed metrics there. The files a job makes travel back to the client in its outcome, so only the
client writes the site.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from ..errors import UsageError
from .jobs import BriefJob, BriefOutcome, close_process_pools, run_job

EXECUTORS = ("local", "dask")


def default_jobs() -> int:
    """The machine's cores available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class LocalExecutor:
    """`jobs` threads, each job executing in one of `jobs` warm kernels started when the executor is made."""

    def __init__(self, jobs: int, notebooks: Path):
        from .kernels import KernelPool

        self.jobs = max(1, jobs)
        self.pool = KernelPool(self.jobs, notebooks)
        self.threads = ThreadPoolExecutor(self.jobs, thread_name_prefix="brief")

    def run(self, jobs: Iterable[BriefJob], started=None) -> Iterator[BriefOutcome]:
        def work(job: BriefJob) -> BriefOutcome:
            if started is not None:
                started(job)
            return run_job(job, self.pool)

        # no list of the futures is kept: as_completed lets each go once yielded, and with it the job's pages
        for future in as_completed([self.threads.submit(work, job) for job in jobs]):
            yield future.result()

    def close(self) -> None:
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
