"""What a new release changes against an earlier one, from their metrics.csv: new years and windows, revised
history (largest revisions first), and the countries whose key figures moved most. Lines of Markdown-like text,
read by add-release's change report and the site's release history page."""

from __future__ import annotations

import pandas as pd

from ..countries import CountryTable

# what each series is called, the metric that shows its reach, and how its values read
SERIES = (  # label, metric, which periods (five-year windows or single years), whether to list estimate years
    ("SIPRI arms imports, five-year windows", "us_share_of_arms_imports", "window", False),
    ("SIPRI arms imports by year", "arms_imports_tiv", "year", False),
    ("SIPRI military expenditure", "milex_share_of_gdp", "year", False),
    ("NATO defence expenditure", "nato_share_of_gdp", "year", True),
    ("Orders not yet delivered, as of", "pending_orders_tiv", "year", False),
)
REVISED = (  # metric, label, kind: 'share' (revision in percentage points) or 'amount' (revision in per cent)
    ("us_share_of_arms_imports", "US share of arms imports", "share"),
    ("arms_imports_tiv", "Arms imports, TIV m", "amount"),
    ("milex_current_usd", "Military spending, current US$ m", "amount"),
    ("milex_share_of_gdp", "Military spending, share of GDP (SIPRI)", "share"),
    ("nato_share_of_gdp", "Defence expenditure, share of GDP (NATO)", "share"),
)
SHARE_STEP = 0.0005  # 0.05 percentage points: the briefs show shares to 0.1 point at most
AMOUNT_STEP = 0.005  # 0.5 %, and at least 0.5 (TIV m, US$ m) so that SIPRI's rounding is not a revision
SHOWN = 8


def _value(value: float, kind: str, decimals: int = 1) -> str:
    return f"{value * 100:.{decimals}f}%" if kind == "share" else f"{value:,.{decimals - 1}f}"


def _reach(frame: pd.DataFrame, metric: str, shape: str) -> tuple[list[str], list[str]]:
    rows = frame[(frame["metric"] == metric) & frame["value"].notna()]
    rows = rows[rows["period"].str.contains("-") == (shape == "window")]
    periods = sorted(rows["period"].unique(), key=lambda p: (p[-4:], p))
    estimates = sorted(rows.loc[rows["estimate"], "period"].unique())
    return periods, estimates


def new_years(base: pd.DataFrame, new: pd.DataFrame, base_name: str) -> list[str]:
    """Per series, the last period in each release, the periods new in `new` and those it no longer has."""
    lines = []
    for label, metric, shape, with_estimates in SERIES:
        before, _ = _reach(base, metric, shape)
        after, estimates = _reach(new, metric, shape)
        if not after:
            continue
        added = [p for p in after if p not in before]
        dropped = [p for p in before if p not in after]
        text = f"- {label}: {before[-1] if before else 'none'} -> {after[-1]}"
        text += f"; new: {', '.join(added)}" if added else f" (no new period since release {base_name})"
        if dropped:
            text += f"; no longer computed: {', '.join(dropped)}"
        if with_estimates and estimates:
            text += f"; estimates: {', '.join(estimates)}"
        lines.append(text)
    return lines


def _compared(base: pd.DataFrame, new: pd.DataFrame, codes: list[str]) -> dict[str, pd.DataFrame]:
    """Per revised metric, the figures both releases give for `codes` (value, value_base), with each one's `size`
    (its revision) and `revised` (whether it counts as one)."""
    rows = {name: frame.loc[frame["metric"].isin([metric for metric, _, _ in REVISED]) & frame["country"].isin(codes),
                            ["metric", "country", "period", "value"]]
            for name, frame in (("new", new), ("base", base))}
    compared = {}
    for metric, _, kind in REVISED:
        new_rows, base_rows = (frame[frame["metric"] == metric].drop(columns="metric")
                               for frame in (rows["new"], rows["base"]))
        merged = (new_rows.merge(base_rows, on=["country", "period"], suffixes=("", "_base"))
                  .dropna(subset=["value", "value_base"]))
        change = (merged["value"] - merged["value_base"]).abs()
        if kind == "share":
            merged = merged.assign(size=change, revised=change >= SHARE_STEP)
        else:
            size = change / merged["value_base"].abs().clip(lower=1e-9)
            merged = merged.assign(size=size, revised=(size >= AMOUNT_STEP) & (change >= 0.5))
        compared[metric] = merged
    return compared


def _revision_lines(compared: dict[str, pd.DataFrame], countries: CountryTable, shown: int) -> list[str]:
    lines = []
    for metric, label, kind in REVISED:
        merged = compared[metric]
        if merged.empty:
            continue
        revised = merged[merged["revised"]]
        lines.append(f"- {label}: {len(revised)} of {len(merged)} figures revised"
                     + (", largest first:" if len(revised) else ""))
        for row in revised.sort_values(["size", "country", "period"], ascending=[False, True, True]).head(shown) \
                .itertuples():
            shift = (f"{(row.value - row.value_base) * 100:+.1f} points" if kind == "share"
                     else f"{(row.value / row.value_base - 1) * 100:+.1f}%" if row.value_base else "from zero")
            before, after = _value(row.value_base, kind), _value(row.value, kind)
            if before == after:  # a revision smaller than the rounding shows at the next decimal
                before, after = _value(row.value_base, kind, 2), _value(row.value, kind, 2)
            lines.append(f"    {countries.name(row.country)}, {row.period}: {before} -> {after} ({shift})")
    return lines


def revisions(base: pd.DataFrame, new: pd.DataFrame, codes: list[str], countries: CountryTable,
              shown: int = SHOWN) -> list[str]:
    """Per revised metric, how many of the figures both releases give for `codes` moved, and the `shown` largest."""
    return _revision_lines(_compared(base, new, codes), countries, shown)


def revisions_by_country(base: pd.DataFrame, new: pd.DataFrame, codes: list[str], countries: CountryTable,
                         shown: int = SHOWN) -> dict[str, list[str]]:
    """`revisions` of each country of `codes` on its own (the tables compared once for all of them)."""
    compared = _compared(base, new, codes)
    by_country = {metric: dict(list(merged.groupby("country", sort=False))) for metric, merged in compared.items()}
    return {code: _revision_lines({metric: groups.get(code, compared[metric].iloc[:0])
                                   for metric, groups in by_country.items()}, countries, shown) for code in codes}


def _latest(frame: pd.DataFrame, metric: str, codes: list[str]) -> pd.DataFrame:
    rows = frame[(frame["metric"] == metric) & frame["country"].isin(codes) & frame["value"].notna()]
    rows = rows.assign(end=rows["period"].str[-4:].astype(int)).sort_values("end")
    return rows.groupby("country").tail(1).set_index("country")[["period", "value"]]


def moved(base: pd.DataFrame, new: pd.DataFrame, codes: list[str], countries: CountryTable) -> list[str]:
    """The countries of `codes` whose latest US share of imports and spending share of GDP moved most."""
    lines = []
    for metric, label in (("us_share_of_arms_imports", "US share of arms imports, latest window"),
                          ("milex_share_of_gdp", "military spending as a share of GDP (SIPRI), latest year")):
        joined = _latest(new, metric, codes).merge(_latest(base, metric, codes), left_index=True, right_index=True,
                                                 suffixes=("", "_base"))
        joined = joined.assign(move=(joined["value"] - joined["value_base"]))
        joined = joined[joined["move"].abs() >= SHARE_STEP]
        joined = joined.reindex(joined["move"].abs().sort_values(ascending=False).index).head(SHOWN)
        lines.append(f"- {label}:" + ("" if len(joined) else " no country moved by 0.1 point or more"))
        for code, row in joined.iterrows():
            lines.append(f"    {countries.name(code)}: {row['value_base'] * 100:.1f}% ({row['period_base']}) -> "
                         f"{row['value'] * 100:.1f}% ({row['period']}), {row['move'] * 100:+.1f} points")
    return lines
