"""``python -m benchmarks.interrupts``: how soon a command stops on Ctrl-C and on SIGTERM, phase by phase.

The README's exit statuses promise that on Ctrl-C (130) or SIGTERM (143) "the command stops within a second and
says what, if anything, it had already published". For each signal and each phase below, every round starts the
command as a subprocess on fresh data under a temporary directory, watches its data directory and log until it
is in that phase, sends the signal and times it from the signal to the process's exit; then checks the exit
status, the message, that nothing was published and that no scratch space or process is left behind.

    python -m benchmarks.interrupts [--scale 30] [--rounds 3] [--output docs/benchmarks/interrupts.json]
    python -m benchmarks.interrupts --render docs/benchmarks/interrupts.json    # only the page, from the JSON

SIGINT goes to the command's process group, as a terminal's Ctrl-C does; SIGTERM to the process alone, as
``kill`` and a container runtime's stop do. The page is written beside the JSON (``.md``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.environment import ROOT, command_line, machine
from pipeline.generate.plan import Plan
from pipeline.manifest import versions

TARGET_SECONDS = 1.0
# Scale 30 (618,000 rows): full-size generation chunks (100,000 orders, the longest work nothing can interrupt) still
# generated in-process as below 1 M rows, and phases of about 0.3-2.5 s on a quiet 2-core machine: long enough to be
# caught by looking every few ms, short enough for 30 commands in a few minutes.
DEFAULT_SCALE = 30.0
POLL_SECONDS = 0.005  # how often the phase is looked for, and the process's exit: well below the target
PHASE_TIMEOUT = 300.0  # waiting for a phase, on a busy machine
STOP_TIMEOUT = 60.0  # after the signal; then the process group is killed and the round recorded as not stopped
ATTEMPTS = 3  # a phase a round missed (the command went past it between two looks) is tried again
SEED = 42
SIGNALS = {"SIGINT": (signal.SIGINT, 130), "SIGTERM": (signal.SIGTERM, 143)}
PLACEHOLDERS = {"--data-dir": "<data dir>", "--source": "<source lake>", "--output": "<output JSON>"}
# Scratch space a run makes and must remove on the way out, wherever it is.
SCRATCH = (".*.building", ".scratch-*", ".spill*", "*-journal", "*.tmp", ".legacy-*")
# What the commands publish into a data directory: an interrupted run must have published none of it.
OUTPUTS = ("current", "lake", "labels", "warehouse.sqlite", "analysis", "manifest.json")
OUTPUT = ROOT / "docs" / "benchmarks" / "interrupts.json"
BUILDING = "builds/.*.building"  # the new set, being built (pipeline.output_sets)


def _log(data: Path) -> str:
    with suppress(OSError):
        return (data / "logs" / "pipeline.log").read_text(errors="replace")
    return ""


def _building_set(data: Path) -> bool:
    return any(data.glob(BUILDING))


def _building(data: Path) -> bool:
    """The warehouse build has begun (its file exists in the new set, or it has logged)."""
    return any(data.glob(f"{BUILDING}/warehouse.sqlite")) or "warehouse build:" in _log(data)


def _filling(data: Path) -> bool:
    """The build file has passed 1 MiB: the fill is under way, not just starting."""
    for build in data.glob(f"{BUILDING}/warehouse.sqlite"):
        with suppress(OSError):  # the set may be renamed away between listing and stat
            if build.stat().st_size > 2**20:
                return True
    return False


def _filled(data: Path) -> bool:
    return "payments filled and indexed in" in _log(data)


def _proving(data: Path) -> bool:
    # The last table filled: the CHECKs are declared and each table is proven the copy of the lake.
    return _filled(data)


def _proven(data: Path) -> bool:
    return "warehouse build: marts in" in _log(data)


@dataclass(frozen=True)
class Phase:
    name: str
    command: str  # "run" or "load"
    when: str  # when the signal is sent, for the page
    entered: Callable[[Path], bool]  # of the data directory
    over: Callable[[Path], bool]  # a sign that the command is past the phase


PHASES = (
    Phase("run: generate", "run", "a new set appears in `builds/`: the lake is being generated into it",
          _building_set, _building),
    Phase("run: fill, rules and analyses", "run",
          "the new set's `warehouse.sqlite` passes 1 MiB: the fill, with the rules and analyses beside it",
          _filling, _filled),
    Phase("run: proof of the copy", "run", "the log has `payments filled and indexed`: the CHECKs are declared and "
          "each table is proven the copy of the lake", _proving, _proven),
    Phase("load: validation", "load", "a new set appears in `builds/`: the source files are being validated",
          _building_set, _building),
    Phase("load: fill and rules", "load",
          "the new set's `warehouse.sqlite` passes 1 MiB: the fill, with the rules beside it",
          _filling, _filled),
)  # fmt: skip


def commit() -> str | None:
    """The code measured: its commit, ``-dirty`` when the working tree differs; None outside a git checkout."""
    described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return described.stdout.strip() if described.returncode == 0 else None


def _env() -> dict[str, str]:
    # The caller's ECOM_ settings would move the data directory or change the run being measured.
    return {k: v for k, v in os.environ.items() if not k.startswith("ECOM_")}


def _arguments(phase: Phase, scale: float, data: Path | str, source: Path | str) -> list[str]:
    if phase.command == "run":
        return ["run", "--scale", f"{scale:g}", "--no-profile", "--data-dir", str(data)]
    return ["load", "--source", str(source), "--data-dir", str(data)]


def _scrub(text: str, paths: dict[Path, str]) -> str:
    for path, placeholder in paths.items():
        text = text.replace(str(path), placeholder)
    return text


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _left_behind(root: Path) -> list[str]:
    return sorted({str(p.relative_to(root)) for pattern in SCRATCH for p in root.rglob(pattern)})


def interrupt_once(phase: Phase, name: str, scale: float, source: Path) -> dict[str, Any] | None:
    """One command interrupted in ``phase``; None when it went past the phase before it was seen in it."""
    number, expected = SIGNALS[name]
    root = Path(tempfile.mkdtemp(prefix="ecom-interrupts-"))
    data = root / "data"
    load_average = os.getloadavg()[0]
    command = [sys.executable, "-m", "pipeline", *_arguments(phase, scale, data, source)]
    # Its own session, so that SIGINT can go to its process group (as from a terminal) and none of it to ours.
    with open(root / "stdout", "wb") as out, open(root / "stderr", "wb") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=out, stderr=err, start_new_session=True)
    stragglers = False
    try:
        started = time.perf_counter()
        while not (phase.entered(data) and not phase.over(data)):
            if process.poll() is not None or phase.over(data) or time.perf_counter() - started > PHASE_TIMEOUT:
                last = (root / "stderr").read_text(errors="replace").strip().splitlines()[-1:]
                print(f"  missed {phase.name}: exit status {process.poll()} {' '.join(last)[:200]}", flush=True)
                return None
            time.sleep(POLL_SECONDS)
        stderr = root / "stderr"
        quiet = stderr.stat().st_size
        sent = time.perf_counter()
        if number == signal.SIGINT:
            os.killpg(process.pid, number)
        else:
            process.send_signal(number)
        went_on = False
        said: float | None = None  # when its message came: the work unwound and cleaned up, the exit to come
        while process.poll() is None and time.perf_counter() - sent < STOP_TIMEOUT:
            went_on = went_on or phase.over(data)
            if said is None and stderr.stat().st_size > quiet:
                said = time.perf_counter()
            time.sleep(POLL_SECONDS)
        stopped = time.perf_counter()
        status = process.poll()
        # The group outliving its leader would be workers left running: a few moments to go, else counted.
        deadline = time.perf_counter() + 2
        while _group_alive(process.pid) and time.perf_counter() < deadline:
            time.sleep(POLL_SECONDS)
        stragglers = _group_alive(process.pid)
        lines = stderr.read_text(errors="replace").strip().splitlines()
        return {
            "phase": phase.name,
            "signal": name,
            "signal_at_s": round(sent - started, 3),
            "stop_s": round(stopped - sent, 3) if status is not None else None,
            "message_s": None if said is None else round(said - sent, 3),
            "status": status,
            "expected_status": expected,
            "message": _scrub(" / ".join(lines[-3:]), {root: "<work dir>", source: "<source lake>", ROOT: "."})[:300],
            "went_on": went_on or phase.over(data),  # the log of a phase's end survives the clean-up
            "published": [output for output in OUTPUTS if (data / output).exists()],
            "left_behind": _left_behind(root),
            "stragglers": stragglers,
            "load_average": round(load_average, 2),
        }
    finally:
        # Only while the group is still ours: its leader not yet reaped, or members still alive (a group's id is
        # not given to another process while it has members).
        if process.poll() is None or stragglers:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _caught(phase: Phase, name: str, scale: float, source: Path) -> dict[str, Any] | None:
    for attempt in range(1, ATTEMPTS + 1):
        measured = interrupt_once(phase, name, scale, source)
        if measured is not None:
            return {**measured, "attempts": attempt}
    return None


def measure(scale: float, rounds: int, phases: tuple[Phase, ...]) -> list[dict[str, Any]]:
    """Every phase and signal once per round, in turn, so that a busy spell on the machine spreads over all."""
    measurements = []
    source_root = Path(tempfile.mkdtemp(prefix="ecom-interrupts-source-"))
    try:
        if any(phase.command == "load" for phase in phases):
            generate = ["generate", "--scale", f"{scale:g}", "--data-dir", str(source_root)]
            subprocess.run([sys.executable, "-m", "pipeline", *generate], cwd=ROOT, env=_env(), check=True,
                           capture_output=True)  # fmt: skip
        for round_ in range(1, rounds + 1):
            for phase in phases:
                for name in SIGNALS:
                    measured = _caught(phase, name, scale, source_root / "lake")
                    stop = "never caught in the phase" if measured is None else f"stopped after {measured['stop_s']} s"
                    print(f"round {round_} {phase.name:30} {name:7} {stop}", flush=True)
                    if measured is not None:
                        measurements.append({"round": round_, **measured})
    finally:
        shutil.rmtree(source_root, ignore_errors=True)
    return measurements


def _ratio(measured: float) -> float:
    """target / measured, rounded down when it is a miss, so that 0.999 never prints as a met-looking 1.00."""
    ratio = TARGET_SECONDS / measured if measured > 0 else math.inf
    return ratio if ratio >= 1 else math.floor(ratio * 100) / 100


def problems(m: dict[str, Any]) -> list[str]:
    """What was not as the README says of one measurement (its time aside): none of the phases has published
    anything yet, so the command must say ``nothing changed`` and publish nothing after the signal either."""
    found = [f"exit status {m['status']}"] if m["status"] != m["expected_status"] else []
    found += ["went on past the phase after the signal"] if m["went_on"] else []
    found += [f"said `{m['message']}`"] if m["message"] != "interrupted: nothing changed" else []
    found += [f"published {', '.join(m['published'])}"] if m["published"] else []
    found += [f"left {', '.join(m['left_behind'])}"] if m["left_behind"] else []
    found += ["processes of its group still running"] if m["stragglers"] else []
    return found


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 3) if known else None


def summarize(measurements: list[dict[str, Any]], phases: tuple[Phase, ...]) -> list[dict[str, Any]]:
    """Per phase and signal: the median and the slowest stop, the verdict on the slowest, the checks."""
    rows = []
    for phase in phases:
        for name in SIGNALS:
            ours = [m for m in measurements if m["phase"] == phase.name and m["signal"] == name]
            stops = [m["stop_s"] for m in ours if m["stop_s"] is not None]
            slowest = None if len(stops) < len(ours) or not ours else max(stops)  # None: one never stopped
            rows.append({
                "phase": phase.name,
                "signal": name,
                "rounds": len(ours),
                "median_s": round(statistics.median(stops), 3) if stops else None,
                "median_message_s": _median([m["message_s"] for m in ours]),
                "max_s": slowest,
                "met": None if not ours else slowest is not None and slowest <= TARGET_SECONDS,
                "ratio": None if slowest is None else round(_ratio(slowest), 2),
                "statuses": sorted({m["status"] for m in ours}, key=str),
                "expected_status": SIGNALS[name][1],
                "as_expected": bool(ours) and not any(problems(m) for m in ours),
            })  # fmt: skip
    return rows


# ---------------------------------------------------------------------------------------------- the page


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _verdict(row: dict[str, Any]) -> str:
    if row["met"] is None:
        return "not measured"
    if row["max_s"] is None:
        return f"**missed**: did not stop within {STOP_TIMEOUT:g} s"
    return f"{'**met**' if row['met'] else '**missed**'} ({row['ratio']:.2f})"


def _checks(row: dict[str, Any], measurements: list[dict[str, Any]]) -> str:
    if not row["rounds"]:
        return ""
    if row["as_expected"]:
        return f"{row['expected_status']} every time, `interrupted: nothing changed`, nothing published or left behind"
    ours = [m for m in measurements if m["phase"] == row["phase"] and m["signal"] == row["signal"]]
    wrong = [m for m in ours if problems(m)]
    return f"**not as expected** in {len(wrong)} of {len(ours)}: " + "; ".join(dict.fromkeys(
        p for m in wrong for p in problems(m)))  # fmt: skip


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    busy = results["load_average_before"][0] > m["cores"] / 2  # after: this benchmark's own commands count in it
    lines = [
        "# Benchmarks: stopping on Ctrl-C and SIGTERM",
        "",
        "Generated by `python -m benchmarks.interrupts` from `interrupts.json` beside it (`--render "
        "interrupts.json` rewrites it from the JSON alone); do not edit by hand. Findings: "
        "[../benchmarks.md](../benchmarks.md).",
        "",
        'The claim (README, exit statuses): on Ctrl-C (exit 130) or SIGTERM (exit 143) "the command stops within '
        'a second and says what, if anything, it had already published". **Target: every stop within '
        f"{results['target_seconds']:g} s of the signal**; the verdict is on the slowest round, with the ratio "
        "target / slowest (>= 1 is met).",
        "",
        f"- **Run**: {results['started']}, `{results['command']}`; load average (1/5/15 min) "
        f"{results['load_average_before']} before, {results['load_average_after']} after."
        + (" **The machine was busy: the times are indicative.**" if busy else ""),
        f"- **Code**: commit {results.get('commit') or 'not recorded'}",
        f"- **Machine**: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}",
        f"- **Versions**: {', '.join(f'{k} {v}' for k, v in results['versions'].items())}",
        f"- **Method**: scale {results['scale']:g} ({results['rows']:,} rows), {results['rounds']} round(s). Each "
        "round starts the command as a subprocess on a fresh data directory under a temporary directory (`load` "
        "reads a lake generated once beforehand), looks at the data directory and the log every "
        f"{results['poll_seconds'] * 1000:g} ms until the command is in the phase, sends the signal and times it "
        "from the signal to the process's exit (looked for as often). SIGINT goes to the command's process group, "
        "as a terminal's Ctrl-C does; SIGTERM to the process alone, as `kill` and a container runtime's stop do. "
        "Then it checks the exit status, the message (stderr), that nothing was published into the data directory, "
        "that no scratch space is left (sets being built, `.scratch-*`, spill files, journals, `*.tmp`) and that no "
        "process of the command's group is still running. *To the message*: from the signal to the command's "
        "message on stderr, printed once its work has been interrupted and its scratch space removed; the rest of "
        "the stop is the process's exit.",
        "",
        "| phase | signal | rounds | median s | of which to the message | slowest s | target | verdict (target / "
        "slowest) | exit status, message, what is left |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in results["summary"]:
        lines.append(
            f"| {row['phase']} | {row['signal']} | {row['rounds']} | {_seconds(row['median_s'])} | "
            f"{_seconds(row['median_message_s'])} | {_seconds(row['max_s'])} | {results['target_seconds']:g} s | "
            f"{_verdict(row)} | {_checks(row, results['measurements'])} |"
        )
    lines += ["", "## The phases", "", "| phase | command | the signal is sent when |", "|---|---|---|"]
    lines += [f"| {p['name']} | `{p['command']}` | {p['when']} |" for p in results["phases"]]
    lines += [
        "",
        "## Every measurement",
        "",
        "Signal sent at: seconds after the command started. Tries: how many commands it took to catch the phase "
        "(a short phase can pass between two looks).",
        "",
        "| round | phase | signal | sent at s | stopped after s | of which to the message | exit status | message | "
        "problems | tries | load avg |",
        "|---:|---|---|---:|---:|---:|---:|---|---|---:|---:|",
    ]
    for x in results["measurements"]:
        lines.append(
            f"| {x['round']} | {x['phase']} | {x['signal']} | {x['signal_at_s']:.2f} | {_seconds(x['stop_s'])} | "
            f"{_seconds(x['message_s'])} | {x['status']} | `{x['message']}` | {'; '.join(problems(x)) or 'none'} | "
            f"{x['attempts']} | {x['load_average']:.2f} |"
        )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=DEFAULT_SCALE, help=f"scale of the data (default {DEFAULT_SCALE:g})"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--phase", action="append", choices=[p.name for p in PHASES], help="only this phase")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the JSON; the page is written beside it")
    parser.add_argument("--render", type=Path, metavar="JSON", help="only render the page from this saved JSON")
    parser.add_argument("--page", type=Path, help="where the page goes (default: beside the JSON, .md)")
    args = parser.parse_args(argv)
    if args.render:
        page = args.page or args.render.with_suffix(".md")
        page.write_text(render(json.loads(args.render.read_text())))
        print(f"wrote {page}")
        return 0
    phases = tuple(p for p in PHASES if args.phase is None or p.name in args.phase)
    results: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command_line(
            "python -m benchmarks.interrupts", sys.argv[1:] if argv is None else argv, PLACEHOLDERS
        ),
        "target_seconds": TARGET_SECONDS,
        "poll_seconds": POLL_SECONDS,
        "scale": args.scale,
        "rows": sum(Plan.of(SEED, args.scale).row_counts.values()),
        "rounds": args.rounds,
        "commit": commit(),
        "machine": machine(),
        "versions": versions(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "phases": [
            {
                "name": p.name,
                "command": " ".join(["python -m pipeline", *_arguments(p, args.scale, "<data dir>", "<source lake>")]),
                "when": p.when,
            }
            for p in phases
        ],
    }
    results["measurements"] = measure(args.scale, args.rounds, phases)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["summary"] = summarize(results["measurements"], phases)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1) + "\n")
    page = args.page or args.output.with_suffix(".md")
    page.write_text(render(results))
    for row in results["summary"]:
        print(f"{row['phase']:30} {row['signal']:7} median {_seconds(row['median_s']):>5} s, slowest "
              f"{_seconds(row['max_s']):>5} s: {_verdict(row)}")  # fmt: skip
    print(f"wrote {args.output} and {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
