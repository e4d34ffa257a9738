"""Two versions of the pipeline side by side: ``run`` from two git refs of this repository, installed alike.

    python -m benchmarks.ab_run BASELINE CANDIDATE [--scale 1000] [--rounds 2] [--extra NAME ...] [--profile]
                                [--memory-limit X] [--work-dir DIR] [--output PATH.json]
    python -m benchmarks.ab_run --render PATH.json   # rewrites PATH.md from PATH.json alone

A side is anything ``git rev-parse`` resolves to a commit (``HEAD~1``, a branch, a hash) or ``worktree``: the
working tree as it is now, uncommitted and untracked (not ignored) files included. Each side is exported with
``git archive`` into ``WORK_DIR/<short commit>/src`` (a changed working tree: ``worktree-<short tree>``) and
installed by the same commands: ``python3 -m venv .venv``, ``.venv/bin/pip install -q uv==0.13.8``,
``UV_COMPILE_BYTECODE=1 .venv/bin/uv sync --locked --no-dev [--extra NAME]`` and ``python -m compileall`` of
the exported tree. An install that completed (its marker file matches the tree and the commands) is reused.

Runs alternate in ABBA order (round 1 baseline then candidate, round 2 candidate then baseline, ...), each
``python -m pipeline run --scale S --data-dir <fresh> [--no-profile]`` in the same explicit environment. Printed
as each finishes: wall seconds, CPU seconds (user + system of the process tree, from ``os.wait4``), max RSS and
the manifest's stages; at the end the medians per side and candidate/baseline ratios. ``--output`` also writes
the raw results as JSON and a Markdown page rendered from that JSON only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any

from benchmarks.environment import machine

REPO = Path(__file__).resolve().parents[1]
WORKTREE = "worktree"
ROLES = ("baseline", "candidate")
PACKAGES = ("polars", "duckdb", "numpy", "pandera")
# uv flags that say where packages come from and how to trust it: a machine behind a mirror needs them. Every
# other UV_* (UV_PROJECT_ENVIRONMENT, UV_PYTHON, UV_NO_COMPILE, ...) would change what gets installed, or where.
KEEP_UV = {"UV_CACHE_DIR", "UV_DEFAULT_INDEX", "UV_INDEX", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_NATIVE_TLS"}
KEEP_UV |= {"UV_SYSTEM_CERTS", "UV_OFFLINE", "UV_HTTP_TIMEOUT"}
VERSIONS = """
import importlib.metadata as m, json, platform, sys
def version(name):
    try:
        return m.version(name)
    except m.PackageNotFoundError:
        return None
print(json.dumps({"python": platform.python_version(), **{n: version(n) for n in sys.argv[1:]}}))
"""
RUN_ENV = {
    # Both sides read bytecode compiled at install (compileall covers the project's own editable sources, which
    # uv does not compile), and no run writes into a side's tree: every run starts from the same files.
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",  # a failed run's log ends with its last words
}


def git(*args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        msg = f"`git -C {REPO} {shlex.join(args)}` exited {result.returncode}: {result.stderr.strip()}"
        raise SystemExit(msg)
    return result.stdout.strip()


def commit_of(ref: str) -> str | None:
    result = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else None


def base_env() -> tuple[dict[str, str], list[str]]:
    """The inherited environment without what would make the two sides differ from a plain install and run."""
    removed = sorted(
        name
        for name in os.environ
        if name.startswith(("PYTHON", "ECOM_", "VIRTUAL_ENV", "CONDA_PREFIX"))
        or (name.startswith("UV_") and name not in KEEP_UV)
    )
    return {k: v for k, v in os.environ.items() if k not in removed}, removed


class Side:
    def __init__(self, role: str, ref: str, work_dir: Path, extras: list[str]) -> None:
        self.role, self.ref = role, ref
        if ref == WORKTREE:
            self.commit = git("rev-parse", "HEAD")
            self.tree = worktree_tree()
            dirty = self.tree != git("rev-parse", "HEAD^{tree}")
        else:
            commit = commit_of(ref)
            if commit is None:  # main checked it, but a branch can be deleted meanwhile
                msg = f"{role}: {ref!r} is no longer a commit of {REPO}"
                raise SystemExit(msg)
            self.commit = commit
            self.tree, dirty = git("rev-parse", f"{self.commit}^{{tree}}"), False
        self.describe = git("describe", "--always", "--tags", self.commit) + ("-dirty" if dirty else "")
        self.subject = git("log", "-1", "--format=%s", self.commit) + (" + uncommitted changes" if dirty else "")
        # Keyed by content, so that `worktree` without changes shares its commit's install.
        key = f"worktree-{self.tree[:12]}" if dirty else self.commit[:12]
        self.dir = work_dir / "+".join([key, *extras])
        self.src = self.dir / "src"
        self.python = self.src / ".venv" / "bin" / "python"
        self.gets_memory_limit = False
        self.versions: dict[str, str | None] = {}

    def name(self) -> str:
        return f"{self.role} ({self.ref}, {self.commit[:12]})"

    def record(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "ref": self.ref,
            "commit": self.commit,
            "tree": self.tree,
            "describe": self.describe,
            "subject": self.subject,
            "versions": self.versions,
            "memory_limit": self.gets_memory_limit,
        }


def worktree_tree() -> str:
    """The working tree as a git tree object (tracked and untracked files, .gitignore respected).

    Built in a copy of the index, so the repository's own index and stash are untouched; unlike ``git stash
    create`` it includes new files not yet added. Its hash names the content, so an unchanged tree reuses its install.
    """
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        real = Path(git("rev-parse", "--path-format=absolute", "--git-path", "index"))
        if real.exists():
            shutil.copyfile(real, index)  # its stat cache spares `add` rehashing every unchanged file
        env = {**os.environ, "GIT_INDEX_FILE": str(index)}
        git("add", "--all", env=env)
        return git("write-tree", env=env)


def install_steps(extras: list[str]) -> list[list[str]]:
    sync = [".venv/bin/uv", "sync", "--locked", "--no-dev", *(a for e in extras for a in ("--extra", e))]
    compile_ = [".venv/bin/python", "-m", "compileall", "-q", "-x", r"/\.venv/", "."]
    return [["python3", "-m", "venv", ".venv"], [".venv/bin/pip", "install", "-q", "uv==0.13.8"], sync, compile_]


def install(side: Side, extras: list[str], env: dict[str, str]) -> None:
    marker = side.dir / "installed.json"
    steps = install_steps(extras)
    wanted = {"tree": side.tree, "steps": [shlex.join(s) for s in steps]}
    try:
        if json.loads(marker.read_text()) == wanted:
            print(f"{side.name()}: reusing {side.src}", flush=True)
            return
    except (OSError, ValueError):
        pass
    # Anything else there is a failed or different install: start from nothing, as the other side did.
    shutil.rmtree(side.dir, ignore_errors=True)
    side.src.mkdir(parents=True)
    log = side.dir / "install.log"
    print(f"{side.name()}: installing into {side.src} (log: {log})", flush=True)
    started = time.perf_counter()
    # An export, not `git worktree add`: nothing is registered in the repository, nothing to prune afterwards.
    archive = side.dir / "src.tar"
    git("archive", f"--output={archive}", side.tree)
    with tarfile.open(archive) as tar:
        tar.extractall(side.src, filter="data")
    archive.unlink()
    with log.open("w") as out:
        for step in steps:
            out.write(f"$ {shlex.join(step)}\n")
            out.flush()
            # Relative executables resolve against cwd (POSIX Popen), i.e. this side's own .venv.
            code = subprocess.run(step, cwd=side.src, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
            if code != 0:
                msg = f"{side.name()}: install step `{shlex.join(step)}` exited {code}; see {log}"
                raise SystemExit(msg)
    marker.write_text(json.dumps(wanted, indent=2) + "\n")
    print(f"{side.name()}: installed in {time.perf_counter() - started:.0f} s", flush=True)


def side_python(side: Side, args: list[str], env: dict[str, str]) -> str:
    command = [str(side.python), *args]
    result = subprocess.run(command, cwd=side.src, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        msg = f"{side.name()}: `{shlex.join(command)}` exited {result.returncode}: {result.stderr.strip()[-2000:]}"
        raise SystemExit(msg)
    return result.stdout


def probe(side: Side, env: dict[str, str], memory_limit: str | None) -> None:
    """The versions this side really imports, and whether its ``run`` has ``--memory-limit`` (older ones don't)."""
    side.versions = json.loads(side_python(side, ["-c", VERSIONS, *PACKAGES], env))
    if memory_limit is not None:
        side.gets_memory_limit = "--memory-limit" in side_python(side, ["-m", "pipeline", "run", "--help"], env)


def manifest_stages(path: Path) -> list[dict[str, Any]]:
    """The manifest's stages, only their name and numbers (no paths); [] if there is none to read."""
    try:
        stages = json.loads(path.read_text()).get("stages", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [
        {k: v for k, v in s.items() if k == "name" or (isinstance(v, int | float) and not isinstance(v, bool))}
        for s in (stages if isinstance(stages, list) else [])
        if isinstance(s, dict) and isinstance(s.get("name"), str) and isinstance(s.get("seconds"), int | float)
    ]


def run_once(side: Side, round_: int, flags: list[str], env: dict[str, str], runs_dir: Path) -> dict[str, Any]:
    data = runs_dir / f"{side.role}-{round_}"
    log = runs_dir / f"{side.role}-{round_}.log"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    command = [str(side.python), "-m", "pipeline", "run", "--data-dir", str(data), *flags]
    load = os.getloadavg()[0]  # other work on the machine is the usual reason two alike runs differ
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=side.src, env=env, stdout=out, stderr=subprocess.STDOUT)
        # wait4 gives this child's own usage with its waited-for descendants (the workers), not all children's.
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        msg = f"{side.name()}, round {round_}: `{shlex.join(command)}` exited {process.returncode}; see {log}"
        raise SystemExit(msg)
    stages = manifest_stages(data / "manifest.json")
    shutil.rmtree(data, ignore_errors=True)  # at scale 1000 and beyond, several GB each
    return {
        "side": side.role,
        "round": round_,
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "max_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "load_before": round(load, 2),
        "stages": stages,
    }


def run_line(run: dict[str, Any], ref: str) -> str:
    stages = ", ".join(f"{s['name']} {s['seconds']:.2f}" for s in run["stages"]) or "(no stages in the manifest)"
    return (
        f"round {run['round']} {run['side']:<9} {ref:<12} {run['wall_s']:8.2f} s wall {run['cpu_s']:8.1f} CPU s"
        f"   max RSS {run['max_rss_mib']:,.0f} MiB   load {run['load_before']:.1f}\n    {stages}"
    )


def ratio(candidate: float | None, baseline: float | None) -> float | None:
    return round(candidate / baseline, 3) if candidate is not None and baseline else None


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    sides: dict[str, dict[str, Any]] = {}
    for role in ROLES:
        mine = [r for r in runs if r["side"] == role]
        names = dict.fromkeys(s["name"] for r in mine for s in r["stages"])  # first-seen order
        sides[role] = {
            "runs": len(mine),
            "median_wall_s": round(median(r["wall_s"] for r in mine), 3),
            "median_cpu_s": round(median(r["cpu_s"] for r in mine), 2),
            "max_rss_mib": max(r["max_rss_mib"] for r in mine),
            "stage_median_s": {
                n: round(median(s["seconds"] for r in mine for s in r["stages"] if s["name"] == n), 3) for n in names
            },
        }
    base, cand = sides["baseline"], sides["candidate"]
    ratios = {k: ratio(cand[k], base[k]) for k in ("median_wall_s", "median_cpu_s", "max_rss_mib")}
    stages = {n: ratio(s, base["stage_median_s"].get(n)) for n, s in cand["stage_median_s"].items()}
    return {**sides, "ratios": ratios, "stage_ratios": stages}


def summary_lines(results: dict[str, Any]) -> list[str]:
    s = results["summary"]
    lines = [f"{'':10}{'median wall s':>14}{'median CPU s':>14}{'max RSS MiB':>13}   ref, commit"]
    for side in results["sides"]:
        x = s[side["role"]]
        lines.append(
            f"{side['role']:<10}{x['median_wall_s']:>14.2f}{x['median_cpu_s']:>14.1f}"
            f"{x['max_rss_mib']:>13,.0f}   {side['ref']}, {side['commit'][:12]} {side['subject']}"
        )
    r = s["ratios"]
    lines.append(
        f"{'cand/base':<10}{fmt(r['median_wall_s'], 3):>14}{fmt(r['median_cpu_s'], 3):>14}"
        f"{fmt(r['max_rss_mib'], 3):>13}"
    )
    return lines


def fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(results: dict[str, Any]) -> str:
    """The Markdown page, from the JSON's contents alone (``--render`` proves it by rewriting the page)."""
    sides = {s["role"]: s for s in results["sides"]}
    o, m, s = results["options"], results["machine"], results["summary"]
    env = results["environment"]
    lines = [
        f"# A/B: `{sides['baseline']['ref']}` against `{sides['candidate']['ref']}`, scale {o['scale']}",
        "",
        f"`{shlex.join(results['command'])}`, {results['date']}.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}, Python {m['python']}. "
        f"Order: {results['order']}, {o['rounds']} rounds. "
        f"Both sides installed by `{'`, `'.join(results['install'])}`. "
        f"Environment: inherited, without {', '.join(f'`{k}`' for k in env['removed']) or 'nothing'}; "
        f"then {', '.join(f'`{k}={v}`' for k, v in env['set'].items())}.",
        "",
        "| side | ref | commit | describe | subject | " + " | ".join(["python", *PACKAGES]) + " | `--memory-limit` |",
        "|---|---|---|---|---|" + "---|" * (len(PACKAGES) + 2),
    ]
    for x in results["sides"]:
        versions = " | ".join(x["versions"].get(p) or "" for p in ["python", *PACKAGES])
        limit = o["memory_limit"] if x["memory_limit"] else ""
        lines.append(
            f"| {x['role']} | `{cell(x['ref'])}` | `{x['commit'][:12]}` | {cell(x['describe'])} | "
            f"{cell(x['subject'])} | {versions} | {limit} |"
        )
    lines += [
        "",
        "## Runs, in the order they ran",
        "",
        "| # | round | side | wall s | CPU s | max RSS MiB | load before | stages s |",
        "|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for i, r in enumerate(results["runs"], 1):
        stages = ", ".join(f"{cell(st['name'])} {st['seconds']:.2f}" for st in r["stages"])
        lines.append(
            f"| {i} | {r['round']} | {r['side']} | {r['wall_s']:.2f} | {r['cpu_s']:.1f} | "
            f"{r['max_rss_mib']:,.0f} | {r['load_before']:.2f} | {stages} |"
        )
    b, c, q = s["baseline"], s["candidate"], s["ratios"]
    lines += [
        "",
        "## Summary",
        "",
        "| | baseline | candidate | candidate / baseline |",
        "|---|---:|---:|---:|",
        f"| median wall s | {b['median_wall_s']:.2f} | {c['median_wall_s']:.2f} | {fmt(q['median_wall_s'], 3)} |",
        f"| median CPU s | {b['median_cpu_s']:.1f} | {c['median_cpu_s']:.1f} | {fmt(q['median_cpu_s'], 3)} |",
        f"| max RSS MiB | {b['max_rss_mib']:,.0f} | {c['max_rss_mib']:,.0f} | {fmt(q['max_rss_mib'], 3)} |",
        "",
        "Median seconds per stage and phase (`stage: phase`), from each run's `manifest.json`:",
        "",
        "| stage | baseline | candidate | candidate / baseline |",
        "|---|---:|---:|---:|",
    ]
    for name in dict.fromkeys([*b["stage_median_s"], *c["stage_median_s"]]):
        base, cand = b["stage_median_s"].get(name), c["stage_median_s"].get(name)
        lines.append(f"| {cell(name)} | {fmt(base, 2)} | {fmt(cand, 2)} | {fmt(s['stage_ratios'].get(name), 3)} |")
    return "\n".join(lines) + "\n"


def write_render(json_path: Path) -> Path:
    md = json_path.with_suffix(".md")
    md.write_text(render(json.loads(json_path.read_text(encoding="utf-8"))), encoding="utf-8")
    return md


def command_line(args: argparse.Namespace) -> list[str]:
    """The command as run, normalised; the work dir and any absolute path are this machine's, so left out."""
    command = ["python", "-m", "benchmarks.ab_run", args.baseline, args.candidate]
    command += ["--scale", args.scale, "--rounds", str(args.rounds)]
    command += [a for e in args.extra for a in ("--extra", e)]
    command += ["--profile"] if args.profile else []
    command += ["--memory-limit", args.memory_limit] if args.memory_limit else []
    command += ["--output", str(args.output)] if args.output and not args.output.is_absolute() else []
    return command


def positive(kind: type[int] | type[float]) -> Callable[[str], str]:
    def check(text: str) -> str:
        try:
            ok = kind(text) > 0
        except ValueError:
            ok = False
        if not ok:
            msg = f"expected a positive {kind.__name__}, got {text!r}"
            raise argparse.ArgumentTypeError(msg)
        return text  # as given, so that the pipeline parses the very same text

    return check


def parse(argv: list[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ab_run",
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(__doc__ or "").split("\n\n", 1)[-1],
    )
    parser.add_argument("baseline", nargs="?", help=f"a git ref of this repository, or {WORKTREE!r}")
    parser.add_argument("candidate", nargs="?", help=f"a git ref of this repository, or {WORKTREE!r}")
    parser.add_argument("--scale", type=positive(float), default="1000", help="the runs' --scale (default 1000)")
    parser.add_argument("--rounds", type=positive(int), default="2", help="rounds of two runs, ABBA (default 2)")
    parser.add_argument("--extra", action="append", default=[], metavar="NAME", help="uv sync --extra, both sides")
    parser.add_argument("--profile", action="store_true", help="include ydata-profiling (default: --no-profile)")
    parser.add_argument("--memory-limit", metavar="X", help="passed to the sides whose `run --help` lists it")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "ecom-ab",
        help="installs and run data (default: %(default)s)",
    )
    parser.add_argument("--output", type=Path, metavar="PATH.json", help="also write the results and PATH.md")
    parser.add_argument("--render", type=Path, metavar="PATH.json", help="only rewrite PATH.md from PATH.json")
    args = parser.parse_args(argv)
    args.rounds = int(args.rounds)
    if args.render is not None:
        if args.baseline is not None or args.output is not None:
            parser.error("--render takes only the JSON to render")
    elif args.candidate is None:
        parser.error(f"give two refs: BASELINE CANDIDATE (git refs of this repository, or {WORKTREE!r})")
    if args.output is not None and args.output.suffix != ".json":
        parser.error(f"--output: expected a path ending in .json, got {str(args.output)!r}")
    for extra in args.extra:
        if not extra.replace("-", "").replace("_", "").isalnum():
            parser.error(f"--extra: not an extra's name: {extra!r}")
    return parser, args


def _checked_sides(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[Side]:
    """Both sides, their refs resolved, refused before anything is installed if they cannot be run."""
    work_dir = args.work_dir.resolve()
    if work_dir.is_relative_to(REPO):
        parser.error(f"--work-dir {work_dir}: must be outside the repository (`worktree` would take it in)")
    refs = (args.baseline, args.candidate)
    for role, ref in zip(ROLES, refs, strict=True):
        if ref != WORKTREE and commit_of(ref) is None:
            parser.error(f"{role}: {ref!r} is not a commit of {REPO} (nor {WORKTREE!r}, the working tree)")
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)  # fails now rather than after the runs
    return [Side(role, ref, work_dir, sorted(set(args.extra))) for role, ref in zip(ROLES, refs, strict=True)]


def _prepared(sides: list[Side], args: argparse.Namespace, env: dict[str, str]) -> dict[str, dict[str, str]]:
    """Install both sides alike and probe them; each side's run environment."""
    extras = sorted(set(args.extra))
    for side in sides:
        print(f"{side.name()}: {side.describe} {side.subject}", flush=True)
    for side in sides:
        if side is sides[0] or side.dir != sides[0].dir:  # the same tree twice (an A/A run: the noise) installs once
            install(side, extras, {**env, "UV_COMPILE_BYTECODE": "1"})
    # The sides' environments differ only in which .venv/bin comes first, should the pipeline start a tool by name.
    envs = {s.role: {**env, **RUN_ENV, "PATH": f"{s.src}/.venv/bin{os.pathsep}{env.get('PATH', '')}"} for s in sides}
    for side in sides:
        probe(side, envs[side.role], args.memory_limit)
    if args.memory_limit is not None:
        got = [s.role for s in sides if s.gets_memory_limit]
        lacking = " (the other's `run --help` does not list it)" if len(got) == 1 else ""
        print(
            f"--memory-limit {args.memory_limit}: given to {' and '.join(got) or 'neither side'}{lacking}", flush=True
        )
    return envs


def _alternated(sides: list[Side], args: argparse.Namespace, envs: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Every round's runs, ABBA: the baseline first in odd rounds, the candidate first in even ones."""
    runs: list[dict[str, Any]] = []
    for round_ in range(1, args.rounds + 1):
        for side in sides if round_ % 2 else sides[::-1]:
            flags = ["--scale", args.scale, *([] if args.profile else ["--no-profile"])]
            flags += ["--memory-limit", args.memory_limit] if side.gets_memory_limit else []
            runs.append(run_once(side, round_, flags, envs[side.role], args.work_dir.resolve() / "runs"))
            print(run_line(runs[-1], side.ref), flush=True)
    return runs


def main(argv: list[str] | None = None) -> int:
    parser, args = parse(argv)
    if args.render is not None:
        try:
            print(write_render(args.render))
        except (OSError, ValueError, KeyError, TypeError) as error:
            parser.error(f"--render {args.render}: not an ab_run result ({error!r})")
        return 0
    sides = _checked_sides(parser, args)
    env, removed = base_env()
    runs = _alternated(sides, args, _prepared(sides, args, env))
    extras = sorted(set(args.extra))
    results: dict[str, Any] = {
        "command": command_line(args),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "options": {
            "scale": args.scale,
            "rounds": args.rounds,
            "extras": extras,
            "profile": args.profile,
            "memory_limit": args.memory_limit,
        },
        "install": [shlex.join(s) for s in install_steps(extras)],
        "environment": {"set": {**RUN_ENV, "PATH": "<side>/.venv/bin first"}, "removed": removed},
        "order": "ABBA",
        "sides": [s.record() for s in sides],
        "runs": runs,
    }
    results["summary"] = summarise(runs)
    print("\n".join(["", *summary_lines(results)]))
    if args.output is not None:
        args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.output} and {write_render(args.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
