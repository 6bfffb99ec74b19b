"""Run a brief notebook with papermill: one fresh kernel per notebook, parameters injected, outputs kept."""

from __future__ import annotations

import logging
from pathlib import Path

from ..errors import DataError

NOTEBOOKS = "notebooks"
COUNTRY_NOTEBOOK = "country_brief.ipynb"
OVERVIEW_NOTEBOOK = "europe_overview.ipynb"
KERNEL = "python3"


class NotebookRunError(DataError):
    """A notebook failed while papermill ran it; the executed copy with the traceback is kept."""


def run_notebook(source: Path, output: Path, parameters: dict, timeout: int = 600) -> Path:
    """Execute `source` into `output` with `parameters`; errors name the notebook, cell and exception."""
    import papermill

    logging.getLogger("papermill").setLevel(logging.WARNING)
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(str(source), str(output), parameters=parameters, kernel_name=KERNEL,
                                   progress_bar=False, cwd=str(source.parent), execution_timeout=timeout,
                                   report_mode=False)
    except papermill.PapermillExecutionError as exc:
        raise NotebookRunError(f"{source.name} with {parameters}: cell {exc.exec_count} raised {exc.ename}: "
                               f"{exc.evalue} (executed notebook kept at {output})") from None
    return output
