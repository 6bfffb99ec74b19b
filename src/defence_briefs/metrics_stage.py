"""The `metrics` stage: compute a release's metrics and publish them under reports/<release>/data/.

Files: metrics.csv (every figure, tidy), bilateral_tiv.csv (yearly supplier x European recipient TIV, exact
or allocated), pending_us_deals.csv (largest US orders not yet delivered). All are computed before any is
written, and each is replaced atomically, so a failure leaves the published files as they were.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .countries import country_table
from .fileio import atomic_write_bytes
from .manifest import DataRelease
from .metrics.release_metrics import release_metrics
from .project import Project

Reporter = Callable[[str], None]
METRICS_FILE = "metrics.csv"


def metrics_dir(project: Project, release: str) -> Path:
    return project.reports_dir / release / "data"


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")


def build_metrics(project: Project, release: DataRelease, report: Reporter = print) -> Path:
    """Compute and publish the metrics of `release`; returns the path of metrics.csv."""
    started = time.perf_counter()
    result = release_metrics(project, release, country_table())
    metrics = result.metrics.assign(estimate=result.metrics["estimate"].map({True: "true", False: "false"}))
    payloads = {
        METRICS_FILE: _csv_bytes(metrics),
        "bilateral_tiv.csv": _csv_bytes(result.bilateral),
        "pending_us_deals.csv": _csv_bytes(result.pending_us_deals),
    }
    target = metrics_dir(project, release.name)
    for name, payload in payloads.items():
        path = target / name
        if not path.is_file() or path.read_bytes() != payload:
            atomic_write_bytes(path, payload)
    countries = metrics["country"].nunique()
    report(f"metrics {release.name}: {len(metrics)} figures for {countries} countries and groups in "
           f"{project.display(target / METRICS_FILE)} ({time.perf_counter() - started:.1f} s)")
    return target / METRICS_FILE


def load_metrics(project: Project, release: str) -> pd.DataFrame:
    """A release's published metrics.csv, with `estimate` as bool and `period` as text."""
    frame = pd.read_csv(metrics_dir(project, release) / METRICS_FILE, dtype={"period": str, "release": str})
    frame["estimate"] = frame["estimate"].astype(str).str.lower() == "true"
    return frame
