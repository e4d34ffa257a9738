"""The sweep's chart: wall time, CPU time and memory against the scale, the targets drawn in."""

from __future__ import annotations

from pathlib import Path

from benchmarks.sweep.scenarios import Sweep
from benchmarks.sweep.targets import BUDGET_MARGIN_MIB, E2E_SECONDS, default_budget_mib


def plot(sweep: Sweep, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = sweep.runs
    scales = [r.scale for r in runs]
    fig, (ax_time, ax_memory) = plt.subplots(1, 2, figsize=(12, 4.5))
    ax_time.plot(scales, [r.run.seconds for r in runs], marker="o", color="black", label="run, wall")
    ax_time.plot(scales, [r.run.cpu_seconds for r in runs], marker="o", linestyle="--", label="run, CPU (tree)")
    baseline = [(r.scale, r.baseline.seconds) for r in runs if r.baseline]
    if baseline:
        ax_time.plot(*zip(*baseline, strict=True), marker="x", linestyle=":", label="previous version, wall")
    ax_time.axhline(E2E_SECONDS, color="red", linestyle=":", label=f"target at 1000 ({E2E_SECONDS:.0f} s)")
    ax_memory.plot(scales, [r.run.peak_process_anon_mib for r in runs], marker="o", label="largest process, anon")
    ax_memory.plot(scales, [r.run.peak_tree_anon_mib for r in runs], marker="o", label="process tree, anon")
    limit = default_budget_mib(sweep.machine["ram_gib"]) + BUDGET_MARGIN_MIB
    ax_memory.axhline(limit, color="red", linestyle=":", label=f"default budget + margin ({limit:,.0f} MiB)")
    for ax, title, unit in ((ax_time, "time", "seconds"), (ax_memory, "peak memory", "MiB")):
        ax.set_xscale("log")
        ax.set_xlabel("scale factor (1 = 20,600 rows)")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    ax_time.set_yscale("log")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
