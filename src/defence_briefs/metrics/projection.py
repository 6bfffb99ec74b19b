"""What orders already signed will deliver: expected deliveries per year for the next five years from each pending
order, and the US share of them. Not a forecast of all imports: orders still to be signed are not in it.

Each pending order's undelivered TIV is spread over the years it is expected in, by the first rule that applies:
1. the schedule SIPRI writes in the comment ("delivery planned 2026-2027", "by 2028", "from 2027", "2026"): evenly
   over those years (from next year when the start has passed; "by" from next year; "from" at the order's own
   pace or, without one, over the rest of the horizon);
2. the order's own pace so far: its delivered TIV per year of delivery, continued until nothing is left;
3. the pace of the same designation in other orders (median TIV per delivery year);
4. else evenly over the horizon.
Deliveries beyond the horizon are not counted. The backtest (validation/projection_backtest.py) measures how
well this predicts the deliveries a later release records.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .records import UNIT_FRACTION, UNIT_TIV, MetricRows, period_label

US = "USA"

HORIZON = 5
SCHEDULE = re.compile(r"deliver(?:y|ies)(?:\s+of\s+[^;]*?)?\s+(?:probably\s+|possibly\s+)?planned\s+(by|from|for)?"
                      r"\s*(\d{4})(?:\s*-\s*(\d{4}))?", re.IGNORECASE)
RULES = ("schedule", "own pace", "designation pace", "even")


def _pace(row: pd.Series) -> float | None:
    years = row["delivery_years"]
    if len(years) == 0 or not row["tiv_delivered"] or row["tiv_delivered"] <= 0:
        return None
    return float(row["tiv_delivered"]) / len(set(int(y) for y in years))


def designation_paces(transfers: pd.DataFrame) -> dict[str, float]:
    """The median delivered TIV per delivery year of each designation, over the orders with deliveries."""
    years = transfers["delivery_years"].map(lambda delivered: len(set(int(y) for y in delivered)))
    delivered = transfers["tiv_delivered"].fillna(0.0)
    paces = (delivered / years.where(years > 0)).where(delivered > 0)
    frame = pd.DataFrame({"designation": transfers["weapon_designation"], "pace": paces}).dropna()
    return frame.groupby("designation")["pace"].median().to_dict()


def _spread(amount: float, years: list[int]) -> dict[int, float]:
    return {year: amount / len(years) for year in years} if years else {}


def _at_pace(amount: float, pace: float, start: int, horizon: list[int]) -> dict[int, float]:
    out, left = {}, amount
    for year in horizon:
        if year < start or left <= 0:
            continue
        step = min(pace, left)
        out[year], left = step, left - step
    return out


def project_order(row: pd.Series, last_year: int, paces: dict[str, float],
                  horizon: int = HORIZON) -> tuple[dict[int, float], str]:
    """Expected deliveries by year (last_year+1 .. last_year+horizon) of one pending order, and the rule used."""
    years = list(range(last_year + 1, last_year + horizon + 1))
    amount = float(row["pending_tiv"])
    own = _pace(row)
    match = SCHEDULE.search(row["comments"]) if isinstance(row["comments"], str) else None
    if match:
        word, first, last = match.group(1), int(match.group(2)), match.group(3)
        if word and word.lower() == "by":
            scheduled = list(range(years[0], max(first, years[0]) + 1))
        elif word and word.lower() == "from" and last is None:
            start = max(first, years[0])
            pace = own or paces.get(row["weapon_designation"])
            if pace:
                return _at_pace(amount, pace, start, years), "schedule"
            scheduled = list(range(start, years[-1] + 1))
        else:
            end = int(last) if last else first
            scheduled = list(range(max(first, years[0]), max(end, years[0]) + 1))
        share_in = len([y for y in scheduled if y in years]) / len(scheduled) if scheduled else 0.0
        return _spread(amount * share_in, [y for y in scheduled if y in years]), "schedule"
    if own:
        return _at_pace(amount, own, years[0], years), "own pace"
    pace = paces.get(row["weapon_designation"])
    if pace:
        return _at_pace(amount, pace, years[0], years), "designation pace"
    return _spread(amount, years), "even"


def project_deliveries(pending: pd.DataFrame, transfers: pd.DataFrame, last_year: int,
                       horizon: int = HORIZON) -> pd.DataFrame:
    """One row per pending order and projected year: recipient, supplier, bloc (when `pending` has one), year,
    tiv and the rule used. `transfers` gives the designations' paces."""
    paces = designation_paces(transfers)
    rows = []
    for index, row in pending.iterrows():
        by_year, rule = project_order(row, last_year, paces, horizon)
        for year, tiv in by_year.items():
            if tiv > 0:
                rows.append({"deal": index, "recipient": row["recipient"], "supplier": row["supplier"],
                             "bloc": row.get("bloc", np.nan), "year": year, "tiv": tiv, "rule": rule})
    return pd.DataFrame(rows, columns=["deal", "recipient", "supplier", "bloc", "year", "tiv", "rule"])


def projection_metrics(projected: pd.DataFrame, entities: dict[str, list[str]], last_year: int,
                       source: str, horizon: int = HORIZON) -> MetricRows:
    """`projected_arms_imports_tiv` and `projected_us_share_of_arms_imports` for the next window
    (last_year+1 .. last_year+horizon) of each entity (code -> the recipients it stands for), from the
    projected deliveries of orders already placed. Estimates by construction."""
    out = MetricRows()
    period = period_label(last_year + 1, last_year + horizon)
    for entity, members in entities.items():
        rows = projected[projected["recipient"].isin(members)]
        total = float(rows["tiv"].sum())
        out.add(entity, "projected_arms_imports_tiv", period, total, UNIT_TIV, source, True)
        if total > 0:
            out.add(entity, "projected_us_share_of_arms_imports", period,
                    min(1.0, float(rows.loc[rows["supplier"] == US, "tiv"].sum()) / total), UNIT_FRACTION, source,
                    True)
    return out
