"""Notes where SIPRI's own words, quoted as they are, would mislead a reader (reference/sipri_word_notes.csv): a
designation (and, where given, the description SIPRI attaches to it), the note and its source."""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

from .text import md_escape

MARK = "†"


@lru_cache(maxsize=1)
def word_notes() -> dict[str, dict[str, str]]:
    """designation -> {description, note, source}: the description empty when the note holds for any."""
    path = resources.files("defence_briefs").joinpath("reference", "sipri_word_notes.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["designation"]: row for row in csv.DictReader(handle)}


def note_for(designation: str, description: str = "") -> dict[str, str] | None:
    """The note on a register row's words, or None."""
    note = word_notes().get(str(designation))
    if note is None or (note["description"] and note["description"] != str(description)):
        return None
    return note


def footnotes(designations: list[tuple[str, str]]) -> str:
    """The notes of the rows a table shows, each once, with its source ('' for none)."""
    seen: dict[str, str] = {}
    for designation, description in designations:
        note = note_for(designation, description)
        if note is not None:
            seen.setdefault(note["note"], note["source"])
    return "".join(f"\n{MARK} {md_escape(note)} ([source]({source}))\n" for note, source in seen.items())
