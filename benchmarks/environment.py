"""The machine and versions every benchmark result records, and the command as it may be published.

Results are committed beside the pages that quote them, so they must not carry where they were run: an absolute
path names one machine's layout (and sometimes a user), and means nothing to a reader.
"""

from __future__ import annotations

import os
import platform
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
OTHER_PATH = "<path>"  # an absolute path outside the repository given to an option without a placeholder


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def recorded_path(value: str | os.PathLike[str], placeholder: str = OTHER_PATH) -> str:
    """``value`` relative to the repository when it is inside it (relative paths taken from the working
    directory), else ``placeholder``."""
    path = (Path.cwd() / value).resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else placeholder


def command_line(program: str, argv: Sequence[str], placeholders: Mapping[str, str]) -> str:
    """``program`` with ``argv`` as a published result may record it: the value of each option named in
    ``placeholders`` (``{"--data-dir": "<data dir>"}``), and any other absolute path, goes through
    :func:`recorded_path`. Both ``--option value`` and ``--option=value`` are understood."""
    words = [program]
    pending: str | None = None  # the placeholder of the option just seen, whose value comes next
    for arg in argv:
        option, equals, value = arg.partition("=")
        if pending is not None:
            words.append(recorded_path(arg, pending))
            pending = None
        elif equals and option in placeholders:
            words.append(f"{option}={recorded_path(value, placeholders[option])}")
        elif arg in placeholders:
            words.append(arg)
            pending = placeholders[arg]
        elif arg.startswith("/"):
            words.append(recorded_path(arg))
        else:
            words.append(arg)
    # Quoted where a shell would split or strip it (an option's value with spaces), so that the line can be re-run.
    quoted = [shlex.quote(word) if any(c.isspace() or c in "'\"" for c in word) else word for word in words[1:]]
    return " ".join([program, *quoted])
