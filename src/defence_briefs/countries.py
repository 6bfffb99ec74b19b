"""The one table of countries, other actors and groups: ISO3 codes inside, display names at the edge.

reference/countries.csv      code, display name, kind (state, territory, historical_state, organisation,
                             non_state_actor, unknown, aggregate, group, ...), for a group its membership
                             convention: `by_year` (NATO's tables: the members of each year) or `latest` (SIPRI's
                             fact sheets: the members of the newest year in every period compared), and the
                             article a name takes in a sentence ('the' for the Netherlands, the United Kingdom)
reference/country_names.csv  every spelling any source uses -> code (matched ignoring case and spacing)
reference/group_membership.csv  group, member, joined, left: EU27, NATO_EUROPE, NATO, EUROPE over time; SIPRI_EUROPE
                             (SIPRI's Europe region: its Central, Eastern and Western Europe, as listed in the SIPRI
                             Military Expenditure Database workbook) and SIPRI_EURO_NATO (NATO members in it)
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import InputError

REFERENCE = "reference"
NAMES_FILE = "src/defence_briefs/reference/country_names.csv"
GROUPS = ("EU27", "NATO_EUROPE", "EUROPE", "EUROPE_EX_UKR", "NATO", "SIPRI_EUROPE", "SIPRI_EURO_NATO")
MEMBERSHIP_CONVENTIONS = ("by_year", "latest")


def normalise_name(name: str) -> str:
    """Key for matching a source's spelling: whitespace collapsed, case folded."""
    return re.sub(r"\s+", " ", name).strip().casefold()


@dataclass(frozen=True)
class Entity:
    """A country, historical state, organisation, non-state actor, aggregate or group."""

    code: str
    name: str
    kind: str
    membership: str = ""  # groups only: 'by_year' or 'latest' (see module doc)
    article: str = ""  # 'the' where the name takes it in a sentence

    def in_sentence(self, start: bool = False) -> str:
        """The name as a sentence says it: 'the Netherlands', or 'The Netherlands' at the start."""
        if not self.article:
            return self.name
        return f"{self.article.capitalize() if start else self.article} {self.name}"

    def possessive(self, start: bool = False) -> str:
        """'Germany's', 'the Netherlands'' (a plural name with 'the' takes only the apostrophe)."""
        name = self.in_sentence(start)
        return f"{name}'" if self.article and name.endswith("s") else f"{name}'s"


@dataclass(frozen=True)
class Membership:
    """A member's time in a group: member from `joined` (inclusive) until `left` (exclusive)."""

    group: str
    member: str
    joined: dt.date | None
    left: dt.date | None

    def active_in(self, year: int) -> bool:
        """Member at any point of `year` (a country that joins in March counts for that whole year)."""
        joined_ok = self.joined is None or self.joined.year <= year
        left_ok = self.left is None or self.left.year > year
        return joined_ok and left_ok


class CountryTable:
    """Lookups over the reference tables."""

    def __init__(self, entities: Mapping[str, Entity], names: Mapping[str, str],
                 memberships: Iterable[Membership]) -> None:
        self.entities = dict(entities)
        self.names = dict(names)
        self.memberships = tuple(memberships)
        self._members: dict[tuple[str, int], list[str]] = {}

    def code_for(self, name: str) -> str | None:
        """The code for a source spelling, or None when the table does not know it."""
        return self.names.get(normalise_name(name))

    def name(self, code: str) -> str:
        """Display name of a code, as a table or heading shows it ('Netherlands')."""
        return self.entities[code].name

    def in_sentence(self, code: str, start: bool = False) -> str:
        """The name of a code as a sentence says it ('the Netherlands'; 'The Netherlands' when `start`)."""
        return self.entities[code].in_sentence(start)

    def possessive(self, code: str, start: bool = False) -> str:
        """The possessive of a code's name in a sentence ('Poland's', 'the Netherlands'')."""
        return self.entities[code].possessive(start)

    def kind(self, code: str) -> str:
        return self.entities[code].kind

    def map_names(self, names: Mapping[str, str], file: str | Path) -> dict[str, str]:
        """Map each source name to its code; unknown names raise one InputError listing them all.

        `names` maps each name to where it was first seen (e.g. "sheet 'Share of GDP', row 57").
        """
        mapped: dict[str, str] = {}
        unknown: list[str] = []
        for name, where in names.items():
            code = self.code_for(name)
            if code is None:
                unknown.append(f"{name!r} ({where})")
            else:
                mapped[name] = code
        if unknown:
            raise InputError(
                file,
                f"{len(unknown)} name(s) not in the country table: {'; '.join(unknown)}. "
                f"Add each spelling with its ISO3 code to {NAMES_FILE}.",
            )
        return mapped

    def members(self, group: str, year: int) -> list[str]:
        """Codes of the members of `group` in `year`, sorted."""
        if group not in GROUPS:
            raise KeyError(f"unknown group {group!r}; groups: {', '.join(GROUPS)}")
        key = (group, year)
        if key not in self._members:
            self._members[key] = sorted({m.member for m in self.memberships if m.group == group and m.active_in(year)})
        return list(self._members[key])

    def period_members(self, group: str, period_end: int, latest_year: int) -> list[str]:
        """Members counted for a period ending in `period_end` of data ending in `latest_year`, by the group's
        convention: those of `period_end` (by_year) or of `latest_year` (latest)."""
        return self.members(group, latest_year if self.entities[group].membership == "latest" else period_end)

    def is_member(self, group: str, code: str, year: int) -> bool:
        return code in self.members(group, year)


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _read_csv(name: str) -> list[dict[str, str]]:
    with resources.files(__package__).joinpath(REFERENCE, name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=1)
def country_table() -> CountryTable:
    """The packaged reference tables, loaded and cross-checked once."""
    entities = {row["code"]: Entity(row["code"], row["name"], row["kind"], row["membership"], row["article"])
                for row in _read_csv("countries.csv")}
    for code in GROUPS:
        if entities[code].membership not in MEMBERSHIP_CONVENTIONS:
            raise ValueError(f"countries.csv: group {code} needs a membership convention: {MEMBERSHIP_CONVENTIONS}")
    names: dict[str, str] = {}
    for row in _read_csv("country_names.csv"):
        key = normalise_name(row["name"])
        if row["code"] not in entities:
            raise ValueError(f"country_names.csv: {row['name']!r} maps to unknown code {row['code']!r}")
        if key in names and names[key] != row["code"]:
            raise ValueError(f"country_names.csv: {row['name']!r} maps to both {names[key]} and {row['code']}")
        names[key] = row["code"]
    memberships = []
    for row in _read_csv("group_membership.csv"):
        if row["member"] not in entities or row["group"] not in GROUPS:
            raise ValueError(f"group_membership.csv: unknown group or member in {row}")
        memberships.append(Membership(row["group"], row["member"], _date(row["joined"]), _date(row["left"])))
    return CountryTable(entities, names, memberships)
