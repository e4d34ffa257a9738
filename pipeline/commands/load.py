"""``load``: validate a source, then build the SQLite warehouse from it and swap it into place."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import add_memory_option, add_source_options, add_warehouse_options, add_workers_option

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("load", parents=[common], help="validate, then build the SQLite warehouse")
    add_source_options(parser)
    add_memory_option(parser)
    add_warehouse_options(parser)
    add_workers_option(parser)
    parser.set_defaults(func=main)


def main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline import stages
    from pipeline.logs import out
    from pipeline.manifest import Timings

    source = stages.source_dir(settings, args.source, args.format)
    validated, summary = stages.load(settings, source, Timings(), discard_edits=args.discard_edits)
    rows = ", ".join(f"{t} {n:,}" for t, n in summary.rows.items())
    out.print(f"valid: {validated.report.summary()}")
    out.print(f"loaded {rows}; every table the copy of its source, {summary.integrity_check} ok")
    out.print(f"warehouse: {settings.warehouse_path} (build {summary.build_id})")
    return 0
