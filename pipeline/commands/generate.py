"""``generate``: write the Parquet lake and the anomaly labels, validated, swapped in only when valid.

With ``--parts P --part I --output DIR`` it writes only partition I's chunks (and their labels) into DIR, for
a scheduler that runs the partitions on several machines (``pipeline/generate/partition.py``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import add_generation_options, add_memory_option, whole_number
from pipeline.errors import UsageError

if TYPE_CHECKING:
    from pipeline.chunks import ChunkResult
    from pipeline.generate.partition import Partition
    from pipeline.settings import Settings


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("generate", parents=[common], help="generate the Parquet lake")
    add_generation_options(parser)
    add_memory_option(parser)
    partitions = parser.add_argument_group(
        "one partition of the lake (for running the generation on several machines)",
        "All of --parts, --part and --output together: writes only that partition's part files into DIR, "
        "without cross-table validation; run every partition into the same DIR, then `validate --source DIR`.",
    )
    partitions.add_argument("--parts", type=whole_number(1), help="how many partitions the chunks are split into")
    partitions.add_argument("--part", type=whole_number(1), help="the partition to write, 1 to --parts")
    partitions.add_argument("--output", type=Path, help="the directory every partition writes into (start empty)")
    parser.set_defaults(func=main)


def _partition_request(args: argparse.Namespace) -> tuple[int, int, Path] | None:
    given = {"--parts": args.parts, "--part": args.part, "--output": args.output}
    if all(value is None for value in given.values()):
        return None
    missing = [name for name, value in given.items() if value is None]
    if missing:
        msg = f"{', '.join(missing)} missing: one partition is written with all of --parts P --part I --output DIR"
        raise UsageError(msg)
    if args.part > args.parts:
        msg = f"--part {args.part} is out of range: expected 1 to --parts ({args.parts})"
        raise UsageError(msg)
    output = Path(args.output).expanduser().resolve()
    if output.exists() and not output.is_dir():
        msg = f"--output {output} is a file: expected a directory (shared by the partitions, created if missing)"
        raise UsageError(msg)
    return args.parts, args.part, output


def print_partition(partition: Partition, parts: int, results: list[ChunkResult], output: Path) -> None:
    from pipeline.logs import out

    rows: dict[str, int] = {}
    for result in results:
        for table, n in result.rows.items():
            rows[table] = rows.get(table, 0) + n
    chunks = ", ".join(f"{t.producer} {t.chunk}" for t in partition.tasks) or "none"
    written = ", ".join(f"{table} {n:,}" for table, n in rows.items()) or "nothing (more partitions than chunks)"
    out.print(f"partition {partition.number} of {parts}: chunks {chunks}", highlight=False)
    out.print(f"rows written: {written}; into {output}", highlight=False)


def generate_partition(settings: Settings, parts: int, part: int, output: Path) -> int:
    from pipeline.chunks import run_tasks
    from pipeline.generate.partition import assign
    from pipeline.generate.plan import Plan
    from pipeline.generate.tasks import Job
    from pipeline.logs import progress

    plan = Plan.of(settings.seed, settings.scale)
    partition = assign(plan, parts)[part - 1]
    job = Job(settings.seed, settings.scale, settings.start_date, settings.anomaly_rate, output)
    with progress(f"part {part}/{parts}", len(partition.tasks)) as advance:
        results = run_tasks(job, list(partition.tasks), settings.workers, advance)
    print_partition(partition, parts, results, output)
    return 0


def main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline import stages
    from pipeline.commands.summary import print_lake_summary
    from pipeline.manifest import Timings

    request = _partition_request(args)
    if request is not None:
        return generate_partition(settings, *request)
    timings = Timings()
    summary, report = stages.make_lake(settings, timings)
    print_lake_summary(settings, summary, report, timings)
    return 0
