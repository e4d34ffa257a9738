"""Validation: pandera per file (or per generated chunk), then the cross-table rules in DuckDB."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl

from pipeline import duck, lake
from pipeline.generate.plan import TABLES
from pipeline.validate.frames import check_frame
from pipeline.validate.report import Failure, Report
from pipeline.validate.rules import check_rules
from pipeline.validate.source import Source

Window = tuple[dt.date, dt.date]


def check_cross_table(files_by_table: dict[str, list[Path]], window: Window, report: Report) -> None:
    con = duck.connect()
    try:
        duck.create_views(con, files_by_table)
        passed, failures = check_rules(con, window)
    finally:
        con.close()
    report.checks_passed += passed
    report.failures += failures


def validate_source(
    source: Source, window: Window, staging_dir: Path, advance: Callable[[int], None]
) -> tuple[Report, dict[str, list[Path]]]:
    """Validate every file of every table, then the cross-table rules.

    Returns the report and the Parquet files to load per table: the source's own files where they are
    already well typed, otherwise typed copies written under ``staging_dir`` (always the case for CSV).
    """
    report = Report(source=str(source.root))
    files_by_table: dict[str, list[Path]] = {}
    for table in TABLES:
        files = source.files(table)
        if not files:
            rule = f"missing table: expected {source.expected_layout(table)}"
            report.failures.append(Failure(table, "", rule, 0))
        for index, path in enumerate(files):
            advance(1)
            try:
                raw = source.read(path)
            except (pl.exceptions.PolarsError, OSError) as error:
                reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                rule = f"cannot read {source.format} file ({reason}); expected a readable {source.format} file"
                report.failures.append(Failure(table, "", rule, 0, [], path.name))
                continue
            typed, failures = check_frame(table, raw, path.name, parse_text=source.format == "csv")
            report.failures += failures
            if failures:
                continue
            report.checks_passed += 1
            if typed.schema == raw.schema:
                files_by_table.setdefault(table, []).append(path)
            else:
                staged = lake.part_path(staging_dir, table, index)
                lake.write_parquet(typed, staged)
                files_by_table.setdefault(table, []).append(staged)
    if report.valid:
        check_cross_table(files_by_table, window, report)
    return report, files_by_table
