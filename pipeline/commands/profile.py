"""``profile``: ydata-profiling HTML reports of the lake, one per table plus an index."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import SUPPRESS, add_profile_options, add_workers_option

if TYPE_CHECKING:
    from pipeline.settings import Settings

log = logging.getLogger(__name__)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    profile = subparsers.add_parser(
        "profile", parents=[common], help="ydata-profiling HTML reports of the lake (<data-dir>/profiling_reports)"
    )
    profile.add_argument("--seed", default=SUPPRESS, help="seed of the row sample (default 42)")
    add_profile_options(profile)
    add_workers_option(profile)
    profile.set_defaults(func=main)


def main(settings: Settings, args: argparse.Namespace) -> int:
    from rich.markup import escape

    from pipeline import output_sets, stages
    from pipeline.docs.profiling import ProfilingError, SetReports, profiler_for
    from pipeline.logs import console, out

    try:
        with profiler_for(settings, args.sample_rows, args.minimal_above) as profiler:
            if args.reports_dir is None:
                lines = stages.profile_lake(settings, SetReports(profiler, settings))
            else:  # reports of the current lake elsewhere: nothing is published
                with output_sets.reading(settings.data_dir, settings.lake_dir) as held:
                    made = profiler.profile(held.path, settings.seed, args.reports_dir, None)
                lines = [p.line() for p in made] + [f"reports: {args.reports_dir / 'index.html'}"]
    except ProfilingError as error:
        log.error("profiling failed: %s", error, exc_info=error)
        console.print(f"[bold red]profiling failed:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        return 1
    for line in lines:
        out.print(line, highlight=False, soft_wrap=True)
    return 0
