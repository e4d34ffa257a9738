"""Session fixtures for the analysis tests: a scale-1 and a scale-10 run and the tiny hand-made shop."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest
import reference
from analysis_support import Built, generated, tiny

from pipeline.analysis.sources import connect_lake, connect_warehouse


@pytest.fixture(scope="session")
def scale1(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return generated(tmp_path_factory.mktemp("scale1"), 1.0)


@pytest.fixture(scope="session")
def scale10(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return generated(tmp_path_factory.mktemp("scale10"), 10.0)


@pytest.fixture(scope="session")
def tiny_shop(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return tiny(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def lake1(scale1: Built) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect_lake(scale1.lake_dir) as con:
        yield con


@pytest.fixture(scope="session")
def warehouse1(scale1: Built) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect_warehouse(scale1.warehouse) as con:
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
def shop1(scale1: Built) -> reference.Shop:
    """The scale-1 lake's tables, for the independent Polars answers of reference.py."""
    return reference.Shop(*(scale1.table(t) for t in ("customers", "products", "orders", "order_items", "payments")))
