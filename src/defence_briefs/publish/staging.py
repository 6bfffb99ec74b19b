"""Publish a release's site whole: assemble it in a staging tree, then swap it in with one atomic rename.

reports/<release> is a relative symbolic link to reports/.sites/<release>.<token>/, the tree of the last
complete build. A build copies that tree into a new staging tree (hard links, so unchanged files cost
nothing and are never modified in place), writes what changed, records its state file last, and replaces
the link with `os.replace`. A build killed at any moment leaves the link pointing at a complete tree; the
next build removes the leftovers (`recover`) without anyone cleaning up by hand.

Readers and web servers follow the link; to copy the site elsewhere, copy with links followed
(`cp -rL`, `rsync -aL`) or copy reports/ whole (the link is relative).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

from ..fileio import atomic_write_bytes
from ..project import Project

SITES = ".sites"
STATE_FILE = ".build-state.json"
STATE_VERSION = 1


def release_link(project: Project, release: str) -> Path:
    return project.reports_dir / release


def sites_dir(project: Project) -> Path:
    return project.reports_dir / SITES


def published_tree(project: Project, release: str) -> Path | None:
    """The folder holding the published site of `release`, or None when there is none."""
    link = release_link(project, release)
    if link.is_symlink():
        target = link.resolve()
        return target if target.is_dir() else None
    return link if link.is_dir() else None


def read_state(tree: Path | None) -> dict:
    """The build state recorded in a site tree (empty when absent or unreadable)."""
    if tree is None:
        return {}
    try:
        state = json.loads((tree / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) and state.get("version") == STATE_VERSION else {}


def published_state(project: Project, release: str) -> dict:
    return read_state(published_tree(project, release))


def _candidates(project: Project, release: str) -> list[Path]:
    folder = sites_dir(project)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.startswith(f"{release}.") and p.is_dir())


def recover(project: Project, release: str) -> list[Path]:
    """Clear what an interrupted build left for `release`; returns the folders removed.

    If the link is missing (killed between the two renames of the one-off move of an old real folder),
    the newest complete tree (one with a state file) is linked again first.
    """
    link = release_link(project, release)
    for stale_link in project.reports_dir.glob(f".{release}.link-*"):
        stale_link.unlink(missing_ok=True)
    if not link.exists() and not link.is_symlink():
        complete = [p for p in _candidates(project, release) if (p / STATE_FILE).is_file()]
        if complete:
            newest = max(complete, key=lambda p: (p / STATE_FILE).stat().st_mtime_ns)
            _point(project, release, newest)
    live = published_tree(project, release)
    removed = []
    for tree in _candidates(project, release):
        if live is None or tree.resolve() != live.resolve():
            shutil.rmtree(tree, ignore_errors=True)
            removed.append(tree)
    return removed


def _point(project: Project, release: str, tree: Path) -> None:
    """Make reports/<release> a link to `tree`, atomically (a new link renamed over the old)."""
    link = release_link(project, release)
    temporary = project.reports_dir / f".{release}.link-{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(tree, project.reports_dir), temporary)
    os.replace(temporary, link)


def _link_tree(source: Path, target: Path) -> None:
    """Copy `source` to `target` with hard links (plain copies where the filesystem refuses links)."""
    for folder, _dirs, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            try:
                os.link(Path(folder) / name, target / relative / name)
            except OSError:
                shutil.copy2(Path(folder) / name, target / relative / name)


class SiteStaging:
    """A new tree for a release's site, started from the published one; `commit` swaps it in.

    Use as a context manager: leaving the block by an exception discards the staging tree and leaves the
    published site as it was.
    """

    def __init__(self, project: Project, release: str):
        self.project = project
        self.release = release
        recover(project, release)
        self.previous = published_tree(project, release)
        self.path = sites_dir(project) / f"{release}.{uuid.uuid4().hex[:12]}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.previous is not None:
            _link_tree(self.previous, self.path)
        else:
            self.path.mkdir()
        self.state = read_state(self.previous)
        self.committed = self.kept = False

    @classmethod
    def resume(cls, project: Project, release: str, path: Path, state: dict) -> SiteStaging:
        """A staging tree a process before this one kept (`keep`), to finish and commit; a UsageError when it is
        gone (removed by a build that ran in between)."""
        from ..errors import UsageError

        if not path.is_dir() or path.parent != sites_dir(project):
            raise UsageError(f"{path}: the staged site to publish is gone; render again")
        staging = cls.__new__(cls)
        staging.project, staging.release, staging.path, staging.state = project, release, path, state
        staging.previous, staging.committed, staging.kept = published_tree(project, release), False, False
        return staging

    def keep(self) -> None:
        """Leave the tree in place when the block ends, for a later process to `resume` and commit (Quarto's
        post-render); until then the published site is as it was, and the next build removes the tree."""
        self.kept = True

    def __enter__(self) -> SiteStaging:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if not self.committed and not (self.kept and kind is None):
            shutil.rmtree(self.path, ignore_errors=True)

    def file(self, relative: str) -> Path:
        return self.path / relative

    def write(self, relative: str, data: bytes) -> bool:
        """Put `data` at `relative` (a new file, never an edit of a linked one); False when already equal."""
        target = self.path / relative
        if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
        atomic_write_bytes(target, data)
        return True

    def remove(self, relative: str) -> None:
        """Leave the file or folder `relative` out of the new site (the published one keeps it until the swap)."""
        target = self.path / relative
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)

    def prune_folder(self, folder: str, kept: dict | set) -> None:
        """Remove every file under `folder` whose path is not in `kept` (the files now written there)."""
        target = self.path / folder
        if target.is_dir():
            for existing in sorted(target.rglob("*")):
                if existing.is_file() and str(existing.relative_to(self.path)) not in kept:
                    existing.unlink()

    def copy_in(self, relative: str, source: Path) -> bool:
        return self.write(relative, source.read_bytes())

    def commit(self) -> Path:
        """Record the state, swap the staging tree in as the published site and drop the old tree."""
        state = {**self.state, "version": STATE_VERSION, "release": self.release}
        atomic_write_bytes(self.path / STATE_FILE, (json.dumps(state, indent=1, sort_keys=True) + "\n").encode())
        link = release_link(self.project, self.release)
        if link.is_dir() and not link.is_symlink():
            # a site published before links were used: mark it complete, move it aside, link the new tree
            legacy = sites_dir(self.project) / f"{self.release}.legacy-{uuid.uuid4().hex[:8]}"
            if not (link / STATE_FILE).is_file():
                atomic_write_bytes(link / STATE_FILE, json.dumps({"version": 0}).encode())
            os.rename(link, legacy)
        _point(self.project, self.release, self.path)
        self.committed = True
        recover(self.project, self.release)
        return self.path
