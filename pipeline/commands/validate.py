"""``validate``: check a lake or a directory of CSV/Parquet files and write a report."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import add_memory_option, add_source_options

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("validate", parents=[common], help="validate a lake or CSV/Parquet export")
    add_source_options(parser)
    add_memory_option(parser)
    parser.set_defaults(func=main)


def main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline import output_sets, stages
    from pipeline.logs import out

    source = stages.source_dir(settings, args.source, args.format)
    with output_sets.reading(settings.data_dir, source.root):  # the lake's set kept while its files are read
        validated = stages.validate(settings, source)
    out.print(f"valid: {validated.report.summary()}; report: {settings.last_validation_path}")
    return 0
