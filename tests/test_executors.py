"""The local executor's two halves: notebooks run on the kernels' threads, pages made on threads of their own.
A failing renderer, a bug before a job runs and a build that stops early each end as the executor promises: an
outcome, a raised error, a prompt close; never a hang."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

from defence_briefs.execute.executors import LocalExecutor
from defence_briefs.execute.jobs import BriefJob

EXECUTED = nbformat.writes(nbformat.v4.new_notebook()).encode("utf-8")


class NoKernels:
    """A pool for jobs that reuse an executed notebook: lending a kernel is a test failure."""

    closed = False

    @contextmanager
    def kernel(self):
        raise AssertionError("a job that reuses its notebook borrowed a kernel")
        yield

    def close(self) -> None:
        self.closed = True


def render(root: str, release: str, country: str, notebook, formats, work: Path):
    if country == "BAD":
        raise ValueError("the renderer broke")
    if country == "SLOW":
        time.sleep(0.3)
    assert work.is_dir()
    return {f"countries/{country}.html": country.encode()}, {"pandoc": 0.0}


def _job(country: str) -> BriefJob:
    return BriefJob(".", "2026", country, execute=False, formats=("html",), executed=EXECUTED, render=render)


def _run(executor: LocalExecutor, jobs: list[BriefJob], started=None, limit: float = 30):
    """Every outcome, or the error the run raised; fails the test instead of hanging."""
    with ThreadPoolExecutor(1) as waiting:
        return waiting.submit(lambda: list(executor.run(jobs, started))).result(timeout=limit)


def test_a_failing_renderer_is_an_outcome_and_the_other_briefs_are_made() -> None:
    executor = LocalExecutor(2, Path("."), pool=NoKernels())
    try:
        outcomes = {o.job.country: o for o in _run(executor, [_job(c) for c in ("POL", "BAD", "SLOW", "DEU")])}
    finally:
        executor.close()
    assert sorted(outcomes) == ["BAD", "DEU", "POL", "SLOW"]
    assert outcomes["BAD"].error.startswith("ValueError: the renderer broke")
    for country in ("POL", "SLOW", "DEU"):
        assert outcomes[country].ok
        assert outcomes[country].files == {f"countries/{country}.html": country.encode()}
        assert outcomes[country].executed == EXECUTED


def test_a_bug_before_a_job_runs_is_raised_not_waited_for() -> None:
    def started(job: BriefJob) -> None:
        if job.country == "BAD":
            raise RuntimeError("progress broke")

    executor = LocalExecutor(2, Path("."), pool=NoKernels())
    try:
        with pytest.raises(RuntimeError, match="progress broke"):
            _run(executor, [_job(c) for c in ("POL", "BAD", "DEU")], started)
    finally:
        executor.close()


def test_a_build_that_stops_early_closes_at_once() -> None:
    pool = NoKernels()
    executor = LocalExecutor(1, Path("."), pool=pool)
    outcomes = executor.run([_job("SLOW") for _ in range(20)])
    assert next(outcomes).ok
    outcomes.close()
    began = time.perf_counter()
    closing = threading.Thread(target=executor.close)
    closing.start()
    closing.join(timeout=10)
    assert not closing.is_alive() and pool.closed
    # at most the renders already under way finish: not the 19 briefs left (5.7 s of renders)
    assert time.perf_counter() - began < 3
