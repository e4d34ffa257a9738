"""``run``: the whole pipeline (generate + validate, load with marts, analyze, profile), with a summary."""

from __future__ import annotations

import argparse
from typing import Any

from rich.markup import escape

from pipeline import duck
from pipeline.analysis.command import analyze
from pipeline.commands.generate import add_generation_options, manifest_fields, print_summary
from pipeline.commands.generate import generate as generate_lake
from pipeline.commands.load import add_warehouse_option, load
from pipeline.docs.command import add_run_options, run_profiling
from pipeline.docs.profiling import ProfilingError
from pipeline.logs import console, out
from pipeline.manifest import Stages, update_manifest
from pipeline.settings import Settings


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "run", parents=[common], help="the whole pipeline: generate, validate, load, analyze, profile"
    )
    add_generation_options(parser)
    add_warehouse_option(parser)
    add_run_options(parser)
    parser.set_defaults(func=main)


def main(settings: Settings, args: argparse.Namespace) -> int:
    stages = Stages()
    summary, report = generate_lake(settings, stages)
    loaded = load(settings, duck.lake_tables(settings.lake_dir), stages)
    fields = manifest_fields(settings, summary) | {
        "warehouse": str(settings.warehouse_path),
        "warehouse_source": str(settings.lake_dir),
    }
    with stages.stage("analyze"):
        analyze(settings)
    update_manifest(settings.manifest_path, fields, stages)
    status = 0
    profiled: list[str] = []
    if not args.no_profile:
        try:
            with stages.stage("profile"):
                profiled = run_profiling(settings, args)
        except ProfilingError as error:
            # The lake and the warehouse are in place and valid; only the reports are missing.
            console.print(f"[bold red]profiling failed:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
            status = 1
        update_manifest(settings.manifest_path, {}, stages)
    print_summary(settings, summary, report, stages)
    out.print(f"warehouse: {settings.warehouse_path} (foreign_key_check and {loaded.integrity_check} ok)")
    for line in profiled:
        out.print(line, highlight=False, soft_wrap=True)
    out.print(f"log: {settings.log_path}")
    return status
