"""``just bench-scale``: the whole pipeline at several scales, its baselines and the targets, measured in one sweep.

measure.py samples a command's process tree; scenarios.py says what runs (the pipeline at each scale, the load
alone, the baselines, start-up, a newcomer's first run); targets.py computes each target on exactly what it
names; render.py writes the generated page and plot.py its chart. ``python -m benchmarks.sweep --help``.
"""
