"""Yearly bilateral TIV (supplier x recipient x year): SIPRI's newest tables first, older tables and the register
only for what the newer tables leave open.

SIPRI's trade register gives each deal's delivered TIV and the list of its delivery years, but not how the TIV
splits over those years. SIPRI's yearly tables give exact values, each to its own last year and as of its own
release: supplier x recipient to 2021 (2022 release), US x recipient to 2023, and totals by recipient and by
supplier to 2023 (2024 release). SIPRI revises history in every release, so the tables disagree where they
overlap.

Precedence ("the newest table wins"), per year:
1. Where a recipient's yearly total comes from a table of the newest vintage, that total is kept as printed;
   a pair table of the same vintage (the US table) is kept as printed too.
2. What the newest total leaves after those pairs is split among the other suppliers in proportion to the older
   pair table (2022 release) where it covers the year, else to the register's deliveries, then fitted to the
   suppliers' own yearly totals (raking, ending on the recipient totals so those hold exactly). A value so
   fitted is `basis = fitted` unless it equals the older table's value within rounding (then `exact`).
3. Years no table covers are allocated from the register by the anchored split (`basis = allocated`): each
   deal's delivered TIV starts from an equal split over its delivery years and is raked (iterative proportional
   fitting) so that each deal keeps its register TIV while its covered years match the values of steps 1-2; a
   deal delivered across the end of the tables thus gets in the later years what the tables leave of it.

`validation.allocation` measures the error of step 3 on held-out exact years.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

RAKING_ROUNDS = 50
ROUNDING = 0.5  # SIPRI's tables print whole TIV millions
UNKNOWN_SUPPLIER = "UNK_SUPPLIER"
PAIR_COLUMNS = ["supplier", "recipient", "year", "tiv", "source_file"]
YEARLY_COLUMNS = ["supplier", "recipient", "year", "tiv", "basis", "source_file"]
NEVER = (9999, 0)


@dataclass(frozen=True)
class ExactTiv:
    """SIPRI's exact yearly TIV of one data release, with the vintage (publisher's release year) of each table.

    `pairs`: supplier, recipient, year, tiv, source_file, from each supplier's newest pair table (absent row =
    nothing delivered, in a covered year). `pair_coverage`: supplier -> (first, last) year of that table;
    `pair_vintage`: supplier -> its vintage. `default_coverage`: years covered for every supplier (used once
    the tables are reconciled). `recipient_totals` / `supplier_totals`: code, year, tiv, source_file (all
    partners), covering `totals_years`, of vintage `totals_vintage`.
    """

    pairs: pd.DataFrame
    pair_coverage: dict[str, tuple[int, int]]
    pair_vintage: dict[str, int]
    recipient_totals: pd.DataFrame
    supplier_totals: pd.DataFrame
    totals_years: tuple[int, int] | None
    totals_vintage: int = 0
    default_coverage: tuple[int, int] = NEVER

    def coverage(self, supplier: str) -> tuple[int, int]:
        return self.pair_coverage.get(supplier, self.default_coverage)

    def truncated(self, last_year: int) -> ExactTiv:
        """The same tables as if SIPRI's last exact year were `last_year` (for holding out years)."""
        coverage = {s: (first, min(last, last_year)) for s, (first, last) in self.pair_coverage.items()
                    if first <= last_year}
        totals_years = None
        if self.totals_years and self.totals_years[0] <= last_year:
            totals_years = (self.totals_years[0], min(self.totals_years[1], last_year))
        return replace(self, pairs=self.pairs[self.pairs["year"] <= last_year], pair_coverage=coverage,
                       recipient_totals=self.recipient_totals[self.recipient_totals["year"] <= last_year],
                       supplier_totals=self.supplier_totals[self.supplier_totals["year"] <= last_year],
                       totals_years=totals_years)


def _frame(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = table.reindex(columns=columns)
    if "source_file" in columns:
        out["source_file"] = out["source_file"].fillna("").astype(str)
    return out.reset_index(drop=True)


def exact_tiv(tables: Mapping[str, pd.DataFrame], vintages: Mapping[str, int] | None = None) -> ExactTiv:
    """Combine a release's exact tables (by tidy table name); `vintages` gives each table's publisher release year
    (tables without one count as the same vintage). For each supplier the newest pair table is kept (the longer
    span among tables of one vintage)."""
    vintages = vintages or {}
    pairs = pd.DataFrame(columns=PAIR_COLUMNS)
    coverage: dict[str, tuple[int, int]] = {}
    vintage: dict[str, int] = {}
    for name in ("bilateral_tiv", "us_exports_tiv"):
        table = tables.get(name)
        if table is None or not len(table):
            continue
        age, span = vintages.get(name, 0), (int(table["year"].min()), int(table["year"].max()))
        replaced = [s for s in table["supplier"].unique()
                    if s not in coverage or (age, span[1]) > (vintage[s], coverage[s][1])]
        keep = pairs[~pairs["supplier"].isin(replaced)]
        new = _frame(table[table["supplier"].isin(replaced)], PAIR_COLUMNS)
        pairs = pd.concat([keep, new], ignore_index=True) if len(keep) else new
        for supplier in replaced:
            coverage[supplier], vintage[supplier] = span, age
    totals = {d: pd.DataFrame(columns=["code", "year", "tiv", "source_file"]) for d in ("imports", "exports")}
    totals_years, totals_vintage = None, 0
    for name, direction in (("imports_tiv_totals", "imports"), ("exports_tiv_totals", "exports")):
        table = tables.get(name)
        if table is not None and len(table):
            totals[direction] = _frame(table[table["code"] != "WLD"], ["code", "year", "tiv", "source_file"])
            totals_years = (int(table["year"].min()), int(table["year"].max()))
            totals_vintage = vintages.get(name, 0)
    pairs = pairs.astype({"supplier": str, "recipient": str, "year": int, "tiv": float})
    return ExactTiv(pairs, coverage, vintage, totals["imports"], totals["exports"], totals_years, totals_vintage)


def deal_years(transfers: pd.DataFrame) -> pd.DataFrame:
    """One row per deal and delivery year: deal, supplier, recipient, year, n_years, deal_tiv, source_file.

    Deals without delivered TIV or without delivery years carry no deliveries and are left out.
    """
    delivered = transfers[transfers["tiv_delivered"].notna() & (transfers["delivery_years"].map(len) > 0)]
    delivered = delivered.assign(deal=delivered.index.to_numpy(), n_years=delivered["delivery_years"].map(len))
    columns = ["deal", "supplier", "recipient", "tiv_delivered", "n_years", "delivery_years", "source_file"]
    rows = delivered[[c for c in columns if c in delivered]].explode("delivery_years")
    rows = rows.rename(columns={"delivery_years": "year", "tiv_delivered": "deal_tiv"})
    rows["year"] = rows["year"].astype(int)
    rows["supplier"] = rows["supplier"].astype(str)
    rows["recipient"] = rows["recipient"].astype(str)
    if "source_file" not in rows:
        rows["source_file"] = ""
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


def _factorize_rows(frame: pd.DataFrame) -> tuple[np.ndarray, pd.MultiIndex]:
    """The group of each row (numbered in order of first appearance) and each group's values: what
    `pd.MultiIndex.from_frame(frame).factorize()` gives, from integer codes per column instead of tuples."""
    if not len(frame):
        return pd.MultiIndex.from_frame(frame).factorize()
    codes = [pd.factorize(frame[column])[0] for column in frame.columns]
    groups = pd.factorize(np.ravel_multi_index(codes, [int(c.max()) + 1 for c in codes]))[0]
    first = np.unique(groups, return_index=True)[1]
    return groups, pd.MultiIndex.from_frame(frame.iloc[first])


def _constraint(rows: pd.DataFrame, keys: list[str], covered: np.ndarray,
                exact: pd.DataFrame, exact_keys: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group index per row, target per group (exact value, 0 when absent) and which groups are constrained."""
    groups, uniques = _factorize_rows(rows[keys])
    targets = np.zeros(len(uniques))
    if len(exact):
        lookup = exact.groupby(exact_keys)["tiv"].sum()
        targets = lookup.reindex(uniques).fillna(0.0).to_numpy(dtype=float)
    active = np.bincount(groups, weights=covered.astype(float), minlength=len(uniques)) > 0
    return groups, targets, active


def _covered(rows: pd.DataFrame, exact: ExactTiv) -> np.ndarray:
    """True for the rows whose supplier and year a pair table (or the reconciled tables) covers."""
    supplier, suppliers = pd.factorize(rows["supplier"])
    spans = np.array([exact.coverage(s) for s in suppliers], dtype=int).reshape(-1, 2)[supplier]
    year = rows["year"].to_numpy()
    return (year >= spans[:, 0]) & (year <= spans[:, 1])


def anchored_split(rows: pd.DataFrame, exact: ExactTiv, rounds: int = RAKING_ROUNDS) -> np.ndarray:
    """Deal-year TIV raked to the deal totals and to every exact margin that covers it (see module doc)."""
    values = equal_split(rows)
    if not len(rows):
        return values
    deal_groups, deal_uniques = pd.factorize(rows["deal"])
    deal_targets = rows.groupby("deal", sort=False)["deal_tiv"].first().reindex(deal_uniques).to_numpy(float)
    all_deals = np.ones(len(deal_uniques), dtype=bool)
    year = rows["year"].to_numpy()
    margins = []
    pair_covered = _covered(rows, exact)
    if pair_covered.any():
        margins.append(_constraint(rows, ["supplier", "recipient", "year"], pair_covered,
                                   exact.pairs, ["supplier", "recipient", "year"]))
    if exact.totals_years:
        totals_covered = (year >= exact.totals_years[0]) & (year <= exact.totals_years[1])
        for totals, key in ((exact.recipient_totals, "recipient"), (exact.supplier_totals, "supplier")):
            if len(totals):
                margins.append(_constraint(rows, [key, "year"], totals_covered,
                                           totals.rename(columns={"code": key}), [key, "year"]))
    if not margins:
        return values
    for _ in range(rounds):
        for groups, targets, active in margins:
            values = _scale_to(values, groups, targets, active)
        values = _scale_to(values, deal_groups, deal_targets, all_deals)
    return values


def newest_table_pairs(exact: ExactTiv, deal_rows: pd.DataFrame, rounds: int = RAKING_ROUNDS) -> pd.DataFrame:
    """Pair-year values for every year the newest totals cover, by the precedence of the module doc (steps 1-2).

    `deal_rows`: deal years with an allocated `tiv` (the register's shape where no older pair table covers a
    year). Returns YEARLY_COLUMNS with basis 'exact' or 'fitted'.
    """
    first, last = exact.totals_years or NEVER
    pairs = exact.pairs[exact.pairs["year"].between(first, last)]
    newest = pairs["supplier"].map(exact.pair_vintage).fillna(0).to_numpy() >= exact.totals_vintage
    fixed = pairs[newest].assign(basis="exact")
    fixed_keys = pd.MultiIndex.from_frame(fixed[["supplier", "year"]]).unique()

    def not_fixed(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[~pd.MultiIndex.from_frame(frame[["supplier", "year"]]).isin(fixed_keys)]

    older = not_fixed(pairs[~newest]).assign(origin="table")
    register = deal_rows[deal_rows["year"].between(first, last)]
    register = not_fixed(register.groupby(["supplier", "recipient", "year"], as_index=False).agg(
        tiv=("tiv", "sum"), source_file=("source_file", "first")))
    shaped = pd.MultiIndex.from_frame(older[["recipient", "year"]]).unique()
    register = register[~pd.MultiIndex.from_frame(register[["recipient", "year"]]).isin(shaped)]
    seed = pd.concat([older, register.assign(origin="register")], ignore_index=True)
    seed = seed[seed["tiv"] > 0].reset_index(drop=True)

    imports = exact.recipient_totals.groupby(["code", "year"])["tiv"].sum()
    fixed_in = fixed.groupby(["recipient", "year"])["tiv"].sum()
    known_recipients = set(exact.recipient_totals["code"])  # a recipient the totals table lists has 0 when blank
    leftover = imports.sub(fixed_in.rename_axis(["code", "year"]), fill_value=0).clip(lower=0)
    leftover = leftover[leftover.index.get_level_values("code").isin(known_recipients)]
    exports = exact.supplier_totals.groupby(["code", "year"])["tiv"].sum()

    values = seed["tiv"].to_numpy(dtype=float)
    r_groups, r_targets, r_active = _constraint(
        seed, ["recipient", "year"], seed["recipient"].isin(known_recipients).to_numpy(),
        leftover.rename("tiv").reset_index().rename(columns={"code": "recipient"}), ["recipient", "year"])
    s_groups, s_targets, s_active = _constraint(
        seed, ["supplier", "year"], seed["supplier"].isin(set(exact.supplier_totals["code"])).to_numpy(),
        exports.rename("tiv").reset_index().rename(columns={"code": "supplier"}), ["supplier", "year"])
    for _ in range(rounds if len(seed) else 0):
        values = _scale_to(values, s_groups, s_targets, s_active)
        values = _scale_to(values, r_groups, r_targets, r_active)
    totals_files = "; ".join(dict.fromkeys(
        f for t in (exact.recipient_totals, exact.supplier_totals) for f in t["source_file"].unique() if f))
    confirmed = (seed["origin"] == "table").to_numpy() & (np.abs(values - seed["tiv"].to_numpy()) <= ROUNDING)
    fitted = seed.assign(tiv=values, basis=np.where(confirmed, "exact", "fitted"),
                         source_file=np.where(seed["source_file"] != "", seed["source_file"] + "; " + totals_files,
                                              totals_files))
    # a newer total with nothing older to split it by: an unknown supplier, so the total still holds
    placed = pd.concat([fixed[["recipient", "year", "tiv"]], fitted[["recipient", "year", "tiv"]]])
    placed = placed.groupby(["recipient", "year"])["tiv"].sum().rename_axis(["code", "year"])
    missing = imports.sub(placed, fill_value=0)
    missing = missing[missing > ROUNDING].rename("tiv").reset_index().rename(columns={"code": "recipient"})
    unattributed = missing.assign(supplier=UNKNOWN_SUPPLIER, basis="fitted", source_file=totals_files)
    out = pd.concat([fixed, fitted[fitted["tiv"] > 0], unattributed], ignore_index=True)
    return out[YEARLY_COLUMNS].astype({"year": int, "tiv": float})


@dataclass(frozen=True)
class Allocation:
    """A release's yearly matrix (`yearly`: YEARLY_COLUMNS) and its deal years (`deal_rows`, with `tiv`)."""

    yearly: pd.DataFrame
    deal_rows: pd.DataFrame


def allocate(transfers: pd.DataFrame, exact: ExactTiv) -> Allocation:
    """The yearly bilateral matrix of a release: tables by precedence where they cover a year, else the register.

    Pair-years with no deliveries are absent. Deal years are split by `anchored_split`, anchored to the
    reconciled tables so that the years after them get what the tables leave of each deal.
    """
    rows = deal_years(transfers)
    rows["tiv"] = anchored_split(rows, exact)
    if exact.totals_years is not None:
        newest = newest_table_pairs(exact, rows)
        outside = exact.pairs[~exact.pairs["year"].between(*exact.totals_years)].assign(basis="exact")
        exact = replace(exact, pairs=pd.concat([newest, outside], ignore_index=True), pair_coverage={},
                        default_coverage=(min([exact.totals_years[0], *(c[0] for c in exact.pair_coverage.values())]),
                                          exact.totals_years[1]),
                        recipient_totals=exact.recipient_totals.iloc[0:0],
                        supplier_totals=exact.supplier_totals.iloc[0:0], totals_years=None)
        rows["tiv"] = anchored_split(rows, exact)
        tables = exact.pairs
    else:
        tables = exact.pairs.assign(basis="exact")
    uncovered = rows[~_covered(rows, exact)]
    allocated = uncovered.groupby(["supplier", "recipient", "year"], as_index=False).agg(
        tiv=("tiv", "sum"), source_file=("source_file", "first"))
    allocated = allocated[allocated["tiv"] > 0].assign(basis="allocated")
    yearly = pd.concat([tables[YEARLY_COLUMNS], allocated[YEARLY_COLUMNS]], ignore_index=True)
    yearly = yearly.sort_values(["supplier", "recipient", "year"]).reset_index(drop=True)
    return Allocation(yearly.astype({"year": int, "tiv": float}), rows)
