"""Where a project's files live: manifest, raw data, tidy cache and reports, under one root."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MIRROR_ENV = "DEFENCE_DATA_MIRROR"


@dataclass(frozen=True)
class Project:
    """Paths of one project checkout; every stage takes one, so tests can point it at a temporary folder."""

    root: Path

    @property
    def manifest_path(self) -> Path:
        return self.root / "data" / "sources.toml"

    @property
    def raw_dir(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def tidy_dir(self) -> Path:
        return self.root / "data" / "tidy"

    @property
    def build_dir(self) -> Path:
        """_build/: what the stages compute before it is published (never in git)."""
        return self.root / "_build"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    def display(self, path: Path) -> str:
        """A path relative to the project root when it lies inside it, for messages."""
        for candidate in (path.absolute(), path.resolve()):
            try:
                return str(candidate.relative_to(self.root))
            except ValueError:
                continue
        return str(path)
