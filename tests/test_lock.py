"""The lock files the README's commands install through: every dependency of pyproject.toml pinned within its range,
with hashes, and the build lock at the test lock's versions."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)==(?P<version>[^ ;\\\n]+)(?: ; (?P<marker>[^\\\n]+))?", re.M)


def _pins(name: str) -> dict[str, list[tuple[str, str]]]:
    """Each pinned package's versions with their markers (a universal lock may pin one per Python version)."""
    pins: dict[str, list[tuple[str, str]]] = {}
    for match in PIN.finditer((ROOT / "requirements" / name).read_text()):
        pins.setdefault(canonicalize_name(match["name"]), []).append((match["version"], match["marker"] or ""))
    return pins


def _requirements(extras: tuple[str, ...]) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    extras, seen = list(extras), set()
    while extras:
        extra = extras.pop()
        seen.add(extra)
        for text in project["optional-dependencies"][extra]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == canonicalize_name(project["name"]):
                extras += [e for e in requirement.extras if e not in seen]  # defence-briefs[dask]
            else:
                wanted.append(requirement)
    return wanted


def test_every_lock_pins_every_dependency_within_its_range_with_hashes() -> None:
    for lock, extras in (("build.lock", ()), ("test.lock", ("test",))):
        pins = _pins(lock)
        for requirement in _requirements(extras):
            versions = pins.get(canonicalize_name(requirement.name))
            assert versions, f"{lock}: {requirement.name} is not pinned; refresh the locks (README, Quickstart)"
            for version, _ in versions:
                assert requirement.specifier.contains(version, prereleases=True), (lock, requirement, version)
        text = (ROOT / "requirements" / lock).read_text()
        blocks = re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", text.split("\n", 2)[2])
        assert all("--hash=sha256:" in block for block in blocks if "==" in block), lock


def test_the_build_lock_pins_the_test_locks_versions() -> None:
    build, test = _pins("build.lock"), _pins("test.lock")
    assert build and set(build) <= set(test)
    for name, versions in build.items():  # the same versions (markers may differ: who needs a package differs)
        assert {v for v, _ in versions} == {v for v, _ in test[name]}, name
