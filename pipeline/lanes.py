"""The build's two lanes over one source, each on a core of its own, each stopping the other if it fails: the
cross-table rules then the analyses (DuckDB, each distinct query once) beside the warehouse's fill (SQLite), which
proves its tables against the source's checksums and loads the marts as the analyses hand them over."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

import duckdb

from pipeline import cancel, duck, manifest
from pipeline.analysis.compute import Computed, compute
from pipeline.analysis.marts import Mart, MartResult
from pipeline.analysis.queries import Query, Value
from pipeline.budget import Budget, analysis_threads
from pipeline.logs import progress
from pipeline.manifest import Timings
from pipeline.settings import Settings
from pipeline.validate import check_cross_table
from pipeline.validate.report import Report
from pipeline.warehouse.build import Checksum, WarehouseBuild, source_checksums

T = TypeVar("T")


class _Handoff(Generic[T]):
    """A value handed from the analyses' lane to the fill's, which waits for it (interruptibly)."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._value: T | None = None

    def put(self, value: T) -> None:
        self._value = value
        self._ready.set()

    def get(self) -> T:
        while not self._ready.wait(0.05):
            cancel.check()
        assert self._value is not None
        return self._value


def _cursor_task(con: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
    """Run ``work`` on a cursor of ``con`` of its own, interruptible like any running query."""
    cursor = con.cursor()
    try:
        with cancel.interruptible(cursor.interrupt):
            return work(cursor)
    finally:
        cursor.close()


def build_beside_analyses(
    settings: Settings,
    files_by_table: dict[str, list[Path]],
    report: Report,
    spill: Path,
    timings: Timings,
    build: WarehouseBuild,
    planned: list[tuple[Query, dict[str, Value]]],
    marts: tuple[Mart, ...],
    after_analyses: Callable[[], None] = lambda: None,
) -> list[Computed]:
    """The rules then the analyses (DuckDB) beside the warehouse's fill (SQLite), over ``files_by_table``; the
    fill loads the marts as soon as the analyses hand them over. The computed results are under ``spill``.

    The rules and the analyses run one after the other on one DuckDB within its share of the budget: side by
    side, their big aggregates would need twice the memory.
    """
    timed: dict[str, float] = {}
    computed: list[list[Computed]] = []
    checksums: _Handoff[dict[str, Checksum]] = _Handoff()
    marts_computed: _Handoff[list[MartResult]] = _Handoff()

    def rules_then_analyses(con: duckdb.DuckDBPyConnection) -> None:
        with manifest.timed(timed, "validate"):
            _cursor_task(con, lambda cursor: check_cross_table(cursor, settings.window, report))
            checksums.put(_cursor_task(con, source_checksums))
        with manifest.timed(timed, "analyze"):
            results, mart_results = _cursor_task(
                con, lambda cursor: compute(cursor, spill / "computed", planned, marts)
            )
        computed.append(results)
        marts_computed.put(mart_results)
        after_analyses()

    rows = sum(build.summary.rows.values())
    batches = sum(len(f) for f in files_by_table.values())
    with (
        timings.stage("build", rows=rows),
        progress("build", batches) as advance,
        duck.connection(spill, Budget.of(settings).analyses, analysis_threads(settings.workers)) as con,
    ):
        duck.create_views(con, files_by_table)
        cancel.run_parallel(
            [lambda: rules_then_analyses(con), lambda: build.fill(advance, checksums.get, marts_computed.get)]
        )
    timings.phases("build", timed | build.summary.phases)
    return computed[0]
