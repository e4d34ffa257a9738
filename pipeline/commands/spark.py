"""``spark generate`` and ``spark analyze``: the pipeline on Spark, locally or on a cluster (``pipeline/spark/``).

Needs the ``spark`` extra and a Java 17 runtime; without them the command says how to install them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import add_generation_options, add_query_options
from pipeline.errors import UsageError

if TYPE_CHECKING:
    from pipeline.settings import Settings
    from pipeline.spark.analyze import SparkResult

SCRATCH_PREFIX = ".spark-"


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "spark",
        parents=[common],
        help="generate the lake or run the analyses on Spark (local mode or a cluster)",
        description="The pipeline on Spark: needs the spark extra (uv sync --extra spark) and a Java 17 runtime.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", dest="spark_command", required=True)

    generate = commands.add_parser(
        "generate",
        parents=[common],
        help="write the lake's part files into --output, one Spark task per chunk",
        description="Generate the lake on Spark, one task per chunk, into a directory every executor can write. "
        "Each chunk is validated; check across tables afterwards with `validate --source DIR`.",
    )
    add_generation_options(generate, workers=False)
    generate.add_argument("--output", type=Path, required=True, help="the lake directory to write (shared storage)")
    _add_master_option(generate)
    generate.set_defaults(func=generate_main)

    analyze = commands.add_parser(
        "analyze",
        parents=[common],
        help="run queries/*.sql as Spark SQL over a lake, one Parquet result per query",
        description="Run the analyses in queries/ on Spark SQL (transpiled from DuckDB's dialect by sqlglot) over "
        "a Parquet lake and write each result to <output>/<query>.parquet.",
    )
    analyze.add_argument("--source", type=Path, help="the lake directory to read (default <data-dir>/lake)")
    analyze.add_argument("--output", type=Path, help="directory for the results (default <data-dir>/analysis-spark)")
    add_query_options(analyze)
    _add_master_option(analyze)
    analyze.set_defaults(func=analyze_main)
    parser.commands = tuple(commands.choices)


def _add_master_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--master",
        help="Spark master URL: local[N], spark://host:7077, yarn, k8s://... "
        "(default local[*]; under spark-submit, spark-submit's)",
    )


def _directory(option: str, path: Path) -> Path:
    path = path.expanduser().resolve()
    if path.exists() and not path.is_dir():
        msg = f"{option} {path} is a file: expected a directory"
        raise UsageError(msg)
    return path


def generate_main(settings: Settings, args: argparse.Namespace) -> int:
    import time

    from pipeline.commands.summary import tables_table
    from pipeline.files import scratch_dir
    from pipeline.generate.plan import Plan
    from pipeline.generate.tasks import Job, tasks
    from pipeline.logs import out
    from pipeline.spark.generate import generate_on_spark
    from pipeline.spark.session import require_spark, spark_session

    output = _directory("--output", args.output)
    require_spark()
    plan = Plan.of(settings.seed, settings.scale)
    job = Job(settings.seed, settings.scale, settings.start_date, settings.anomaly_rate, output)
    with scratch_dir(settings.data_dir, SCRATCH_PREFIX) as scratch, spark_session(args.master, scratch) as spark:
        started = time.perf_counter()
        summary = generate_on_spark(spark, job, plan)
        seconds = time.perf_counter() - started
    out.print(tables_table(summary))
    out.print(
        f"{len(tasks(plan))} Spark tasks (one per chunk) in {seconds:.1f} s; "
        f"{summary.anomalies:,} orders labelled as anomalies",
        highlight=False,
    )
    out.print(f"lake: {output} (check across tables with `validate --source {output}`)", highlight=False)
    return 0


def analyze_main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline import output_sets
    from pipeline.analysis.analyze import bound_queries, parse_params
    from pipeline.files import scratch_dir
    from pipeline.lake import lake_tables
    from pipeline.spark.analyze import analyze_on_spark
    from pipeline.spark.session import require_spark, spark_session

    planned = bound_queries(args.queries, parse_params(args.param))
    source = _directory("--source", args.source or settings.lake_dir)
    lake_tables(source)  # a missing lake is said before Spark starts
    output = _directory("--output", args.output or settings.data_dir / "analysis-spark")
    require_spark()
    with (
        output_sets.reading(settings.data_dir, source) as held,  # the lake's set kept while Spark reads it
        scratch_dir(settings.data_dir, SCRATCH_PREFIX) as scratch,
        spark_session(args.master, scratch) as spark,
    ):
        results = analyze_on_spark(spark, held.path, planned, output)
    print_spark_results(results, output)
    return 0


def print_spark_results(results: list[SparkResult], directory: Path) -> None:
    from rich.table import Table

    from pipeline.logs import out

    table = Table(title="analysis on Spark SQL", title_justify="left")
    for column in ("query", "rows", "ms", "Spark SQL"):
        table.add_column(column, justify="right" if column in {"rows", "ms"} else "left")
    for r in results:
        spark_query = r.spark_query
        how = spark_query.origin if not spark_query.why else f"own file: {spark_query.why}"
        table.add_row(spark_query.query.name, f"{r.rows:,}", f"{r.seconds * 1000:,.0f}", how)
    out.print(table, highlight=False)
    total = sum(r.seconds for r in results)
    out.print(f"{len(results)} queries in {total:.2f} s; results in {directory}", highlight=False)
