"""Weapon categories: every free-text `Weapon description` of the registers mapped to one of eight categories.

SIPRI's register export has no category column and its description wording changed between releases
('APC' in 2025, 'armoured personnel carrier' in 2026), so reference/weapon_categories.csv lists every
wording seen, matched ignoring case and spacing. An unknown wording is an error naming it, so a new
release cannot silently put weapons in the wrong category.

Category choices: surface-to-air and anti-ballistic missiles count as air defence (with the systems that
fire them), because interceptor supply is the air-defence dependency; torpedoes, guided bombs, guided
shells, loitering munitions and coastal anti-ship systems count as missiles (SIPRI's own definition);
combat aircraft are fighters, ground-attack aircraft, bombers, armed trainers, anti-submarine and maritime
patrol aircraft and armed drones; transport, trainer, early-warning and reconnaissance aircraft, unarmed
drones, sensors, engines and satellites are 'other'.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from ..countries import normalise_name
from ..errors import InputError

CATEGORIES = ("air_defence", "combat_aircraft", "helicopters", "armoured_vehicles", "artillery", "missiles",
              "ships", "other")
CATEGORY_NAMES = {
    "air_defence": "Air defence", "combat_aircraft": "Combat aircraft", "helicopters": "Helicopters",
    "armoured_vehicles": "Armoured vehicles", "artillery": "Artillery", "missiles": "Missiles",
    "ships": "Ships", "other": "Other (transport, sensors etc.)",
}
MAPPING_FILE = "src/defence_briefs/reference/weapon_categories.csv"
ROLES_FILE = "weapon_roles.csv"


@lru_cache(maxsize=1)
def category_table() -> dict[str, str]:
    """Normalised description -> category, from the packaged reference table (checked once)."""
    table: dict[str, str] = {}
    path = resources.files("defence_briefs").joinpath("reference", "weapon_categories.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["category"] not in CATEGORIES:
                raise ValueError(f"{MAPPING_FILE}: {row['description']!r} has unknown category {row['category']!r}")
            key = normalise_name(row["description"])
            if table.get(key, row["category"]) != row["category"]:
                raise ValueError(f"{MAPPING_FILE}: {row['description']!r} is mapped to two categories")
            table[key] = row["category"]
    return table


def unmapped_descriptions(descriptions: pd.Series) -> list[str]:
    """The distinct descriptions the table does not know (empty list when all are mapped)."""
    table = category_table()
    return sorted({d for d in descriptions.dropna().unique() if normalise_name(d) not in table})


def weapon_category(transfers: pd.DataFrame, file: str = "trade register") -> pd.Series:
    """The category of each register record; an unknown description raises an InputError naming it."""
    unknown = unmapped_descriptions(transfers["weapon_description"])
    if unknown:
        refs = []
        for description in unknown[:20]:
            first = transfers.loc[transfers["weapon_description"] == description, "source_ref"].iloc[0]
            refs.append(f"{description!r} ({first}, column 'Weapon description')")
        raise InputError(file, f"{len(unknown)} weapon description(s) have no category: {'; '.join(refs)}. "
                               f"Add each with its category ({', '.join(CATEGORIES)}) to {MAPPING_FILE}.")
    table = category_table()
    descriptions = transfers["weapon_description"]
    categories = {d: table[normalise_name(d)] for d in descriptions.dropna().unique()}  # each wording once
    return descriptions.map(lambda d: categories[d] if isinstance(d, str) else "other")


@lru_cache(maxsize=1)
def role_rules() -> tuple[tuple[str, re.Pattern, str], ...]:
    """(category, pattern, role) from reference/weapon_roles.csv, in order: the first match gives the role."""
    path = resources.files("defence_briefs").joinpath("reference", ROLES_FILE)
    with path.open(encoding="utf-8", newline="") as handle:
        rules = tuple((row["category"], re.compile(row["pattern"]), row["role"]) for row in csv.DictReader(handle))
    unknown = sorted({category for category, _, _ in rules} - set(CATEGORIES))
    if unknown:
        raise ValueError(f"{ROLES_FILE}: unknown categories {unknown}")
    return rules


def fallback_role(category: str) -> str:
    return "other equipment" if category == "other" else f"other {CATEGORY_NAMES[category].lower()}"


def role_of(description: str | None, category: str) -> str:
    """A finer role than the category where SIPRI's description allows it (long-range air-to-air missiles ->
    'air-to-air missiles'; transport vs combat helicopters), else 'other <category>'."""
    text = normalise_name(description) if isinstance(description, str) else ""
    for rule_category, pattern, role in role_rules():
        if rule_category == category and pattern.search(text):
            return role
    return fallback_role(category)


# a comment clause saying a missile SIPRI describes as air-to-air is for, or is a version of, a surface-to-air system,
# or is for a warship ("For 2 OPV-90 corvette from Germany": Bulgaria's MICA for VL-MICA-M): "For NASAMS-2 SAM
# systems", "Part of $100m deal; for NASAMS SAM systems from Norway", "For use with NASAMS/NOMADS
# SAM systems", "probably for NASAMS SAM systems", "RIM-7M Sea Sparrow (SAM) version", "Surface-to-air version";
# not a deal of mixed uses ("for NASAMS SAM systems produced in Norway and F-35 combat aircraft", "Incl AIM-120C-8
# version for NASAMS-2 SAM systems and AIM-120D-3 version for F/A-18E ...") or a possibility ("possibly also for
# use as SAM")
FOR_AIR_DEFENCE = re.compile(r"^(?:probably\s+)?(?:[\w/-]+\s+version\s+)?for\b.*?\b(?:SAM|air[- ]defen[cs]e"
                             r"|surface-to-air|corvettes?|frigates?|destroyers?|ships?|boats?|OPVs?)\b",
                             re.IGNORECASE)  # an air-to-air missile for a warship is its surface-to-air missile
SURFACE_TO_AIR_VERSION = re.compile(r"\b(?:SAM|surface-to-air)\)?\s*version\b", re.IGNORECASE)
MIXED_USE = re.compile(r"aircraft|fighter|helicopter|\bF-\d|\bF/A-", re.IGNORECASE)
AIR_TO_AIR, SURFACE_TO_AIR = "air-to-air missiles", "surface-to-air missiles and systems"


def for_air_defence(comments: str) -> bool:
    """Whether a clause of SIPRI's comments says the deal is for, or is a version of, a ground- or ship-based
    air-defence system, and names no aircraft."""
    for clause in (part.strip() for part in str(comments).split(";")):
        if MIXED_USE.search(clause) or clause.lower().startswith(("possibly", "incl")):
            continue
        if FOR_AIR_DEFENCE.match(clause) or SURFACE_TO_AIR_VERSION.search(clause):
            return True
    return False


def weapon_role(transfers: pd.DataFrame) -> pd.Series:
    """The role of each register record with a `category` column (see `role_of`); an air-to-air missile that its
    comments say is for an air-defence system (AMRAAMs for NASAMS) takes the surface-to-air role."""
    descriptions, description_names = pd.factorize(transfers["weapon_description"], use_na_sentinel=False)
    categories, category_names = pd.factorize(transfers["category"], use_na_sentinel=False)
    pairs, pair_codes = pd.factorize(descriptions * len(category_names) + categories)  # each pair once
    roles = np.array([role_of(description_names[code // len(category_names)],
                              category_names[code % len(category_names)]) for code in pair_codes], dtype=object)
    out = pd.Series(roles[pairs], index=transfers.index, dtype=object)
    air_to_air = out == AIR_TO_AIR
    comments = transfers.loc[air_to_air, "comments"].fillna("")
    ground = [for_air_defence(text) for text in comments]
    out[comments.index[np.array(ground, dtype=bool)]] = SURFACE_TO_AIR
    return out
