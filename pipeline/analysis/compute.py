"""Each analysis computed once: every distinct (query, parameters) run by DuckDB straight into a Parquet file.

The analysis results (each query at the parameters asked, in ``run`` its defaults) and the marts come from
the same runs. A mart that binds a query's defaults shares the result's file. A mart that only lifts the
query's ``$limit`` (binds it to null: every row) serves the default result as its first ``$limit`` rows: the
queries apply ``limit $limit`` to their ordered final result, which a test checks for every such pair. A
summary mart (rows counted per group) summarizes its query's result file rather than running the query again.
A result that follows exactly from a mart of the same run (``pipeline.analysis.derived``) is derived from it.
Results stream from DuckDB to disk (``COPY``), so a result never has to fit in memory.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipeline import cancel, duck
from pipeline.analysis.derived import FROM_TABLES, Derivation, derivations
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

    def moved(self, directory: Path) -> Computed:
        """The same result at ``directory/<query>.parquet``, where it was published."""
        return dataclasses.replace(self, path=directory / f"{self.query.name}.parquet")


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


def _derive(
    con: duckdb.DuckDBPyConnection, derivation: Derivation, values: dict[str, Value], source: Path | None, path: Path
) -> Computed:
    started = time.perf_counter()
    rows = _copy(con, derivation.statement(source), derivation.bind(values), path)
    return Computed(derivation.query, values, path, rows, time.perf_counter() - started)


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
    computation = _Computation(con, marts)
    made: dict[str, MartResult] = {}
    # The marts that a derivation reads come first, then those derived from them.
    for mart in sorted(marts, key=lambda m: _derived_from_another(m, marts)):
        query = get_query(mart.query)
        values = query.bind(mart.params)
        name = mart.table if mart.summary is None else query.name
        whole = computation.result(query, values, directory / "marts" / f"{name}.parquet")
        if mart.summary is None:
            computation.mart_files[mart.table] = whole.path
            made[mart.table] = MartResult(mart, whole.path)
        else:  # its own rows, summarized from its query's
            path = directory / "marts" / f"{mart.table}.parquet"
            _copy(con, mart.summary.sql(f"select * from read_parquet({duck.sql_string(whole.path)})"), {}, path)
            made[mart.table] = MartResult(mart, path)
    results = [
        computation.result(query, values, directory / "results" / f"{query.name}.parquet") for query, values in planned
    ]
    return results, [made[m.table] for m in marts]


def _derived_from_another(mart: Mart, marts: Sequence[Mart]) -> bool:
    derivation = derivations().get(mart.query)
    return (
        derivation is not None
        and derivation.source != mart.table
        and any(m.table == derivation.source for m in marts)
        and derivation.applies(derivation.query.bind(mart.params))
    )


@dataclass
class _Computation:
    """What one :func:`compute` has made so far: each distinct run's result, and the marts' files by table."""

    con: duckdb.DuckDBPyConnection
    marts: Sequence[Mart]
    done: dict[RunKey, Computed] = field(default_factory=dict)
    mart_files: dict[str, Path] = field(default_factory=dict)

    def result(self, query: Query, values: dict[str, Value], path: Path) -> Computed:
        """The result made before at the same parameters, else derived from a mart of this run, else the head
        of a mart that is the same query without its limit, else run into ``path``."""
        key = _key(query, values)
        if key not in self.done:
            self.done[key] = self._make(query, values, path)
        return self.done[key]

    def _make(self, query: Query, values: dict[str, Value], path: Path) -> Computed:
        derivation = derivations().get(query.name)
        if derivation is not None and derivation.applies(values):
            # Only beside the marts (``run`` and ``load``), whose lane proves the rules such a restatement relies on
            # first; ``analyze`` runs the query as it is.
            if derivation.source == FROM_TABLES and self.marts:
                return _derive(self.con, derivation, values, None, path)
            if derivation.source in self.mart_files:
                return _derive(self.con, derivation, values, self.mart_files[derivation.source], path)
        for mart in self.marts:
            if _lifts_only_the_limit(mart, query, values):
                return _head(self.done[_key(query, query.bind(mart.params))], query, values, path)
        return _run(self.con, query, values, path)
