"""The render routes on a built fixture project: the built-in route follows `_quarto.yml` (pages, formats, table
of contents, paper size); a `quarto` on PATH changes nothing unless asked for; `--renderer quarto` gives pages
with the site's assets, Content-Security-Policy and stale notice, with a stand-in quarto here and with the real
Quarto CLI where it is installed."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import copy_project, tree_digest

from defence_briefs.cli import main
from defence_briefs.render.policy import CONTENT_SECURITY_POLICY

RELEASE = "test"
EPOCH = "1780000000"
# what a minimal Quarto writes: pages with a head and a main element, typst PDFs named after the notebook
QUARTO_STAND_IN = f"""#!{sys.executable}
import pathlib, sys
args = sys.argv[1:]
assert args[0] == "render" and "--no-execute" in args, args
source, fmt = pathlib.Path(args[1]), args[args.index("--to") + 1]
out = pathlib.Path(args[args.index("--output-dir") + 1])
out.mkdir(parents=True, exist_ok=True)
page = "<!DOCTYPE html><html><head><title>{{}}</title></head><body><main><h1>{{}}</h1></main></body></html>"
if fmt == "html":
    for notebook in [source / "index.ipynb", *sorted((source / "countries").glob("*.ipynb"))]:
        target = out / notebook.relative_to(source).with_suffix(".html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.format(notebook.stem, notebook.stem))
    (out / "methodology.html").write_text(page.format("Methodology", "Methodology"))
else:
    (out / (source.stem + ".pdf")).write_bytes(b"%PDF-1.4 stand-in " + source.stem.encode())
"""


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


def test_the_quarto_route_gets_the_sites_assets_policy_and_stale_notice(project: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    quarto = _stand_in(tmp_path / "bin", QUARTO_STAND_IN)
    monkeypatch.setenv("DEFENCE_QUARTO", str(quarto))
    assert _briefs(project, "--renderer", "quarto") == 0
    site = _site(project)
    pages = sorted(site.rglob("*.html"))
    assert {str(p.relative_to(site)) for p in pages} >= {"index.html", "methodology.html", "countries/POL.html",
                                                         "countries/DEU.html"}
    for page in pages:
        if page.parent.name == "assets":
            continue
        head = BeautifulSoup(page.read_text(), "html.parser").head
        policy = head.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert policy is not None and policy["content"] == CONTENT_SECURITY_POLICY, page
    for asset in ("assets/vega-bundle.js", "assets/site.css", "assets/site.js"):
        assert (site / asset).is_file(), asset
    # this project built only Poland's and Germany's briefs: the overview says which are not up to date
    index = BeautifulSoup((site / "index.html").read_text(), "html.parser")
    notice = index.find(class_="stale-notice")
    assert notice is not None and "Albania" in notice.get_text()
    assert (site / "pdf" / "POL.pdf").read_bytes().startswith(b"%PDF")


def _quarto_version() -> str | None:
    quarto = shutil.which("quarto")
    if quarto is None:
        return None
    result = subprocess.run([quarto, "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 and re.match(r"\d+\.", result.stdout) else None


@pytest.mark.skipif(_quarto_version() is None,
                    reason="the Quarto CLI is not installed (no package registry this project reaches ships it; "
                           "`conda env create -f environment.yml` does): the real Quarto route is tested where it is")
def test_the_real_quarto_renders_the_site_with_policy_and_assets(project: Path) -> None:
    assert _briefs(project, "--renderer", "quarto") == 0
    site = _site(project)
    for relative in ("index.html", "methodology.html", "countries/POL.html", "pdf/POL.pdf",
                     "assets/vega-bundle.js"):
        assert (site / relative).is_file(), relative
    text = (site / "countries" / "POL.html").read_text()
    assert CONTENT_SECURITY_POLICY in text and "Poland" in text
    assert (site / "pdf" / "POL.pdf").read_bytes().startswith(b"%PDF")
