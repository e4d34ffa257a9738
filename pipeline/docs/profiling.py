"""ydata-profiling HTML reports of the lake: one per table plus an ``index.html`` that links them.

The lake is read with Polars and converted to pandas only at the boundary (ydata-profiling takes pandas).
Large tables are profiled on a seeded sample and, above a threshold, in ``minimal`` mode, so the stage stays
fast at any scale. ydata-profiling is imported inside :func:`profile_lake` only, so other commands start fast.
Reports are written to a staging directory that replaces the reports directory only when every table
succeeded: a failure leaves the previous reports as they were. The warehouse is never opened.
"""

from __future__ import annotations

import html
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from pipeline import files, manifest
from pipeline.commands.options import DEFAULT_MINIMAL_ABOVE, DEFAULT_SAMPLE_ROWS
from pipeline.lake import lake_files, staged_replace
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

    @property
    def sampled(self) -> bool:
        return self.profiled < self.rows

    @property
    def file_name(self) -> str:
        return f"{self.table}.html"

    def line(self) -> str:
        what = f"a seeded sample of {self.profiled:,}" if self.sampled else "all"
        mode = "minimal" if self.minimal else "full"
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
    # ydata-profiling sends usage analytics over HTTP (and runs nvidia-smi) per report unless this is set:
    # this pipeline makes no network calls.
    os.environ["YDATA_PROFILING_NO_ANALYTICS"] = "1"
    os.environ.setdefault("TQDM_DISABLE", "1")  # its progress bars ignore progress_bar=False in places
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


def profile_lake(
    settings: Settings,
    *,
    sample_size: int = DEFAULT_SAMPLE_ROWS,
    minimal_above: int = DEFAULT_MINIMAL_ABOVE,
    reports_dir: Path,
    tables: tuple[str, ...] = TABLES,
) -> list[str]:
    """Profile every table of ``settings.lake_dir`` into ``reports_dir``; returns one summary line per report.

    Raises :class:`ProfilingError` (with the table and what to do) when a table is missing or empty; any
    failure leaves ``reports_dir`` with its previous content.
    """
    if sample_size < 1 or minimal_above < 0:
        msg = f"--sample-rows must be >= 1 and --minimal-above >= 0 (got {sample_size}, {minimal_above})"
        raise ValueError(msg)
    profiles: list[TableProfile] = []
    with (
        files.scratch_dir(reports_dir.parent, f".{reports_dir.name}.staging-") as scratch,
        staged_replace([reports_dir], scratch) as (staged,),
    ):
        staged.mkdir(parents=True)
        for position, table in enumerate(tables):
            profiles.append(_profile_table(settings, table, position, sample_size, minimal_above, staged))
        (staged / "index.html").write_text(_index_html(profiles, settings.seed), encoding="utf-8")
    manifest.publish(
        settings.manifest_path,
        "profiling",
        {"reports": str(reports_dir / "index.html"), "profiled_rows": {p.table: p.profiled for p in profiles}},
    )
    return [p.line() for p in profiles] + [f"reports: {reports_dir / 'index.html'}"]


def _profile_table(
    settings: Settings, table: str, position: int, sample_size: int, minimal_above: int, out_dir: Path
) -> TableProfile:
    files = lake_files(settings.lake_dir, table)
    if not files:
        msg = (
            f"cannot profile table {table!r}: no Parquet parts in {settings.lake_dir / table}; "
            "run `just run` (or `just generate`) first"
        )
        raise ProfilingError(msg)
    start = time.perf_counter()
    frame = pl.scan_parquet(files)
    rows: int = frame.select(pl.len()).collect().item()
    if rows == 0:
        msg = (
            f"cannot profile table {table!r}: it has 0 rows in {settings.lake_dir / table}; "
            "regenerate the lake (`just run`); the previous reports were kept"
        )
        raise ProfilingError(msg)
    sample = sample_rows(frame, rows, sample_size, settings.seed, position)
    profile = TableProfile(table, rows, sample.height, rows > minimal_above, 0.0)
    _report(sample, profile, settings.seed, out_dir / profile.file_name)
    return TableProfile(table, rows, sample.height, profile.minimal, time.perf_counter() - start)
