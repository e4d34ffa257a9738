"""Running a command while sampling its whole process tree: wall and CPU time, memory as the targets name it.

Memory is sampled every 20 ms from ``/proc/<pid>/status`` of every process in the tree: ``VmRSS`` (all
resident pages) and ``RssAnon`` (anonymous pages: heap and stacks, without file-backed pages such as a
memory-mapped database, which are droppable page cache). Reported: the tree's summed peaks, the largest single
process's anonymous peak, and ``getrusage``'s max RSS of the children (the kernel's own high-water mark).
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.02
MIB = 2**20


@dataclass
class Measured:
    seconds: float
    cpu_seconds: float  # user + system time of the whole tree
    load_before: float  # 1-minute load average when it started: other work on the machine skews timings
    load_after: float
    peak_tree_rss_mib: float
    peak_tree_anon_mib: float
    peak_process_anon_mib: float  # the largest single process's anonymous RSS
    max_rss_mib: float  # getrusage(RUSAGE_CHILDREN).ru_maxrss: the largest process's resident high-water mark
    output: str


def _status(pid: int) -> tuple[int, int]:
    """(VmRSS, RssAnon) of one process, in bytes; (0, 0) once it has gone."""
    rss = anon = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("RssAnon:"):
                    anon = int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return rss, anon


def _tree(root: psutil.Process) -> list[int]:
    try:
        return [root.pid, *(child.pid for child in root.children(recursive=True))]
    except psutil.Error:
        return []


def measure(command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Measured:
    """Run ``command`` to its end; raise with its output if it fails."""
    load_before = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    root = psutil.Process(child.pid)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(child.stdout or []), daemon=True)
    reader.start()
    tree_rss = tree_anon = process_anon = 0
    while child.poll() is None:
        samples = [_status(pid) for pid in _tree(root)]
        tree_rss = max(tree_rss, sum(r for r, _ in samples))
        tree_anon = max(tree_anon, sum(a for _, a in samples))
        process_anon = max(process_anon, max((a for _, a in samples), default=0))
        time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    reader.join()
    text = "".join(output)
    if child.returncode != 0:
        msg = f"{' '.join(command)} exited with status {child.returncode}:\n{text[-4000:]}"
        raise RuntimeError(msg)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Measured(
        seconds=seconds,
        cpu_seconds=cpu,
        load_before=load_before,
        load_after=os.getloadavg()[0],
        peak_tree_rss_mib=tree_rss / MIB,
        peak_tree_anon_mib=tree_anon / MIB,
        peak_process_anon_mib=process_anon / MIB,
        max_rss_mib=after.ru_maxrss / 1024,  # KiB on Linux
        output=text,
    )


def median_seconds(command: list[str], runs: int, *, env: dict[str, str] | None = None) -> float:
    """The median wall time of ``runs`` runs of a short command (start-up times)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def wait_for_quiet(max_load: float | None, timeout: float) -> None:
    """Wait (up to ``timeout`` s) until the 1-minute load average is below ``max_load``: other jobs skew timings."""
    if max_load is None:
        return
    deadline = time.monotonic() + timeout
    while os.getloadavg()[0] >= max_load and time.monotonic() < deadline:
        time.sleep(5)


def disk_mib(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / MIB
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / MIB
