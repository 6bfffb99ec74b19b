"""Code fingerprints come from what the code imports, not from a list kept by hand.

The modules a notebook run imports are taken from the run itself (the kernel's `sys.modules` after the country
notebook ran, and the runner's in a fresh interpreter), not from the fingerprint code: each of them, changed,
must change the fingerprint that decides whether a brief runs again, and a changed module must make the build
run the briefs again. A changed template only re-renders."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import copy_project

from defence_briefs import fingerprint
from defence_briefs.cli import main
from defence_briefs.execute.kernels import COUNTRY_NOTEBOOK, NOTEBOOKS, run_notebook
from defence_briefs.ingest import PARSERS
from defence_briefs.manifest import load_manifest
from defence_briefs.project import Project
from defence_briefs.publish.plan import RUNNER, notebook_code
from defence_briefs.publish.stage import SiteOptions, build_briefs

PACKAGE = fingerprint.PACKAGE
RELEASE = "test"


def _modules_a_run_imports(root: Path, tmp_path: Path) -> set[str]:
    """The package's modules loaded by a real run of the country notebook (in the kernel, as the build starts
    it) and by the code that runs it (in the build's process)."""
    notebook = nbformat.read(root / NOTEBOOKS / COUNTRY_NOTEBOOK, as_version=4)
    record = tmp_path / "modules.json"
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import json, sys\n"
        f"json.dump(sorted(m for m in sys.modules if m.split('.')[0] == {PACKAGE!r}), open({str(record)!r}, 'w'))"))
    probe = root / NOTEBOOKS / "probe.ipynb"
    nbformat.write(notebook, probe)
    run_notebook(probe, tmp_path / "probe-out.ipynb", {"country": "POL", "release": RELEASE, "root": str(root)})
    in_kernel = set(json.loads(record.read_text()))
    runner = subprocess.run(
        [sys.executable, "-c", f"import json, sys; import {', '.join(RUNNER)}; "
                               f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == {PACKAGE!r})))"],
        capture_output=True, text=True, check=True)
    return in_kernel | set(json.loads(runner.stdout))


def _package_copy(target: Path) -> Path:
    shutil.copytree(fingerprint.PACKAGE_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _source_file(package_dir: Path, module: str) -> Path:
    base = package_dir.joinpath(*module.split(".")[1:])
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def test_every_module_a_notebook_run_imports_is_in_the_brief_fingerprint(
        published_fixture_project: tuple[Path, Path], tmp_path: Path) -> None:
    root = copy_project(published_fixture_project[0], tmp_path / "project")
    imported = _modules_a_run_imports(root, tmp_path)
    # the run reaches every stage the brief reads from: a sanity check that the probe saw the whole run
    assert {f"{PACKAGE}.briefs.charts", f"{PACKAGE}.metrics.weapon_categories", f"{PACKAGE}.metrics.dependency",
            f"{PACKAGE}.countries"} <= imported
    notebook = root / NOTEBOOKS / COUNTRY_NOTEBOOK
    before = notebook_code(notebook, _package_copy(tmp_path / "unchanged"))
    missed = []
    for number, module in enumerate(sorted(imported)):
        package = _package_copy(tmp_path / f"changed-{number}")  # a folder of its own: digests are cached by it
        path = _source_file(package, module)
        path.write_bytes(path.read_bytes() + b"\n# changed\n")
        if notebook_code(notebook, package) == before:
            missed.append(module)
    assert not missed, f"changing these modules would not re-run the briefs: {missed}"
    # so is the reference table a brief's code reads (the countries' names in every sentence)
    package = _package_copy(tmp_path / "changed-table")
    table = package / "reference" / "countries.csv"
    table.write_bytes(table.read_bytes() + b"\n")
    assert notebook_code(notebook, package) != before


def test_a_changed_module_reruns_the_briefs_and_a_changed_template_only_rerenders(
        published_fixture_project: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The experiment of issue 15: a label changed in metrics/weapon_categories.py (which the charts import)
    used to leave every brief as it was."""
    root = copy_project(published_fixture_project[0], tmp_path / "project")
    project = Project(root)
    manifest = load_manifest(project.manifest_path, set(PARSERS))
    release = manifest.release(RELEASE)
    mirror = ["--mirror", str(root / "mirror")]
    assert main(["briefs", *mirror, "--country", "POL", "--country", "DEU"], root=root) == 0  # up to date

    package = _package_copy(tmp_path / "package")
    categories = package / "metrics" / "weapon_categories.py"
    text = categories.read_text(encoding="utf-8")
    assert "Armoured vehicles" in text
    categories.write_text(text.replace("Armoured vehicles", "Armoured vehicles (all)"), encoding="utf-8")
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", package)
    result = build_briefs(project, manifest, release, SiteOptions(["POL", "DEU"]), lambda _: None)
    assert sorted(result.executed) == ["DEU", "POL"]

    pdf = (project.reports_dir / RELEASE / "pdf" / "POL.pdf").stat().st_ino
    templates = tmp_path / "templates"
    templates.mkdir()
    page = (package / "render" / "templates" / "page.html").read_text(encoding="utf-8")
    (templates / "page.html").write_text(page.replace("</body>", "<!-- house style 2 -->\n</body>"))
    monkeypatch.setenv("DEFENCE_TEMPLATES", str(templates))
    result = build_briefs(project, manifest, release, SiteOptions(["POL", "DEU"]), lambda _: None)
    assert result.executed == [] and sorted(result.rendered) == ["DEU", "POL"]
    assert "house style 2" in (project.reports_dir / RELEASE / "countries" / "POL.html").read_text()
    assert (project.reports_dir / RELEASE / "pdf" / "POL.pdf").stat().st_ino == pdf


def test_a_file_beside_the_render_code_that_it_names_is_in_the_render_fingerprint(tmp_path: Path) -> None:
    """pandoc.py runs render/pandoc_pages.lua: a change to the script must re-render the pages it converts."""
    from defence_briefs.publish.plan import RENDERER

    package = _package_copy(tmp_path / "defence_briefs")
    before = fingerprint.code_digest(RENDERER, package)
    fingerprint._code_digest.cache_clear()
    script = package / "render" / "pandoc_pages.lua"
    script.write_text(script.read_text(encoding="utf-8") + "\n-- changed\n", encoding="utf-8")
    assert fingerprint.code_digest(RENDERER, package) != before
    fingerprint._code_digest.cache_clear()
    (package / "render" / "notes.txt").write_text("not named by any module\n", encoding="utf-8")
    changed = fingerprint.code_digest(RENDERER, package)
    fingerprint._code_digest.cache_clear()
    (package / "render" / "notes.txt").write_text("still not named\n", encoding="utf-8")
    assert fingerprint.code_digest(RENDERER, package) == changed
