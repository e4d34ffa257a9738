"""``profile``: ydata-profiling HTML reports of the lake, one per table plus an index."""

from __future__ import annotations

import argparse
import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import SUPPRESS, add_profile_options
from pipeline.errors import UsageError

if TYPE_CHECKING:
    from pipeline.docs.profiling import Profiler
    from pipeline.settings import Settings

log = logging.getLogger(__name__)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    profile = subparsers.add_parser(
        "profile", parents=[common], help="ydata-profiling HTML reports of the lake (<data-dir>/profiling_reports)"
    )
    profile.add_argument("--seed", default=SUPPRESS, help="seed of the row sample (default 42)")
    add_profile_options(profile)
    profile.set_defaults(func=main)


def start_profiler(settings: Settings, args: argparse.Namespace) -> contextlib.AbstractContextManager[Profiler]:
    """Worker processes for the reports, one per core up to one per table; ``run`` starts them first."""
    from pipeline.docs.profiling import profiler
    from pipeline.schema import TABLES

    if args.sample_rows < 1:
        msg = f"--sample-rows must be at least 1 (got {args.sample_rows})"
        raise UsageError(msg)
    return profiler(min(settings.workers, len(TABLES)), args.sample_rows, args.minimal_above)


def reports_dir(settings: Settings, args: argparse.Namespace) -> Path:
    return Path(args.reports_dir or settings.profiling_dir)


def main(settings: Settings, args: argparse.Namespace) -> int:
    from rich.markup import escape

    from pipeline.docs.profiling import ProfilingError
    from pipeline.logs import console, out

    try:
        with start_profiler(settings, args) as profiler:
            lines = profiler.profile(settings, reports_dir(settings, args))
    except ProfilingError as error:
        log.error("profiling failed: %s", error, exc_info=error)
        console.print(f"[bold red]profiling failed:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        return 1
    for line in lines:
        out.print(line, highlight=False, soft_wrap=True)
    return 0
