"""Running the analyses: check every parameter first, run each query, write each result, summarize, score.

Each result is written as soon as it exists (``<directory>/<query>.parquet``, replaced atomically) and only
the anomaly query's rows are kept, for scoring against the labels: one result in memory at a time.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from rich.table import Table

from pipeline import cancel, duck, files, manifest
from pipeline.analysis import scoring
from pipeline.analysis.queries import Query, Value, all_queries, get_query
from pipeline.analysis.sources import Backend, use
from pipeline.errors import UsageError, resource_guard
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
    settings: Settings, backend: Backend, planned: list[tuple[Query, dict[str, Value]]], directory: Path
) -> list[Result]:
    """Run each query and write its result right away, so that only one result is in memory at a time."""
    results = []
    with files.scratch_dir(settings.data_dir, ".spill-") as spill, duck.connection(spill) as con:
        use(con, backend, settings.lake_dir, settings.warehouse_path)
        for query, values in planned:
            cancel.check()
            started = time.perf_counter()
            frame = query.run(con, values)
            seconds = time.perf_counter() - started
            files.write_atomically(directory / f"{query.name}.parquet", frame.write_parquet)
            headline = frame.row(0, named=True) if frame.height else None
            kept = frame if query.name == ANOMALY_QUERY else None
            results.append(Result(query, frame.height, headline, seconds, kept))
    return results


def _headline(row: dict[str, Any] | None, width: int) -> str:
    if row is None:
        return "(no rows)"
    text = ", ".join(f"{k}={v}" for k, v in row.items())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_summary(results: list[Result], backend: Backend, directory: Path) -> None:
    # Fixed widths, the first row cut to what is left: rich would otherwise squeeze the numbers on a narrow terminal.
    name_width = max(len(r.query.name) for r in results)
    headline_width = max(20, out.width - name_width - 9 - 7 - 13)
    table = Table(title=f"analysis over the {backend}", title_justify="left")
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
    backend: Backend = "lake",
    directory: Path | None = None,
) -> list[Result]:
    """The ``analyze`` stage (``run`` calls it with the defaults): check, run, write, summarize, score."""
    planned = plan(names, params or {})
    directory = directory if directory is not None else settings.analysis_dir
    with resource_guard(directory, "writing the analysis results"):
        results = run(settings, backend, planned, directory)
    manifest.publish(
        settings.manifest_path,
        "analysis",
        {"directory": str(directory), "backend": backend, "rows": {r.query.name: r.rows for r in results}},
    )
    print_summary(results, backend, directory)
    print_scores(results, settings.labels_path)
    return results
