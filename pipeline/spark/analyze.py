"""The analyses on Spark SQL: the lake's tables as views, every query run and written as ``<query>.parquet``.

Results are written as ``analyze`` writes DuckDB's, with the same columns and types: Spark types ranks, tiles
and day differences as 32-bit integers where DuckDB has BIGINT, so integer columns are widened to 64 bits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import polars as pl

from pipeline import files
from pipeline.analysis.queries import Query, Value
from pipeline.lake import lake_tables
from pipeline.spark.transpile import SparkQuery, to_spark

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


@dataclass(frozen=True)
class SparkResult:
    spark_query: SparkQuery
    rows: int
    seconds: float


def register_lake(spark: SparkSession, lake_dir: Path) -> None:
    """A temporary view per table over its Parquet parts (as file: URIs, whatever the cluster's default FS)."""
    for table, parts in lake_tables(lake_dir).items():
        spark.read.parquet(*(part.as_uri() for part in parts)).createOrReplaceTempView(table)


def spark_frame(spark: SparkSession, query: Query, values: dict[str, Value]) -> DataFrame:
    """The query as a Spark DataFrame, analysed and planned but not run."""
    sql, args = to_spark(query).bind(values)
    return spark.sql(sql, args=args)


def collect(frame: DataFrame) -> pl.DataFrame:
    """Run a Spark query and bring its result over as Arrow, typed as DuckDB types it."""
    result = cast(pl.DataFrame, pl.from_arrow(frame.toArrow()))  # a table: a frame
    return result.with_columns(
        pl.col(name).cast(pl.Int64) for name, dtype in result.schema.items() if dtype.is_integer()
    )


def run_on_spark(spark: SparkSession, query: Query, values: dict[str, Value]) -> pl.DataFrame:
    return collect(spark_frame(spark, query, values))


def analyze_on_spark(
    spark: SparkSession, lake_dir: Path, planned: list[tuple[Query, dict[str, Value]]], directory: Path
) -> list[SparkResult]:
    """Run each query over the lake and write its result right away."""
    spark_queries = [to_spark(query) for query, _ in planned]  # every query transpiles before any runs
    register_lake(spark, lake_dir)
    results = []
    for spark_query, (query, values) in zip(spark_queries, planned, strict=True):
        started = time.perf_counter()
        frame = run_on_spark(spark, query, values)
        seconds = time.perf_counter() - started
        files.write_atomically(directory / f"{query.name}.parquet", frame.write_parquet)
        results.append(SparkResult(spark_query, frame.height, seconds))
    return results
