"""``run``: the whole pipeline (generate + validate, load with marts, analyze, profile), with a summary."""

from __future__ import annotations

import argparse
import contextlib
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import (
    add_generation_options,
    add_memory_option,
    add_profile_options,
    add_warehouse_options,
)

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "run", parents=[common], help="the whole pipeline: generate, validate, load, analyze, profile"
    )
    add_generation_options(parser)
    add_memory_option(parser)
    add_warehouse_options(parser)
    parser.add_argument("--no-profile", action="store_true", help="skip the ydata-profiling reports")
    add_profile_options(parser, reports_dir=False)
    parser.set_defaults(func=main)


def main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline import manifest, stages
    from pipeline.analysis.analyze import print_results, print_scores
    from pipeline.commands.summary import print_lake_summary
    from pipeline.docs.profiling import SetReports, profiler_for
    from pipeline.logs import out

    timings = manifest.Timings()
    # The flow decides how many profiling workers and when they start (decision 0045).
    workers = stages.profile_workers(settings)
    profiling = profiler_for(settings, args.sample_rows, args.minimal_above, workers=workers)
    with contextlib.nullcontext() if args.no_profile else profiling as profiler:
        profile = SetReports(profiler, settings) if profiler is not None else None
        built = stages.run(settings, timings, discard_edits=args.discard_edits, profile=profile)
    print_results(built.analysis, "lake", settings.analysis_dir)
    print_scores(built.analysis, settings.labels_path)
    print_lake_summary(settings, built.lake, built.report, timings)
    out.print(f"warehouse: {settings.warehouse_path} (build {built.warehouse.build_id}; every table the copy of "
              f"the lake, {built.warehouse.integrity_check} ok)")  # fmt: skip
    for line in built.profiled:
        out.print(line, highlight=False, soft_wrap=True)
    out.print(f"log: {settings.log_path}")
    return 0
