"""The date a build states as 'built on', one per build."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def one_build_date() -> Iterator[None]:
    """Within the block, SOURCE_DATE_EPOCH is set (to now, unless already set), so every page of one build, in this
    process or the ones it starts, states the same 'built on' date even when the build runs past midnight."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(int(dt.datetime.now(dt.UTC).timestamp()))
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def build_date() -> dt.date:
    """The date printed as 'built on': SOURCE_DATE_EPOCH when set (reproducible builds), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return when.date()
