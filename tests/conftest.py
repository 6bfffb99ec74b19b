"""Shared fixtures: a temporary project built from the hand-written fixture files."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fixture_files  # noqa: E402

from defence_briefs.cli import main  # noqa: E402


@pytest.fixture
def fixture_project(tmp_path: Path) -> tuple[Path, Path]:
    """(project root, mirror) holding every good fixture and a manifest pinning them."""
    mirror = fixture_files.write_fixture_project(tmp_path)
    return tmp_path, mirror


@pytest.fixture
def built_project(fixture_project: tuple[Path, Path]) -> tuple[Path, Path]:
    """A fixture project whose fetch and data stages have run once."""
    root, mirror = fixture_project
    assert main(["--mirror", str(mirror)], root=root) == 0
    return root, mirror


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path (an empty dict if it does not exist)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
