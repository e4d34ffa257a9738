"""Where the whole suite's CPU goes, by kind of process: the figures of decision 0067's last section.

    python -m benchmarks.suite_cpu [--output docs/benchmarks/suite-cpu.json]

Runs the whole suite once, as ``benchmarks.suite_times`` runs its full tier (``python -m pytest -q -p
no:cacheprovider``), and every half second reads the CPU time (user and system) of every process under it from
/proc. Each process is counted in a family by its command line: the pytest workers (the tests and what they run in
their own process, the scale-1000 run and DuckDB's threads among it), the pipeline commands and worker processes
the tests start, the API servers, the dashboard servers, schemathesis, Spark's JVM and its Python workers, Chromium
and Playwright's driver, the SQL shells; and under the test that started it, which pytest names in the
environment the process inherits (``PYTEST_CURRENT_TEST``). A process counts with its last reading, so what one
does in its last half second before it is killed, or a process that lives less than that, is missed: the page
gives what the families add up to beside the whole machine's busy CPU over the run (/proc/stat), and the reading's
own cost. Writes the raw results as JSON and a Markdown page beside it, rendered from that JSON alone (``--render
PATH.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from typing import Any

import psutil

from benchmarks.environment import machine
from benchmarks.pages import add_page_options, heading, publish, render_again, versions_text
from benchmarks.suite_times import busy_cpu_seconds, cpu_probe_seconds
from pipeline.manifest import versions
from pipeline.settings import PROJECT_ROOT

OUTPUT = PROJECT_ROOT / "docs" / "benchmarks" / "suite-cpu.json"
COMMAND = ["-m", "pytest", "-q", "-p", "no:cacheprovider"]
INTERVAL_S = 0.5
TOP_TESTS = 15
FAMILIES = {
    "pytest": "pytest's own process (collects nothing; hands tests out)",
    "pytest workers": "pytest workers: the tests, and what they run in their own process",
    "pipeline commands": "pipeline commands the tests start (`python -m pipeline ...`)",
    "pipeline workers": "pipeline worker processes (generation, profiling: multiprocessing spawn)",
    "API servers": "API servers (uvicorn)",
    "dashboard servers": "dashboard servers (Streamlit)",
    "schemathesis": "schemathesis (its client: generating requests, checking answers)",
    "Spark JVM": "Spark's JVM",
    "Spark Python workers": "Spark's Python workers",
    "Chromium": "Chromium and Playwright's driver",
    "SQL shells": "SQL shells (`just sql`'s DuckDB, the sqlite3 shell)",
    "other": "other (sudo, unshare, shells, helpers)",
}


def family(command: list[str], name: str, is_root: bool, parent_is_root: bool) -> str:
    """The family of a process, from its command line and its place under the run."""
    line = " ".join(command)
    if is_root:
        return "pytest"
    if "schemathesis" in line:
        return "schemathesis"
    if "uvicorn" in line:
        return "API servers"
    if "streamlit" in line or "dashboard/app.py" in line or " pipeline dashboard" in line:
        return "dashboard servers"
    if name == "java":
        return "Spark JVM"
    if "pyspark" in line:
        return "Spark Python workers"
    if name.startswith("node") or "playwright" in line or "chrom" in name or "chrom" in line:
        return "Chromium"
    if name in {"duckdb", "sqlite3"} or line.endswith("duckdb") or "/duckdb " in line:
        return "SQL shells"
    if "multiprocessing" in line:
        return "pipeline workers"
    if "-m pipeline" in line or "pipeline/__main__.py" in line:
        return "pipeline commands"
    if parent_is_root and name.startswith("python"):
        return "pytest workers"
    return "other"


def _pipeline_command(command: list[str]) -> str | None:
    for i, part in enumerate(command[:-1]):
        if part == "pipeline" and i > 0 and command[i - 1] == "-m":
            return command[i + 1]
    return None


def _started_by(proc: psutil.Process) -> str | None:
    """The test whose call (or fixture's set-up) started ``proc``: pytest names it in the environment."""
    current = proc.environ().get("PYTEST_CURRENT_TEST")
    return current.rsplit(" (", 1)[0] if current else None


def watch(process: subprocess.Popen[bytes]) -> dict[tuple[int, float], dict[str, Any]]:
    """Every process under ``process`` until it ends, with its family, the test that started it and its last CPU
    reading."""
    root = psutil.Process(process.pid)
    seen: dict[tuple[int, float], dict[str, Any]] = {}
    while process.poll() is None:
        try:
            under = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for proc in under:
            try:
                with proc.oneshot():
                    key = (proc.pid, proc.create_time())
                    times = proc.cpu_times()
                    seen.setdefault(key, {"family": "other", "pipeline": None})
                    seen[key]["cpu_s"] = times.user + times.system
                    # Read again each time: a launcher script (Spark's) becomes the JVM by exec, in the same process.
                    command = proc.cmdline()
                    kind = family(command, proc.name(), proc.pid == root.pid, proc.ppid() == root.pid)
                    if "test" not in seen[key]:
                        seen[key]["test"] = None if kind in {"pytest", "pytest workers"} else _started_by(proc)
                    seen[key] |= {"family": kind, "pipeline": _pipeline_command(command)}
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
        time.sleep(INTERVAL_S)
    return seen


def _count(into: dict[str, float], process_seen: dict[str, Any]) -> None:
    into["processes"] = into.get("processes", 0) + 1
    into["cpu_s"] = into.get("cpu_s", 0.0) + process_seen["cpu_s"]


def _rounded(counted: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """The counts, most CPU first, each sum rounded once (not at every process)."""
    ordered = sorted(counted.items(), key=lambda item: -item[1]["cpu_s"])
    return {name: {**count, "cpu_s": round(count["cpu_s"], 1)} for name, count in ordered}


def measure() -> dict[str, Any]:
    probe_before = cpu_probe_seconds()
    busy, started, own = busy_cpu_seconds(), time.perf_counter(), time.process_time()
    process = subprocess.Popen([sys.executable, *COMMAND], cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
    seen = watch(process)
    exit_code = process.wait()
    wall, busy, own = time.perf_counter() - started, busy_cpu_seconds() - busy, time.process_time() - own
    families: dict[str, dict[str, float]] = {name: {"processes": 0, "cpu_s": 0.0} for name in FAMILIES}
    commands: dict[str, float] = {}
    by_test: dict[str, dict[str, float]] = {}
    for process_seen in seen.values():
        _count(families.setdefault(process_seen["family"], {}), process_seen)
        if process_seen.get("test"):
            _count(by_test.setdefault(process_seen["test"], {}), process_seen)
        if process_seen["family"] == "pipeline commands" and process_seen["pipeline"]:
            name = process_seen["pipeline"]
            commands[name] = commands.get(name, 0.0) + process_seen["cpu_s"]
    return {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "command": " ".join(["python", *COMMAND]),
        "exit_code": exit_code,
        "wall_s": round(wall, 1),
        "cpu_busy_s": round(busy, 1),
        "reading_cpu_s": round(own, 1),
        "cpu_probe_s": [probe_before, cpu_probe_seconds()],
        "families": _rounded(families),
        "pipeline_commands": {name: round(cpu, 1) for name, cpu in sorted(commands.items(), key=lambda i: -i[1])},
        "processes_by_test": _rounded(by_test),
    }


def render(results: dict[str, Any], source: str) -> str:
    counted = sum(f["cpu_s"] for f in results["families"].values())
    busy = results["cpu_busy_s"]
    lines = [
        *heading("where the whole suite's CPU goes", "suite_cpu", source),
        f"Measured {results['measured_at']} on {results['machine']['cpu']}, {results['machine']['cores']} cores: "
        f"`{results['command']}` (exit {results['exit_code']}) took {results['wall_s']:.1f} s, the machine "
        f"{busy:.0f} busy CPU s. Each process under the run counts in one family, with its CPU time (user and "
        f"system) as last read, every {INTERVAL_S} s; the families add up to {counted:.0f} CPU s "
        f"({counted / busy:.0%} of the machine's busy time; the rest is what processes did after their last "
        f"reading, processes too short to be read, and the kernel's own work). Reading them cost "
        f"{results['reading_cpu_s']:.1f} CPU s. CPU probe before and after (suite_times'): "
        f"{', '.join(f'{p:.2f}' for p in results['cpu_probe_s'])} s; the lower, the faster the machine was.",
        "",
        "| processes | how many | CPU s | of the busy time |",
        "|---|---:|---:|---:|",
    ]
    for name, counted_family in sorted(results["families"].items(), key=lambda item: -item[1]["cpu_s"]):
        lines.append(
            f"| {FAMILIES[name]} | {counted_family['processes']} | {counted_family['cpu_s']:.1f} "
            f"| {counted_family['cpu_s'] / busy:.1%} |"
        )
    commands = ", ".join(f"`{name}` {cpu:.1f}" for name, cpu in results["pipeline_commands"].items())
    lines += ["", f"The pipeline commands' CPU s by command: {commands or 'none'}."]
    started_by = list(results["processes_by_test"].items())
    elsewhere = sum(f["cpu_s"] for name, f in results["families"].items() if name not in {"pytest", "pytest workers"})
    named = sum(test["cpu_s"] for _, test in started_by)
    lines += [
        "",
        f"The {TOP_TESTS} tests that started the most CPU in other processes (the test running, or whose fixture was "
        "being set up, when a process started: a fixture shared by many tests counts in the first one that needed "
        f"it). Tests named {named:.0f} of the {elsewhere:.0f} CPU s spent outside the pytest workers; the rest was "
        "started with an environment that names no test (Chromium starts its own processes so):",
        "",
        "| test | processes | CPU s |",
        "|---|---:|---:|",
        *(f"| `{name}` | {test['processes']} | {test['cpu_s']:.1f} |" for name, test in started_by[:TOP_TESTS]),
        "",
        f"Versions: {versions_text(results['versions'])}.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_page_options(parser, OUTPUT)
    args = parser.parse_args(argv)
    if args.render:
        render_again(args.render, render)
        return 0
    results = measure()
    print(publish(args.output, results, render))
    return int(results["exit_code"])


if __name__ == "__main__":
    raise SystemExit(main())
