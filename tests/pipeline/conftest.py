"""Shared fixtures for the pipeline tests: the session's runs as ``Built`` (scale 1 and 10, the tiny hand-made shop)
with DuckDB over their lakes and warehouses, and exports of the scale-1 lake.

Every bad-input test copies a good export (CSV or Parquet, one ``<table>.<ext>`` per table), breaks exactly one
thing and runs ``load``; the session-scoped run is never modified.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipeline.analysis.sources import connect_lake, connect_warehouse
from pipeline.cli import main
from pipeline.lake import lake_files
from pipeline.schema import TABLES
from pipeline.settings import Settings
from tests.support import reference
from tests.support.builds import Built, tiny
from tests.support.cli import run_pipeline
from tests.support.exports import export


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


@pytest.fixture(scope="session")
def built1(scale1: Path) -> Built:
    """The session's scale-1, seed-42 run (tests/conftest.py), with its settings."""
    return Built(scale1, Settings(data_dir=scale1, workers=1))


@pytest.fixture(scope="session")
def scale10(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A scale-10, seed-42 run (206,000 rows), shared by the tests that need more than scale 1."""
    data_dir = run_pipeline(tmp_path_factory.mktemp("scale10"), "--scale", "10")
    return Built(data_dir, Settings(data_dir=data_dir, scale=10, workers=1))


@pytest.fixture(scope="session")
def tiny_shop(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return tiny(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def lake1(built1: Built) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect_lake(built1.lake_dir) as con:
        yield con


@pytest.fixture(scope="session")
def warehouse1(built1: Built) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect_warehouse(built1.warehouse) as con:
        yield con


@pytest.fixture(scope="session")
def tiny_lake(tiny_shop: Built) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect_lake(tiny_shop.lake_dir) as con:
        yield con


@pytest.fixture(scope="session")
def tiny_warehouse(tiny_shop: Built) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect_warehouse(tiny_shop.warehouse) as con:
        yield con


@pytest.fixture(scope="session")
def shop1(built1: Built) -> reference.Shop:
    """The scale-1 lake's tables, for the independent Polars answers of tests/support/reference.py."""
    return reference.Shop(*(built1.table(t) for t in ("customers", "products", "orders", "order_items", "payments")))
