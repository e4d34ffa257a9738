"""``validate``: check a lake or a directory of CSV/Parquet files and write a report."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pipeline.errors import DataInvalid, UsageError
from pipeline.generate.plan import TABLES
from pipeline.lake import staging_dir
from pipeline.logs import out, progress
from pipeline.settings import Settings
from pipeline.validate import validate_source
from pipeline.validate.report import Report
from pipeline.validate.source import FORMATS, Source


def add_source_options(parser: argparse.ArgumentParser) -> None:
    s = argparse.SUPPRESS
    parser.add_argument("--source", type=Path, help="directory with the five tables (default: the lake)")
    parser.add_argument("--format", default="parquet", help=f"file format of --source: {' or '.join(FORMATS)}")
    parser.add_argument("--end-date", default=s, help="last day of the allowed date window (default 2025-12-31)")
    parser.add_argument("--workers", default=s, help="parallel workers (default: the number of cores)")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("validate", parents=[common], help="validate a lake or CSV/Parquet export")
    add_source_options(parser)
    parser.set_defaults(func=main)


def open_source(settings: Settings, args: argparse.Namespace) -> Source:
    if args.source is None and not settings.lake_dir.is_dir():
        msg = f"there is no lake at {settings.lake_dir}; run `just generate` first, or pass --source DIR"
        raise UsageError(msg)
    return Source.open(args.source or settings.lake_dir, args.format)


def validated(settings: Settings, source: Source, scratch: Path) -> tuple[Report, dict[str, list[Path]]]:
    """Validate ``source``; writes the report, raises DataInvalid on any failure.

    Returns the Parquet files to load per table (typed copies under ``scratch`` where needed).
    """
    with progress("validate", sum(len(source.files(t)) for t in TABLES)) as advance:
        report, files_by_table = validate_source(source, settings.window, scratch, advance)
    report.write(settings.report_path)
    if not report.valid:
        raise DataInvalid(report.failures)
    return report, files_by_table


def main(settings: Settings, args: argparse.Namespace) -> int:
    source = open_source(settings, args)
    with staging_dir(settings.data_dir) as scratch:
        report, _ = validated(settings, source, scratch)
    out.print(f"valid: {report.checks_passed} checks passed on {report.source}; report: {settings.report_path}")
    return 0
