"""The Parquet lake on disk: file layout, compression, content hashes, and the atomic swap of a new lake."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:  # Polars is imported by those who hold frames; listing a lake (``just sql``) needs none of it
    import polars as pl

from pipeline import files
from pipeline.errors import UsageError
from pipeline.schema import TABLES

COMPRESSION: Final = "zstd"
COMPRESSION_LEVEL = 3
ROW_GROUP_SIZE = 128 * 1024
# What a lake says about itself (seed, scale, row counts, content hashes), inside the lake directory, so that
# it is swapped in with the data it describes and can never describe another lake.
LAKE_RECORD_NAME = "_lake.json"
# The anomaly labels of each order chunk, beside the chunk's tables: whoever writes a chunk (one process, one
# partition of `generate --parts`, one Spark task) writes its labels too, so any set of partitions that covers
# every chunk holds every label. The leading underscore keeps Spark and Hive readers from taking it for data.
LABELS_DIR = "_labels"


def source_hash(content_hashes: dict[str, str]) -> str:
    """One digest for a set of tables, from their content hashes (a warehouse build records it)."""
    return hashlib.sha256("".join(f"{t}:{content_hashes[t]}\n" for t in TABLES).encode()).hexdigest()


def part_path(lake_dir: Path, table: str, chunk: int) -> Path:
    return lake_dir / table / f"part-{chunk:05d}.parquet"


def labels_part_path(lake_dir: Path, chunk: int) -> Path:
    return part_path(lake_dir, LABELS_DIR, chunk)


def lake_files(lake_dir: Path, table: str) -> list[Path]:
    return sorted((lake_dir / table).glob("part-*.parquet"))


def lake_tables(lake_dir: Path) -> dict[str, list[Path]]:
    """The Parquet parts of every table in a lake; a missing table is a usage error that says what to run."""
    found = {table: lake_files(lake_dir, table) for table in TABLES}
    missing = [table for table, parts in found.items() if not parts]
    if missing:
        msg = f"the lake at {lake_dir} has no Parquet parts for {', '.join(missing)}; run `just generate` first"
        raise UsageError(msg)
    return found


def write_record(lake_dir: Path, record: dict[str, Any]) -> None:
    files.write_text(lake_dir / LAKE_RECORD_NAME, json.dumps(record, indent=2, default=str) + "\n")


def read_record(lake_dir: Path) -> dict[str, Any]:
    """The lake's own record ({} for a lake written by an older version or by hand)."""
    path = lake_dir / LAKE_RECORD_NAME
    return dict(json.loads(path.read_text())) if path.exists() else {}


def write_parquet(frame: pl.DataFrame, path: Path) -> None:
    """Write under a hidden temporary name, then rename: partitions share one output directory, and a reader
    there (or a partition killed mid-write) must never leave half a file under a part's name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        frame.write_parquet(
            name, compression=COMPRESSION, compression_level=COMPRESSION_LEVEL, row_group_size=ROW_GROUP_SIZE
        )
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


def content_digest(frame: pl.DataFrame) -> bytes:
    """A digest of the values (not the file bytes), stable across Parquet writer versions.

    Each column contributes its name, type and values: numbers and dates as their machine representation,
    text joined with a separator that the generators never emit.
    """
    import polars as pl  # here, not at the top: see TYPE_CHECKING above

    digest = hashlib.sha256()
    for column in frame.iter_columns():
        digest.update(f"{column.name}:{column.dtype}\n".encode())
        if column.dtype == pl.String:
            digest.update(column.str.join("\x1f").item().encode())
        else:
            digest.update(column.to_physical().to_numpy().tobytes())
    return digest.digest()


def combine_digests(digests: list[bytes]) -> str:
    """One hash per table from its chunk digests in chunk order."""
    return hashlib.sha256(b"".join(digests)).hexdigest()
