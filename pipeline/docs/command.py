"""``docs`` (the data dictionary from the built warehouse) and ``profile`` (ydata-profiling reports of the lake)."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from rich.markup import escape

from pipeline.docs.dictionary import DICTIONARY_PATH, DictionaryError, dictionary_markdown, write_dictionary
from pipeline.docs.profiling import (
    DEFAULT_MINIMAL_ABOVE,
    DEFAULT_SAMPLE_ROWS,
    REPORTS_DIR,
    ProfilingError,
    profile_lake,
)
from pipeline.errors import UsageError
from pipeline.logs import console, out
from pipeline.settings import Settings

log = logging.getLogger(__name__)


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        value = -1
    if value < 0:
        msg = f"expected a whole number >= 0, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def add_profile_options(parser: argparse.ArgumentParser) -> None:
    """The profiling options, shared with ``run`` (which profiles unless ``--no-profile``)."""
    parser.add_argument(
        "--sample-rows",
        type=_count,
        default=DEFAULT_SAMPLE_ROWS,
        help=f"profile a seeded sample of this many rows of a larger table (default {DEFAULT_SAMPLE_ROWS:,})",
    )
    parser.add_argument(
        "--minimal-above",
        type=_count,
        default=DEFAULT_MINIMAL_ABOVE,
        help=f"use ydata-profiling's minimal mode for tables with more rows (default {DEFAULT_MINIMAL_ABOVE:,})",
    )
    parser.add_argument(
        "--reports-dir",
        type=Path,
        default=REPORTS_DIR,
        help="where the HTML reports go (default docs/profiling_reports)",
    )


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """For ``run``: ``--no-profile`` and the profiling options."""
    parser.add_argument("--no-profile", action="store_true", help="skip the ydata-profiling reports")
    add_profile_options(parser)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    docs = subparsers.add_parser(
        "docs", parents=[common], help="write the data dictionary (docs/data_dictionary.md) from the warehouse"
    )
    docs.add_argument(
        "--warehouse", default=argparse.SUPPRESS, help="SQLite file to document (default data/warehouse.sqlite)"
    )
    docs.add_argument(
        "--output", type=Path, default=DICTIONARY_PATH, help="Markdown file to write (default docs/data_dictionary.md)"
    )
    docs.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the file differs from a fresh generation"
    )
    docs.set_defaults(func=docs_main)

    profile = subparsers.add_parser(
        "profile", parents=[common], help="ydata-profiling HTML reports of the lake (docs/profiling_reports)"
    )
    profile.add_argument("--seed", default=argparse.SUPPRESS, help="seed of the row sample (default 42)")
    add_profile_options(profile)
    profile.set_defaults(func=profile_main)


def build_info(settings: Settings) -> dict[str, Any]:
    """Scale and seed of the run that built this warehouse, from the manifest when it describes it."""
    path = settings.manifest_path
    if not path.exists():
        return {}
    manifest = json.loads(path.read_text())
    if manifest.get("warehouse") != str(settings.warehouse_path):
        return {}
    return {k: manifest[k] for k in ("scale", "seed") if k in manifest}


def write_docs(settings: Settings, output: Path = DICTIONARY_PATH) -> Path:
    """Generate the dictionary from ``settings.warehouse_path`` and write it (for ``run`` to call)."""
    return write_dictionary(dictionary_markdown(settings.warehouse_path, build_info(settings)), output)


def docs_main(settings: Settings, args: argparse.Namespace) -> int:
    try:
        text = dictionary_markdown(settings.warehouse_path, build_info(settings))
    except (FileNotFoundError, DictionaryError) as error:
        raise UsageError(str(error)) from None
    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            warehouse = escape(str(settings.warehouse_path))
            console.print(
                f"[bold red]drift:[/] {escape(str(output))} differs from the warehouse {warehouse}; "
                "run `just docs` and commit the result",
                highlight=False,
                soft_wrap=True,
            )
            return 1
        out.print(f"{output} is up to date")
        return 0
    write_dictionary(text, output)
    out.print(f"data dictionary: {output}")
    return 0


def run_profiling(settings: Settings, args: argparse.Namespace) -> list[str]:
    """Profile with the options of ``args`` (as added by :func:`add_profile_options`); for ``run`` too."""
    if args.sample_rows < 1:
        msg = f"--sample-rows must be at least 1 (got {args.sample_rows})"
        raise UsageError(msg)
    return profile_lake(
        settings, sample_size=args.sample_rows, minimal_above=args.minimal_above, reports_dir=args.reports_dir
    )


def profile_main(settings: Settings, args: argparse.Namespace) -> int:
    try:
        lines = run_profiling(settings, args)
    except ProfilingError as error:
        log.info("profiling failed: %s", error)
        console.print(f"[bold red]profiling failed:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        return 1
    for line in lines:
        out.print(line, highlight=False, soft_wrap=True)
    return 0
