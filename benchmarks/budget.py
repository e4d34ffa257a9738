"""A run within its memory budget: the process tree's peak anonymous memory and the time, per scale and budget.

    python -m benchmarks.budget [--run 1000:2GiB --run 10000:4GiB ...] [--work-dir DIR] [--output PATH.json]

Each ``--run SCALE:BUDGET`` is ``python -m pipeline run --scale SCALE --memory-limit BUDGET --no-profile`` into a
fresh data directory, sampled every 20 ms over its whole process tree (``benchmarks.sweep.measure``). The target
(decision 0043): the tree's peak anonymous memory at most the budget + 512 MiB. Writes the raw results as JSON
(``--output``) with the stages of each run's manifest; prints one line per run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.environment import command_line, machine
from benchmarks.sweep.measure import measure
from pipeline.settings import memory_bytes

MIB = 2**20
MARGIN = 512 * MIB
DEFAULT_RUNS = ("100:2GiB", "1000:2GiB", "1000:4GiB", "10000:2GiB", "10000:4GiB")


def _run(text: str) -> tuple[str, str]:
    scale, _, budget = text.partition(":")
    if not scale or not budget:
        msg = f"--run {text!r}: expected SCALE:BUDGET such as 1000:2GiB"
        raise argparse.ArgumentTypeError(msg)
    return scale, budget


def one_run(scale: str, budget: str, work: Path) -> dict[str, Any]:
    data_dir = work / f"scale-{scale}-{budget}"
    command = [sys.executable, "-m", "pipeline", "run", "--scale", scale, "--memory-limit", budget, "--no-profile",
               "--data-dir", str(data_dir)]  # fmt: skip
    measured = measure(command)
    stages = json.loads((data_dir / "manifest.json").read_text()).get("stages", [])
    shutil.rmtree(data_dir)
    limit = memory_bytes(budget)
    peak = measured.peak_tree_anon_mib * MIB
    return {
        "scale": scale,
        "budget": budget,
        "budget_mib": limit / MIB,
        "within": peak <= limit + MARGIN,
        "measured": {k: v for k, v in dataclasses.asdict(measured).items() if k != "output"},
        "stages": stages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=_run, action="append", dest="runs", metavar="SCALE:BUDGET")
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--output", type=Path, metavar="PATH.json")
    args = parser.parse_args()
    runs = args.runs or [_run(text) for text in DEFAULT_RUNS]
    if not args.work_dir.is_dir():
        parser.error(f"--work-dir {args.work_dir}: not a directory; expected an existing directory for the runs' data")
    results = []
    with tempfile.TemporaryDirectory(prefix="budget-", dir=args.work_dir) as work:
        for scale, budget in runs:
            result = one_run(scale, budget, Path(work))
            measured = result["measured"]
            print(f"scale {scale} budget {budget}: {measured['seconds']:.1f} s wall, "
                  f"{measured['cpu_seconds']:.1f} CPU s, tree anon peak {measured['peak_tree_anon_mib']:,.0f} MiB "
                  f"({'within' if result['within'] else 'OVER'} budget + 512 MiB), load {measured['load_before']:.1f}",
                  flush=True)  # fmt: skip
            results.append(result)
    if args.output is not None:
        placeholders = {"--work-dir": "<work dir>", "--output": "<output>"}
        record = {
            "command": command_line("python -m benchmarks.budget", sys.argv[1:], placeholders),
            "machine": machine(),
            "runs": results,
        }
        args.output.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
