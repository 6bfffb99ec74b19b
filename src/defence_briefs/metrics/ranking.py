"""Rank a country among its European peers on a metric."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd


def add_ranks(rows: pd.DataFrame, peers: Callable[[int], list[str]], metrics: tuple[str, ...]) -> list[dict]:
    """Rows `<metric>_rank_in_europe` (1 = highest) among the peers of each period's last year, for `metrics`."""
    out = []
    selected = rows[rows["metric"].isin(metrics)]
    for (metric, period), frame in selected.groupby(["metric", "period"]):
        frame = frame[frame["country"].isin(peers(int(str(period)[-4:])))]
        if len(frame) < 2:
            continue
        ranks = frame["value"].rank(ascending=False, method="min").astype(int)
        unit = f"rank among {len(frame)} European countries (1 = highest)"
        for (_, row), rank in zip(frame.iterrows(), ranks, strict=True):
            out.append({"country": row["country"], "metric": f"{metric}_rank_in_europe", "period": period,
                        "value": float(rank), "unit": unit, "source": row["source"], "estimate": bool(row["estimate"])})
    return out
