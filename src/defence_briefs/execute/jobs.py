"""One unit of brief work, runnable in this process or on a Dask worker: execute a notebook, render its pages.

A job names what to do (run the notebook, or reuse an executed one; which formats to render, and the function that
renders them, which the caller hands in so that this package need not know the renderer) and returns the bytes of
every file it made, so the caller can place them in the staging site wherever the job ran. A failing
notebook or renderer does not raise: the outcome carries the error (cell and exception) and the executed
notebook with the traceback.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataError

if TYPE_CHECKING:
    from nbformat import NotebookNode

# render(root, release, country, executed notebook, formats, work folder) -> (files by relative path, seconds by format)
Renderer = Callable[[str, str, str, object, tuple[str, ...], Path], tuple[dict[str, bytes], dict[str, float]]]


@dataclass(frozen=True)
class BriefJob:
    """Work on one page of a release's site: the overview (country None) or a country's brief."""

    root: str
    release: str
    country: str | None
    execute: bool  # run the notebook; otherwise render `executed`
    formats: tuple[str, ...]  # what to render: html, pdf (the overview has html only)
    executed: bytes | None = None
    timeout: int = 600  # per cell, seconds
    notebook_timeout: float | None = None  # the whole notebook, seconds
    render: Renderer | None = None  # a module-level function, so that the job pickles for Dask

    @property
    def name(self) -> str:
        return self.country or "overview"


@dataclass
class BriefOutcome:
    """What a job made: site files by relative path, the normalised executed notebook (as bytes, and as read until
    it is rendered), or an error."""

    job: BriefJob
    files: dict[str, bytes] = field(default_factory=dict)
    executed: bytes | None = None
    error: str | None = None
    failed_notebook: bytes | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    notebook: NotebookNode | None = None  # the executed notebook `executed` holds, until it is rendered (then None)

    @property
    def ok(self) -> bool:
        return self.error is None


_POOLS: dict[str, object] = {}
_POOLS_LOCK = threading.Lock()


def process_kernel_pool(notebooks: Path, size: int):
    """This process's pool of warm kernels (one per worker thread), started on first use."""
    from .kernels import KernelPool

    with _POOLS_LOCK:
        pool = _POOLS.get(str(notebooks))
        if pool is None:
            pool = KernelPool(size, notebooks)
            _POOLS[str(notebooks)] = pool
        return pool


def close_process_pools() -> None:
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.close()


def run_job(job: BriefJob, pool=None) -> BriefOutcome:
    """Do `job`: execute its notebook in a kernel of `pool` (this process's pool when None), then render.
    Never raises for a failing notebook or renderer; the outcome says what went wrong."""
    return render_job(execute_job(job, pool))


def execute_job(job: BriefJob, pool=None) -> BriefOutcome:
    """The first half of `run_job`: the executed notebook (or the job's own when it reuses one); the kernel is
    lent back as soon as the notebook has run."""
    from .kernels import COUNTRY_NOTEBOOK, NOTEBOOKS, OVERVIEW_NOTEBOOK, NotebookRunError, executed_bytes, run_notebook

    outcome = BriefOutcome(job)
    if not job.execute:
        outcome.executed = job.executed
        return outcome
    notebooks = Path(job.root) / NOTEBOOKS
    work = None
    try:
        work = Path(tempfile.mkdtemp(prefix=f"brief-{job.release}-{job.name}-"))
        source = notebooks / (COUNTRY_NOTEBOOK if job.country else OVERVIEW_NOTEBOOK)
        # the kernel runs in the project's notebooks folder; a relative root keeps the published notebook free of
        # this machine's paths
        parameters = {"release": job.release, "root": ".."}
        if job.country:
            parameters = {"country": job.country, **parameters}
        output = work / f"{job.name}.ipynb"
        if pool is None:
            pool = process_kernel_pool(notebooks, _worker_threads())
        began = time.perf_counter()
        try:
            with pool.kernel() as kernel:
                notebook = run_notebook(source, output, parameters, timeout=job.timeout, kernel=kernel,
                                        notebook_timeout=job.notebook_timeout)
        except NotebookRunError as exc:
            outcome.error = str(exc).replace(str(output), "the executed notebook")
            if output.is_file():
                outcome.failed_notebook = output.read_bytes()
            return outcome
        finally:
            outcome.seconds["execute"] = time.perf_counter() - began
        name = f"notebooks/{job.country}.ipynb" if job.country else "notebooks/index.ipynb"
        # the notebook papermill returns is the one it wrote: normalised and kept for the render, not read back
        outcome.executed = executed_bytes(notebook, name)
        outcome.notebook = notebook
    except DataError as exc:
        outcome.error = str(exc)
    except Exception as exc:  # a bug (or no room for a working folder) must not stop the other countries
        outcome.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    return outcome


def render_job(outcome: BriefOutcome) -> BriefOutcome:
    """The second half of `run_job`: the pages of an executed brief, as its job asks (nothing for a failed one)."""
    from .kernels import read_executed

    job = outcome.job
    notebook, outcome.notebook = outcome.notebook, None  # held only until here: 41 of them would weigh 100 MB
    if not outcome.ok or not (job.country and job.formats and job.render is not None):
        return outcome
    work = None
    try:
        work = Path(tempfile.mkdtemp(prefix=f"brief-{job.release}-{job.name}-"))
        if notebook is None:  # a job that reuses its executed notebook
            notebook = read_executed(outcome.executed.decode("utf-8"))
        files, seconds = job.render(job.root, job.release, job.country, notebook, job.formats, work)
        outcome.files.update(files)
        outcome.seconds.update(seconds)
    except DataError as exc:
        outcome.error = str(exc)
    except Exception as exc:  # a bug in a renderer (or no room for a working folder) must not stop the others
        outcome.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    return outcome


def _worker_threads() -> int:
    """Threads of the Dask worker this runs on (1 elsewhere): one warm kernel per thread."""
    try:
        from distributed import get_worker

        return get_worker().state.nthreads
    except (ImportError, ValueError):
        return 1
