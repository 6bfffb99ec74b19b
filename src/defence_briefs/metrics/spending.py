"""Defence spending per country and group per year: SIPRI military expenditure and NATO defence expenditure.

SIPRI and NATO define defence spending differently; each metric comes from one of them (its `source`) and the
two are never combined in one figure. Pure functions over the tidy `milex` and `nato` tables.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..countries import CountryTable
from .records import UNIT_FRACTION, UNIT_USD, UNIT_USD_M, MetricRows

FIRST_YEAR = 1990
REAL_CHANGE_BASES = (2014, 2021)
GDP_TARGETS = {"2pct": 0.02, "3_5pct": 0.035}
EQUIPMENT_GUIDELINE = 0.20

SIPRI_DIRECT = {
    "milex_current_usd": UNIT_USD_M,
    "milex_share_of_gdp": UNIT_FRACTION,
    "milex_per_capita_usd": UNIT_USD,
    "milex_share_of_govt_spending": UNIT_FRACTION,
}
NATO_DIRECT = {
    "nato_defexp_current_usd": UNIT_USD_M,
    "nato_share_of_gdp": UNIT_FRACTION,
    "nato_real_change": UNIT_FRACTION,
    "nato_equipment_share": UNIT_FRACTION,
    "nato_gdp_current_usd": UNIT_USD_M,
}
# NATO's core defence (the Hague definition, its 2026 edition on): its own series, never joined to the one above
NATO_CORE_DIRECT = {
    "nato_core_defexp_current_usd": UNIT_USD_M,
    "nato_core_share_of_gdp": UNIT_FRACTION,
    "nato_core_real_change": UNIT_FRACTION,
    "nato_core_equipment_share": UNIT_FRACTION,
}
# each definition's targets: NATO's 2% guideline (Wales, 2014) on the earlier definition; the Hague's 3.5% core
# defence on core defence, and on the earlier definition until an edition gives core defence
NATO_TARGETS = {"nato_": ("2pct", "3_5pct"), "nato_core_": ("3_5pct",)}
# rank among European countries (1 = highest) for these
RANKED = ("milex_current_usd", "milex_real_change", "milex_share_of_gdp", "milex_per_capita_usd",
          "milex_share_of_govt_spending", "milex_real_change_since_2014", "nato_share_of_gdp",
          "nato_equipment_share")


def with_armed_forces(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` without the SIPRI spending figures of a country-year whose military expenditure SIPRI gives as 0
    (a state without armed forces, such as Iceland): such a year has no spending to rank, so it is not ranked."""
    spent = rows[rows["metric"] == "milex_current_usd"]
    none = set(zip(spent.loc[spent["value"] == 0, "country"], spent.loc[spent["value"] == 0, "period"], strict=True))
    if not none:
        return rows
    unspent = pd.MultiIndex.from_arrays([rows["country"], rows["period"]]).isin(list(none))
    return rows[~(rows["metric"].str.startswith("milex_").to_numpy(dtype=bool) & unspent)]


def country_series(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per measure a code x year frame of values, plus '<measure>:estimate' frames of the `estimate` flags.

    For SIPRI's table, `uncertain` (red font) counts as an estimate too; NATO's flags its 'e' years.
    """
    if "uncertain" in table:
        table = table.assign(estimate=table["estimate"].fillna(False) | table["uncertain"].fillna(False))
    out: dict[str, pd.DataFrame] = {}
    for measure, frame in table[table["value"].notna()].groupby("measure"):
        first = frame.groupby(["code", "year"])[["value", "estimate"]].first()  # a pivot table of the first values
        out[measure] = first["value"].unstack("year")
        out[f"{measure}:estimate"] = first["estimate"].unstack("year").fillna(False).astype(bool)
    return out


def derived_series(sipri: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """GDP, population and government spending implied by SIPRI's spending and its ratios (current USD)."""
    current = sipri["milex_current_usd"]
    out = {}
    for name, ratio, scale in (("gdp_current_usd", "milex_share_of_gdp", 1.0),
                               ("population", "milex_per_capita_usd", 1e6),
                               ("govt_spending_current_usd", "milex_share_of_govt_spending", 1.0)):
        if ratio in sipri:
            denominator = sipri[ratio].where(sipri[ratio] > 0)
            out[name] = (current * scale / denominator).dropna(how="all")
    return out


Lookup = dict[tuple[str, int], float]


def lookups(series: dict[str, pd.DataFrame]) -> dict[str, Lookup]:
    """code x year frames as {(code, year): value} dicts without the missing cells (fast point reads)."""
    out = {}
    for name, frame in series.items():
        cells = frame.stack()
        cells = cells[cells.notna()]
        keys = zip(cells.index.get_level_values(0).tolist(), cells.index.get_level_values(1).astype(int).tolist(),
                   strict=True)
        out[name] = dict(zip(keys, cells.tolist(), strict=True))
    return out


def _flag(series: dict[str, Lookup], measure: str, code: str, year: int) -> bool:
    return bool(series.get(f"{measure}:estimate", {}).get((code, year), False))


def _get(lookup: Lookup | None, code: str, year: int) -> float | None:
    value = lookup.get((code, year)) if lookup is not None else None
    return None if value is None else float(value)


def country_spending(out: MetricRows, code: str, sipri: dict[str, Lookup], nato: dict[str, Lookup],
                     derived: dict[str, Lookup], years: range, sources: dict[str, str], constant_unit: str,
                     ally_in: Callable[[int], bool] = lambda year: True) -> None:
    """Add every spending figure of one country for `years` (lookups as made by `lookups`); NATO's gaps to its
    targets only for the years `ally_in` says the country was an ally (NATO's tables print Finland and Sweden
    from 2014, but its guideline bound them from 2023 and 2024)."""
    for year in years:
        for measure, unit in SIPRI_DIRECT.items():
            out.add(code, measure, str(year), _get(sipri.get(measure), code, year), unit, sources["sipri"],
                    _flag(sipri, measure, code, year))
        constant = sipri.get("milex_constant_usd")
        value = _get(constant, code, year)
        estimate = _flag(sipri, "milex_constant_usd", code, year)
        out.add(code, "milex_constant_usd", str(year), value, constant_unit, sources["sipri"], estimate)
        before = _get(constant, code, year - 1)
        if value is not None and before:
            out.add(code, "milex_real_change", str(year), value / before - 1, UNIT_FRACTION, sources["sipri"],
                    estimate or _flag(sipri, "milex_constant_usd", code, year - 1))
        for base in REAL_CHANGE_BASES:
            base_value = _get(constant, code, base)
            if year > base and value is not None and base_value:
                out.add(code, f"milex_real_change_since_{base}", str(year), value / base_value - 1, UNIT_FRACTION,
                        sources["sipri"], estimate or _flag(sipri, "milex_constant_usd", code, base))
        gdp = _get(derived.get("gdp_current_usd"), code, year)
        milex = _get(sipri.get("milex_current_usd"), code, year)
        sipri_estimate = _flag(sipri, "milex_current_usd", code, year) or _flag(sipri, "milex_share_of_gdp", code,
                                                                                 year)
        out.add(code, "gdp_current_usd", str(year), gdp, UNIT_USD_M, sources["sipri_derived"], sipri_estimate)
        if gdp is not None and milex is not None:
            for label, target in GDP_TARGETS.items():
                out.add(code, f"gap_to_{label}_gdp_usd", str(year), max(0.0, target * gdp - milex), UNIT_USD_M,
                        sources["sipri_derived"], sipri_estimate)
        for measure, unit in {**NATO_DIRECT, **NATO_CORE_DIRECT}.items():
            out.add(code, measure, str(year), _get(nato.get(measure), code, year), unit, sources["nato"],
                    _flag(nato, measure, code, year))
        nato_gdp = _get(nato.get("nato_gdp_current_usd"), code, year)
        for prefix, targets in NATO_TARGETS.items():  # each definition against its own targets
            # measured on NATO's own share (of real GDP), so that a gap is never shown beside a share that meets
            # the target: current-price spending over current GDP differs from it where deflators differ
            # (the Netherlands 2024: 1.85% against NATO's 2.05%)
            nato_share = _get(nato.get(f"{prefix}share_of_gdp"), code, year)
            if nato_gdp is not None and nato_share is not None and ally_in(year):
                nato_estimate = _flag(nato, f"{prefix}share_of_gdp", code, year)
                for label in targets:
                    out.add(code, f"{prefix}gap_to_{label}_gdp_usd", str(year),
                            max(0.0, GDP_TARGETS[label] - nato_share) * nato_gdp, UNIT_USD_M, sources["nato"],
                            nato_estimate)


def _group_ratio(numerator: Lookup | None, denominator: Lookup | None, members: list[str],
                 year: int) -> float | None:
    """sum(numerator) / sum(denominator) over the members that have both in `year`."""
    pairs = [(n, d) for m in members
             if (n := _get(numerator, m, year)) is not None and (d := _get(denominator, m, year))]
    if not pairs:
        return None
    return sum(n for n, _ in pairs) / sum(d for _, d in pairs)


def _group_sum(frame: Lookup | None, members: list[str], year: int) -> float | None:
    """The members' sum in `year`, or None unless every member has a value (an incomplete sum is no figure)."""
    values = [_get(frame, m, year) for m in members]
    return None if not values or any(v is None for v in values) else sum(values)  # type: ignore[misc]


def group_spending(out: MetricRows, group: str, countries: CountryTable, sipri: dict[str, Lookup],
                   nato: dict[str, Lookup], derived: dict[str, Lookup], years: range, sources: dict[str, str],
                   constant_unit: str) -> None:
    """Add a group's figures per year, with membership of that year.

    Totals need every member; ratios (share of GDP, per capita, share of government spending) are
    sum over sum across the members that have both parts; gaps are the sum of the members' gaps.
    """
    current, constant = sipri.get("milex_current_usd"), sipri.get("milex_constant_usd")
    for year in years:
        members = countries.members(group, year)
        estimate = any(_flag(sipri, "milex_current_usd", m, year) for m in members)
        total = _group_sum(current, members, year)
        out.add(group, "milex_current_usd", str(year), total, UNIT_USD_M, sources["sipri"], estimate)
        real = _group_sum(constant, members, year)
        out.add(group, "milex_constant_usd", str(year), real, constant_unit, sources["sipri"], estimate)
        before = _group_sum(constant, members, year - 1)
        if real is not None and before:
            out.add(group, "milex_real_change", str(year), real / before - 1, UNIT_FRACTION, sources["sipri"], estimate)
        for base in REAL_CHANGE_BASES:
            base_value = _group_sum(constant, members, base)
            if year > base and real is not None and base_value:
                out.add(group, f"milex_real_change_since_{base}", str(year), real / base_value - 1, UNIT_FRACTION,
                        sources["sipri"], estimate)
        for metric, denominator, scale in (("milex_share_of_gdp", "gdp_current_usd", 1.0),
                                           ("milex_per_capita_usd", "population", 1e6),
                                           ("milex_share_of_govt_spending", "govt_spending_current_usd", 1.0)):
            ratio = _group_ratio(current, derived.get(denominator), members, year)
            unit = SIPRI_DIRECT[metric]
            out.add(group, metric, str(year), None if ratio is None else ratio * scale, unit, sources["sipri_derived"],
                    estimate)
        gdp = _group_sum(derived.get("gdp_current_usd"), [m for m in members if _get(current, m, year)], year)
        out.add(group, "gdp_current_usd", str(year), gdp, UNIT_USD_M, sources["sipri_derived"], estimate)
        for label, target in GDP_TARGETS.items():
            gaps = [max(0.0, target * g - s) for m in members
                    if (g := _get(derived.get("gdp_current_usd"), m, year)) is not None
                    and (s := _get(current, m, year)) is not None]
            if gaps:
                out.add(group, f"gap_to_{label}_gdp_usd", str(year), sum(gaps), UNIT_USD_M, sources["sipri_derived"],
                        estimate)
        for prefix in NATO_TARGETS:
            nato_current = nato.get(f"{prefix}defexp_current_usd")
            nato_members = [m for m in members if _get(nato_current, m, year) is not None]
            if not nato_members:
                continue
            nato_estimate = any(_flag(nato, f"{prefix}defexp_current_usd", m, year) for m in nato_members)
            out.add(group, f"{prefix}share_of_gdp", str(year),
                    _group_ratio(nato.get(f"{prefix}defexp_constant_usd"), nato.get("nato_gdp_constant_usd"),
                                 nato_members, year), UNIT_FRACTION, sources["nato"], nato_estimate)
            equipment = {m: e * s for m in nato_members
                         if (e := _get(nato.get(f"{prefix}equipment_share"), m, year)) is not None
                         and (s := _get(nato_current, m, year)) is not None}
            spend = sum(_get(nato_current, m, year) or 0.0 for m in equipment)
            if spend:
                out.add(group, f"{prefix}equipment_share", str(year), sum(equipment.values()) / spend,
                        UNIT_FRACTION, sources["nato"], nato_estimate)


def spending_metrics(milex: pd.DataFrame, nato: pd.DataFrame | None, countries: list[str], groups: list[str],
                     table: CountryTable, last_year: int, sources: dict[str, str]) -> MetricRows:
    """Every spending figure of `countries` and `groups` from FIRST_YEAR to `last_year`."""
    years = range(FIRST_YEAR, last_year + 1)
    read = {*countries, *(m for group in groups for year in years for m in table.members(group, year))}
    sipri_frames = country_series(milex[milex["code"].isin(read)])  # only the countries the figures read
    derived = lookups(derived_series(sipri_frames))
    sipri = lookups(sipri_frames)
    nato_series = lookups(country_series(nato[nato["code"].isin(read)])) if nato is not None and len(nato) else {}
    base_year = milex["base_year"].dropna()
    constant_unit = f"USD m, constant {int(base_year.iloc[0])} prices" if len(base_year) else "USD m, constant prices"
    out = MetricRows()
    for code in countries:
        country_spending(out, code, sipri, nato_series, derived, years, sources, constant_unit,
                         lambda year, code=code: table.is_member("NATO", code, year))
    for group in groups:
        group_spending(out, group, table, sipri, nato_series, derived, years, sources, constant_unit)
    return out
