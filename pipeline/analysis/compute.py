"""Each analysis computed once: every distinct (query, parameters) run by DuckDB straight into a Parquet file.

The analysis results (each query at the parameters asked, in ``run`` its defaults) and the marts come from
the same runs. A mart that binds a query's defaults shares the result's file. A mart that only lifts the
query's ``$limit`` (binds it to null: every row) serves the default result as its first ``$limit`` rows: the
queries apply ``limit $limit`` to their ordered final result, which a test checks for every such pair. A
summary mart (rows counted per group) summarizes its query's result file rather than running the query again.
Results stream from DuckDB to disk (``COPY``), so a result never has to fit in memory.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipeline import cancel, duck
from pipeline.analysis.marts import Mart, MartResult
from pipeline.analysis.queries import Query, Value, get_query

RunKey = tuple[str, tuple[tuple[str, Value], ...]]


@dataclass(frozen=True)
class Computed:
    """One query's result, on disk."""

    query: Query
    values: dict[str, Value]
    path: Path
    rows: int
    seconds: float


def _key(query: Query, values: dict[str, Value]) -> RunKey:
    return query.name, tuple(sorted(values.items()))


def _copy(con: duckdb.DuckDBPyConnection, sql: str, values: dict[str, Value], path: Path) -> int:
    cancel.check()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        (rows,) = con.execute(f"copy ({sql}) to {duck.sql_string(path)} (format parquet)", values).fetchone() or (0,)
    except duckdb.OutOfMemoryException as error:
        # Which result ran out is the first thing to know (and to make lighter): its name leads the message.
        msg = f"{path.stem}: {error}"
        raise duckdb.OutOfMemoryException(msg) from error
    return int(rows)


def _run(con: duckdb.DuckDBPyConnection, query: Query, values: dict[str, Value], path: Path) -> Computed:
    started = time.perf_counter()
    rows = _copy(con, query.sql, values, path)
    return Computed(query, values, path, rows, time.perf_counter() - started)


def _head(whole: Computed, query: Query, values: dict[str, Value], path: Path) -> Computed:
    """The first ``$limit`` rows of ``whole`` (the same query without a limit), in its order."""
    started = time.perf_counter()
    limit = values["limit"]
    assert isinstance(limit, int)
    frame = pl.read_parquet(whole.path, n_rows=limit)
    frame.write_parquet(path)
    return Computed(query, values, path, frame.height, time.perf_counter() - started)


def _lifts_only_the_limit(mart: Mart, query: Query, values: dict[str, Value]) -> bool:
    """Whether ``mart`` is ``query`` at ``values`` except for ``$limit``, which the mart binds to null."""
    if mart.query != query.name:
        return False
    bound = query.bind(mart.params)
    return (
        bound.get("limit", 0) is None
        and isinstance(values.get("limit"), int)
        and {k: v for k, v in bound.items() if k != "limit"} == {k: v for k, v in values.items() if k != "limit"}
    )


def compute(
    con: duckdb.DuckDBPyConnection,
    directory: Path,
    planned: Sequence[tuple[Query, dict[str, Value]]],
    marts: Sequence[Mart] = (),
) -> tuple[list[Computed], list[MartResult]]:
    """Run ``planned`` (results, in order) and ``marts`` over the connection's tables, each distinct run once.

    Results go to ``directory/results/<query>.parquet``, marts to ``directory/marts/<mart>.parquet`` unless they
    share a result's file.
    """
    done: dict[RunKey, Computed] = {}
    mart_results = []
    for mart in marts:
        query = get_query(mart.query)
        values = query.bind(mart.params)
        key = _key(query, values)
        if key not in done:
            name = mart.table if mart.summary is None else query.name
            done[key] = _run(con, query, values, directory / "marts" / f"{name}.parquet")
        if mart.summary is None:
            mart_results.append(MartResult(mart, done[key].path))
        else:  # its own rows, summarized from its query's
            path = directory / "marts" / f"{mart.table}.parquet"
            _copy(con, mart.summary.sql(f"select * from read_parquet({duck.sql_string(done[key].path)})"), {}, path)
            mart_results.append(MartResult(mart, path))
    results = []
    for query, values in planned:
        key = _key(query, values)
        if key not in done:
            path = directory / "results" / f"{query.name}.parquet"
            whole = next(
                (done[_key(query, query.bind(m.params))] for m in marts if _lifts_only_the_limit(m, query, values)),
                None,
            )
            done[key] = _run(con, query, values, path) if whole is None else _head(whole, query, values, path)
        results.append(done[key])
    return results, mart_results
