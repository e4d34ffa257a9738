"""Shared fixtures for the pipeline tests: one tiny good run, built once, and exports of its lake.

Every bad-input test copies a good export (CSV or Parquet, one ``<table>.<ext>`` per table), breaks exactly one
thing and runs ``load``; the session-scoped run is never modified.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from pipeline.cli import main
from pipeline.lake import lake_files
from pipeline.schema import TABLES


@dataclass(frozen=True)
class GoodRun:
    data_dir: Path
    lake_dir: Path
    warehouse: Path
    csv_dir: Path
    parquet_dir: Path
    frames: dict[str, pl.DataFrame]

    @property
    def row_counts(self) -> dict[str, int]:
        return {table: frame.height for table, frame in self.frames.items()}


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


@pytest.fixture(scope="session")
def good_run(scale1: Path, tmp_path_factory: pytest.TempPathFactory) -> GoodRun:
    """The session's scale-1, seed-42 run (``scale1`` of tests/conftest.py), its lake exported as CSV and Parquet."""
    root = tmp_path_factory.mktemp("exports")
    lake_dir = scale1 / "lake"
    frames = {t: pl.read_parquet(sorted((lake_dir / t).glob("part-*.parquet"))) for t in TABLES}
    return GoodRun(
        data_dir=scale1,
        lake_dir=lake_dir,
        warehouse=scale1 / "warehouse.sqlite",
        csv_dir=export(frames, root / "csv", "csv"),
        parquet_dir=export(frames, root / "parquet", "parquet"),
        frames=frames,
    )


@pytest.fixture
def copy_export(good_run: GoodRun, tmp_path: Path) -> Callable[[str], Path]:
    """A private copy of the good CSV or Parquet export, to break one thing in."""

    def copy(fmt: str) -> Path:
        source = good_run.csv_dir if fmt == "csv" else good_run.parquet_dir
        target = tmp_path / f"source-{fmt}"
        shutil.copytree(source, target)
        return target

    return copy


@pytest.fixture
def prior_warehouse(good_run: GoodRun, tmp_path: Path) -> Path:
    """A copy of the good warehouse at the default place of a fresh data dir: the one a bad load must not touch."""
    warehouse = tmp_path / "data" / "warehouse.sqlite"
    warehouse.parent.mkdir(parents=True)
    shutil.copy2(good_run.warehouse, warehouse)
    return warehouse


@pytest.fixture(scope="session")
def small_lake(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    """A small generated lake (scale 0.05, seed 42: 100 customers, 30 products, 200 orders), as frames.

    For tests that write many broken copies of a whole dataset: small enough that each copy validates in a
    fraction of a second. Tests must not modify the frames.
    """
    data_dir = tmp_path_factory.mktemp("small")
    assert main(["generate", "--data-dir", str(data_dir), "--scale", "0.05", "--workers", "1"]) == 0
    return {table: pl.read_parquet(lake_files(data_dir / "lake", table)) for table in TABLES}
