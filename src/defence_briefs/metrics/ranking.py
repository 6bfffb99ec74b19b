"""Rank a country among its European peers on a metric."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def add_ranks(rows: pd.DataFrame, peers: Callable[[int], list[str]], metrics: tuple[str, ...]) -> list[dict]:
    """Rows `<metric>_rank_in_europe` (1 = highest) among the peers of each period's last year, for `metrics`,
    by metric and period (sorted), each period's countries in the order of `rows`; a metric and period with fewer
    than two peers' figures is not ranked."""
    selected = rows[rows["metric"].isin(metrics)]
    period_peers = {period: set(peers(int(str(period)[-4:]))) for period in selected["period"].unique()}
    among_peers = np.fromiter((country in period_peers[period] for country, period
                               in zip(selected["country"], selected["period"], strict=True)), dtype=bool,
                              count=len(selected))
    ranked = selected[among_peers]
    by_period = ranked.groupby(["metric", "period"])["value"]
    ranked = ranked.assign(rank=by_period.rank(ascending=False, method="min").astype(int),
                           peers=by_period.transform("size"))
    ranked = ranked[ranked["peers"] >= 2].sort_values(["metric", "period"], kind="stable")
    return [{"country": country, "metric": f"{metric}_rank_in_europe", "period": period, "value": float(rank),
             "unit": f"rank among {count} European countries (1 = highest)", "source": source,
             "estimate": bool(estimate)}
            for country, metric, period, rank, count, source, estimate in zip(
                ranked["country"], ranked["metric"], ranked["period"], ranked["rank"], ranked["peers"],
                ranked["source"], ranked["estimate"], strict=True)]
