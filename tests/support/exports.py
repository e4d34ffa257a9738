"""A lake's tables written as a user's own export: one ``<table>.csv`` or ``<table>.parquet`` per table."""

from __future__ import annotations

from pathlib import Path

import polars as pl


def export(frames: dict[str, pl.DataFrame], directory: Path, fmt: str) -> Path:
    """Write one ``<table>.<fmt>`` per table, the layout of a user's own export."""
    directory.mkdir(parents=True, exist_ok=True)
    for table, frame in frames.items():
        path = directory / f"{table}.{fmt}"
        if fmt == "csv":
            frame.write_csv(path, date_format="%Y-%m-%d")
        else:
            frame.write_parquet(path)
    return directory


def files_of(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` by relative path, but the record that only a whole `generate` writes."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != "_lake.json"
    }
