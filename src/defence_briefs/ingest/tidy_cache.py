"""Tidy tables on disk: data/tidy/<release>/<table>.parquet, each stamped with the key of its inputs.

The key covers the raw files' sha256, the parser's name and version, and a digest of the ingest code, the
reference tables and the library versions, so a change to any of them invalidates the table. A file whose
stamp does not match, or that cannot be read, is a cache miss (and is rebuilt), never an error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import fingerprint
from ..fileio import atomic_write_with

KEY_FIELD = b"defence_briefs_cache_key"


def code_digest() -> str:
    """Fingerprint of the ingest stage's code: every module it imports, the reference tables they read and the
    libraries' versions."""
    return fingerprint.code_digest(("defence_briefs.ingest.stage",))


def cache_key(parser: str, version: str, inputs: dict[str, str], code: str) -> str:
    """A stable string naming exactly what a tidy table was built from."""
    return json.dumps({"parser": parser, "parser_version": version, "inputs": inputs, "code": code},
                      sort_keys=True)


def table_path(tidy_dir: Path, release: str, table: str) -> Path:
    return tidy_dir / release / f"{table}.parquet"


def stored_key(path: Path) -> str | None:
    """The key a cached table was written with, or None if it is absent or unreadable."""
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return None
    value = metadata.get(KEY_FIELD)
    return value.decode() if value is not None else None


def write_table(path: Path, frame: pd.DataFrame, key: str) -> None:
    """Write `frame` as parquet stamped with `key`, atomically."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), KEY_FIELD: key.encode()})
    atomic_write_with(path, lambda tmp: pq.write_table(table, tmp))


def read_table(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


def pq_rows(path: Path) -> int:
    """Row count of a parquet file, from its footer."""
    return pq.read_metadata(path).num_rows
