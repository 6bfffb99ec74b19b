"""The render routes on a built fixture project: the built-in route follows `_quarto.yml` (pages, formats, table
of contents, paper size); a `quarto` on PATH changes nothing unless asked for; `--renderer quarto` gives pages
with the site's assets, Content-Security-Policy and stale notice, with a stand-in quarto here and with the real
Quarto CLI where it is installed."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import NO_QUARTO, copy_project, quarto_version, tree_digest

from defence_briefs.cli import main
from defence_briefs.render.policy import CONTENT_SECURITY_POLICY

RELEASE = "test"
EPOCH = "1780000000"


@pytest.fixture
def project(published_fixture_project: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.delenv("DEFENCE_QUARTO", raising=False)
    return copy_project(published_fixture_project[0], tmp_path / "project")


def _briefs(root: Path, *extra: str) -> int:
    return main(["briefs", "--force", "--country", "POL", "--country", "DEU", *extra], root=root)


def _site(root: Path) -> Path:
    return (root / "reports" / RELEASE).resolve()


def _stand_in(folder: Path, script: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    quarto = folder / "quarto"
    quarto.write_text(script)
    quarto.chmod(quarto.stat().st_mode | stat.S_IEXEC)
    return quarto


def _edit_config(root: Path, change) -> None:
    path = root / "_quarto.yml"
    config = yaml.safe_load(path.read_text())
    change(config)
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def test_the_built_in_route_follows_quarto_yml(project: Path) -> None:
    """Paper size and table of contents from the formats, pages from project.render, formats from format."""
    def change(config: dict) -> None:
        config["format"]["typst"]["papersize"] = "us-letter"
        config["format"]["html"]["toc"] = False
        config["project"]["render"].remove("methodology.md")

    _edit_config(project, change)
    assert _briefs(project) == 0
    site = _site(project)
    page = BeautifulSoup((site / "countries" / "POL.html").read_text(), "html.parser")
    assert page.find("nav", class_="toc") is None
    assert not (site / "methodology.html").exists() and (site / "index.html").is_file()
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(site / "pdf" / "POL.pdf")], capture_output=True, text=True,
                              check=True).stdout
        assert "612 x 792 pts (letter)" in info, info

    _edit_config(project, lambda config: config["format"].pop("typst"))
    shutil.rmtree(project / "reports")
    assert _briefs(project) == 0
    site = _site(project)
    assert (site / "countries" / "POL.html").is_file() and not (site / "pdf").exists()


def test_the_default_toc_and_paper_are_those_of_the_committed_quarto_yml(project: Path) -> None:
    site = _site(project)
    toc = BeautifulSoup((site / "countries" / "POL.html").read_text(), "html.parser").find("nav", class_="toc")
    # toc-depth 2: the sections of the brief, no deeper
    assert toc is not None and toc.find("a", string="Key findings") and not toc.select("ul ul")
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(site / "pdf" / "POL.pdf")], capture_output=True, text=True,
                              check=True).stdout
        assert "595.276 x 841.89" in info  # A4


def test_a_quarto_on_path_does_not_change_the_default_build(project: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    other = copy_project(project, tmp_path / "other")
    assert _briefs(project) == 0
    without = tree_digest(_site(project))
    called = tmp_path / "quarto-was-called"
    bin_dir = tmp_path / "bin"
    _stand_in(bin_dir, f"#!/bin/sh\ntouch {called}\nexit 1\n")
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path(sys.executable).parent}:/usr/bin:/bin")
    assert shutil.which("quarto") == str(bin_dir / "quarto")
    assert _briefs(other) == 0
    assert not called.exists()
    with_quarto = tree_digest(_site(other))
    # the site state records where each page came from, with the fingerprints of the same inputs
    assert with_quarto == without


def test_without_quarto_the_quarto_route_says_how_to_get_it(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:/usr/bin:/bin")
    monkeypatch.delenv("DEFENCE_QUARTO", raising=False)
    if shutil.which("quarto"):
        pytest.skip("a quarto is installed in /usr/bin")
    before = tree_digest(_site(project))
    assert _briefs(project, "--renderer", "quarto") == 2
    error = capsys.readouterr().err
    assert "no quarto CLI found" in error and "quarto.org" in error and "--renderer built-in" in error
    assert tree_digest(_site(project)) == before


@pytest.mark.skipif(quarto_version() is None, reason=NO_QUARTO)
def test_the_real_quarto_renders_the_site_with_policy_assets_and_stale_notice(project: Path) -> None:
    """`--renderer quarto` on the fixture project: one `quarto render`, whose pre-render step runs the briefs and
    whose post-render step publishes pages with the site's policy and assets, the PDFs in pdf/, and the overview's
    notice of the briefs not built (only Poland's and Germany's are)."""
    shutil.copy(Path(__file__).parents[1] / "build.py", project / "build.py")
    assert _briefs(project, "--renderer", "quarto") == 0
    site = _site(project)
    for relative in ("index.html", "methodology.html", "diversification.html", "countries/POL.html",
                     "countries/DEU.html", "pdf/POL.pdf", "pdf/DEU.pdf", "assets/vega-bundle.js", "assets/site.css"):
        assert (site / relative).is_file(), relative
    assert not (site / "countries" / "POL.pdf").exists() and not (site / "search.json").exists()
    for page in [site / "index.html", site / "methodology.html", *sorted((site / "countries").glob("*.html"))]:
        soup = BeautifulSoup(page.read_text(), "html.parser")
        policy = soup.head.find("meta")
        assert policy.get("http-equiv") == "Content-Security-Policy", page  # the first element of the head
        assert policy["content"] == CONTENT_SECURITY_POLICY, page
        inline = [s for s in soup.find_all("script") if not s.get("src") and "json" not in s.get("type", "")]
        assert inline == [], page  # the policy allows scripts from files only
        assert not soup.find_all("script", type="module"), page  # no browser loads a module from file://
    # this project built only Poland's and Germany's briefs: the overview says which are not up to date
    notice = BeautifulSoup((site / "index.html").read_text(), "html.parser").find(class_="stale-notice")
    assert notice is not None and "Albania" in notice.get_text()
    assert (site / "pdf" / "POL.pdf").read_bytes().startswith(b"%PDF")
    # the documents Quarto rendered stay in the project (for `quarto preview`), out of git
    assert (project / "countries" / "POL.ipynb").is_file() and (project / "index.ipynb").is_file()


def test_a_render_that_fails_after_pre_render_publishes_nothing_and_leaves_nothing(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A quarto that runs the project's pre-render step, then fails as a typst error would: the build exits 2, the
    published site is as it was, and neither the staged site nor its note is left for a later post-render step (a
    preview's) to publish."""
    shutil.copy(Path(__file__).parents[1] / "build.py", project / "build.py")
    failing = f"#!/bin/sh\ncd {project} && python build.py pre-render >&2 || exit 9\necho 'typst: error' >&2\nexit 1\n"
    monkeypatch.setenv("DEFENCE_QUARTO", str(_stand_in(tmp_path / "bin", failing)))
    before = tree_digest(_site(project))
    trees = sorted((project / "reports" / ".sites").iterdir())
    assert _briefs(project, "--renderer", "quarto") == 2
    assert tree_digest(_site(project)) == before
    assert sorted((project / "reports" / ".sites").iterdir()) == trees
    assert not (project / "_build" / "quarto-pending.json").exists()
    # the pre-render step did run: it wrote the documents
    assert (project / "countries" / "POL.ipynb").is_file()
