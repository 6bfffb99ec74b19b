"""`build.py add-release NAME --from DIR`: a new data release from downloaded files, in one command.

Every file of DIR is recognised from its content and parsed in full, and the release is checked (no duplicate, no
file the manifest already pins, nothing older than what it replaces, years that do not go backwards) before
anything is written. Then the files are copied into data/raw/<source>/<publisher's release>/ (each atomically,
as fetch does), and the manifest gets the release's table and one entry per file, written with tomlkit so that its
comments and order stay; the files DIR does not replace are carried over from the base release. Last, the data and
metrics stages run for the base and the new release, and the change report says what the new release changes.
Nothing is published: the site changes when the user runs the build.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..countries import CountryTable, country_table
from ..errors import DataError, InputError, UsageError
from ..fileio import atomic_path, atomic_write_bytes, sha256_file
from ..manifest import ID_RE, DataRelease, Manifest, SourceFile, load_manifest
from ..project import Project
from .manifest_edit import NewFile, add_release
from .recognise import Recognised, export_table_supplier, recognise

Say = Callable[[str], None]
PER_SUPPLIER = "bilateral_tiv"  # the one role with a file per supplier: a new table replaces that supplier's


@dataclass(frozen=True)
class ReleasePlan:
    """What add-release will write: the release's facts, its new files and the base files it keeps."""

    name: str
    title: str
    date: dt.date
    last_data_year: int
    base: DataRelease
    new_files: list[NewFile]
    carried: list[SourceFile]


@dataclass(frozen=True)
class AddedRelease:
    """The outcome: the change report (also saved beside the release's metrics) and the findings left open."""

    plan: ReleasePlan
    report: str
    report_path: Path
    open_findings: list


def _folder_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise UsageError(f"--from {folder}: not a folder; give the folder that holds the downloaded files")
    files = sorted(p for p in folder.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    if not files:
        raise UsageError(f"--from {folder}: the folder holds no files; put the files downloaded from SIPRI, NATO or "
                         "the World Bank in it (nothing was changed)")
    return files


def _refuse(name: str, problems: list[str], total: int) -> DataError:
    listed = "\n  - ".join(problems)
    return DataError(f"add-release {name}: {len(problems)} problem(s) with the {total} file(s) given; nothing was "
                     f"changed (no file copied, data/sources.toml as it was):\n  - {listed}")


def _supplier_of(project: Project, source_file: SourceFile, countries: CountryTable) -> str:
    """The supplier (ISO3) of a TIV export table already in data/raw, read from its title line."""
    first = (project.raw_dir / source_file.path).read_bytes()[:200].decode("latin-1").split("\n")[0]
    return export_table_supplier(first, source_file.path, countries)[1]


def plan_release(project: Project, manifest: Manifest, name: str, folder: Path, date: dt.date | None,
                 base_name: str | None, countries: CountryTable, say: Say) -> ReleasePlan:
    """Recognise and check every file of `folder`; a DataError lists every problem, and nothing is written."""
    if not ID_RE.match(name):
        raise UsageError(f"add-release {name!r}: a release name may only hold letters, digits, '_', '.', '-'")
    if name in {r.name for r in manifest.releases}:
        raise UsageError(f"add-release {name}: data/sources.toml already has a release '{name}'; choose another name")
    base = manifest.release(base_name or "latest")
    paths = _folder_files(folder)
    say(f"add-release {name}: reading {len(paths)} file(s) in {folder} (base release: {base.name})")
    recognised: list[Recognised] = []
    problems: list[str] = []
    for path in paths:
        try:
            recognised.append(recognise(path, str(path), countries))
        except InputError as exc:
            problems.append(str(exc))
    if problems:
        raise _refuse(name, problems, len(paths))
    new_files = [NewFile(r, sha256_file(r.path), r.path.stat().st_size) for r in recognised]
    problems += _duplicates(new_files, manifest)
    if not problems:
        problems += _older_than_base(new_files, base)
    if problems:
        raise _refuse(name, problems, len(paths))
    for new in new_files:
        say(f"  {new.file.path.name}: {new.file.kind}; {new.file.edition}; data {new.file.first_year}-"
            f"{new.file.last_year} -> data/raw/{new.file.raw_path}")
    new_roles = {n.file.role for n in new_files if n.file.role != PER_SUPPLIER}
    new_suppliers = {n.file.supplier for n in new_files if n.file.role == PER_SUPPLIER}
    carried = [f for f in base.files if f.role not in new_roles and not (
        f.role == PER_SUPPLIER and new_suppliers and _supplier_of(project, f, countries) in new_suppliers)]
    last_year = _last_data_year(name, new_files, base)
    published = [n.file.published for n in new_files if n.file.published is not None]
    release_date = date or (max(published) if published else dt.date.today())
    if release_date <= base.date:
        raise UsageError(f"add-release {name}: its date {release_date} is not after the base release {base.name} "
                         f"({base.date}); releases are ordered by date, so give the publication date with --date")
    return ReleasePlan(name, _title(new_files, base, release_date), release_date, last_year, base, new_files, carried)


def _duplicates(new_files: list[NewFile], manifest: Manifest) -> list[str]:
    problems = []
    seen: dict[str, Path] = {}
    for new in new_files:
        if new.sha256 in seen:
            problems.append(f"{new.file.path} and {seen[new.sha256]} are the same file (sha256 {new.sha256[:12]}...); "
                            "keep one")
        seen.setdefault(new.sha256, new.file.path)
    slots: dict[tuple[str, str], NewFile] = {}
    for new in new_files:
        slot = (new.file.role, new.file.supplier)
        if slot in slots and slots[slot].sha256 != new.sha256:
            problems.append(f"{new.file.path} and {slots[slot].file.path} are both a {new.file.kind}; a release reads "
                            "one, so keep the newer")
        slots.setdefault(slot, new)
    pinned = {f.sha256: f for f in manifest.files}
    paths = {f.path: f for f in manifest.files}
    ids = {f.id for f in manifest.files}
    for new in new_files:
        if new.sha256 in pinned:
            known = pinned[new.sha256]
            problems.append(f"{new.file.path} is already in data/sources.toml as '{known.id}' (releases "
                            f"{', '.join(known.releases)}); leave it out: the files DIR does not replace are carried "
                            "over from the base release")
        elif new.file.raw_path in paths:
            problems.append(f"{new.file.path}: data/raw/{new.file.raw_path} is already pinned by "
                            f"'{paths[new.file.raw_path].id}' with other bytes: a re-issue of the same edition? Give "
                            "the file a new name (for example with '_v2') and run again")
        elif new.file.id in ids:
            problems.append(f"{new.file.path}: data/sources.toml already has an entry '{new.file.id}' for another "
                            "file of this edition; remove one of the two")
    return problems


def _older_than_base(new_files: list[NewFile], base: DataRelease) -> list[str]:
    """A file older than the one of the same role the base release reads would take the data back in time."""
    problems = []
    for new in new_files:
        for old in base.files:
            if old.role != new.file.role or new.file.role == PER_SUPPLIER or not old.published:
                continue
            if new.file.published is not None and new.file.published < dt.date.fromisoformat(old.published):
                problems.append(f"{new.file.path}: this {new.file.kind} ({new.file.edition}, {new.file.published}) is "
                                f"older than the file release {base.name} reads ('{old.id}', {old.edition}, "
                                f"{old.published}); download the current edition")
    return problems


def _last_data_year(name: str, new_files: list[NewFile], base: DataRelease) -> int:
    """The last year both SIPRI sources (transfers and spending) reach, from the new files or else the base."""
    reach = {}
    for role in ("transfers", "milex"):
        years = [n.file.last_year for n in new_files if n.file.role == role]
        reach[role] = years[0] if years else base.last_data_year
    last = min(reach.values())
    if last < base.last_data_year:
        raise DataError(f"add-release {name}: the new files reach {last} (transfers to {reach['transfers']}, spending "
                        f"to {reach['milex']}), before release {base.name}'s {base.last_data_year}; the years would go "
                        "backwards. Nothing was changed.")
    return last


def _title(new_files: list[NewFile], base: DataRelease, date: dt.date) -> str:
    by_role = {n.file.role: n.file for n in new_files}
    if "transfers" in by_role and "milex" in by_role:
        return (f"SIPRI spring {date.year}: arms transfers to {by_role['transfers'].last_year}, military expenditure "
                f"to {by_role['milex'].last_year}")
    added = "; ".join(f"{n.file.publisher} {n.file.edition}" for n in new_files)
    return f"{base.title}; updated with {added}"


def write_release(project: Project, plan: ReleasePlan, say: Say) -> list[Path]:
    """Copy the new files into data/raw and write the manifest; on any failure, undo the copies. Returns the files
    copied (those not already in data/raw)."""
    from ..ingest import PARSERS

    copied: list[Path] = []
    try:
        for new in plan.new_files:
            dest = project.raw_dir / new.file.raw_path
            if dest.is_file() and sha256_file(dest) == new.sha256:
                continue
            with atomic_path(dest) as tmp:
                shutil.copyfile(new.file.path, tmp)
                if sha256_file(tmp) != new.sha256:
                    raise DataError(f"{new.file.path}: the file changed while it was copied; run again")
            copied.append(dest)
        text = add_release(project.manifest_path.read_text(encoding="utf-8"), plan.name, plan.title, plan.date,
                           plan.last_data_year, plan.new_files, [f.id for f in plan.carried], plan.base.name)
        with atomic_path(project.manifest_path) as tmp:
            tmp.write_text(text, encoding="utf-8")
            written = load_manifest(tmp, set(PARSERS)).release(plan.name)  # the manifest replaced only if it loads
            assert len(written.files) == len(plan.new_files) + len(plan.carried)
    except BaseException:
        for path in copied:
            path.unlink(missing_ok=True)
        raise
    say(f"add-release {plan.name}: copied {len(copied)} file(s) into data/raw; wrote [releases.{plan.name}] "
        f"({plan.title}; {plan.date}; data to {plan.last_data_year}) with {len(plan.new_files)} new file(s) and "
        f"{len(plan.carried)} carried over from {plan.base.name} into {project.display(project.manifest_path)}")
    missing_url = [n.file.id for n in plan.new_files]
    say(f"  fill in the publisher's download URL (`url`) of: {', '.join(missing_url)}")
    for new in plan.new_files:
        for note in new.file.notes:
            say(f"  {new.file.id}: {note}")
    return copied


def add_release_command(project: Project, name: str, folder: Path, date: dt.date | None, base_name: str | None,
                        mirror: Path | None, say: Say) -> AddedRelease:
    """The whole command, all or nothing: plan, write, run the data and metrics stages of the base and the new
    release, report. Whatever fails after the manifest is written (data, metrics, a finding to review: then
    FindingsToReview), the manifest and data/raw are put back as they were."""
    from ..fetch.stage import fetch_files
    from ..ingest import PARSERS
    from ..metrics.stage import metrics_dir

    countries = country_table()
    manifest = load_manifest(project.manifest_path, set(PARSERS))
    base = manifest.release(base_name or "latest")
    fetch_files(project, base.files, mirror, say)  # the base's files: compared with, and some carried over
    plan = plan_release(project, manifest, name, folder, date, base.name, countries, say)
    manifest_text = project.manifest_path.read_bytes()
    generated = [d for d in (project.tidy_dir / name, metrics_dir(project, name).parent) if not d.exists()]
    copied = write_release(project, plan, say)
    try:
        return _check_release(project, base, plan, countries, mirror, say)
    except BaseException:  # all or nothing: the manifest and data/raw as they were
        atomic_write_bytes(project.manifest_path, manifest_text)
        for path in copied:
            path.unlink(missing_ok=True)
        for folder_made in generated:
            shutil.rmtree(folder_made, ignore_errors=True)
        say(f"add-release {name}: stopped; data/sources.toml and data/raw are as they were")
        raise


class FindingsToReview(DataError):
    """The new release's metrics stopped at plausibility findings: nothing was added; the report says what."""

    def __init__(self, added: AddedRelease):
        self.added = added
        super().__init__(f"release {added.plan.name} was not added: its metrics stopped at "
                         f"{len(added.open_findings)} plausibility finding(s) that need review")


def _check_release(project: Project, base: DataRelease, plan: ReleasePlan, countries: CountryTable,
                   mirror: Path | None, say: Say) -> AddedRelease:
    """Ingest the base and the new release, compute their metrics and write the change report; a finding that
    needs review raises FindingsToReview with the report (the caller undoes the release)."""
    from ..fetch.stage import fetch_files
    from ..ingest import PARSERS
    from ..ingest.stage import ingest_release, load_table
    from ..metrics.plausibility import (
        TABLES,
        PlausibilityError,
        check_release_order,
        load_reviewed,
        nato_edition_changes,
        table_findings,
    )
    from ..metrics.stage import build_metrics, metrics_dir
    from .changes import change_report

    name = plan.name
    manifest = load_manifest(project.manifest_path, set(PARSERS))
    check_release_order(manifest)
    release, base = manifest.release(name), manifest.release(base.name)
    fetch_files(project, release.files, mirror, say)
    for each in (base, release):
        ingest_release(project, each, say)
    build_metrics(project, base, say)
    open_findings: list = []
    try:
        build_metrics(project, release, say)
    except PlausibilityError as exc:
        open_findings = exc.findings
    present = {p.stem for p in (project.tidy_dir / release.name).glob("*.parquet")}
    tables = {t: load_table(project, release.name, t) for t in TABLES if t in present}
    findings = table_findings(project, release, tables, countries)
    reviewed = load_reviewed(project)
    new_nato = [n.file for n in plan.new_files if n.file.role == "nato"]
    if new_nato and "nato" in base.files_by_role() and "nato" in tables:  # a new edition against the one it replaces
        edition = nato_edition_changes(load_table(project, base.name, "nato"), tables["nato"],
                                       project.display(project.raw_dir / new_nato[0].raw_path))
        findings += edition
        open_findings = [f for f in edition if not reviewed.covers(f)] + open_findings
    accepted = [(f, reviewed.accepted[(f.check, f.country, f.year)]) for f in findings if reviewed.covers(f)]
    report = change_report(project, base, release, plan.new_files, countries, accepted, open_findings)
    if open_findings:  # kept where the undo leaves it: beside the base release's build
        path = metrics_dir(project, base.name).parent / f"changes_{base.name}_to_{release.name}.md"
    else:
        path = metrics_dir(project, release.name).parent / f"changes_from_{base.name}.md"
    atomic_write_bytes(path, report.encode("utf-8"))
    added = AddedRelease(plan, report, path, open_findings)
    if open_findings:
        raise FindingsToReview(added)
    return added
