"""Running the analyses: check every parameter first, compute each result once, publish, summarize, score.

Results stream from DuckDB into Parquet files (``pipeline.analysis.compute``), then each replaces
``<directory>/<query>.parquet`` in one rename; nothing holds a whole result in memory.
"""

from __future__ import annotations

import logging
import os
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
from rich.table import Table

from pipeline import files
from pipeline.analysis import scoring
from pipeline.analysis.compute import Computed
from pipeline.analysis.queries import Query, Value, all_queries, get_query
from pipeline.analysis.sources import Backend
from pipeline.errors import UsageError
from pipeline.logs import out

log = logging.getLogger(__name__)

ANOMALY_QUERY = "anomalies"


def parse_params(pairs: list[str]) -> dict[str, str]:
    given: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            msg = f"--param {pair!r}: expected KEY=VALUE, e.g. --param limit=20"
            raise UsageError(msg)
        given[key.strip()] = value
    return given


def bound_queries(names: list[str] | None, given: dict[str, str]) -> list[tuple[Query, dict[str, Value]]]:
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


def publish_results(computed: list[Computed], directory: Path) -> list[Computed]:
    """Put each result at ``directory/<query>.parquet`` (hard links to the computed files, each renamed over the
    one there, if any); returns the results at their new paths."""
    directory.mkdir(parents=True, exist_ok=True)
    for result in computed:
        files.write_atomically(directory / f"{result.query.name}.parquet", partial(_link, result.path))
    return [result.moved(directory) for result in computed]


def _link(source: Path, target: Path) -> None:
    target.unlink()
    os.link(source, target)


def _headline(row: dict[str, Any] | None, width: int) -> str:
    if row is None:
        return "(no rows)"
    text = ", ".join(f"{k}={v}" for k, v in row.items())
    return text if len(text) <= width else text[: width - 1] + "…"


def _first_row(result: Computed) -> dict[str, Any] | None:
    frame = pl.read_parquet(result.path, n_rows=1)
    return frame.row(0, named=True) if frame.height else None


def print_results(results: list[Computed], backend: Backend, directory: Path) -> None:
    # Fixed widths, the first row cut to what is left: rich would otherwise squeeze the numbers on a narrow terminal.
    name_width = max(len(r.query.name) for r in results)
    headline_width = max(20, out.width - name_width - 9 - 7 - 13)
    table = Table(title=f"analysis over the {backend}", title_justify="left")
    table.add_column("query", width=name_width)
    table.add_column("rows", justify="right", width=9)
    table.add_column("ms", justify="right", width=7)
    table.add_column("first row", width=headline_width)
    for r in results:
        headline = _headline(_first_row(r), headline_width)
        table.add_row(r.query.name, f"{r.rows:,}", f"{r.seconds * 1000:,.0f}", headline)
    out.print(table, highlight=False)
    total = sum(r.seconds for r in results)
    out.print(f"{len(results)} queries in {total:.2f} s; results in {directory}", highlight=False)


def print_scores(results: list[Computed], labels_path: Path) -> None:
    anomalies = next((r for r in results if r.query.name == ANOMALY_QUERY), None)
    if anomalies is None:
        return
    if not labels_path.exists():
        out.print(f"anomalies: no labels at {labels_path}, so precision and recall are not measured")
        return
    out.print(f"anomaly detection vs {labels_path}:")
    flagged = pl.read_parquet(anomalies.path, columns=["order_id", "kind"])
    for score in scoring.score(flagged, scoring.read_labels(labels_path)):
        out.print(f"  {score.line()}", soft_wrap=True, highlight=False)
        log.info("anomaly score %s", score.line())
