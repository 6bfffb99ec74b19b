"""NATO's spending targets as the briefs word them: each with its definition, date and source; allies only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A share-of-GDP (or of defence expenditure) level NATO allies agreed, with the words a brief uses."""

    share: float
    short: str  # after "above"/"below": "NATO's 2% of GDP guideline (2014)"
    medium: str  # in a finding's sentence: the level, who agreed it, when, for when
    long: str  # the full wording, where the target is explained (method notes)
    source: str


GUIDELINE = Target(
    0.02, "NATO's 2% of GDP guideline (Wales summit, 2014)",
    "2% of GDP, NATO's guideline since 2014",
    "2% of GDP, the guideline NATO allies agreed at the Wales summit in 2014",
    "NATO, Wales Summit Declaration, 5 September 2014, paragraph 14")
HAGUE_CORE = Target(
    0.035, "the 3.5% of GDP for core defence that NATO allies committed to reach by 2035",
    "3.5% of GDP, the core-defence level NATO allies committed in June 2025 (Hague summit) to reach by 2035",
    "3.5% of GDP, the core-defence level that NATO allies committed at the Hague summit (June 2025) to reach by "
    "2035, by NATO's definition of defence expenditure, within a total of 5% of GDP of which up to 1.5% may go "
    "to defence- and security-related spending",
    "NATO, The Hague Summit Declaration, 25 June 2025, paragraphs 2-3")
EQUIPMENT_GUIDELINE = Target(
    0.20, "NATO's guideline of 20% of defence expenditure on major equipment (2014)",
    "NATO's 20% guideline for equipment",
    "20% of defence expenditure on major equipment, including related research and development, NATO's "
    "guideline since the Wales summit in 2014",
    "NATO, Wales Summit Declaration, 5 September 2014, paragraph 14")
