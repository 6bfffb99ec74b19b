"""Yearly bilateral TIV (supplier x recipient x year) of one data release: its own register decides what was
delivered; SIPRI's older yearly tables only shape when.

SIPRI's trade register gives each deal's delivered TIV and the list of its delivery years, but not how the TIV
splits over those years. SIPRI's yearly tables give exact values, each to its own last year and as of its own
release: supplier x recipient to 2021 (2022 release), US x recipient to 2023 and totals by recipient and by
supplier to 2023 (2024 release), supplier x recipient for 2024 (2025 release). SIPRI revises history in every
release, and deletes records (every NLAW) or moves deliveries (France's Vulcano, 2023 in the 2024 data, 2024-25
in the 2026 register), so an older table can hold deliveries the newer register no longer has.

Precedence, within release R (`allocate`):
1. R's own tables (a table of R's vintage) are kept as printed (`basis = exact`). Where R's own totals cover a
   year, what they leave after R's own pair tables is split among the other suppliers in proportion to the older
   pair tables where they cover the year, else to R's register, and fitted to the suppliers' totals (`fitted`,
   or `exact` where it equals the older table within rounding).
2. Every other year comes from R's register, deal by deal: a deal keeps its register TIV and its listed years.
   Its split over those years starts from an equal split and is raked (iterative proportional fitting, ending on
   the deal totals) so that each pair-year matches the newest older pair table that covers it (`basis =
   shaped`), or, where none does, so that the years after the tables get what the tables leave of a straddling
   deal (`allocated`). An older table's value for a pair-year that no deal of R lists counts nowhere. Older
   totals cannot be split deal by deal, so they shape R's deals only once split into pairs by the register of
   their own release (`totals_register`), as that release splits them for its own figures; that table of pairs
   holds the older pair tables' values where it covers them, so they act through it.

Each register-based row carries `split_first` and `split_last`: the first and last delivery year of the
multi-year deals in it. A sum over a span of years that holds every such deal whole is the register's own sum,
whatever the split; `dependency` marks a figure as an estimate only when it cuts through one. A deal with a year
that R's own table prints keeps in its other years what the split leaves, which need not add up with the printed
value to its register TIV: its other rows count as cut in any span (`split_first` 0, `split_last` 9999).

`validation.allocation` measures the split's error on held-out exact years.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

RAKING_ROUNDS = 50
ROUNDING = 0.5  # SIPRI's tables print whole TIV millions
UNKNOWN_SUPPLIER = "UNK_SUPPLIER"
PAIR_COLUMNS = ["supplier", "recipient", "year", "tiv", "source_file"]
TABLE_COLUMNS = ["supplier", "recipient", "year", "tiv", "basis", "source_file"]
YEARLY_COLUMNS = [*TABLE_COLUMNS, "split_first", "split_last"]
NEVER = (9999, 0)
ALWAYS_CUT = (0, 9999)  # the split span of a row that no span of years holds whole
PAIR_TABLES = ("bilateral_tiv", "us_exports_tiv", "supplier_pairs_tiv")
EXACT_TABLES = (*PAIR_TABLES, "imports_tiv_totals", "exports_tiv_totals")  # the tidy tables of SIPRI's yearly TIV
# the register of the 2024 release's yearly totals, generated with them: what splits them into pairs in later releases
TOTALS_REGISTER = "transfers_oct2024_extract"


@dataclass(frozen=True)
class PairTable:
    """One SIPRI supplier x recipient x year table: its rows (PAIR_COLUMNS; an absent row in a covered year = none
    delivered), the years it covers per supplier it names, the recipients it speaks for (None: all) and its
    vintage (the publisher's release year)."""

    name: str
    pairs: pd.DataFrame
    coverage: dict[str, tuple[int, int]]
    vintage: int
    recipients: frozenset[str] | None = None

    def truncated(self, last_year: int) -> PairTable:
        coverage = {s: (first, min(last, last_year)) for s, (first, last) in self.coverage.items()
                    if first <= last_year}
        return replace(self, pairs=self.pairs[self.pairs["year"] <= last_year], coverage=coverage)


@dataclass(frozen=True)
class ExactTiv:
    """SIPRI's exact yearly TIV tables of one data release.

    `tables`: the pair tables, newest vintage first; for a (supplier, recipient, year) the first table that covers
    it decides. `recipient_totals` / `supplier_totals`: code, year, tiv, source_file (all partners), covering
    `totals_years`, of vintage `totals_vintage`.
    """

    tables: tuple[PairTable, ...]
    recipient_totals: pd.DataFrame
    supplier_totals: pd.DataFrame
    totals_years: tuple[int, int] | None
    totals_vintage: int = 0

    def winner(self, frame: pd.DataFrame) -> np.ndarray:
        """For each row (supplier, recipient, year), the index in `tables` of the table that decides it (-1: none)."""
        out = np.full(len(frame), -1)
        if not len(frame):
            return out
        supplier, suppliers = pd.factorize(frame["supplier"])
        recipient = frame["recipient"].to_numpy()
        year = frame["year"].to_numpy()
        for index in range(len(self.tables) - 1, -1, -1):  # the newest table last, so that it wins
            table = self.tables[index]
            spans = np.array([table.coverage.get(s, NEVER) for s in suppliers], dtype=int).reshape(-1, 2)[supplier]
            mask = (year >= spans[:, 0]) & (year <= spans[:, 1])
            if table.recipients is not None:
                mask &= np.isin(recipient, list(table.recipients))
            out[mask] = index
        return out

    @cached_property
    def pairs(self) -> pd.DataFrame:
        """Every table's rows where that table decides (PAIR_COLUMNS, `vintage`, `table`: the index of the table in
        `tables`, and `basis` where a table has one)."""
        parts = [table.pairs[self.winner(table.pairs) == index].assign(vintage=table.vintage, table=index)
                 for index, table in enumerate(self.tables)]
        if not parts:
            return pd.DataFrame(columns=[*PAIR_COLUMNS, "vintage", "table"]).astype({"year": int, "tiv": float})
        return pd.concat(parts, ignore_index=True)

    def truncated(self, last_year: int) -> ExactTiv:
        """The same tables as if SIPRI's last exact year were `last_year` (for holding out years)."""
        totals_years = None
        if self.totals_years and self.totals_years[0] <= last_year:
            totals_years = (self.totals_years[0], min(self.totals_years[1], last_year))
        return replace(self, tables=tuple(t.truncated(last_year) for t in self.tables),
                       recipient_totals=self.recipient_totals[self.recipient_totals["year"] <= last_year],
                       supplier_totals=self.supplier_totals[self.supplier_totals["year"] <= last_year],
                       totals_years=totals_years)

    def older_than(self, vintage: int) -> ExactTiv:
        """Only the tables older than `vintage` (what shapes a release's register), without totals."""
        return replace(self, tables=tuple(t for t in self.tables if t.vintage < vintage),
                       recipient_totals=self.recipient_totals.iloc[0:0],
                       supplier_totals=self.supplier_totals.iloc[0:0], totals_years=None)

    def own(self, vintage: int) -> ExactTiv:
        """Only the tables of `vintage` or newer (a release's own tables), totals included when they are."""
        own_totals = self.totals_vintage >= vintage
        return replace(self, tables=tuple(t for t in self.tables if t.vintage >= vintage),
                       recipient_totals=self.recipient_totals if own_totals else self.recipient_totals.iloc[0:0],
                       supplier_totals=self.supplier_totals if own_totals else self.supplier_totals.iloc[0:0],
                       totals_years=self.totals_years if own_totals else None)


def _frame(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = table.reindex(columns=columns)
    if "source_file" in columns:
        out["source_file"] = out["source_file"].fillna("").astype(str)
    return out.reset_index(drop=True)


def exact_tiv(tables: Mapping[str, pd.DataFrame], vintages: Mapping[str, int] | None = None) -> ExactTiv:
    """Combine a release's exact tables (by tidy table name); `vintages` gives each table's publisher release year
    (tables without one count as the same vintage). A pair table covers, for each supplier it names, the years of
    the whole table; the 2025 release's 2024 pairs (`supplier_pairs_tiv`) speak only for the recipients they list,
    as the export was limited to a selection of countries."""
    vintages = vintages or {}
    pair_tables = []
    for name in PAIR_TABLES:
        table = tables.get(name)
        if table is None or not len(table):
            continue
        span = (int(table["year"].min()), int(table["year"].max()))
        frame = _frame(table, PAIR_COLUMNS).astype({"supplier": str, "recipient": str, "year": int, "tiv": float})
        recipients = frozenset(frame["recipient"]) if name == "supplier_pairs_tiv" else None
        pair_tables.append(PairTable(name, frame, {s: span for s in frame["supplier"].unique()},
                                     vintages.get(name, 0), recipients))
    # newest first; among tables of one vintage, the one reaching later years first
    pair_tables.sort(key=lambda t: (-t.vintage, -max(last for _, last in t.coverage.values())))
    totals = {d: pd.DataFrame(columns=["code", "year", "tiv", "source_file"]) for d in ("imports", "exports")}
    totals_years, totals_vintage = None, 0
    for name, direction in (("imports_tiv_totals", "imports"), ("exports_tiv_totals", "exports")):
        table = tables.get(name)
        if table is not None and len(table):
            totals[direction] = _frame(table[table["code"] != "WLD"], ["code", "year", "tiv", "source_file"])
            totals_years = (int(table["year"].min()), int(table["year"].max()))
            totals_vintage = vintages.get(name, 0)
    return ExactTiv(tuple(pair_tables), totals["imports"], totals["exports"], totals_years, totals_vintage)


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
    pair_covered = exact.winner(rows) >= 0
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
    # a table that shows nothing in every year of a deal cannot delete it: the deal keeps its equal split
    emptied = np.bincount(deal_groups, weights=values, minlength=len(deal_targets)) <= 0
    emptied = emptied[deal_groups] & (deal_targets[deal_groups] > 0)
    return np.where(emptied, equal_split(rows), values)


def newest_table_pairs(exact: ExactTiv, deal_rows: pd.DataFrame, rounds: int = RAKING_ROUNDS) -> pd.DataFrame:
    """Pair-year values for every year the newest totals cover, by the precedence of the module doc (steps 1-2).

    `deal_rows`: deal years with an allocated `tiv` (the register's shape where no older pair table covers a
    year). Returns TABLE_COLUMNS with basis 'exact' or 'fitted'.
    """
    first, last = exact.totals_years or NEVER
    pairs = exact.pairs[exact.pairs["year"].between(first, last)]
    newest = pairs["vintage"].to_numpy() >= exact.totals_vintage
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
    return out[TABLE_COLUMNS].astype({"year": int, "tiv": float})


@dataclass(frozen=True)
class Allocation:
    """A release's yearly matrix (`yearly`: YEARLY_COLUMNS) and its deal years (`deal_rows`, with `tiv`)."""

    yearly: pd.DataFrame
    deal_rows: pd.DataFrame


def _reconciled(rows: pd.DataFrame, exact: ExactTiv, vintage: int) -> PairTable:
    """The release's own totals as a pair table over their years (step 1 of the module doc), every supplier of the
    register or the tables covered; `basis` says which values were printed and which fitted."""
    rows = rows.assign(tiv=anchored_split(rows, exact))
    newest = newest_table_pairs(exact, rows)
    assert exact.totals_years is not None
    suppliers = {*rows["supplier"], *newest["supplier"], *(s for t in exact.tables for s in t.coverage)}
    return PairTable("totals split into pairs", newest, dict.fromkeys(suppliers, exact.totals_years), vintage)


def _split_span(rows: pd.DataFrame, values: np.ndarray) -> pd.DataFrame:
    """Per deal year, the first and last delivery year of its deal when the deal is split over several years and
    has TIV in that year; the year itself otherwise."""
    deal = rows["deal"].to_numpy()
    year = rows["year"].to_numpy()
    first = pd.Series(year).groupby(deal).transform("min").to_numpy()
    last = pd.Series(year).groupby(deal).transform("max").to_numpy()
    split = (rows["n_years"].to_numpy() > 1) & (values > 0)
    return pd.DataFrame({"split_first": np.where(split, first, year), "split_last": np.where(split, last, year)})


def allocate(transfers: pd.DataFrame, exact: ExactTiv, vintage: int = 0,
             totals_register: pd.DataFrame | None = None) -> Allocation:
    """The yearly bilateral matrix of a release of `vintage` (its publisher's release year): its own tables as
    printed where they cover a year, elsewhere its register's deals shaped by the older tables (module doc).

    Pair-years with no deliveries are absent. Tables of `vintage` or newer are the release's own (with the
    default 0, every table). Older totals shape the release's deals only through `totals_register`, the register
    of the totals' own release: the totals are split by it into pairs (as that release's own figures were), and
    those pairs shape the deals that the newer register still lists in their years.
    """
    rows = deal_years(transfers)
    own, older = exact.own(vintage), exact.older_than(vintage)
    tables = list(own.tables)
    if own.totals_years is not None:
        tables.insert(0, _reconciled(rows, exact, vintage))
    own_count = len(tables)
    older_tables = list(older.tables)
    if own.totals_years is None and exact.totals_years is not None and totals_register is not None:
        then = replace(exact, tables=tuple(t for t in exact.tables if t.vintage <= exact.totals_vintage))
        reconciled = _reconciled(deal_years(totals_register), then, exact.totals_vintage)
        newer = [t for t in older_tables if t.vintage > exact.totals_vintage]
        older_tables = [*newer, reconciled, *(t for t in older_tables if t.vintage <= exact.totals_vintage)]
    structure = replace(older, tables=(*tables, *older_tables))
    values = anchored_split(rows, structure)
    rows["tiv"] = values
    winner = structure.winner(rows)
    printed = structure.pairs[structure.pairs["table"] < own_count]
    printed = printed.assign(basis=printed["basis"].fillna("exact") if "basis" in printed else "exact",
                             split_first=printed["year"], split_last=printed["year"])
    from_register = (winner < 0) | (winner >= own_count)
    spans = _split_span(rows, values)
    printed_deals = rows["deal"].isin(rows.loc[~from_register, "deal"]).to_numpy()
    spans.loc[printed_deals, "split_first"], spans.loc[printed_deals, "split_last"] = ALWAYS_CUT
    registered = rows[from_register].assign(shaped=winner[from_register] >= own_count)
    registered = pd.concat([registered.reset_index(drop=True), spans[from_register].reset_index(drop=True)], axis=1)
    registered = registered.groupby(["supplier", "recipient", "year"], as_index=False).agg(
        tiv=("tiv", "sum"), source_file=("source_file", "first"), shaped=("shaped", "any"),
        split_first=("split_first", "min"), split_last=("split_last", "max"))
    registered = registered[registered["tiv"] > 0]
    shaping = structure.pairs[["supplier", "recipient", "year", "source_file"]].rename(
        columns={"source_file": "table_file"})
    registered = registered.merge(shaping, on=["supplier", "recipient", "year"], how="left")
    with_table = registered["shaped"] & registered["table_file"].fillna("").ne("")
    registered["source_file"] = registered["source_file"].where(
        ~with_table, registered["source_file"] + "; " + registered["table_file"].fillna(""))
    registered["basis"] = np.where(registered["shaped"], "shaped", "allocated")
    yearly = pd.concat([printed[YEARLY_COLUMNS], registered[YEARLY_COLUMNS]], ignore_index=True)
    yearly = yearly.sort_values(["supplier", "recipient", "year"]).reset_index(drop=True)
    return Allocation(yearly.astype({"year": int, "tiv": float, "split_first": int, "split_last": int}), rows)
