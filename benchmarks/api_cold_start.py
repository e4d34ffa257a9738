"""The API's cold start: how long a new server takes to answer, and its first requests, against a baseline commit.

    python -m benchmarks.api_cold_start --baseline REF --data-dir DIR [--rounds 6]
                                        [--output docs/benchmarks/api-cold-start.json]

The baseline commit is exported with ``git archive`` and served with this checkout's virtual environment, as this
checkout is (the same packages and bytecode; neither side's own modules are compiled ahead). The sides alternate,
baseline first in odd rounds and last in even ones. Each round starts ``python -m pipeline api --api-workers 1``
over ``DIR``'s warehouse (a scale-1 run is made there first if it has none; the page gives its scale), times it
until ``/health`` answers (``benchmarks.api_load.serving``, polled every 20 ms), then asks each path of ``PATHS``
twice in turn on one kept-alive connection: the first asking is what the first user after a start waits, the second
a warm server's answer. Writes the raw results as JSON and a Markdown page beside it, rendered from that JSON alone
(``--render PATH.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.api_load import ensure_data, read_through, serving
from benchmarks.environment import machine
from benchmarks.pages import add_page_options, heading, publish, render_again, versions_text
from pipeline.manifest import versions
from pipeline.settings import PROJECT_ROOT

OUTPUT = PROJECT_ROOT / "docs" / "benchmarks" / "api-cold-start.json"
PORT = 8743
POLL_S = 0.02
PATHS = ("/customers/3", "/orders/7", "/orders?min_total=50&limit=20", "/analytics/category-revenue")
SIDES = ("baseline", "candidate")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=PROJECT_ROOT, check=True, capture_output=True, text=True).stdout.strip()


def export(ref: str, into: Path) -> str:
    """``ref``'s tree under ``into``; its commit."""
    commit = _git("rev-parse", "--verify", f"{ref}^{{commit}}")
    archive = subprocess.run(["git", "archive", commit], cwd=PROJECT_ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return commit


def one_start(root: Path, data_dir: Path) -> dict[str, Any]:
    """A server of the checkout at ``root``, started, asked ``PATHS`` twice each in turn, stopped."""
    command = [sys.executable, "-m", "pipeline", "api", "--data-dir", str(data_dir), "--api-port", str(PORT),
               "--api-workers", "1"]  # fmt: skip
    started = time.perf_counter()
    with serving(command, PORT, "/health", cwd=root, poll_s=POLL_S) as (base, _):
        start_s = time.perf_counter() - started
        answers = []
        with httpx.Client(base_url=base, timeout=60) as http:
            for path in PATHS:
                for asking in ("first", "second"):
                    before = time.perf_counter()
                    http.get(path).raise_for_status()
                    answers.append({"path": path, "asking": asking, "ms": (time.perf_counter() - before) * 1000})
    return {"start_s": start_s, "answers": answers}


def measure(baseline: str, data_dir: Path, rounds: int) -> dict[str, Any]:
    read_through(ensure_data(data_dir, 1))
    with tempfile.TemporaryDirectory(prefix="bench-api-cold-") as work:
        roots = {"baseline": Path(work) / "baseline", "candidate": PROJECT_ROOT}
        commits = {"baseline": export(baseline, roots["baseline"]), "candidate": _git("rev-parse", "HEAD")}
        runs = []
        for round_ in range(1, rounds + 1):
            for side in SIDES if round_ % 2 else reversed(SIDES):
                run = {"side": side, "round": round_, **one_start(roots[side], data_dir)}
                print(f"round {round_} {side}: started in {run['start_s']:.2f} s, first answer "
                      f"{run['answers'][0]['ms']:.1f} ms", flush=True)  # fmt: skip
                runs.append(run)
    return {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "commits": commits | {"candidate_changed": bool(_git("status", "--porcelain", "--untracked-files=no"))},
        "scale": json.loads((data_dir / "manifest.json").read_text())["lake"]["scale"],
        "rounds": rounds,
        "runs": runs,
    }


def _median(runs: list[dict[str, Any]], side: str, path: str | None = None, asking: str | None = None) -> float:
    """The median start (``path`` None) or answer time of ``side``."""
    if path is None:
        return float(statistics.median(run["start_s"] for run in runs if run["side"] == side))
    answers = [a for run in runs if run["side"] == side for a in run["answers"] if a["path"] == path]
    return float(statistics.median(a["ms"] for a in answers if a["asking"] == asking))


def render(results: dict[str, Any], source: str) -> str:
    runs, commits = results["runs"], results["commits"]
    changed = " with uncommitted changes" if commits["candidate_changed"] else ""
    lines = [
        *heading("the API's cold start", "api_cold_start", source),
        f"Measured {results['measured_at']} on {results['machine']['cpu']}, {results['machine']['cores']} cores: "
        f"{results['rounds']} starts of each side, alternating, one worker each, over a scale-{results['scale']:g} "
        "warehouse. Baseline "
        f"`{commits['baseline'][:7]}`, candidate `{commits['candidate'][:7]}`{changed}. Medians; the ratio is the "
        "candidate's over the baseline's.",
        "",
        "| what | baseline | candidate | ratio |",
        "|---|---:|---:|---:|",
    ]
    before, after = _median(runs, "baseline"), _median(runs, "candidate")
    lines.append(f"| started: `/health` answers, s | {before:.2f} | {after:.2f} | {after / before:.2f}x |")
    for path in PATHS:
        for asking in ("first", "second"):
            before, after = _median(runs, "baseline", path, asking), _median(runs, "candidate", path, asking)
            lines.append(f"| `{path}`, {asking} asking, ms | {before:.1f} | {after:.1f} | {after / before:.2f}x |")
    lines += ["", f"Versions: {versions_text(results['versions'])}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="HEAD~1", help="a git ref of this repository (default HEAD~1)")
    parser.add_argument("--data-dir", type=Path, help="a data directory with a warehouse (made at scale 1 if none)")
    parser.add_argument("--rounds", type=int, default=6)
    add_page_options(parser, OUTPUT)
    args = parser.parse_args(argv)
    if args.render:
        render_again(args.render, render)
        return 0
    if args.data_dir is None or args.rounds < 1:
        parser.error("--data-dir is required, and --rounds must be at least 1")
    print(publish(args.output, measure(args.baseline, args.data_dir, args.rounds), render))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
