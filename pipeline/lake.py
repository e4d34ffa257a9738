"""The Parquet lake on disk: file layout, compression, content hashes, and the atomic swap of a new lake."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import polars as pl
import psutil

COMPRESSION: Final = "zstd"
COMPRESSION_LEVEL = 3
ROW_GROUP_SIZE = 128 * 1024
STAGING_PREFIX = ".staging-"


def part_path(lake_dir: Path, table: str, chunk: int) -> Path:
    return lake_dir / table / f"part-{chunk:05d}.parquet"


def write_parquet(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(
        path, compression=COMPRESSION, compression_level=COMPRESSION_LEVEL, row_group_size=ROW_GROUP_SIZE
    )


def content_digest(frame: pl.DataFrame) -> bytes:
    """A digest of the values (not the file bytes), stable across Parquet writer versions.

    Each column contributes its name, type and values: numbers and dates as their machine representation,
    text joined with a separator that the generators never emit.
    """
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


@contextmanager
def staging_dir(data_dir: Path) -> Iterator[Path]:
    """A private scratch directory under ``data_dir``, removed afterwards.

    Scratch directories left behind by killed runs (their process is gone) are swept first.
    """
    for stale in data_dir.glob(f"{STAGING_PREFIX}*"):
        pid = stale.name.removeprefix(STAGING_PREFIX)
        if not (pid.isdigit() and psutil.pid_exists(int(pid))):
            shutil.rmtree(stale, ignore_errors=True)
    path = data_dir / f"{STAGING_PREFIX}{os.getpid()}"
    path.mkdir(parents=True, exist_ok=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def staged_replace(targets: list[Path], staging_root: Path) -> Iterator[list[Path]]:
    """Yield fresh staging paths; on success they replace ``targets``, on any error the targets stay as they were.

    Each target is swapped with two renames (old aside, new in place), so a crash between them can leave
    only the ``.previous`` copy, never a half-written target.
    """
    staging_root.mkdir(parents=True, exist_ok=True)
    staged = [staging_root / target.name for target in targets]
    try:
        yield staged
        for new, target in zip(staged, targets, strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            previous = target.with_name(f".{target.name}.previous")
            shutil.rmtree(previous, ignore_errors=True)
            if target.exists():
                os.replace(target, previous)
            os.replace(new, target)
            shutil.rmtree(previous, ignore_errors=True)
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)
