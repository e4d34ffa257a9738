"""``analyze``: run the queries over the lake (or the warehouse), write each result, score the anomaly query."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import add_memory_option, add_query_options

if TYPE_CHECKING:
    from pipeline.settings import Settings

BACKENDS = ("lake", "warehouse")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "analyze",
        parents=[common],
        help="run the queries/*.sql analyses and write data/analysis/<query>.parquet",
        description="Run the analyses in queries/ and write each result to data/analysis/<query>.parquet.",
    )
    add_query_options(parser)
    add_memory_option(parser)
    parser.add_argument(
        "--source", choices=BACKENDS, default="lake", help="where the tables are read from (default lake)"
    )
    parser.add_argument("--out", type=Path, help="directory for the results (default <data-dir>/analysis)")
    parser.set_defaults(func=main)


def main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline import stages
    from pipeline.analysis.analyze import parse_params, print_results, print_scores

    results = stages.analyze(settings, args.queries, parse_params(args.param), args.source, args.out)
    print_results(results, args.source, args.out or settings.analysis_dir)
    print_scores(results, settings.labels_path)
    return 0
