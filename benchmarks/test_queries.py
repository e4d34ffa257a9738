"""pytest-benchmark: every query in ``queries/`` three ways, and the mart reads the API makes.

    BENCH_QUERY_SCALE=100 pytest benchmarks/test_queries.py --benchmark-only [--benchmark-json out.json]

Per query: DuckDB over the Parquet lake, DuckDB over the SQLite warehouse through the sqlite scanner (the very
same SQL), and the reference: SQLite itself through ``sqlite3`` running the SQLite-dialect translation in
``benchmarks/sqlite_queries/`` (checked against DuckDB's answer before it is timed, as the tests check it too).
Then every mart read.

``BENCH_QUERY_SCALE`` (default 100) sets the scale; ``BENCH_QUERY_DATA`` may name an existing data directory
(lake + warehouse with marts, e.g. from ``just run --scale 100``) to skip building one.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline import stages
from pipeline.analysis.queries import all_queries, get_query
from pipeline.analysis.sources import connect_lake, connect_warehouse
from pipeline.generate.plan import Plan
from pipeline.manifest import Timings
from pipeline.settings import Settings
from pipeline.warehouse.reads.marts import mart as read_mart
from tools import sqlite_copies

QUERIES = list(all_queries())

# The reads the API and dashboard make: whole small marts, keyed lookups and top-N pages of the big ones.
MART_READS = {
    "revenue_daily": "select * from wh.mart_revenue_daily",
    "revenue_weekly": "select * from wh.mart_revenue_weekly",
    "revenue_monthly": "select * from wh.mart_revenue_monthly",
    "category_revenue": "select * from wh.mart_category_revenue",
    "anomalies_page": "select * from wh.mart_anomalies order by order_id limit 50",
    "customer_by_id": "select * from wh.mart_customer_summary where customer_id = $customer_id",
    "top_customers_by_spend": "select * from wh.mart_customer_summary order by total_spend desc limit 20",
    "top_products_by_revenue": "select * from wh.mart_product_summary order by revenue_rank limit 20",
}
# The same reads through read_mart (pipeline.warehouse.reads.marts.mart): SQLite filters, sorts and pages with the
# marts' keys and indexes.
MART_READS_NATIVE: dict[str, dict[str, Any]] = {
    "revenue_daily": {"table": "mart_revenue_daily"},
    "revenue_weekly": {"table": "mart_revenue_weekly"},
    "revenue_monthly": {"table": "mart_revenue_monthly"},
    "category_revenue": {"table": "mart_category_revenue"},
    "anomalies_page": {"table": "mart_anomalies", "order_by": "order_id", "limit": 50},
    "customer_by_id": {"table": "mart_customer_summary", "where": {"customer_id": "$customer_id"}},
    "top_customers_by_spend": {"table": "mart_customer_summary", "order_by": "-total_spend", "limit": 20},
    "top_products_by_revenue": {"table": "mart_product_summary", "order_by": "revenue_rank", "limit": 20},
}


def query_scale() -> float:
    raw = os.environ.get("BENCH_QUERY_SCALE", "100")
    try:
        return float(raw)
    except ValueError:
        msg = f"BENCH_QUERY_SCALE={raw!r} is not a number; expected a scale factor such as 100"
        raise ValueError(msg) from None


@pytest.fixture(scope="session")
def data(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    given = os.environ.get("BENCH_QUERY_DATA")
    if given:
        return Settings(data_dir=Path(given))
    settings = Settings(data_dir=tmp_path_factory.mktemp("queries"), scale=query_scale(), workers=2)
    stages.run(settings, Timings())
    return settings


@pytest.fixture(scope="session")
def info(environment: dict[str, Any], data: Settings) -> dict[str, Any]:
    with closing(sqlite3.connect(f"file:{data.warehouse_path}?mode=ro", uri=True)) as db:
        orders = db.execute("select count(*) from orders").fetchone()[0]
    # The scale of the data actually read, whatever BENCH_SCALE says.
    return environment | {"scale": orders / Plan.of(0, 1).orders, "orders": orders}


@pytest.fixture(scope="session")
def customer_id(scanner: duckdb.DuckDBPyConnection) -> int:
    """A customer of the summary mart at any scale (the median key: not one the page cache favours). A key the mart
    holds: the median of an even count falls between two keys, and not every customer is in the mart."""
    found = scanner.execute("select quantile_disc(customer_id, 0.5) from wh.mart_customer_summary").fetchone()
    assert found is not None
    return int(found[0])


@pytest.fixture(scope="session")
def lake(data: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect_lake(data.lake_dir) as con:
        yield con


@pytest.fixture(scope="session")
def scanner(data: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect_warehouse(data.warehouse_path) as con:
        yield con


@pytest.fixture(scope="session")
def native(data: Settings) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(f"file:{data.warehouse_path}?mode=ro", uri=True, check_same_thread=False)
    yield db
    db.close()


def timed(benchmark: Any, info: dict[str, Any], rounds: int, target: Any) -> Any:
    result = benchmark.pedantic(target, rounds=rounds, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(info, median_s=benchmark.stats.stats.median)
    return result


@pytest.mark.parametrize("source", ["lake", "scanner"])
@pytest.mark.parametrize("name", QUERIES)
def test_duckdb(
    benchmark: Any, info: dict[str, Any], rounds: int, request: pytest.FixtureRequest, source: str, name: str
) -> None:
    """The same SQL file over the Parquet lake and over the warehouse through the sqlite scanner."""
    con: duckdb.DuckDBPyConnection = request.getfixturevalue(source)
    query = get_query(name)
    benchmark.group = f"query {name}"
    values = query.bind()
    result = timed(benchmark, info, rounds, lambda: query.run(con, values))
    benchmark.extra_info["rows"] = result.height


@pytest.mark.parametrize("name", QUERIES)
def test_sqlite_native(
    benchmark: Any,
    info: dict[str, Any],
    rounds: int,
    native: sqlite3.Connection,
    lake: duckdb.DuckDBPyConnection,
    name: str,
) -> None:
    query = get_query(name)
    benchmark.group = f"query {name}"
    values = query.bind()
    sqlite_copies.assert_same_answer(sqlite_copies.run_copy(native, name, values), query.run(lake, values))
    result = timed(benchmark, info, rounds, lambda: sqlite_copies.run_copy(native, name, values))
    benchmark.extra_info["rows"] = result.height


@pytest.mark.parametrize("read", list(MART_READS))
def test_mart_read(
    benchmark: Any, info: dict[str, Any], rounds: int, scanner: duckdb.DuckDBPyConnection, customer_id: int, read: str
) -> None:
    benchmark.group = "mart reads"
    sql = MART_READS[read]
    params = {"customer_id": customer_id} if "$customer_id" in sql else {}
    # The same result form as read_mart's (a Polars frame), so that the two are timed doing the same work.
    frame = timed(benchmark, info, max(rounds, 20), lambda: scanner.execute(sql, params).pl())
    assert frame.height > 0
    benchmark.extra_info["rows"] = frame.height


@pytest.mark.parametrize("read", list(MART_READS_NATIVE))
def test_mart_read_native(
    benchmark: Any, info: dict[str, Any], rounds: int, scanner: duckdb.DuckDBPyConnection, customer_id: int, read: str
) -> None:
    benchmark.group = "mart reads (read_mart)"
    arguments = MART_READS_NATIVE[read]
    if arguments.get("where") == {"customer_id": "$customer_id"}:
        arguments = arguments | {"where": {"customer_id": customer_id}}
    frame = timed(benchmark, info, max(rounds, 20), lambda: read_mart(scanner, **arguments))
    assert frame.height > 0
    benchmark.extra_info["rows"] = frame.height
