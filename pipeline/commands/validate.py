"""``validate``: check a lake or a directory of CSV/Parquet files and write a report."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from pipeline.errors import DataInvalid
from pipeline.generate.plan import TABLES
from pipeline.logs import out, progress
from pipeline.settings import Settings
from pipeline.validate import validate_source
from pipeline.validate.report import Report
from pipeline.validate.source import FORMATS, Source


def add_source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", type=Path, help="directory with the five tables (default: the lake)")
    parser.add_argument("--format", default="parquet", help=f"file format of --source: {' or '.join(FORMATS)}")
    parser.add_argument(
        "--end-date", default=argparse.SUPPRESS, help="last day of the allowed date window (default 2025-12-31)"
    )
    parser.add_argument("--workers", default=argparse.SUPPRESS, help="parallel workers (default: the number of cores)")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("validate", parents=[common], help="validate a lake or CSV/Parquet export")
    add_source_options(parser)
    parser.set_defaults(func=main)


def validated(settings: Settings, args: argparse.Namespace, staging_dir: Path) -> tuple[Report, dict[str, list[Path]]]:
    """Validate --source (or the lake); writes the report, raises DataInvalid on any failure."""
    source = Source.open(args.source or settings.lake_dir, args.format)
    with progress("validate", sum(len(source.files(t)) for t in TABLES)) as advance:
        report, files_by_table = validate_source(source, settings.window, staging_dir, advance)
    report.write(settings.report_path)
    if not report.valid:
        raise DataInvalid(report.failures)
    return report, files_by_table


def main(settings: Settings, args: argparse.Namespace) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".validate-", dir=settings.data_dir) as staging:
        report, _ = validated(settings, args, Path(staging))
    out.print(f"valid: {report.checks_passed} checks passed on {report.source}; report: {settings.report_path}")
    return 0
