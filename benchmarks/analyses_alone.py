"""Every mart and analysis of a ``run``, each alone on a fresh DuckDB, with its time and DuckDB's peak memory.

Where the analysis phase spends its time and which result runs out of memory at a scale (the phase names the
first to fail only). Each result is copied to Parquet over the lake's views as ``run`` does, within the shared
connection's memory limit; DuckDB's own memory tags (``duckdb_memory()``) are sampled every 50 ms meanwhile.

    python -m benchmarks.analyses_alone LAKE_DIR [--memory-limit 512MB] [--threads N] [--only NAME ...]

The default memory limit and threads are what a ``run`` gives its analyses (half of ``ECOM_MEMORY_LIMIT``; one
thread on two cores, the other filling the warehouse).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipeline import duck, lake
from pipeline.analysis.analyze import bound_queries
from pipeline.analysis.marts import MARTS
from pipeline.analysis.queries import Value
from pipeline.budget import Budget, analysis_threads
from pipeline.settings import Settings

MIB = 2**20
TOTAL = "TOTAL"


@contextmanager
def peak_memory(con: duckdb.DuckDBPyConnection, every: float = 0.05) -> Iterator[dict[str, tuple[int, int]]]:
    """Per memory tag (and in all, as ``TOTAL``), the most DuckDB held in memory and on disk while the block ran,
    sampled on another cursor."""
    peaks: dict[str, tuple[int, int]] = {}
    done = threading.Event()
    monitor = con.cursor()

    def sample() -> None:
        while not done.wait(every):
            query = "select tag, memory_usage_bytes, temporary_storage_bytes from duckdb_memory()"
            try:
                rows = monitor.execute(query).fetchall()
            except duckdb.OutOfMemoryException:  # even a sample's few KiB can find no room: skip it
                continue
            for tag, held, spilled in [*rows, (TOTAL, sum(r[1] for r in rows), sum(r[2] for r in rows))]:
                before = peaks.get(tag, (0, 0))
                peaks[tag] = (max(before[0], held), max(before[1], spilled))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peaks
    finally:
        done.set()
        sampler.join()
        monitor.close()


def jobs(names: set[str]) -> list[tuple[str, str, dict[str, Value]]]:
    every = [(m.table, m.sql(), m.bind()) for m in MARTS] + [(q.name, q.sql, v) for q, v in bound_queries(None, {})]
    return [job for job in every if not names or job[0] in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lake_dir", type=Path)
    parser.add_argument("--memory-limit", default=Budget.of(Settings.load({})).analyses)
    parser.add_argument(
        "--threads",
        type=int,
        default=analysis_threads(Settings.load({}).workers),
        help="DuckDB's threads (default: a run's)",
    )
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="a mart table or query name")
    args = parser.parse_args()
    tables = lake.lake_tables(args.lake_dir)
    print("| result | seconds | outcome | peak held MiB | spilled MiB | largest tag |\n|---|---:|---|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix="analyses-alone-") as scratch:
        for name, sql, values in jobs(set(args.only)):
            with duck.connection(Path(scratch), memory_limit=args.memory_limit, threads=args.threads) as con:
                duck.create_views(con, tables)
                started = time.perf_counter()
                with peak_memory(con) as peaks:
                    try:
                        target = duck.sql_string(Path(scratch) / f"{name}.parquet")
                        con.cursor().execute(f"copy ({sql}) to {target} (format parquet)", values)
                        outcome = "ok"
                    except duckdb.OutOfMemoryException as error:
                        outcome = "out of memory: " + str(error).splitlines()[0].removeprefix("Out of Memory Error: ")
                seconds = time.perf_counter() - started
            held, spilled = peaks.get(TOTAL, (0, 0))
            largest = max((tag for tag in peaks if tag != TOTAL), key=lambda tag: peaks[tag][0], default="")
            print(f"| {name} | {seconds:.2f} | {outcome} | {held / MIB:.0f} | {spilled / MIB:.0f} | {largest} |")


if __name__ == "__main__":
    main()
