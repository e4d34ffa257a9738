"""``analyze``: run the queries over the lake (or the warehouse), write each result, score the anomaly query."""

from __future__ import annotations

import argparse
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from rich.table import Table

from pipeline.analysis import scoring
from pipeline.analysis.queries import Query, Value, all_queries, get_query
from pipeline.analysis.sources import SOURCES, Source, connect
from pipeline.errors import UsageError
from pipeline.logs import out
from pipeline.settings import Settings

log = logging.getLogger(__name__)

ANOMALY_QUERY = "anomalies"


@dataclass(frozen=True)
class Result:
    """What the summary needs of a query's result; the rows themselves go to disk as soon as they exist."""

    query: Query
    rows: int
    headline: dict[str, Any] | None  # the first row
    seconds: float
    frame: pl.DataFrame | None  # kept for the anomaly query only, which is scored afterwards


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "analyze",
        parents=[common],
        help="run the queries/*.sql analyses and write data/analysis/<query>.parquet",
        description="Run the analyses in queries/ and write each result to data/analysis/<query>.parquet.",
    )
    parser.add_argument(
        "--query",
        action="append",
        dest="queries",
        metavar="NAME",
        help=f"an analysis to run (repeatable; default all: {', '.join(all_queries())})",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter for every selected query that declares it (repeatable), e.g. start_date=2024-01-01",
    )
    parser.add_argument(
        "--source", choices=SOURCES, default="lake", help="where the tables are read from (default lake)"
    )
    parser.add_argument("--out", type=Path, help="directory for the results (default <data-dir>/analysis)")
    parser.set_defaults(func=main)


def parse_params(pairs: list[str]) -> dict[str, str]:
    given: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            msg = f"--param {pair!r}: expected KEY=VALUE, e.g. --param limit=20"
            raise UsageError(msg)
        given[key.strip()] = value
    return given


def plan(names: list[str] | None, given: dict[str, str]) -> list[tuple[Query, dict[str, Value]]]:
    """Every selected query with its bound values; all input is checked here, before anything runs."""
    queries = [get_query(name) for name in dict.fromkeys(names)] if names else list(all_queries().values())
    declared = {p.name for q in queries for p in q.params}
    unknown = sorted(set(given) - declared)
    if unknown:
        msg = (
            f"--param {', '.join(unknown)}: no selected query takes it; "
            f"their parameters are {', '.join(sorted(declared)) or 'none'}"
        )
        raise UsageError(msg)
    planned = []
    for query in queries:
        mine = {k: v for k, v in given.items() if k in {p.name for p in query.params}}
        planned.append((query, query.bind(mine)))
    return planned


def run(
    settings: Settings, source: Source, planned: list[tuple[Query, dict[str, Value]]], directory: Path
) -> list[Result]:
    """Run each query and write its result right away, so that only one result is in memory at a time."""
    con = connect(settings, source)
    try:
        results = []
        for query, values in planned:
            started = time.perf_counter()
            frame = query.run(con, values)
            seconds = time.perf_counter() - started
            write(frame, directory / f"{query.name}.parquet")
            headline = frame.row(0, named=True) if frame.height else None
            kept = frame if query.name == ANOMALY_QUERY else None
            results.append(Result(query, frame.height, headline, seconds, kept))
        return results
    finally:
        con.close()


def write(frame: pl.DataFrame, target: Path) -> None:
    """The result replaces its file in one rename, so a reader never sees a half-written Parquet."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        frame.write_parquet(partial, compression="zstd")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _headline(row: dict[str, Any] | None, width: int) -> str:
    if row is None:
        return "(no rows)"
    text = ", ".join(f"{k}={v}" for k, v in row.items())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_summary(results: list[Result], source: Source, directory: Path) -> None:
    # Fixed widths, the first row cut to what is left: rich would otherwise squeeze the numbers on a narrow terminal.
    name_width = max(len(r.query.name) for r in results)
    headline_width = max(20, out.width - name_width - 9 - 7 - 13)
    table = Table(title=f"analysis over the {source}", title_justify="left")
    table.add_column("query", width=name_width)
    table.add_column("rows", justify="right", width=9)
    table.add_column("ms", justify="right", width=7)
    table.add_column("first row", width=headline_width)
    for r in results:
        headline = _headline(r.headline, headline_width)
        table.add_row(r.query.name, f"{r.rows:,}", f"{r.seconds * 1000:,.0f}", headline)
    out.print(table, highlight=False)
    total = sum(r.seconds for r in results)
    out.print(f"{len(results)} queries in {total:.2f} s; results in {directory}", highlight=False)


def print_scores(results: list[Result], labels_path: Path) -> None:
    anomalies = next((r for r in results if r.query.name == ANOMALY_QUERY), None)
    if anomalies is None or anomalies.frame is None:
        return
    if not labels_path.exists():
        out.print(f"anomalies: no labels at {labels_path}, so precision and recall are not measured")
        return
    out.print(f"anomaly detection vs {labels_path}:")
    for score in scoring.score(anomalies.frame, scoring.read_labels(labels_path)):
        out.print(f"  {score.line()}", soft_wrap=True, highlight=False)
        log.info("anomaly score %s", score.line())


def analyze(
    settings: Settings,
    names: list[str] | None = None,
    params: dict[str, str] | None = None,
    source: Source = "lake",
    directory: Path | None = None,
) -> list[Result]:
    """The ``analyze`` stage (``run`` calls it with the defaults): check, run, write, summarize, score."""
    planned = plan(names, params or {})
    directory = directory if directory is not None else settings.data_dir / "analysis"
    results = run(settings, source, planned, directory)
    print_summary(results, source, directory)
    print_scores(results, settings.labels_path)
    return results


def main(settings: Settings, args: argparse.Namespace) -> int:
    analyze(settings, args.queries, parse_params(args.param), args.source, args.out)
    return 0
