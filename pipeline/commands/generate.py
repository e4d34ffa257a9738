"""``generate``: write the Parquet lake and the anomaly labels, validated, swapped in only when valid."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import add_generation_options

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("generate", parents=[common], help="generate the Parquet lake")
    add_generation_options(parser)
    parser.set_defaults(func=main)


def main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline import stages as flow
    from pipeline.manifest import Stages
    from pipeline.summary import print_summary

    stages = Stages()
    summary, report = flow.generate(settings, stages)
    print_summary(settings, summary, report, stages)
    return 0
