"""The tidy shape every metric is written in: one row per figure (see `COLUMNS`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

COLUMNS = ("country", "metric", "period", "value", "unit", "source", "release", "estimate")

UNIT_TIV = "SIPRI TIV m"
UNIT_FRACTION = "fraction"
UNIT_HHI = "index 0-1"
UNIT_USD_M = "USD m, current prices"
UNIT_USD = "USD, current prices"


def period_label(first: int, last: int | None = None) -> str:
    """'2024' for a year, '2020-2024' for a window."""
    return str(first) if last is None or last == first else f"{first}-{last}"


@dataclass
class MetricRows:
    """Collects figures; a value that is None or NaN is not a figure and is dropped (missing is absent)."""

    rows: list[dict] = field(default_factory=list)

    def add(self, country: str, metric: str, period: str, value: float | None, unit: str, source: str,
            estimate: bool = False) -> None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        self.rows.append({"country": country, "metric": metric, "period": period, "value": float(value),
                          "unit": unit, "source": source, "estimate": bool(estimate)})

    def frame(self, release: str) -> pd.DataFrame:
        frame = pd.DataFrame.from_records(self.rows, columns=[c for c in COLUMNS if c != "release"])
        frame.insert(6, "release", release)
        return frame
