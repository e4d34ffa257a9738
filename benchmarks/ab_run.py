"""Two versions of the pipeline side by side: ``run --no-profile`` from two checkouts, alternately, on fresh data.

On a noisy machine only runs made next to each other compare; this alternates them (A, B, A, B, ...) and prints
each run's wall and CPU seconds, its getrusage max RSS and the manifest's stages and phases.

    python -m benchmarks.ab_run A_CHECKOUT B_CHECKOUT [--scale 1000] [--rounds 2] [--work-dir DIR]

Each checkout runs with its own ``.venv``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(checkout: Path, scale: str, data_dir: Path) -> str:
    """One ``run`` of ``checkout`` into a fresh ``data_dir``: its figures on one line, its phases on the next."""
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    log = data_dir.parent / f"{data_dir.name}.log"
    command = [str(checkout / ".venv" / "bin" / "python"), "-m", "pipeline", "run", "--scale", scale,
               "--no-profile", "--data-dir", str(data_dir)]  # fmt: skip
    started = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=checkout, stdout=output, stderr=subprocess.STDOUT)
        # wait4 gives this child's own resource usage (with its waited-for children), not every child's so far.
        _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        msg = f"{checkout}: run --scale {scale} exited {process.returncode}; see {log}"
        raise SystemExit(msg)
    stages = json.loads((data_dir / "manifest.json").read_text())["stages"]
    phases = ", ".join(f"{s['name']} {s['seconds']:.1f}" for s in stages)
    shutil.rmtree(data_dir, ignore_errors=True)
    cpu = usage.ru_utime + usage.ru_stime
    return f"{wall:.2f} s wall, {cpu:.1f} CPU s, max RSS {usage.ru_maxrss / 1024:,.0f} MiB\n    {phases}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="a checkout with its own .venv")
    parser.add_argument("b", type=Path, help="another checkout with its own .venv")
    parser.add_argument("--scale", default="1000")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "ecom-ab")
    args = parser.parse_args(argv)
    for checkout in (args.a, args.b):
        if not (checkout / ".venv" / "bin" / "python").exists():
            parser.error(f"{checkout}: expected a checkout with its own .venv (uv sync --locked in it)")
    for round_ in range(1, args.rounds + 1):
        for name, checkout in (("A", args.a), ("B", args.b)):
            print(f"round {round_} {name} ({checkout}): {run_once(checkout, args.scale, args.work_dir / name)}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
