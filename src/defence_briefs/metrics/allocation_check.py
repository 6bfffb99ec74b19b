"""Measure the allocation method's error on years where SIPRI's exact yearly tables exist (held out).

The exact tables are cut at `boundary` as if SIPRI had published nothing later; register deliveries are then
allocated by the equal split (baseline) and by the anchored split, and compared with the exact US -> recipient
values of the held-out years (the 2024 release's US table runs to 2023).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import bilateral_tiv

US = "USA"
LARGE_IMPORTER_TIV = 500.0


@dataclass(frozen=True)
class AllocationError:
    """Error figures of one method over held-out years, for US deliveries to a set of recipients."""

    method: str
    years: str
    yearly_wape: float  # sum |allocated - exact| / sum exact over recipient-years
    window_wape: float  # the same over each recipient's held-out total
    window_median_large: float  # median |relative error| of held-out totals, recipients with >= 500 TIV
    window_max_large: float
    us_share: float  # US share of the recipients' imports from all suppliers over the held-out years
    exact_us_share: float


def _us_by_recipient_year(rows: pd.DataFrame, values: pd.Series, recipients: set[str]) -> pd.Series:
    frame = rows.assign(tiv=values.to_numpy())
    frame = frame[(frame["supplier"] == US) & frame["recipient"].isin(recipients)]
    return frame.groupby(["recipient", "year"])["tiv"].sum()


def allocation_errors(transfers: pd.DataFrame, exact_tables: dict[str, pd.DataFrame], recipients: set[str],
                      boundary: int, last_year: int) -> tuple[list[AllocationError], pd.DataFrame]:
    """Errors of the equal and anchored splits for years boundary+1..last_year, and a per-recipient table."""
    exact = bilateral_tiv.exact_tiv(exact_tables)
    truth = exact_tables["us_exports_tiv"]
    truth = truth[truth["recipient"].isin(recipients) & truth["year"].between(boundary + 1, last_year)]
    truth = truth.groupby(["recipient", "year"])["tiv"].sum()
    totals = exact_tables["imports_tiv_totals"]
    totals = totals[totals["code"].isin(recipients) & totals["year"].between(boundary + 1, last_year)]["tiv"].sum()
    rows = bilateral_tiv.deal_years(transfers)
    held_out = rows["year"].between(boundary + 1, last_year)
    methods = {
        "equal split": pd.Series(bilateral_tiv.equal_split(rows)),
        "anchored split": pd.Series(bilateral_tiv.anchored_split(rows, exact.truncated(boundary))),
    }
    results = []
    per_recipient = {}
    for method, values in methods.items():
        allocated = _us_by_recipient_year(rows[held_out], values[held_out.to_numpy()], recipients)
        both = pd.concat([allocated.rename("allocated"), truth.rename("exact")], axis=1).fillna(0.0)
        windows = both.groupby(level="recipient").sum()
        windows = windows[windows["exact"] > 0]
        large = windows[windows["exact"] >= LARGE_IMPORTER_TIV]
        relative = ((large["allocated"] - large["exact"]) / large["exact"]).abs()
        all_suppliers = values[held_out.to_numpy()][rows.loc[held_out, "recipient"].isin(recipients).to_numpy()].sum()
        results.append(AllocationError(
            method=method, years=f"{boundary + 1}-{last_year}",
            yearly_wape=float((both["allocated"] - both["exact"]).abs().sum() / both["exact"].sum()),
            window_wape=float((windows["allocated"] - windows["exact"]).abs().sum() / windows["exact"].sum()),
            window_median_large=float(relative.median()), window_max_large=float(relative.max()),
            us_share=float(both["allocated"].sum() / all_suppliers),
            exact_us_share=float(both["exact"].sum() / totals),
        ))
        per_recipient[method] = windows["allocated"]
        per_recipient["exact"] = windows["exact"]
    table = pd.DataFrame(per_recipient)[["exact", *methods]].sort_values("exact", ascending=False)
    return results, table
