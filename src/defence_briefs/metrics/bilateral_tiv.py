"""Yearly bilateral TIV (supplier x recipient x year): exact where SIPRI's yearly tables cover it, else allocated.

SIPRI's trade register gives each deal's delivered TIV and the list of its delivery years, but not how the
TIV splits over those years. SIPRI's yearly tables give exact values, but only up to their own last year
(supplier x recipient to 2021, US x recipient to 2023, totals by recipient and by supplier to 2023).

Allocation method ("anchored split"), for the pair-years no exact table covers:
1. Start from an equal split of each deal's delivered TIV over its listed delivery years.
2. Rake (iterative proportional fitting) the deal-year values so that, at once,
   - each deal's years add up to its delivered TIV (register),
   - each pair's deals add up to the exact pair value in every year an exact table covers,
   - each recipient's and each supplier's deals add up to SIPRI's exact yearly totals where those exist.
   A deal delivered across the boundary of the exact tables thereby gets in the uncovered years exactly what
   the exact tables leave of its TIV, instead of an equal share; totals pin down uncovered years of other
   suppliers where a recipient's total is known.
3. Where the margins disagree (the exact tables come from older SIPRI releases, which SIPRI has since
   revised), raking stops after a fixed number of rounds, ending on the deal totals, so every deal keeps
   its register TIV.

The output uses the exact value wherever an exact table covers the pair and year, and the allocated value
(flagged `allocated`) elsewhere. `allocation_check` measures the method's error on held-out exact years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

RAKING_ROUNDS = 50


@dataclass(frozen=True)
class ExactTiv:
    """SIPRI's exact yearly TIV: pair values with the last year each supplier's table covers, and totals.

    `pairs`: supplier, recipient, year, tiv, source_file (absent row = nothing delivered, for covered years).
    `pair_coverage`: supplier -> (first year, last year) its exact table covers, for every recipient.
    `recipient_totals` / `supplier_totals`: code, year, tiv (all partners), covering `totals_years`.
    """

    pairs: pd.DataFrame
    pair_coverage: dict[str, tuple[int, int]]
    recipient_totals: pd.DataFrame
    supplier_totals: pd.DataFrame
    totals_years: tuple[int, int] | None

    def truncated(self, last_year: int) -> ExactTiv:
        """The same tables as if SIPRI's last exact year were `last_year` (for holding out years)."""
        coverage = {s: (first, min(last, last_year)) for s, (first, last) in self.pair_coverage.items()
                    if first <= last_year}
        totals_years = None
        if self.totals_years and self.totals_years[0] <= last_year:
            totals_years = (self.totals_years[0], min(self.totals_years[1], last_year))
        return ExactTiv(
            pairs=self.pairs[self.pairs["year"] <= last_year],
            pair_coverage=coverage,
            recipient_totals=self.recipient_totals[self.recipient_totals["year"] <= last_year],
            supplier_totals=self.supplier_totals[self.supplier_totals["year"] <= last_year],
            totals_years=totals_years,
        )

    def without_pairs_of(self, supplier: str) -> ExactTiv:
        """The same tables without one supplier's exact pair values (to test against them)."""
        coverage = {s: c for s, c in self.pair_coverage.items() if s != supplier}
        return ExactTiv(self.pairs[self.pairs["supplier"] != supplier], coverage,
                        self.recipient_totals, self.supplier_totals, self.totals_years)


def exact_tiv(tables: dict[str, pd.DataFrame]) -> ExactTiv:
    """Combine a release's exact tables; a newer table for a supplier (US to 2023) replaces the older one."""
    sources = [t for t in (tables.get("bilateral_tiv"), tables.get("us_exports_tiv")) if t is not None and len(t)]
    pairs = pd.DataFrame(columns=["supplier", "recipient", "year", "tiv", "source_file"])
    coverage: dict[str, tuple[int, int]] = {}
    for table in sources:
        last = int(table["year"].max())
        suppliers = set(table["supplier"].unique())
        # a supplier in a table with a longer span supersedes its rows in the other tables
        replaced = [s for s in suppliers if s not in coverage or coverage[s][1] < last]
        keep = pairs[~pairs["supplier"].isin(replaced)]
        new = table[table["supplier"].isin(replaced)][["supplier", "recipient", "year", "tiv", "source_file"]]
        pairs = pd.concat([keep, new], ignore_index=True) if len(keep) else new.reset_index(drop=True)
        for s in replaced:
            coverage[s] = (int(table["year"].min()), last)
    totals = {d: pd.DataFrame(columns=["code", "year", "tiv"]) for d in ("imports", "exports")}
    totals_years = None
    for name, direction in (("imports_tiv_totals", "imports"), ("exports_tiv_totals", "exports")):
        table = tables.get(name)
        if table is not None and len(table):
            totals[direction] = table[table["code"] != "WLD"][["code", "year", "tiv"]].reset_index(drop=True)
            totals_years = (int(table["year"].min()), int(table["year"].max()))
    pairs = pairs.astype({"supplier": str, "recipient": str, "year": int, "tiv": float})
    return ExactTiv(pairs, coverage, totals["imports"], totals["exports"], totals_years)


def deal_years(transfers: pd.DataFrame) -> pd.DataFrame:
    """One row per deal and delivery year: deal, supplier, recipient, year, position, n_years, deal_tiv.

    Deals without delivered TIV or without delivery years carry no deliveries and are left out.
    """
    delivered = transfers[transfers["tiv_delivered"].notna() & (transfers["delivery_years"].map(len) > 0)]
    delivered = delivered.assign(deal=delivered.index.to_numpy(), n_years=delivered["delivery_years"].map(len))
    columns = ["deal", "supplier", "recipient", "tiv_delivered", "n_years", "delivery_years", "source_file"]
    rows = delivered[[c for c in columns if c in delivered]].explode(
        "delivery_years")
    rows = rows.rename(columns={"delivery_years": "year", "tiv_delivered": "deal_tiv"})
    rows["year"] = rows["year"].astype(int)
    rows["supplier"] = rows["supplier"].astype(str)
    rows["recipient"] = rows["recipient"].astype(str)
    return rows.reset_index(drop=True)


def equal_split(rows: pd.DataFrame) -> np.ndarray:
    """Each deal's delivered TIV divided equally over its delivery years (the baseline)."""
    return (rows["deal_tiv"] / rows["n_years"]).to_numpy(dtype=float)


def _scale_to(values: np.ndarray, groups: np.ndarray, targets: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Scale the values of each active group so that they sum to its target (groups with sum 0 stay 0)."""
    sums = np.bincount(groups, weights=values, minlength=len(targets))
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(active & (sums > 0), targets / sums, 1.0)
    return values * factor[groups]


def _constraint(rows: pd.DataFrame, keys: list[str], covered: np.ndarray,
                exact: pd.DataFrame, exact_keys: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group index per row, target per group (exact value, 0 when absent) and which groups are constrained."""
    frame = rows[keys]
    groups, uniques = pd.MultiIndex.from_frame(frame).factorize()
    lookup = exact.set_index(exact_keys)["tiv"] if len(exact) else pd.Series(dtype=float)
    lookup = lookup.groupby(level=list(range(len(exact_keys)))).sum() if len(lookup) else lookup
    targets = lookup.reindex(uniques).fillna(0.0).to_numpy(dtype=float) if len(lookup) else np.zeros(len(uniques))
    active = np.bincount(groups, weights=covered.astype(float), minlength=len(uniques)) > 0
    return groups, targets, active


def anchored_split(rows: pd.DataFrame, exact: ExactTiv, rounds: int = RAKING_ROUNDS) -> np.ndarray:
    """Deal-year TIV raked to the deal totals and to every exact margin that covers it (see module doc)."""
    values = equal_split(rows)
    if not len(rows):
        return values
    deal_groups, deal_uniques = pd.factorize(rows["deal"])
    deal_targets = rows.groupby("deal", sort=False)["deal_tiv"].first().reindex(deal_uniques).to_numpy(float)
    all_deals = np.ones(len(deal_uniques), dtype=bool)

    first = rows["supplier"].map(lambda s: exact.pair_coverage.get(s, (9999, 0))[0]).to_numpy()
    last = rows["supplier"].map(lambda s: exact.pair_coverage.get(s, (9999, 0))[1]).to_numpy()
    year = rows["year"].to_numpy()
    margins = []
    pair_covered = (year >= first) & (year <= last)
    if pair_covered.any():
        margins.append(_constraint(rows, ["supplier", "recipient", "year"], pair_covered,
                                   exact.pairs, ["supplier", "recipient", "year"]))
    if exact.totals_years:
        totals_covered = (year >= exact.totals_years[0]) & (year <= exact.totals_years[1])
        if len(exact.recipient_totals):
            margins.append(_constraint(rows, ["recipient", "year"], totals_covered,
                                       exact.recipient_totals.rename(columns={"code": "recipient"}),
                                       ["recipient", "year"]))
        if len(exact.supplier_totals):
            margins.append(_constraint(rows, ["supplier", "year"], totals_covered,
                                       exact.supplier_totals.rename(columns={"code": "supplier"}),
                                       ["supplier", "year"]))
    if not margins:
        return values
    for _ in range(rounds):
        for groups, targets, active in margins:
            values = _scale_to(values, groups, targets, active)
        values = _scale_to(values, deal_groups, deal_targets, all_deals)
    return values


def allocated_deal_years(transfers: pd.DataFrame, exact: ExactTiv) -> pd.DataFrame:
    """`deal_years` with a `tiv` column: each deal's delivered TIV split over its years by `anchored_split`."""
    rows = deal_years(transfers)
    rows["tiv"] = anchored_split(rows, exact)
    return rows


def _coverage(rows: pd.DataFrame, exact: ExactTiv) -> pd.Series:
    """True for the rows whose supplier and year an exact pair table covers."""
    first = rows["supplier"].map(lambda s: exact.pair_coverage.get(s, (9999, 0))[0])
    last = rows["supplier"].map(lambda s: exact.pair_coverage.get(s, (9999, 0))[1])
    return (rows["year"] >= first) & (rows["year"] <= last)


def yearly_bilateral_tiv(deal_rows: pd.DataFrame, exact: ExactTiv) -> pd.DataFrame:
    """supplier, recipient, year, tiv, basis ('exact' | 'allocated'), source_file: the release's yearly matrix.

    Exact table values wherever a table covers the supplier and year; the allocated deal-years of
    `allocated_deal_years` elsewhere. Pair-years with no deliveries are absent.
    """
    uncovered = deal_rows[~_coverage(deal_rows, exact)]
    if "source_file" not in uncovered:
        uncovered = uncovered.assign(source_file="")
    allocated = uncovered.groupby(["supplier", "recipient", "year"], as_index=False).agg(
        tiv=("tiv", "sum"), source_file=("source_file", "first"))
    allocated = allocated[allocated["tiv"] > 0].assign(basis="allocated")
    out = pd.concat([exact.pairs.assign(basis="exact"), allocated], ignore_index=True)
    return out.sort_values(["supplier", "recipient", "year"]).reset_index(drop=True)[
        ["supplier", "recipient", "year", "tiv", "basis", "source_file"]]
