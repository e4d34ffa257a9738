"""Validation: pandera per file (or per generated chunk), then the cross-table rules in DuckDB."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipeline import cancel, lake
from pipeline.errors import Failure
from pipeline.schema import TABLES
from pipeline.settings import Window
from pipeline.validate.frames import check_frame
from pipeline.validate.report import Report
from pipeline.validate.rules import check_rules
from pipeline.validate.source import SourceDir, UnreadableFile


@dataclass
class Validated:
    """A validated source: the report, the Parquet files to load per table, and each table's content hash."""

    report: Report
    files_by_table: dict[str, list[Path]] = field(default_factory=dict)
    content_hashes: dict[str, str] = field(default_factory=dict)


def check_cross_table(con: duckdb.DuckDBPyConnection, window: Window, report: Report) -> None:
    """The rules across files and tables, over ``con``'s views of the tables; adds to ``report``."""
    passed, failures = check_rules(con, window)
    report.rules_passed += passed
    report.failures += failures


def validate_files(source: SourceDir, staging_dir: Path, advance: Callable[[int], None]) -> Validated:
    """Validate every file of every table on its own (the cross-table rules come after, on all of them).

    The files to load are the source's own where they are already well typed, otherwise typed copies
    written under ``staging_dir`` (always the case for CSV).
    """
    result = Validated(Report(source=str(source.root)))
    report = result.report
    digests: dict[str, list[bytes]] = {}
    for table in TABLES:
        files = source.files(table)
        if not files:
            rule = f"missing table: expected {source.expected_layout(table)}"
            report.failures.append(Failure(table, "", rule, 0))
        if two_copies := source.two_copies(table):
            report.failures.append(Failure(table, "", two_copies, 0))
            advance(len(files))
            continue
        for index, path in enumerate(files):
            cancel.check()
            advance(1)
            try:
                raw = source.read(path)
            except UnreadableFile as error:
                report.failures += [problem.failure(table, path.name) for problem in error.problems]
                continue
            except (pl.exceptions.PolarsError, OSError) as error:
                reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                rule = f"cannot read {source.format} file ({reason}); expected a readable {source.format} file"
                report.failures.append(Failure(table, "", rule, 0, [], path.name))
                continue
            typed, failures = check_frame(table, raw, path.name, parse_text=source.format == "csv")
            report.failures += failures
            if failures:
                continue
            report.frames_validated += 1
            digests.setdefault(table, []).append(lake.content_digest(typed))
            if typed.schema == raw.schema:
                result.files_by_table.setdefault(table, []).append(path)
            else:
                staged = lake.part_path(staging_dir, table, index)
                lake.write_parquet(typed, staged)
                result.files_by_table.setdefault(table, []).append(staged)
    if report.valid:
        result.content_hashes = {table: lake.combine_digests(digests[table]) for table in TABLES}
    return result
