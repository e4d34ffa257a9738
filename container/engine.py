"""The container engine that works here: Docker when its daemon answers, else podman (with podman-compose).

A Docker CLI can be installed with no daemon behind it (these machines carry one), so the choice is made by
asking ``docker info``, not by finding a ``docker`` command.

    python container/engine.py                   print the engine's name
    python container/engine.py compose ARGS...   run `docker compose ARGS` or `podman-compose ARGS` here
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


class NoEngine(RuntimeError):
    """Neither a Docker daemon nor podman with podman-compose is available."""


@dataclass(frozen=True)
class Engine:
    name: str  # the engine's own command: docker or podman
    compose_command: tuple[str, ...]
    # podman writes OCI images by default, and the OCI format has no HEALTHCHECK: build Docker's format.
    environment: tuple[tuple[str, str], ...] = ()

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {**os.environ, **dict(self.environment), **(extra or {})}

    def compose(self, *args: str) -> list[str]:
        return [*self.compose_command, *args]


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        done = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def detect() -> Engine:
    if _docker_answers():
        return Engine("docker", ("docker", "compose"))
    if shutil.which("podman") and shutil.which("podman-compose"):
        return Engine("podman", ("podman-compose",), (("BUILDAH_FORMAT", "docker"),))
    msg = (
        "no container engine: `docker info` gets no answer from a Docker daemon, and podman with podman-compose "
        "is not installed (on the machines here, run ../shared/container/prepare-host)"
    )
    raise NoEngine(msg)


def main(argv: list[str]) -> int:
    try:
        engine = detect()
    except NoEngine as error:
        print(error, file=sys.stderr)
        return 2
    if not argv:
        print(engine.name)
        return 0
    if argv[0] != "compose":
        print(f"unknown command {argv[0]!r}: expected `compose ARGS...` or nothing", file=sys.stderr)
        return 2
    return subprocess.run(engine.compose(*argv[1:]), cwd=PROJECT_DIR, env=engine.env(), check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
