"""The source manifest (data/sources.toml): every raw file, its pin, and the data releases that use it."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from .errors import ManifestError

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
ID_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


FAMILY_TITLES = {  # the publisher's title of each source folder
    "sipri_arms_transfers": "SIPRI Arms Transfers Database",
    "sipri_milex": "SIPRI Military Expenditure Database",
    "nato_defence_expenditure": "NATO",
    "worldbank_wdi": "World Bank",
}


@dataclass(frozen=True)
class SourceFile:
    """One raw file as the manifest pins it."""

    id: str
    title: str
    source: str
    publisher: str
    source_release: str
    path: str
    parser: str
    role: str
    releases: tuple[str, ...]
    sha256: str
    size: int
    url: str = ""
    landing_page: str = ""
    copies: tuple[str, ...] = ()
    edition: str = ""  # the publisher's edition, as source lines name it
    published: str = ""  # ISO date the publisher generated or dated the file

    @property
    def citation(self) -> str:
        """'Publisher title, edition' as a source line names this file."""
        text = f"{FAMILY_TITLES.get(self.source, self.title)}, {self.edition}" if self.edition else self.title
        return re.sub(r"\b(\d{4})-(\d{4})\b", "\\1–\\2", text)  # a range of years takes an en dash

    @property
    def download_urls(self) -> tuple[str, ...]:
        """Publisher URL first (where known), then the pinned public copies."""
        return tuple(u for u in (self.url, *self.copies) if u)


@dataclass(frozen=True)
class DataRelease:
    """A named set of raw files that one edition of the briefs is built from."""

    name: str
    title: str
    date: dt.date
    last_data_year: int
    files: tuple[SourceFile, ...]

    def files_by_role(self) -> dict[str, list[SourceFile]]:
        """Files grouped by the tidy table they feed, in manifest order."""
        grouped: dict[str, list[SourceFile]] = {}
        for source_file in self.files:
            grouped.setdefault(source_file.role, []).append(source_file)
        return grouped


@dataclass(frozen=True)
class Manifest:
    """All files and releases of a manifest; releases are ordered oldest to newest."""

    path: Path
    files: tuple[SourceFile, ...]
    releases: tuple[DataRelease, ...]

    @property
    def default_release(self) -> DataRelease:
        """The newest release."""
        return self.releases[-1]

    def release(self, name: str) -> DataRelease:
        """The release called `name` ('latest' for the newest); a ManifestError lists the valid names."""
        if name == "latest":
            return self.default_release
        for release in self.releases:
            if release.name == name:
                return release
        valid = ", ".join(r.name for r in self.releases)
        raise ManifestError(f"{self.path}: no data release '{name}'; the manifest has: {valid} (or 'latest')")

    def select(self, names: list[str] | None) -> list[DataRelease]:
        """The named releases, or all of them when `names` is empty."""
        if not names:
            return list(self.releases)
        return [self.release(name) for name in names]


_REQUIRED = ("id", "title", "source", "publisher", "source_release", "path", "parser", "role", "releases",
             "sha256", "size")


def _file_from_table(table: dict, index: int, path: Path) -> SourceFile:
    where = f"{path}: [[files]] entry {index + 1}"
    missing = [key for key in _REQUIRED if key not in table]
    if missing:
        raise ManifestError(f"{where} ({table.get('id', '?')}): missing field(s) {', '.join(missing)}")
    unknown = set(table) - set(_REQUIRED) - {"url", "landing_page", "copies", "edition", "published"}
    if unknown:
        raise ManifestError(f"{where} ({table['id']}): unknown field(s) {', '.join(sorted(unknown))}")
    if not ID_RE.match(str(table["id"])):
        raise ManifestError(f"{where}: id {table['id']!r} may only hold letters, digits, '_', '.', '-'")
    sha = str(table["sha256"]).lower()
    if not SHA256_RE.match(sha):
        raise ManifestError(f"{where} ({table['id']}): sha256 must be 64 hex digits, got {table['sha256']!r}")
    rel_path = PurePosixPath(str(table["path"]))
    if rel_path.is_absolute() or ".." in rel_path.parts or not rel_path.parts:
        raise ManifestError(f"{where} ({table['id']}): path {table['path']!r} must be relative, without '..'")
    if not isinstance(table["releases"], list) or not table["releases"]:
        raise ManifestError(f"{where} ({table['id']}): releases must be a non-empty list")
    if not isinstance(table["size"], int) or table["size"] < 0:
        raise ManifestError(f"{where} ({table['id']}): size must be a whole number of bytes")
    return SourceFile(
        id=table["id"], title=table["title"], source=table["source"], publisher=table["publisher"],
        source_release=str(table["source_release"]), path=str(rel_path), parser=table["parser"],
        role=table["role"], releases=tuple(str(r) for r in table["releases"]), sha256=sha,
        size=table["size"], url=table.get("url", ""), landing_page=table.get("landing_page", ""),
        copies=tuple(table.get("copies", ())), edition=str(table.get("edition", "")),
        published=str(table.get("published", "")),
    )


def load_manifest(path: Path, known_parsers: set[str] | None = None) -> Manifest:
    """Read and check a manifest; every problem is a ManifestError naming the file and entry. The same bytes give
    the same (immutable, shared) Manifest."""
    try:
        content = Path(path).read_bytes()
    except FileNotFoundError:
        raise ManifestError(f"{path}: source manifest not found") from None
    # a build reads the manifest at each stage and release; parsed once per content (a Manifest is immutable)
    return _parsed_manifest(path, content, None if known_parsers is None else frozenset(known_parsers))


@lru_cache(maxsize=8)
def _parsed_manifest(path: Path, content: bytes, known_parsers: frozenset[str] | None) -> Manifest:
    """The manifest that `content`, read from `path`, holds (errors name `path`)."""
    try:
        data = tomllib.loads(content.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None
    files = [_file_from_table(t, i, path) for i, t in enumerate(data.get("files", []))]
    seen: dict[str, int] = {}
    for source_file in files:
        if source_file.id in seen:
            raise ManifestError(f"{path}: file id '{source_file.id}' is used twice")
        seen[source_file.id] = 1
        if known_parsers is not None and source_file.parser not in known_parsers:
            raise ManifestError(
                f"{path}: file '{source_file.id}' names parser '{source_file.parser}'; "
                f"known parsers: {', '.join(sorted(known_parsers))}"
            )
    paths = [f.path for f in files]
    duplicated = {p for p in paths if paths.count(p) > 1}
    if duplicated:
        raise ManifestError(f"{path}: path(s) listed twice: {', '.join(sorted(duplicated))}")
    release_tables = data.get("releases", {})
    if not release_tables:
        raise ManifestError(f"{path}: no [releases.<name>] tables")
    releases = []
    for name, table in release_tables.items():
        for key in ("title", "date", "last_data_year"):
            if key not in table:
                raise ManifestError(f"{path}: [releases.{name}] is missing '{key}'")
        if not isinstance(table["date"], dt.date):
            raise ManifestError(f"{path}: [releases.{name}] date must be a TOML date like 2026-05-18")
        members = tuple(f for f in files if name in f.releases)
        if not members:
            raise ManifestError(f"{path}: release '{name}' has no files")
        releases.append(DataRelease(name=str(name), title=table["title"], date=table["date"],
                                    last_data_year=int(table["last_data_year"]), files=members))
    release_names = {r.name for r in releases}
    for source_file in files:
        unknown = set(source_file.releases) - release_names
        if unknown:
            raise ManifestError(
                f"{path}: file '{source_file.id}' names release(s) {', '.join(sorted(unknown))} "
                f"that have no [releases.<name>] table"
            )
    releases.sort(key=lambda r: (r.date, r.name))
    for release in releases:
        by_role = release.files_by_role()
        for role, members in by_role.items():
            parsers = {m.parser for m in members}
            if len(parsers) > 1:
                raise ManifestError(f"{path}: release '{release.name}' role '{role}' mixes parsers {sorted(parsers)}")
    return Manifest(path=path, files=tuple(files), releases=tuple(releases))
