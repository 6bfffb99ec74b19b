"""Shared fixtures: a temporary project built from the hand-written fixture files."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fixture_files  # noqa: E402

from defence_briefs.cli import main  # noqa: E402
from defence_briefs.project import MIRROR_ENV, Project  # noqa: E402

MIRROR = os.environ.get(MIRROR_ENV)


@pytest.fixture(scope="session")
def real_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of this project's manifest, every release fetched from the mirror, ingested and its metrics built."""
    if not MIRROR:
        pytest.skip(f"{MIRROR_ENV} is not set: no real raw files to test against")
    root = tmp_path_factory.mktemp("real")
    (root / "data").mkdir()
    shutil.copy(ROOT / "data" / "sources.toml", root / "data" / "sources.toml")
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


BRIEF_COUNTRIES = ("POL", "ISL", "CHE", "DEU")


@pytest.fixture(scope="session")
def briefs_project(real_project: Project) -> Project:
    """The real project with the briefs of a few countries built (Poland; Iceland: no imports, no armed forces;
    Switzerland: not in NATO; Germany named by its English name) for the newest release."""
    for name in ("notebooks", "_quarto.yml", "methodology.md"):
        source = ROOT / name
        target = real_project.root / name
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy(source, target)
    os.environ["DEFENCE_QUARTO"] = "off"  # this fixture checks the built-in route, even where quarto exists
    args = ["briefs"]
    for country in ("POL", "ISL", "CHE", "Germany"):
        args += ["--country", country]
    assert main(args, root=real_project.root) == 0
    return real_project
