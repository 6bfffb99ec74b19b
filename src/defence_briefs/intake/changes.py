"""The change report of a new release against its base: new years and windows, revised history (largest
revisions first), the European countries whose key figures moved most, and the plausibility findings to review.

It compares the two releases' metrics.csv, so it says what the briefs will say differently.
"""

from __future__ import annotations

from ..countries import CountryTable
from ..manifest import DataRelease
from ..metrics.plausibility import REVIEWED_FILE, Finding
from ..metrics.release_changes import moved, new_years, revisions
from ..metrics.stage import load_metrics
from ..project import Project
from .manifest_edit import NewFile


def _findings(accepted: list[tuple[Finding, str]], open_findings: list[Finding]) -> list[str]:
    lines = []
    for finding in open_findings:
        lines.append(f"- NOT ACCEPTED, the metrics stopped: {finding.check}: {finding.where}: {finding.message}")
        if finding.country:
            entry = finding.accept_entry().replace("\n", "\n      ")
            lines.append(f"    If the source is right, accept it in {REVIEWED_FILE}:\n      {entry}")
    for finding, reason in accepted:
        lines.append(f"- accepted earlier ({REVIEWED_FILE}), check it still holds in the new files: {finding.check}, "
                     f"{finding.country} {finding.year}: {finding.message} Reason given: {' '.join(reason.split())}")
    return lines or ["- none"]


def change_report(project: Project, base: DataRelease, new: DataRelease, new_files: list[NewFile],
                  countries: CountryTable, accepted: list[tuple[Finding, str]], open_findings: list[Finding]) -> str:
    """The report as Markdown-like plain text (readable in a terminal and in the saved file)."""
    lines = [f"# Data release {new.name} against {base.name}", "",
             f"Release {new.name}: {new.title}; dated {new.date}; data to {new.last_data_year}.",
             f"Release {base.name}: {base.title}; dated {base.date}; data to {base.last_data_year}.", "",
             "## Files", ""]
    for added in new_files:
        lines.append(f"- new: {added.file.kind}: {added.file.title} ({added.file.raw_path})")
    carried = [f for f in new.files if base.name in f.releases]
    lines += [f"- carried over from {base.name}: {len(carried)} file(s): "
              + "; ".join(sorted({f.citation for f in carried})), ""]
    if open_findings:  # the metrics stage stopped: there is nothing new to compare
        lines += ["## Plausibility findings that need review", "", *_findings(accepted, open_findings), "",
                  f"Release {new.name} was not added (add-release is all or nothing): review the findings above "
                  "against the publisher's files, fix the file or accept each finding with its reason, then run "
                  "add-release again."]
        return "\n".join(lines) + "\n"
    before, after = load_metrics(project, base.name), load_metrics(project, new.name)
    codes = countries.members("EUROPE", new.last_data_year)
    lines += ["## New years and windows", "", *new_years(before, after, base.name), "",
              f"## Revised history (periods both releases cover, {len(codes)} European countries)", "",
              *revisions(before, after, codes, countries), "",
              "## Countries whose key figures moved most", "", *moved(before, after, codes, countries), "",
              "## Plausibility findings that need review", "", *_findings(accepted, open_findings), ""]
    return "\n".join(lines)
