"""``run``: the whole pipeline (generate + validate, then load), with a summary and the manifest."""

from __future__ import annotations

import argparse
from typing import Any

from pipeline import duck
from pipeline.commands.generate import add_generation_options, manifest_fields, print_summary
from pipeline.commands.generate import generate as generate_lake
from pipeline.commands.load import add_warehouse_option, load
from pipeline.logs import out
from pipeline.manifest import Stages, update_manifest
from pipeline.settings import Settings


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("run", parents=[common], help="generate, validate and load: the whole pipeline")
    add_generation_options(parser)
    add_warehouse_option(parser)
    parser.set_defaults(func=main)


def main(settings: Settings, args: argparse.Namespace) -> int:
    stages = Stages()
    summary, report = generate_lake(settings, stages)
    loaded = load(settings, duck.lake_tables(settings.lake_dir), stages)
    fields = manifest_fields(settings, summary) | {"warehouse": str(settings.warehouse_path)}
    update_manifest(settings.manifest_path, fields, stages)
    print_summary(settings, summary, report, stages)
    out.print(f"warehouse: {settings.warehouse_path} (foreign_key_check and {loaded.integrity_check} ok)")
    out.print(f"log: {settings.log_path}")
    return 0
