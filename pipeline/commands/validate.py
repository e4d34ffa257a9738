"""``validate``: check a lake or a directory of CSV/Parquet files and write a report."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import add_source_options
from pipeline.errors import UsageError

if TYPE_CHECKING:
    from pipeline.settings import Settings
    from pipeline.validate.source import SourceDir


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("validate", parents=[common], help="validate a lake or CSV/Parquet export")
    add_source_options(parser)
    parser.set_defaults(func=main)


def open_source(settings: Settings, args: argparse.Namespace) -> SourceDir:
    from pipeline.validate.source import SourceDir

    if args.source is None and not settings.lake_dir.is_dir():
        msg = f"there is no lake at {settings.lake_dir}; run `just generate` first, or pass --source DIR"
        raise UsageError(msg)
    return SourceDir.open(args.source or settings.lake_dir, args.format)


def main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline import lake, stages
    from pipeline.logs import out

    source = open_source(settings, args)
    with lake.staging_dir(settings.data_dir) as scratch:
        validated = stages.validate(settings, source, scratch)
    out.print(f"valid: {validated.report.summary()}; report: {settings.report_path}")
    return 0
