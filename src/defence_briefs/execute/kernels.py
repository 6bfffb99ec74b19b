"""Run a brief notebook with papermill, in a fresh kernel or in a warm one from a `KernelPool`.

A warm kernel has the package, pandas and Altair imported already; before each notebook its namespace is
reset (`%reset -f`), so a brief sees only its own parameters. Executed notebooks are normalised before they
are published (cells numbered from 1, no timestamps), so the same inputs give the same bytes whichever kernel
ran them and when.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat

from ..errors import DataError

NOTEBOOKS = "notebooks"
COUNTRY_NOTEBOOK = "country_brief.ipynb"
OVERVIEW_NOTEBOOK = "europe_overview.ipynb"
KERNEL = "python3"
ENGINE = "defence_briefs_warm"
# imported by every kernel before its first notebook, so part of every notebook run (and of its fingerprint)
WARM_MODULES = ("defence_briefs.briefs.charts", "defence_briefs.briefs.display", "defence_briefs.briefs.sections",
                "defence_briefs.briefs.findings", "defence_briefs.briefs.overview",
                "defence_briefs.briefs.diversification", "defence_briefs.briefs.context")
# Altair's schema validation of every chart object is switched off in the build's kernels (a third of a brief's
# time; the tests validate every published spec), and chart data go through charts.chart_values, registered as
# Altair's default transformer, which gives what Altair's own gives, faster (Altair copying frames was a tenth of a
# kernel's time). The warm-up also reads the newest release's tables when they are computed. What it made is then
# frozen out of the garbage collector, so that the collections of `%reset` and of a brief's own objects do not walk
# the imported modules and tables each time.
WARM_UP = (f"import gc, altair, {', '.join(WARM_MODULES)}\n"
           "altair.utils.schemapi.disable_debug_mode()\n"
           "altair.data_transformers.register('default', defence_briefs.briefs.charts.chart_values)\n"
           "altair.data_transformers.enable('default')\n"
           "altair.Chart(altair.Data(values=[{'a': 1}])).mark_bar().encode(x='a:Q').to_dict()\n"
           "defence_briefs.briefs.display.chart_svg({'mark': 'point', 'data': {'values': [{'a': 1}]}, "
           "'encoding': {'x': {'field': 'a', 'type': 'quantitative'}}})\n"
           "defence_briefs.briefs.context.preload_release('..')\n"
           "gc.collect()\n"
           "gc.freeze()")
RESET = "get_ipython().run_line_magic('reset', '-f')"


class NotebookRunError(DataError):
    """A notebook failed while papermill ran it; the executed copy with the traceback is kept."""

    def __init__(self, message: str, cell: int | None = None, error: str = ""):
        super().__init__(message)
        self.cell = cell
        self.error = error


def _register_engine() -> None:
    """Register papermill's engine for kernels started beforehand (passed as `km`)."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import Engine, papermill_engines

    if ENGINE in papermill_engines._engines:
        return

    class ResettingClient(PapermillNotebookClient):
        def papermill_execute_cells(self) -> None:
            self.wait_for_reply(self.kc.execute(RESET, silent=True, store_history=False))
            super().papermill_execute_cells()

    class WarmKernelEngine(Engine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            kwargs.pop("input_path", None)
            kernel_client = kwargs.pop("kc")
            client = ResettingClient(nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                                     kernel_name=kernel_name, log=logging.getLogger("papermill"),
                                     log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file,
                                     **kwargs)
            client.kc = kernel_client  # connected already: nbclient then neither connects nor disconnects it
            return client.execute()

    papermill_engines.register(ENGINE, WarmKernelEngine)


def kernel_environment(src: Path | None = None) -> dict[str, str]:
    """The environment of brief kernels: this one, with the package's source folder first on PYTHONPATH (so a
    kernel runs the same code as the build), Python's warnings about frozen modules silenced, and at most two malloc
    arenas unless the environment sets its own number."""
    env = dict(os.environ)
    if src is None:
        src = Path(__file__).resolve().parents[2]
    paths = [str(src), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    # glibc gives each of a kernel's threads (ZMQ, IOPub, vl-convert's) its own arena; memory freed in one is not
    # reused by another, so with the default (8 per core) a kernel grew with every brief, 400 to 650 MB over 20
    env.setdefault("MALLOC_ARENA_MAX", "2")
    return env


async def _answered(client, alive: Callable[[], bool], timeout: float) -> None:
    """Return once the kernel has answered a kernel_info request of `client` on both channels: its reply, and a
    status message on IOPub, which proves the client's subscription is live (messages published before it is
    would be lost). jupyter_client's `wait_for_ready` waits instead for 0.2 s of silence on IOPub, each time."""
    from jupyter_core.utils import ensure_async

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("the kernel died while starting")
        request = client.kernel_info()
        try:
            while (await ensure_async(client.get_iopub_msg(timeout=0.25)))["parent_header"].get("msg_id") != request:
                pass
        except queue.Empty:
            continue  # asked before the kernel listened, or before the subscription was live: ask again
        while (await ensure_async(client.get_shell_msg(timeout=timeout)))["parent_header"].get("msg_id") != request:
            pass  # replies to the earlier requests
        return
    raise TimeoutError(f"the kernel did not answer within {timeout:g} s")


def _this_python():
    """A kernel spec manager that gives, for any name, the kernel of this interpreter: ipykernel's launcher run by
    sys.executable, as ipykernel's own `python3` spec is. The briefs thus run in the build's Python whatever kernel
    specs are installed, and the build does not import IPython to look for them (0.2 s before a kernel starts)."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              name=kernel_name, display_name="Python 3 (ipykernel)", language="python",
                              resource_dir="")

    return ThisPython()


class WarmKernel:
    """One Jupyter kernel of this interpreter started in `cwd` over IPC sockets, with the brief modules imported."""

    def __init__(self, cwd: Path):
        from jupyter_client import KernelManager

        self.cwd = cwd
        self.manager = KernelManager(kernel_name=KERNEL, transport="ipc", kernel_spec_manager=_this_python())
        # nbclient waits for output with an asynchronous client: with a blocking one its wait for the next message
        # blocks the event loop, so a kernel that dies (or is killed by the watchdog) would never be noticed
        self.manager.client_class = "jupyter_client.asynchronous.AsyncKernelClient"
        connection_dir = Path(os.environ.get("TMPDIR", "/tmp"))
        self.manager.ip = str(connection_dir / f"defence-briefs-kernel-{os.getpid()}-{id(self)}")
        self._clients: dict[int, object] = {}
        # no input history: a build's kernel would otherwise write every cell to an SQLite file
        self.manager.start_kernel(cwd=str(cwd), env=kernel_environment(),
                                  extra_arguments=["--log-level=ERROR", "--HistoryManager.enabled=False"])
        self._warm_up()

    def _warm_up(self) -> None:
        from jupyter_core.utils import run_sync

        client = self.manager.blocking_client()
        client.start_channels()
        try:
            run_sync(_answered)(client, self.manager.is_alive, 120)
            client.execute_interactive(WARM_UP, timeout=300, store_history=False, output_hook=lambda _: None)
        finally:
            client.stop_channels()

    def client(self):
        """This thread's client of the kernel, connected once and kept for every notebook the thread runs here
        (one per thread, because a client's sockets belong to the event loop of the thread that uses them)."""
        from jupyter_core.utils import run_sync

        thread = threading.get_ident()
        client = self._clients.get(thread)
        if client is None:
            client = self.manager.client()
            client.allow_stdin = False
            client.start_channels()
            run_sync(_answered)(client, self.manager.is_alive, 60)
            self._clients[thread] = client
        return client

    def kill(self) -> None:
        """Kill the kernel process at once (a notebook that hangs); its notebook then fails as 'kernel died'."""
        # the process itself, not manager.signal_kernel: this runs in a watchdog thread, without an event loop
        provisioner = self.manager.provisioner
        pid = getattr(provisioner, "pid", None)
        pgid = getattr(provisioner, "pgid", None)
        with contextlib.suppress(ProcessLookupError, PermissionError, TypeError):
            if pgid:
                os.killpg(pgid, signal.SIGKILL)
            elif pid:
                os.kill(pid, signal.SIGKILL)

    def alive(self) -> bool:
        return bool(self.manager.is_alive())

    def shutdown(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            with contextlib.suppress(Exception):
                client.stop_channels()
        with contextlib.suppress(Exception):  # a kernel that is already gone needs no shutdown
            self.manager.shutdown_kernel(now=True)


class KernelPool:
    """`size` warm kernels, each lent to one notebook at a time; dead kernels are replaced.

    Kernels start in background threads as soon as the pool is made, so their imports overlap other work. A thread
    gets back the kernel it used last when that one is free, so that it keeps using its connected client.
    """

    def __init__(self, size: int, cwd: Path):
        self.cwd = cwd
        self.size = max(1, size)
        self._free: list[WarmKernel | BaseException] = []
        self._all: list[WarmKernel] = []
        self._lock = threading.Lock()
        self._available = threading.Condition(self._lock)
        self._last = threading.local()
        self._closed = False
        for _ in range(self.size):
            threading.Thread(target=self._start_one, daemon=True).start()

    def _put(self, item: WarmKernel | BaseException) -> None:
        with self._available:
            self._free.append(item)
            self._available.notify()

    def _take(self) -> WarmKernel:
        """The free kernel this thread used last, else the first free one; a failed start is raised (and kept)."""
        with self._available:
            while not self._free:
                self._available.wait()
            last = getattr(self._last, "kernel", None)
            item = last if any(free is last for free in self._free) else self._free[0]
            if isinstance(item, BaseException):
                raise DataError(f"could not start a Jupyter kernel ({KERNEL}): {item}")
            self._free.remove(item)
        self._last.kernel = item
        return item

    def _start_one(self) -> None:
        try:
            kernel = WarmKernel(self.cwd)
        except BaseException as exc:  # reported to whoever waits for a kernel
            self._put(exc)
            return
        with self._lock:
            closed = self._closed
            if not closed:
                self._all.append(kernel)
        if closed:  # the pool was closed while this kernel started (e.g. the build stopped at a data error)
            kernel.shutdown()
            return
        self._put(kernel)

    @contextmanager
    def kernel(self) -> Iterator[WarmKernel]:
        """Borrow a kernel; a kernel that died while lent is shut down and a new one started in its place."""
        item = self._take()
        try:
            yield item
        finally:
            if item.alive():
                self._put(item)
            else:
                with self._lock:
                    if item in self._all:
                        self._all.remove(item)
                item.shutdown()
                threading.Thread(target=self._start_one, daemon=True).start()

    def close(self) -> None:
        """Shut down every kernel, including those still starting (they stop as soon as they are up)."""
        with self._lock:
            self._closed = True
            kernels, self._all = self._all, []
        stopping = [threading.Thread(target=kernel.shutdown) for kernel in kernels]  # each waits for its process
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()


def run_notebook(source: Path, output: Path, parameters: dict, timeout: int = 600,
                 kernel: WarmKernel | None = None, notebook_timeout: float | None = None) -> nbformat.NotebookNode:
    """Execute `source` into `output` with `parameters` (in `kernel` when given, else in a kernel started for
    it in the notebook's folder) and return the executed notebook, as written to `output`; errors name the
    notebook, cell and exception, and keep `output` with the traceback.
    `timeout` bounds each cell and `notebook_timeout` the whole notebook, in seconds: a notebook that runs
    longer has its kernel killed (the pool replaces it) and fails with a NotebookRunError."""
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    logging.getLogger("papermill").setLevel(logging.WARNING)
    output.parent.mkdir(parents=True, exist_ok=True)
    if kernel is None:
        kernel = WarmKernel(source.parent)
        try:
            return run_notebook(source, output, parameters, timeout, kernel, notebook_timeout)
        finally:
            kernel.shutdown()
    _register_engine()
    options = {"kernel_name": KERNEL, "progress_bar": False, "execution_timeout": timeout, "report_mode": False,
               "request_save_on_cell_execute": False, "engine_name": ENGINE, "km": kernel.manager,
               "kc": kernel.client()}
    watchdog = threading.Timer(notebook_timeout, kernel.kill) if notebook_timeout else None
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
    try:
        executed = papermill.execute_notebook(str(source), str(output), parameters=parameters, **options)
    except (papermill.PapermillExecutionError, DeadKernelError) as exc:
        if watchdog is not None and watchdog.finished.is_set():
            raise NotebookRunError(f"{source.name} with {parameters}: the notebook ran longer than "
                                   f"{notebook_timeout:g} s and was stopped (--notebook-timeout)", None,
                                   f"notebook timeout after {notebook_timeout:g} s") from None
        if isinstance(exc, DeadKernelError):
            raise NotebookRunError(f"{source.name} with {parameters}: the kernel died ({exc})", None,
                                   "kernel died") from None
        raise NotebookRunError(f"{source.name} with {parameters}: cell {exc.exec_count} raised {exc.ename}: "
                               f"{exc.evalue} (executed notebook kept at {output})",
                               exc.exec_count, f"{exc.ename}: {exc.evalue}") from None
    except CellTimeoutError as exc:
        raise NotebookRunError(f"{source.name} with {parameters}: a cell ran longer than {timeout} s: "
                               f"{str(exc).splitlines()[0]}", None, f"timeout after {timeout} s") from None
    finally:
        if watchdog is not None:
            watchdog.cancel()
    return executed


def normalize_executed(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Strip what differs between runs of the same inputs: timestamps, durations, paths of the run, the random
    id of the parameters cell, and execution counts (renumbered from 1, as in a fresh kernel)."""
    count = 0
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives the cell it adds a random id
        paper = cell.metadata.get("papermill")
        if paper is not None:
            for field in ("start_time", "end_time", "duration"):
                paper.pop(field, None)
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
            for output in cell.get("outputs", []):
                if "execution_count" in output:
                    output["execution_count"] = count
    paper = notebook.metadata.get("papermill")
    if paper is not None:
        for field in ("start_time", "end_time", "duration"):
            paper.pop(field, None)
        paper["input_path"] = f"notebooks/{paper.get('input_path', '').rsplit('/', 1)[-1]}"
        paper["output_path"] = name
        paper.pop("environment_variables", None)
    return notebook


def read_executed(text: str) -> nbformat.NotebookNode:
    """An executed notebook, read as nbformat.reads reads it but not validated again: papermill validated it when
    it wrote it, and each validation costs 20 ms."""
    return nbformat.convert(nbformat.reader.reads(text), 4)


def executed_bytes(notebook: nbformat.NotebookNode, name: str) -> bytes:
    """The executed notebook normalised (in place) and written as bytes (the bytes nbformat.writes gives, without
    validation: papermill validated it when it wrote it)."""
    return (nbformat.versions[4].writes_json(normalize_executed(notebook, name)) + "\n").encode("utf-8")

