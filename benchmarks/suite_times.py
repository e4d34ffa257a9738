"""How long the test suite takes: the fast tier and the whole suite, and their slowest tests.

    python -m benchmarks.suite_times [--tier fast] [--tier full] [--output docs/benchmarks/tests.json]
                                     [--baseline ../base --rounds 2]

Each tier is one ``python -m pytest -q -p no:cacheprovider`` run in a subprocess (the fast tier with ``-m fast``;
the whole suite as the README's test command runs it, ``just test``), timed from the outside, with a JUnit report
for each test's own time (setup, call and teardown), and the CPU time the whole machine spent meanwhile (from
/proc/stat: a suite that keeps every core busy is short of CPU, not of workers). Before and after each run, a
fixed piece of pure-Python work is timed on one core (the CPU probe): a shared host's CPU is not always as fast,
so a run's wall is read beside the machine's speed at the time. ``--baseline DIR``: the same tiers run in another
checkout too (a ``git worktree`` of an older commit, installed alike in its own ``.venv``),
alternately with this one, ``--rounds`` times each; the page gives the medians and their ratio. Writes the raw
results as JSON and a Markdown page beside it, rendered from that JSON alone (``--render PATH.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from benchmarks.environment import machine
from benchmarks.pages import add_page_options, heading, publish, render_again, versions_text
from pipeline.manifest import versions
from pipeline.settings import PROJECT_ROOT

OUTPUT = PROJECT_ROOT / "docs" / "benchmarks" / "tests.json"
TIERS = {"fast": ["-m", "fast"], "full": []}
TARGETS = {"fast": 60.0, "full": 300.0}
SLOWEST = 15
PROBE_ADDITIONS = 5_000_000


def busy_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy since boot: user, nice, system, irq and softirq (not idle, I/O
    wait or time stolen by a hypervisor)."""
    user, nice, system, _idle, _iowait, irq, softirq = map(int, Path("/proc/stat").read_text().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def cpu_probe_seconds() -> float:
    """CPU seconds one core takes for ``PROBE_ADDITIONS`` additions in Python, the best of three: the lower, the
    faster the machine is at that moment."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        total = 0
        for number in range(PROBE_ADDITIONS):
            total += number
        best = min(best, time.process_time() - started)
    return round(best, 3)


def run_tier(tier: str, checkout: Path = PROJECT_ROOT) -> dict[str, Any]:
    """One tier in ``checkout`` (with its own ``.venv`` unless it is this one), timed: its wall seconds, the
    machine's busy CPU seconds, its outcome counts and its slowest tests."""
    python = sys.executable if checkout == PROJECT_ROOT else str(checkout / ".venv" / "bin" / "python")
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "junit.xml"
        command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TIERS[tier], f"--junitxml={report}"]
        probe_before = cpu_probe_seconds()
        busy = busy_cpu_seconds()
        started = time.perf_counter()
        finished = subprocess.run(command, cwd=checkout, check=False, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        busy = busy_cpu_seconds() - busy
        probe_after = cpu_probe_seconds()
        suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    cases: list[dict[str, Any]] = [
        {"test": f"{case.get('classname')}::{case.get('name')}", "seconds": float(case.get("time") or 0)}
        for case in suite.iter("testcase")
    ]
    failed = [
        f"{case.get('classname')}::{case.get('name')}"
        for case in suite.iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    ]
    cases.sort(key=lambda case: -case["seconds"])
    return {
        "tier": tier,
        "command": " ".join(["python", "-m", "pytest", "-q", *TIERS[tier]]),
        "exit_code": finished.returncode,
        "commit": _commit(checkout),
        "wall_s": round(seconds, 1),
        "cpu_busy_s": round(busy, 1),
        "cpu_share": round(busy / (seconds * (os.cpu_count() or 1)), 3),  # of every core's time
        "cpu_probe_s": [probe_before, probe_after],
        "tests": int(suite.get("tests") or 0),
        "failures": int(suite.get("failures") or 0) + int(suite.get("errors") or 0),
        "skipped": int(suite.get("skipped") or 0),
        "failed_tests": failed,  # which, so that a failure seen once can be run again
        "slowest": [{**case, "seconds": round(case["seconds"], 2)} for case in cases[:SLOWEST]],
    }


def _commit(checkout: Path) -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=checkout, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(run[key] for run in runs))


def _walls(runs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{run['wall_s']:.1f}" for run in runs)


def _comparison(results: dict[str, Any]) -> list[str]:
    """The candidate's and the baseline's runs of each tier, alternately: medians and their ratio."""
    baseline = results.get("baseline")
    if not baseline:
        return []
    lines = [
        "",
        f"Against a baseline, commit `{baseline['commit']}` in its own checkout installed alike, the runs "
        f"alternating (baseline first), {results['rounds']} of each:",
        "",
        "| tier | baseline runs s | this commit's runs s | median ratio (wall) | busy CPU s, medians | CPU share "
        "| CPU probe s, medians |",
        "|---|---|---|---:|---|---|---|",
    ]
    for tier in dict.fromkeys(run["tier"] for run in baseline["tiers"]):
        before = [run for run in baseline["tiers"] if run["tier"] == tier]
        after = [run for run in results["tiers"] if run["tier"] == tier]
        ratio = _median(after, "wall_s") / _median(before, "wall_s")
        lines.append(
            f"| {tier} | {_walls(before)} | {_walls(after)} | {ratio:.3f}x "
            f"| {_median(before, 'cpu_busy_s'):.0f} against {_median(after, 'cpu_busy_s'):.0f} "
            f"| {_median(before, 'cpu_share'):.0%} against {_median(after, 'cpu_share'):.0%} "
            f"| {_probe_median(before)} against {_probe_median(after)} |"
        )
    return lines


def _probe_median(runs: list[dict[str, Any]]) -> str:
    probes = [probe for run in runs for probe in run.get("cpu_probe_s", [])]
    return f"{statistics.median(probes):.2f}" if probes else "not measured"


def _probes(tier: dict[str, Any]) -> str:
    return ", ".join(f"{probe:.2f}" for probe in tier["cpu_probe_s"]) if "cpu_probe_s" in tier else "not measured"


def _busy(tier: dict[str, Any]) -> str:
    return f"{tier['cpu_busy_s']:.0f} ({tier['cpu_share']:.0%})" if "cpu_busy_s" in tier else "not measured"


def render(results: dict[str, Any], source: str) -> str:
    lines = [
        *heading("the test suite's time", "suite_times", source),
        f"Measured {results['measured_at']} on {results['machine']['cpu']}, {results['machine']['cores']} cores "
        f"(load average {results['load_before']} before). Targets: the fast tier <= {TARGETS['fast']:.0f} s, the "
        f"whole suite <= {TARGETS['full']:.0f} s. CPU probe: the CPU seconds one core took for "
        f"{PROBE_ADDITIONS:,} additions in Python (the best of three) before and after the run; the lower, the "
        "faster the machine was.",
        "",
        "| tier | command | tests | failed | skipped | wall s | busy CPU s (share) | CPU probe s | target |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for tier in results["tiers"]:
        met = "met" if tier["wall_s"] <= TARGETS[tier["tier"]] else "**missed**"
        if tier["failures"]:
            met = f"**{tier['failures']} failed**"
        lines.append(
            f"| {tier['tier']} | `{tier['command']}` | {tier['tests']:,} | {tier['failures']} | {tier['skipped']} "
            f"| {tier['wall_s']:.1f} | {_busy(tier)} | {_probes(tier)} | {met} |"
        )
    lines += _comparison(results)
    for tier in results["tiers"]:
        if tier.get("failed_tests"):
            lines += ["", f"The {tier['tier']} tier's failed tests:", ""]
            lines += [f"- `{test}`" for test in tier["failed_tests"]]
    baseline = results.get("baseline", {})
    firsts = {run["tier"]: run for run in reversed(baseline.get("tiers", []))}  # the baseline's first run of each
    for tier, whose in [*((t, "") for t in results["tiers"]), *((t, "baseline's ") for t in firsts.values())]:
        lines += ["", f"The {whose}{tier['tier']} tier's {SLOWEST} slowest tests (setup, call and teardown):", ""]
        lines += ["| test | s |", "|---|---:|"]
        lines += [f"| `{case['test']}` | {case['seconds']:.2f} |" for case in tier["slowest"]]
    lines += ["", f"Versions: {versions_text(results['versions'])}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tier", action="append", choices=sorted(TIERS), help="default: fast, then full")
    add_page_options(parser, OUTPUT)
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="a checkout with its own .venv to compare with")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each tier on each side (default 1)")
    args = parser.parse_args(argv)
    if args.render:
        render_again(args.render, render)
        return 0
    if args.baseline and not (args.baseline / ".venv" / "bin" / "python").is_file():
        parser.error(f"--baseline {args.baseline}: no .venv/bin/python there (install it as this checkout is)")
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, not {args.rounds}")
    load = Path("/proc/loadavg").read_text().split()[0]
    results: dict[str, Any] = {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_before": float(load),
        "machine": machine(),
        "versions": versions(),
        "rounds": args.rounds,
        "tiers": [],
    }
    before: list[dict[str, Any]] = []
    for tier in args.tier or ["fast", "full"]:
        for _ in range(args.rounds):
            if args.baseline:
                before.append(run_tier(tier, args.baseline.resolve()))
            results["tiers"].append(run_tier(tier))
    if args.baseline:
        results["baseline"] = {"commit": before[0]["commit"], "tiers": before}
    publish(args.output, results, render)
    for tier in results["tiers"]:
        print(f"{tier['tier']}: {tier['tests']} tests in {tier['wall_s']:.1f} s (exit {tier['exit_code']})")
    return int(max(tier["exit_code"] for tier in results["tiers"]))


if __name__ == "__main__":
    sys.exit(main())
