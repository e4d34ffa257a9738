"""queries/*.sql on Spark SQL give DuckDB's answers: the hand-worked answers of the tiny shop, every query of
`spark analyze` at scale 1 (same rows, same order, same types; money to the cent and every other number to 1e-9),
and the parameter variations that the lake-vs-warehouse test runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipeline.analysis.queries import all_queries, get_query, parse_query
from pipeline.lake import lake_tables
from pipeline.spark.analyze import register_lake, run_on_spark
from pipeline.spark.transpile import TRANSPILED, to_spark
from tests.pipeline.analysis.test_lake_vs_warehouse import CASES
from tests.support.builds import ANSWERS_DIR, Built
from tests.support.cli import RunCli

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Beyond the defaults: values Spark must bind with their types, and a null limit (DuckDB: no limit).
MORE_CASES: list[tuple[str, dict[str, Any]]] = [
    ("top_products", {"limit": None, "rank_by": "units"}),
    ("rfm_segments", {"as_of": dt.date(2025, 6, 30)}),
    ("anomalies", {"mismatch_tolerance": 5.0, "late_days": 25, "extreme_quantity": 3, "burst_orders": 3}),
    ("signup_cohorts", {"max_months": 0}),
    ("repeat_purchase_rate", {"window_days": 30}),
    ("bought_together", {"min_orders": 1, "limit": 5}),
]


def use_lake(spark: SparkSession, lake_dir: Path) -> None:
    """The lake's tables as the session's views, registered again only when a view reads other files: a
    registration lists the parts and reads their schemas (about 0.3 s, a tenth of a query here), and the tests take
    turns between the tiny shop's lake and scale 1's (`spark analyze` registers scale 1's itself)."""
    for table, parts in lake_tables(lake_dir).items():
        wanted = [part.as_uri() for part in parts]
        if not spark.catalog.tableExists(table) or sorted(spark.table(table).inputFiles()) != wanted:
            register_lake(spark, lake_dir)
            return


def same(spark_result: pl.DataFrame, duckdb_result: pl.DataFrame) -> None:
    assert duckdb_result.height > 0
    assert_frame_equal(spark_result, duckdb_result, check_exact=False, rel_tol=0, abs_tol=1e-9)


@pytest.mark.parametrize("name", list(all_queries()))
def test_spark_gives_the_golden_answers_of_the_tiny_shop(spark: SparkSession, tiny_shop: Built, name: str) -> None:
    use_lake(spark, tiny_shop.lake_dir)
    query = get_query(name)
    expected = pl.read_parquet(ANSWERS_DIR / f"{name}.parquet")
    assert_frame_equal(run_on_spark(spark, query, query.bind()), expected, check_exact=True)


def test_spark_analyze_writes_duckdb_results(
    spark: SparkSession, built1: Built, lake1: duckdb.DuckDBPyConnection, run_cli: RunCli, tmp_path: Path
) -> None:
    output = tmp_path / "analysis-spark"
    outcome = run_cli(
        "spark", "analyze", "--source", built1.lake_dir, "--output", output, "--master", "local[2]",
        "--data-dir", tmp_path / "data",
    )  # fmt: skip
    assert outcome.status == 0, outcome.err
    assert sorted(p.name for p in output.iterdir()) == sorted(f"{name}.parquet" for name in all_queries())
    for name, query in all_queries().items():
        same(pl.read_parquet(output / f"{name}.parquet"), query.run(lake1, query.bind()))
    assert "revenue_timeseries" in outcome.out
    assert "own file: a CASE cannot mix" in outcome.out


@pytest.mark.parametrize(
    ("name", "params"),
    [(n, p) for n, p in CASES if p] + MORE_CASES,
    ids=[f"{n}-{'-'.join(map(str, p.values()))}" for n, p in [(n, p) for n, p in CASES if p] + MORE_CASES],
)
def test_spark_binds_parameters_as_duckdb_does(
    spark: SparkSession, built1: Built, lake1: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]
) -> None:
    use_lake(spark, built1.lake_dir)
    query = get_query(name)
    values = query.bind(params)
    same(run_on_spark(spark, query, values), query.run(lake1, values))


def test_the_spark_side_file_is_needed(spark: SparkSession, built1: Built, tmp_path: Path) -> None:
    """revenue_timeseries transpiled as it is does not run on Spark: its own file is not a shortcut."""
    from pyspark.errors import AnalysisException

    use_lake(spark, built1.lake_dir)
    query = get_query("revenue_timeseries")
    transpiled = to_spark(query, directory=tmp_path)  # no Spark-side files here
    assert transpiled.origin == TRANSPILED
    sql, args = transpiled.bind(query.bind())
    with pytest.raises(AnalysisException, match="DATATYPE_MISMATCH"):
        spark.sql(sql, args=args).collect()


def test_only_revenue_timeseries_has_its_own_file_and_values_are_never_in_the_sql() -> None:
    origins = {name: to_spark(query).origin for name, query in all_queries().items()}
    assert {name for name, origin in origins.items() if origin != TRANSPILED} == {"revenue_timeseries"}
    assert to_spark(get_query("revenue_timeseries")).why == "a CASE cannot mix Spark's day and month intervals."
    query = get_query("top_customers")
    sql, args = to_spark(query).bind(query.bind({"start_date": "2024-02-29", "limit": "17"}))
    assert ":start_date" in sql
    assert ":limit" in sql
    assert "$" not in sql
    assert "2024" not in sql
    assert "17" not in sql
    assert args["start_date"] == dt.date(2024, 2, 29)
    assert args["limit"] == 17


def test_spark_rounds_doubles_as_duckdb_does(spark: SparkSession, tmp_path: Path) -> None:
    """Decimal ties: DuckDB rounds x * 10^n in binary floating point, Spark's round() the decimal form half up."""
    path = tmp_path / "ties.sql"
    path.write_text(
        "-- ties: values on a decimal tie\n-- grain: one row per value\n"
        "select x, round(x, 2) as cents, round(x / 400000, 6) as share, round(round(x, 2) * 3, 1) as nested\n"
        "from ties order by x\n"
    )
    query = parse_query(path)
    values = [0.285, 1.005, -0.285, 1.255, 2.675, 3.0, 0.125, 123456.785]
    expected = duckdb.sql(
        "select x, round(x, 2) as cents, round(x / 400000, 6) as share, round(round(x, 2) * 3, 1) as nested "
        "from (select unnest($values::double[]) as x) order by x",
        params={"values": values},
    ).pl()
    cents = dict(zip(expected["x"], expected["cents"], strict=True))
    assert [cents[x] for x in (0.285, 1.005, -0.285, 1.255)] == [0.28, 1.0, -0.28, 1.25]  # Spark's: 0.29, 1.01, ...
    spark.createDataFrame([(v,) for v in values], "x double").createOrReplaceTempView("ties")
    assert_frame_equal(run_on_spark(spark, query, {}), expected, check_exact=True)
