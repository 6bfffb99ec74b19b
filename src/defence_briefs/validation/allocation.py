"""Measure the allocation method's error on years where SIPRI's exact yearly tables exist (held out).

The exact tables are cut at a boundary year as if SIPRI had published nothing later; register deliveries are
then allocated by the equal split (baseline) and by the anchored split, and compared with the exact values of
the held-out years: US -> recipient to 2023 (`allocation_errors`, the 2024 release's US table) and every
supplier -> recipient to 2021 (`bloc_allocation_errors`, the 2022 release's tables), the latter by supplier
bloc (US, European, others) with the error of each bloc's share of each importer's imports.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from ..metrics import bilateral_tiv
from ..metrics.dependency import BLOCS, supplier_bloc

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


@dataclass(frozen=True)
class BlocAllocationError:
    """Error of one method for one supplier bloc over held-out years, for a set of importers."""

    method: str
    years: str
    bloc: str
    yearly_wape: float  # over importer-years, the bloc's deliveries
    window_wape: float  # over importers, the bloc's held-out total
    share_error_mean: float  # mean |allocated - exact| share of the bloc in an importer's held-out imports
    share_error_max: float
    group_share: float  # the bloc's share of the importers' held-out imports, allocated
    exact_group_share: float


def bloc_allocation_errors(transfers: pd.DataFrame, bilateral: pd.DataFrame, recipients: set[str],
                           european: frozenset[str], boundary: int, last_year: int,
                           min_importer_tiv: float = 100.0) -> list[BlocAllocationError]:
    """Errors of both methods for years boundary+1..last_year of `bilateral` (one vintage of supplier x recipient
    tables, nothing newer, so no later table leaks into the held-out years), per supplier bloc. Shares are
    compared for importers with at least `min_importer_tiv` in the held-out years."""
    exact = bilateral_tiv.exact_tiv({"bilateral_tiv": bilateral})
    held = bilateral[bilateral["year"].between(boundary + 1, last_year) & bilateral["recipient"].isin(recipients)]
    truth = held.assign(bloc=supplier_bloc(held["supplier"], european)).groupby(["recipient", "year", "bloc"])["tiv"]
    truth = truth.sum()
    rows = bilateral_tiv.deal_years(transfers)
    mask = (rows["year"].between(boundary + 1, last_year) & rows["recipient"].isin(recipients)).to_numpy()
    methods = {"equal split": bilateral_tiv.equal_split(rows),
               "anchored split": bilateral_tiv.anchored_split(rows, exact.truncated(boundary))}
    results = []
    for method, values in methods.items():
        frame = rows[mask].assign(tiv=values[mask])
        frame = frame.assign(bloc=supplier_bloc(frame["supplier"], european))
        allocated = frame.groupby(["recipient", "year", "bloc"])["tiv"].sum()
        both = pd.concat([allocated.rename("allocated"), truth.rename("exact")], axis=1).fillna(0.0)
        windows = both.groupby(level=["recipient", "bloc"]).sum()
        per_importer = windows.groupby(level="recipient").sum()
        large = per_importer[per_importer["exact"] >= min_importer_tiv].index
        for bloc in BLOCS:
            yearly = both.xs(bloc, level="bloc") if bloc in both.index.get_level_values("bloc") else both.iloc[0:0]
            window = windows.xs(bloc, level="bloc") if bloc in windows.index.get_level_values("bloc") \
                else windows.iloc[0:0]
            window = window.reindex(per_importer.index, fill_value=0.0)
            shares = (window.loc[large] / per_importer.loc[large])
            share_error = (shares["allocated"] - shares["exact"]).abs()
            results.append(BlocAllocationError(
                method=method, years=f"{boundary + 1}-{last_year}", bloc=bloc,
                yearly_wape=float((yearly["allocated"] - yearly["exact"]).abs().sum() / yearly["exact"].sum()),
                window_wape=float((window["allocated"] - window["exact"]).abs().sum() / window["exact"].sum()),
                share_error_mean=float(share_error.mean()), share_error_max=float(share_error.max()),
                group_share=float(window["allocated"].sum() / per_importer["allocated"].sum()),
                exact_group_share=float(window["exact"].sum() / per_importer["exact"].sum())))
    return results


@dataclass(frozen=True)
class LastYearError:
    """Error of one method for the last year of a release, held out against that release's own pair table."""

    method: str
    bloc: str
    pair_wape: float  # over supplier x importer pairs of the bloc
    importer_wape: float  # over importers, the bloc's total
    share_error_mean: float  # |allocated - exact| share of the bloc in an importer's imports from the table's suppliers
    share_error_max: float


def last_year_errors(transfers: pd.DataFrame, exact: bilateral_tiv.ExactTiv, vintage: int,
                     totals_register: pd.DataFrame | None, recipients: set[str], european: frozenset[str],
                     min_importer_tiv: float = 100.0) -> list[LastYearError]:
    """Hold out a release's own pair table for its last year (release 2025: SIPRI's 2024 pairs) and allocate that
    year from the register as the build does without it (the anchored split, shaped by the older tables), against
    the equal split; compare both with the table, for the suppliers it names and the `recipients` it lists. Shares
    are compared for importers with at least `min_importer_tiv` from those suppliers in that year."""
    truth_table = next(t.pairs for t in exact.tables if t.name == "supplier_pairs_tiv")
    year = int(truth_table["year"].max())
    suppliers = set(truth_table["supplier"])
    recipients = recipients & set(truth_table["recipient"])
    held = replace(exact, tables=tuple(t for t in exact.tables if t.name != "supplier_pairs_tiv"))
    allocation = bilateral_tiv.allocate(transfers, held, vintage, totals_register)
    rows = allocation.deal_rows
    methods = {"equal split": bilateral_tiv.equal_split(rows), "anchored split": rows["tiv"].to_numpy()}
    truth = truth_table[truth_table["recipient"].isin(recipients)].groupby(["supplier", "recipient"])["tiv"].sum()
    results = []
    for method, values in methods.items():
        frame = rows.assign(tiv=values)
        frame = frame[(frame["year"] == year) & frame["supplier"].isin(suppliers) & frame["recipient"].isin(recipients)]
        allocated = frame.groupby(["supplier", "recipient"])["tiv"].sum()
        both = pd.concat([allocated.rename("allocated"), truth.rename("exact")], axis=1).fillna(0.0)
        both["bloc"] = supplier_bloc(both.index.get_level_values("supplier").to_series(index=both.index), european)
        importers = both.groupby(level="recipient")[["allocated", "exact"]].sum()
        large = importers[importers["exact"] >= min_importer_tiv].index
        for bloc in BLOCS:
            part = both[both["bloc"] == bloc]
            per_importer = part.groupby(level="recipient")[["allocated", "exact"]].sum().reindex(
                importers.index, fill_value=0.0)
            shares = per_importer.loc[large] / importers.loc[large]
            error = (shares["allocated"] - shares["exact"]).abs()
            results.append(LastYearError(
                method=method, bloc=bloc,
                pair_wape=float((part["allocated"] - part["exact"]).abs().sum() / part["exact"].sum()),
                importer_wape=float((per_importer["allocated"] - per_importer["exact"]).abs().sum()
                                    / per_importer["exact"].sum()),
                share_error_mean=float(error.mean()), share_error_max=float(error.max())))
    return results
