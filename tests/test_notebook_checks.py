"""The country notebook recomputes its headline figures from the published tables and asserts that they equal
metrics.csv: a metrics.csv whose figure disagrees with the deliveries it was computed from fails the brief, with
the figure named, and the last good brief stays published."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
from conftest import copy_project

from defence_briefs.ingest import PARSERS
from defence_briefs.manifest import load_manifest
from defence_briefs.project import Project
from defence_briefs.publish.stage import SiteOptions, build_briefs

RELEASE = "test"


def test_a_figure_that_disagrees_with_the_deliveries_fails_the_brief(
        published_fixture_project: tuple[Path, Path], tmp_path: Path) -> None:
    root = copy_project(published_fixture_project[0], tmp_path / "project")
    page = (root / "reports" / RELEASE / "countries" / "POL.html").read_bytes()
    path = root / "_build" / RELEASE / "data" / "metrics.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = frame.index[(frame["country"] == "POL") & (frame["metric"] == "us_share_of_arms_imports")]
    assert len(rows) > 0
    frame.loc[rows[-1], "value"] = str(float(frame.loc[rows[-1], "value"]) + 0.01)
    frame.to_csv(path, index=False, lineterminator="\n")
    # the briefs stage alone (the metrics stage would recompute the edited file)
    project = Project(root)
    manifest = load_manifest(project.manifest_path, set(PARSERS))
    result = build_briefs(project, manifest, manifest.release(RELEASE), SiteOptions(["POL"]), lambda _: None)
    [failure] = result.failures
    assert failure.name == "POL" and "AssertionError" in failure.error, failure
    executed = nbformat.read(failure.notebook, as_version=4)
    error = next(o for cell in executed.cells for o in cell.get("outputs", []) if o.output_type == "error")
    assert "us_share_of_arms_imports" in error.evalue, error.evalue
    assert (root / "reports" / RELEASE / "countries" / "POL.html").read_bytes() == page
