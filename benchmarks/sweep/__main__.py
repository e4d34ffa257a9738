"""``python -m benchmarks.sweep``: run the scenarios, save the JSON, render the page and the chart.

    python -m benchmarks.sweep [--scales 1,10,100,1000] [--baseline DIR] [--max-load 2] [--merge]

``--merge`` adds the scales measured now to the saved results (a long scale, such as 10000, run on its own).
``--from-json`` only re-renders. The baseline is a checkout of an earlier version with its own ``.venv``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

from benchmarks.environment import command_line, machine
from benchmarks.sweep import scenarios
from benchmarks.sweep.measure import wait_for_quiet
from benchmarks.sweep.plot import plot
from benchmarks.sweep.render import render
from benchmarks.sweep.targets import targets
from pipeline.manifest import versions

OUTPUT = scenarios.ROOT / "docs" / "benchmarks"
NAIVE_SCALES = (1.0, 10.0)
BASELINE_SCALES = (1.0, 10.0, 100.0)
# How the command records its path options: the page is committed, the paths are one machine's.
PLACEHOLDERS = {"--baseline": "<baseline checkout>", "--work-dir": "<work dir>", "--output": "<output dir>"}


def _scales(text: str) -> list[float]:
    try:
        scales = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        msg = f"--scales {text!r}: expected comma-separated numbers such as 1,10,100,1000"
        raise argparse.ArgumentTypeError(msg) from None
    if not scales or any(s <= 0 for s in scales):
        msg = f"--scales {text!r}: expected positive scale factors such as 1,10,100,1000"
        raise argparse.ArgumentTypeError(msg)
    return scales


def report(sweep: scenarios.Sweep, output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    (output / "scaling.json").write_text(json.dumps(dataclasses.asdict(sweep), indent=1, default=str) + "\n")
    plot(sweep, output / "scaling.png")
    (output / "scaling.md").write_text(render(sweep, "scaling.png"))
    print(f"wrote {output / 'scaling.md'}, scaling.json and scaling.png")
    for target in targets(sweep):
        print(target.row())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=_scales, default=[1.0, 10.0, 100.0, 1000.0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--baseline", type=Path, help="a checkout of the previous version, with its own .venv")
    parser.add_argument("--no-extras", action="store_true", help="only the pipeline runs (no baselines, start-up)")
    parser.add_argument("--max-load", type=float, help="wait before each scenario until the load average is below")
    parser.add_argument("--max-wait", type=float, default=300.0)
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "ecom-bench")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--merge", action="store_true", help="add these scales to the saved results")
    parser.add_argument("--from-json", action="store_true", help="only re-render from the saved results")
    args = parser.parse_args(argv)
    saved = args.output / "scaling.json"
    if args.from_json:
        report(scenarios.load(saved), args.output)
        return 0
    command = command_line("python -m benchmarks.sweep", sys.argv[1:] if argv is None else argv, PLACEHOLDERS)
    merging = args.merge and saved.exists()
    sweep = scenarios.load(saved) if merging else scenarios.Sweep(
        dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), command, args.workers, machine(), versions()
    )  # fmt: skip
    work = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    extras = not args.no_extras
    for scale in sorted(args.scales):
        wait_for_quiet(args.max_load, args.max_wait)
        run = scenarios.run_scale(
            scale, work, args.workers,
            load_only=extras and scale <= 1000, sqlite_import=extras and scale <= 1000,
            naive=extras and scale in NAIVE_SCALES,
            baseline=args.baseline if extras and scale in BASELINE_SCALES else None,
        )  # fmt: skip
        sweep.runs = sorted([r for r in sweep.runs if r.scale != scale] + [run], key=lambda r: r.scale)
    if extras:
        wait_for_quiet(args.max_load, args.max_wait)
        sweep.startup = scenarios.startup(work)
        wait_for_quiet(args.max_load, args.max_wait)
        sweep.first_run = scenarios.first_run(work)
    if merging:
        sweep.command += f"; then {command}"
    report(sweep, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
