"""Schemas for tidy tables: column types, nullability, ranges and unique keys, checked before anything is cached.

Every tidy table carries a `source_ref` column (e.g. "sheet 'Share of GDP', row 57, column BT" or
"line 1234"), so a failed check names the file and the place in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError


def _plain(value: object) -> object:
    """numpy and pandas scalars as plain Python values, for readable messages."""
    return value.item() if hasattr(value, "item") else value


KINDS = ("str", "int", "float", "bool", "date", "list[int]")


@dataclass(frozen=True)
class Column:
    """One column: its kind, whether it may be missing, and an optional closed range for numbers."""

    name: str
    kind: str
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    allowed: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name}: kind {self.kind!r} is not one of {KINDS}")


@dataclass(frozen=True)
class TableSchema:
    """A tidy table's contract."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    range_exceptions: frozenset[tuple] = field(default_factory=frozenset)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def validate(self, frame: pd.DataFrame, file: str | Path) -> pd.DataFrame:
        """Return `frame` with columns in schema order and dtypes set; raise InputError on any violation.

        `range_exceptions` holds key tuples (values of `key`) exempt from the range checks: documented
        real values outside the usual range (e.g. a war year).
        """
        missing = [c for c in self.column_names if c not in frame.columns]
        if missing:
            raise InputError(file, f"table '{self.name}' lacks column(s) {', '.join(missing)} (parser bug)")
        frame = frame[self.column_names].copy()
        for column in self.columns:
            frame[column.name] = self._coerce(frame, column, file)
        if self.key:
            dupes = frame[frame.duplicated(list(self.key), keep=False)]
            if not dupes.empty:
                first = dupes.iloc[0]
                same = dupes[(dupes[list(self.key)] == first[list(self.key)]).all(axis=1)]
                key_text = ", ".join(f"{k}={_plain(first[k])!r}" for k in self.key)
                refs = " and ".join(same["source_ref"].astype(str).head(3)) if "source_ref" in frame else ""
                raise InputError(file, f"duplicate {self.name} entry for {key_text} at {refs}")
        return frame.reset_index(drop=True)

    def _fail(self, frame: pd.DataFrame, mask: pd.Series, column: Column, file: str | Path, what: str) -> None:
        index = mask[mask].index[0]
        ref = frame.at[index, "source_ref"] if "source_ref" in frame.columns else f"record {index}"
        value = _plain(frame.at[index, column.name])
        raise InputError(file, f"{ref}: {column.name} {what} (value {value!r}; {int(mask.sum())} such cell(s))")

    def _coerce(self, frame: pd.DataFrame, column: Column, file: str | Path) -> pd.Series:
        series = frame[column.name]
        isna = series.isna() if column.kind != "list[int]" else series.map(lambda v: v is None)
        if not column.nullable and isna.any():
            self._fail(frame, isna, column, file, "is missing")
        if column.kind == "str":
            out = series.astype("string")
            if column.allowed is not None:
                bad = ~isna & ~out.isin(column.allowed)
                if bad.any():
                    self._fail(frame, bad, column, file, f"must be one of {sorted(column.allowed)}")
            return out
        if column.kind == "bool":
            return series.astype("boolean")
        if column.kind == "list[int]":
            return series
        if column.kind == "date":
            return pd.to_datetime(series).dt.date
        numeric = pd.to_numeric(series, errors="coerce")
        bad = numeric.isna() & ~isna
        if bad.any():
            self._fail(frame, bad, column, file, "is not a number")
        out = numeric.astype("Int64" if column.kind == "int" else "float64")
        checked = ~isna
        if self.range_exceptions and self.key:
            exempt = pd.Series(
                [tuple(row) in self.range_exceptions for row in frame[list(self.key)].itertuples(index=False)],
                index=frame.index,
            )
            checked &= ~exempt
        if column.min is not None:
            low = checked & (out < column.min)
            if low.any():
                self._fail(frame, low.fillna(False), column, file, f"is below the minimum {column.min}")
        if column.max is not None:
            high = checked & (out > column.max)
            if high.any():
                self._fail(frame, high.fillna(False), column, file, f"is above the maximum {column.max}")
        return out
