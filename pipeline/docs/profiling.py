"""ydata-profiling HTML reports of the lake: one per table plus an ``index.html`` that links them.

The lake is read with Polars and converted to pandas only at the boundary (ydata-profiling takes pandas).
Large tables are profiled on a seeded sample and, above a threshold, in ``minimal`` mode, so the stage stays
fast at any scale. The reports are made by worker processes (a :class:`Profiler`) that import ydata-profiling
(seconds) as soon as they start: ``run`` decides when (``pipeline.stages``, decision 0045). A table
whose content hash and options are those of its current report is not profiled again. Reports are written to
a staging directory that becomes the reports directory only when every table succeeded. ``run`` and ``profile``
make them in a new output set, with the lake they describe (:class:`SetReports`). The warehouse is never
opened.
"""

from __future__ import annotations

import contextlib
import html
import json
import multiprocessing
import os
import queue
import shutil
import signal
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from pipeline import cancel, files, lake
from pipeline.errors import UsageError
from pipeline.output_sets import SetPaths
from pipeline.schema import TABLES
from pipeline.settings import Settings

# The sample's random stream: (seed, PROFILE_STREAM, table position), apart from every generator stream.
PROFILE_STREAM = 1_000


class ProfilingError(RuntimeError):
    """Profiling could not finish; the previous reports (and the warehouse) are untouched."""


@dataclass(frozen=True)
class TableProfile:
    table: str
    rows: int  # rows in the lake
    profiled: int  # rows in the report (a sample when fewer than ``rows``)
    minimal: bool
    seconds: float
    reused: bool = False  # the report of the same content and options, kept from before

    def as_record(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "reused"}

    @property
    def sampled(self) -> bool:
        return self.profiled < self.rows

    @property
    def file_name(self) -> str:
        return f"{self.table}.html"

    def line(self) -> str:
        what = f"a seeded sample of {self.profiled:,}" if self.sampled else "all"
        mode = "minimal" if self.minimal else "full"
        if self.reused:
            return f"{self.table}: {self.rows:,} rows, unchanged since its report ({mode}, {what} rows)"
        return f"{self.table}: {self.rows:,} rows, {what} profiled ({mode}) in {self.seconds:.1f}s"


def sample_rows(frame: pl.LazyFrame, rows: int, size: int, seed: int, position: int) -> pl.DataFrame:
    """All rows when ``rows <= size``, else ``size`` rows chosen by the addressed random stream, in lake order."""
    if rows <= size:
        return frame.collect()
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PROFILE_STREAM, position)))
    chosen = pl.Series("row", np.sort(rng.choice(rows, size=size, replace=False)), dtype=pl.Int64)
    return (
        frame.with_row_index("__row")
        .filter(pl.col("__row").cast(pl.Int64).is_in(chosen.implode()))
        .drop("__row")
        .collect()
    )


def _title(profile: TableProfile, seed: int) -> str:
    if profile.sampled:
        return (
            f"{profile.table}: {profile.rows:,} rows (profiled on a seeded sample of {profile.profiled:,} rows, "
            f"seed {seed})"
        )
    return f"{profile.table}: {profile.rows:,} rows"


def _report(frame: pl.DataFrame, profile: TableProfile, seed: int, path: Path) -> None:
    _quiet_import()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ydata-profiling's deprecation notice and pandas/numpy chatter
        from ydata_profiling import ProfileReport

        description = (
            f"Table {profile.table} of the Parquet lake: {profile.rows:,} rows. "
            + (
                f"This report is a sample: {profile.profiled:,} of the {profile.rows:,} rows, "
                f"drawn without replacement with seed {seed}."
                if profile.sampled
                else "Every row is profiled."
            )
            + (" Minimal mode: no correlations." if profile.minimal else "")
        )
        report = ProfileReport(
            frame.to_pandas(),
            title=_title(profile, seed),
            minimal=profile.minimal,
            progress_bar=False,
            dataset={"description": description},
            # The scatter plot of every pair of numeric columns (mostly surrogate keys) costs 3/4 of the
            # time of a full report and says little here; correlations stay.
            interactions={"continuous": False},
        )
        report.to_file(path, silent=True)


def _index_html(profiles: list[TableProfile], seed: int) -> str:
    rows = "\n".join(
        "    <tr>"
        f'<td><a href="{html.escape(p.file_name)}">{html.escape(p.table)}</a></td>'
        f'<td class="n">{p.rows:,}</td>'
        f'<td class="n">{p.profiled:,}</td>'
        f"<td>{'seeded sample (seed ' + str(seed) + ')' if p.sampled else 'all rows'}</td>"
        f"<td>{'minimal' if p.minimal else 'full'}</td>"
        "</tr>"
        for p in profiles
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Profiling reports</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 0.3rem 0.8rem; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
</style>
</head>
<body>
<h1>Profiling reports</h1>
<p>One ydata-profiling report per table of the Parquet lake. See also the data dictionary
(docs/data_dictionary.md).</p>
<table>
  <thead><tr><th>table</th><th>rows</th><th>rows profiled</th><th>rows used</th><th>mode</th></tr></thead>
  <tbody>
{rows}
  </tbody>
</table>
</body>
</html>
"""


STOP_SECONDS = 0.5  # idle workers exit at once; one still importing ydata-profiling is terminated after this
PROFILES_RECORD_NAME = "_profiled.json"  # per table: the content hash and options its report was made from


@dataclass(frozen=True)
class TableToProfile:
    """One table to profile (small and picklable: it goes to a worker process)."""

    lake_dir: Path
    table: str
    position: int
    seed: int
    sample_size: int
    minimal_above: int
    out_dir: Path
    rows: int  # counted when the table was checked, before any worker started


def _work(jobs: Queue[TableToProfile | None], done: Queue[tuple[str, TableProfile | BaseException]]) -> None:
    """A worker process: import ydata-profiling at once (the slow part), then profile the tables it is sent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _quiet_import()
    while (job := jobs.get()) is not None:
        try:
            done.put((job.table, _profile_table(job)))
        except Exception as error:  # handed to the parent, which raises it there
            done.put((job.table, error))


class Profiler:
    """Worker processes that make the reports, started by :meth:`start` (or by the first report): each imports
    ydata-profiling as it starts, which takes seconds."""

    def __init__(self, workers: int, sample_size: int, minimal_above: int) -> None:
        if sample_size < 1 or minimal_above < 0:
            msg = f"--sample-rows must be >= 1 and --minimal-above >= 0 (got {sample_size}, {minimal_above})"
            raise ValueError(msg)
        self.sample_size, self.minimal_above = sample_size, minimal_above
        context = multiprocessing.get_context("spawn")
        self._jobs: Queue[TableToProfile | None] = context.Queue()
        self._done: Queue[tuple[str, TableProfile | BaseException]] = context.Queue()
        self._processes = [
            context.Process(target=_work, args=(self._jobs, self._done), daemon=True) for _ in range(workers)
        ]

    def start(self, tables: int | None = None) -> None:
        """Start the workers, or only as many as ``tables`` reports keep busy (counting those already started):
        each one costs seconds of importing."""
        for process in self._processes[:tables]:
            if process.pid is None:
                process.start()

    def stop(self, *, wait: float = 0.0) -> None:
        """End the workers: ask them to finish (waiting up to ``wait`` s), then terminate what is left."""
        started = [process for process in self._processes if process.pid is not None]
        for _ in started:
            self._jobs.put(None)
        for process in started:
            process.join(wait)
            if process.is_alive():
                process.terminate()
                process.join()
        for channel in (self._jobs, self._done):
            channel.close()
            channel.join_thread()

    def profile(self, lake_dir: Path, seed: int, reports_dir: Path, previous_dir: Path | None) -> list[TableProfile]:
        """Profile the tables of ``lake_dir`` into ``reports_dir`` (new, or replaced as a whole only when every
        table succeeded); a table whose content and options are those of its report in ``previous_dir`` keeps
        that report (a hard link).

        Raises :class:`ProfilingError` (with the table and what to do) when a table is missing or empty.
        """
        hashes = lake.read_record(lake_dir).get("content_hashes", {})
        options = {"seed": seed, "sample_rows": self.sample_size, "minimal_above": self.minimal_above}
        previous = _read_record(previous_dir) if previous_dir is not None else {}
        profiles: dict[str, TableProfile] = {}
        with files.scratch_dir(reports_dir.parent, f".{reports_dir.name}.staging-") as staged:
            todo = []
            for position, table in enumerate(TABLES):
                made = previous.get(table, {})
                report = previous_dir / f"{table}.html" if previous_dir is not None else None
                if hashes.get(table) and made.get("content_hash") == hashes[table] and made.get("options") == options \
                        and report is not None and report.exists():  # fmt: skip
                    os.link(report, staged / report.name)
                    profiles[table] = TableProfile(**made["profile"], reused=True)
                    continue
                todo.append(TableToProfile(lake_dir, table, position, seed, self.sample_size, self.minimal_above,
                                           staged, _rows(lake_dir, table)))  # fmt: skip
            # A table missing or empty has failed the whole profile by now: before any worker started (each imports
            # for seconds) or profiled another table for nothing.
            self.start(len(todo))
            for job in todo:
                self._jobs.put(job)
            for _ in todo:
                table, outcome = self._next_done()
                if isinstance(outcome, BaseException):
                    raise outcome
                profiles[table] = outcome
            ordered = [profiles[t] for t in TABLES]
            (staged / "index.html").write_text(_index_html(ordered, seed), encoding="utf-8")
            record = {
                p.table: {"content_hash": hashes.get(p.table), "options": options, "profile": p.as_record()}
                for p in ordered
            }
            (staged / PROFILES_RECORD_NAME).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            shutil.rmtree(reports_dir, ignore_errors=True)
            files.promote(staged, reports_dir)
        return ordered

    def _next_done(self) -> tuple[str, TableProfile | BaseException]:
        """The next report a worker finished, waiting interruptibly (a cancelled run stops the workers)."""
        while True:
            cancel.check()
            with contextlib.suppress(queue.Empty):
                return self._done.get(timeout=0.1)


@contextmanager
def profiler(workers: int, sample_size: int, minimal_above: int) -> Iterator[Profiler]:
    """A :class:`Profiler` for the block, stopped at once on cancellation and removed afterwards."""
    started = Profiler(workers, sample_size, minimal_above)
    try:
        with cancel.interruptible(started.stop):
            yield started
    except BaseException:
        started.stop()
        raise
    else:
        started.stop(wait=STOP_SECONDS)


def profiler_for(
    settings: Settings, sample_rows: int, minimal_above: int, *, workers: int | None = None
) -> contextlib.AbstractContextManager[Profiler]:
    """Workers for the reports: ``workers``, else one per core up to one per table; started when first needed
    (or by :meth:`Profiler.start`)."""
    if sample_rows < 1:
        msg = f"--sample-rows must be at least 1 (got {sample_rows})"
        raise UsageError(msg)
    return profiler(workers or min(settings.workers, len(TABLES)), sample_rows, minimal_above)


def _read_record(reports_dir: Path) -> dict[str, dict[str, Any]]:
    path = reports_dir / PROFILES_RECORD_NAME
    return dict(json.loads(path.read_text())) if path.exists() else {}


def _quiet_import() -> None:
    # ydata-profiling sends usage analytics over HTTP (and runs nvidia-smi) per report unless this is set:
    # this pipeline makes no network calls.
    os.environ["YDATA_PROFILING_NO_ANALYTICS"] = "1"
    os.environ.setdefault("TQDM_DISABLE", "1")  # its progress bars ignore progress_bar=False in places
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ydata-profiling's deprecation notice and pandas/numpy chatter
        import ydata_profiling  # noqa: F401


def _rows(lake_dir: Path, table: str) -> int:
    """The table's rows in the lake; a :class:`ProfilingError` when it has none."""
    parts = lake.lake_files(lake_dir, table)
    if not parts:
        msg = (
            f"cannot profile table {table!r}: no Parquet parts in {lake_dir / table}; "
            "run `just run` (or `just generate`) first"
        )
        raise ProfilingError(msg)
    rows: int = pl.scan_parquet(parts).select(pl.len()).collect().item()
    if rows == 0:
        msg = (
            f"cannot profile table {table!r}: it has 0 rows in {lake_dir / table}; "
            "regenerate the lake (`just run`); the previous reports were kept"
        )
        raise ProfilingError(msg)
    return rows


def _profile_table(job: TableToProfile) -> TableProfile:
    start = time.perf_counter()
    frame = pl.scan_parquet(lake.lake_files(job.lake_dir, job.table))
    sample = sample_rows(frame, job.rows, job.sample_size, job.seed, job.position)
    profile = TableProfile(job.table, job.rows, sample.height, job.rows > job.minimal_above, 0.0)
    _report(sample, profile, job.seed, job.out_dir / profile.file_name)
    return TableProfile(job.table, job.rows, sample.height, profile.minimal, time.perf_counter() - start)


class SetReports:
    """What ``run`` and ``profile`` hand the flow: the reports of a set's lake made into the set (the current
    set's reused where a table did not change); returns one line per report and the manifest's section."""

    def __init__(self, profiler: Profiler, settings: Settings) -> None:
        self.profiler = profiler
        self.settings = settings

    def start(self) -> None:
        """Start the workers now (they import ydata-profiling) rather than with the first report."""
        self.profiler.start()

    def __call__(self, paths: SetPaths, previous: SetPaths | None) -> tuple[list[str], dict[str, Any]]:
        previous_dir = previous.profiling_dir if previous is not None else None
        profiles = self.profiler.profile(paths.lake_dir, self.settings.seed, paths.profiling_dir, previous_dir)
        index = self.settings.profiling_dir / "index.html"
        fields = {"reports": str(index), "complete": True, "profiled_rows": {p.table: p.profiled for p in profiles}}
        return [p.line() for p in profiles] + [f"reports: {index}"], fields
