"""Shared fixtures: a temporary project built from the hand-written fixture files."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fixture_files  # noqa: E402

from defence_briefs.cli import main  # noqa: E402
from defence_briefs.project import MIRROR_ENV, Project  # noqa: E402

MIRROR = os.environ.get(MIRROR_ENV)


def pytest_configure(config: pytest.Config) -> None:
    """Every build of one test run states the same 'built on' date (tests of the date set their own): tests that
    compare a build with one a session fixture made earlier in the run hold when the run passes midnight."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(int(time.time())))


@pytest.fixture(scope="session")
def real_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of this project's manifest, every release fetched from the mirror, ingested and its metrics built."""
    if not MIRROR:
        pytest.skip(f"{MIRROR_ENV} is not set: no real raw files to test against")
    root = tmp_path_factory.mktemp("real")
    (root / "data").mkdir()
    for name in ("sources.toml", "reviewed_findings.toml"):
        shutil.copy(ROOT / "data" / name, root / "data" / name)
    assert main(["metrics"], root=root) == 0
    return Project(root)


@pytest.fixture
def fixture_project(tmp_path: Path) -> tuple[Path, Path]:
    """(project root, mirror) holding every good fixture and a manifest pinning them."""
    mirror = fixture_files.write_fixture_project(tmp_path)
    return tmp_path, mirror


@pytest.fixture
def built_project(fixture_project: tuple[Path, Path]) -> tuple[Path, Path]:
    """A fixture project whose fetch and data stages have run once."""
    root, mirror = fixture_project
    assert main(["data", "--mirror", str(mirror)], root=root) == 0
    return root, mirror


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path (an empty dict if it does not exist)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def published_digest(reports: Path) -> dict[str, str]:
    """Every published file under `reports` by path, following the release links into the site trees, plus the
    links' targets: equal digests mean the published sites are byte for byte the same and were not swapped."""
    digest: dict[str, str] = {}
    if not reports.exists():
        return digest
    for folder, dirs, files in os.walk(reports, followlinks=True):
        for name in sorted(dirs + files):
            path = Path(folder) / name
            rel = str(path.relative_to(reports))
            if path.is_symlink():
                digest[f"{rel} ->"] = os.readlink(path)
            if path.is_file():
                digest[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def quarto_version() -> str | None:
    """The version of the quarto CLI on PATH, or None when there is none that runs."""
    import subprocess

    quarto = shutil.which("quarto")
    if quarto is None:
        return None
    done = subprocess.run([quarto, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 and re.match(r"\d+\.", done.stdout) else None


NO_QUARTO = ("the Quarto CLI is not installed: .ci/run installs it from ../shared/tools/quarto; elsewhere install "
             "it from quarto.org, conda-forge or `pip install -e \".[quarto]\"`")


def copy_project(source: Path, target: Path) -> Path:
    """A copy of a project folder, keeping the release links of reports/ as links."""
    shutil.copytree(source, target, symlinks=True)
    return target


def manifest_without(text: str, release: str) -> str:
    """The manifest text without `release`: its table, the files only it uses, its name in other files' lists."""
    text = re.sub(rf"\n\[releases\.{release}\]\n(?:[^\n\[]+\n)*", "\n", text)
    head, *blocks = text.split("\n[[files]]\n")
    kept = []
    for block in blocks:
        match = re.search(r'^releases = \[(.*)\]$', block, flags=re.M)
        names = [n.strip().strip('"') for n in match.group(1).split(",")]
        if names == [release]:
            continue
        rest = ", ".join(f'"{n}"' for n in names if n != release)
        kept.append(block[:match.start()] + f"releases = [{rest}]" + block[match.end():])
    return "\n[[files]]\n".join([head, *kept])


@pytest.fixture(scope="session")
def published_fixture_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(root, mirror) of a fixture project whose whole build ran: tidy tables, metrics, and a published site
    with the briefs of Poland and Germany. Copy it (`copy_project`) before changing anything."""
    root = tmp_path_factory.mktemp("published")
    mirror = fixture_files.write_fixture_project(root)
    for name in ("notebooks", "_quarto.yml", "methodology.md"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy(source, root / name)
    assert main(["--mirror", str(mirror), "--country", "POL", "--country", "DEU"], root=root) == 0
    return root, mirror


@pytest.fixture(scope="session")
def briefs_project(real_project: Project) -> Project:
    """The real project with every brief of the newest release built, as the README's build does (the copy desk
    reads every page). Germany is named by its English name, to check that names resolve."""
    for name in ("notebooks", "_quarto.yml", "methodology.md"):
        source = ROOT / name
        target = real_project.root / name
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy(source, target)
    assert main(["briefs", "--country", "Germany"], root=real_project.root) == 0
    assert main(["briefs"], root=real_project.root) == 0
    return real_project


CHECK_COUNTS = pytest.StashKey[list[str]]()


@pytest.fixture
def report_count(request: pytest.FixtureRequest):
    """A function that records a line of counts (pages checked, violations...) for the end of the test run's
    output, where CI's log shows it whether the test passed or not."""
    def record(line: str) -> None:
        request.config.stash.setdefault(CHECK_COUNTS, []).append(f"{request.node.name}: {line}")
    return record


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(CHECK_COUNTS, [])
    if lines:
        terminalreporter.section("accessibility and reader checks: counts")
        for line in lines:
            terminalreporter.write_line(line)
