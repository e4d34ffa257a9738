"""Options that several commands share. Only argparse here: the parser is built before any work is imported."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from pipeline.settings import SOURCE_FORMATS

SUPPRESS = argparse.SUPPRESS  # an option not given leaves its ECOM_ variable (or the default) in force
DEFAULT_SAMPLE_ROWS = 100_000  # a table with more rows is profiled on a seeded sample of this size
DEFAULT_MINIMAL_ABOVE = 50_000  # a table with more rows gets ydata-profiling's minimal mode


def add_generation_options(parser: argparse.ArgumentParser, *, workers: bool = True) -> None:
    parser.add_argument("--scale", default=SUPPRESS, help="scale factor, any positive number (default 1)")
    parser.add_argument("--seed", default=SUPPRESS, help="random seed, a whole number >= 0 (default 42)")
    parser.add_argument(
        "--end-date", default=SUPPRESS, help="last day of the 3-year window, YYYY-MM-DD (default 2025-12-31)"
    )
    parser.add_argument(
        "--anomaly-rate", default=SUPPRESS, help="share of orders that start an anomaly, 0..0.2 (default 0.005)"
    )
    if workers:
        add_workers_option(parser)


def add_memory_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory-limit",
        default=SUPPRESS,
        help="what the command may use in all, a size as DuckDB writes it (2GiB, 512MB) or a share of the memory "
        "available (25%%: of the container's limit in a container); beyond it DuckDB spills to disk "
        "(default 25%%, or $ECOM_MEMORY_LIMIT)",
    )


def add_workers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", default=SUPPRESS, help="worker processes (default: the number of cores)")


def add_source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", type=Path, help="directory with the five tables (default: the lake)")
    parser.add_argument("--format", default="parquet", help=f"file format of --source: {' or '.join(SOURCE_FORMATS)}")
    parser.add_argument("--end-date", default=SUPPRESS, help="last day of the allowed date window (default 2025-12-31)")


def add_warehouse_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", default=SUPPRESS, help="SQLite file to build (default data/warehouse.sqlite)")
    parser.add_argument(
        "--discard-edits",
        action="store_true",
        help="rebuild even if the warehouse holds writes made through the API (they are archived in data/edits/)",
    )


def whole_number(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``low`` (``_`` and ``,`` allowed as separators)."""

    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            value = low - 1
        if value < low:
            msg = f"expected a whole number >= {low}, got {text!r}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


def add_profile_options(parser: argparse.ArgumentParser, *, reports_dir: bool = True) -> None:
    """The profiling options, shared with ``run`` (which profiles unless ``--no-profile``, into its new set)."""
    parser.add_argument(
        "--sample-rows",
        type=whole_number(0),
        default=DEFAULT_SAMPLE_ROWS,
        help=f"profile a seeded sample of this many rows of a larger table (default {DEFAULT_SAMPLE_ROWS:,})",
    )
    parser.add_argument(
        "--minimal-above",
        type=whole_number(0),
        default=DEFAULT_MINIMAL_ABOVE,
        help=f"use ydata-profiling's minimal mode for tables with more rows (default {DEFAULT_MINIMAL_ABOVE:,})",
    )
    if reports_dir:
        parser.add_argument(
            "--reports-dir", type=Path, help="write the reports here instead of publishing them with the current set"
        )


def add_query_options(parser: argparse.ArgumentParser) -> None:
    """Which analyses to run and their parameters (``analyze`` and ``spark analyze``)."""
    parser.add_argument(
        "--query",
        action="append",
        dest="queries",
        metavar="NAME",
        help="an analysis to run, a file name of queries/ without .sql (repeatable; default: all of them)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter for every selected query that declares it (repeatable), e.g. start_date=2024-01-01",
    )
