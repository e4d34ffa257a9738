"""Container smoke test (``just docker-smoke``): the image builds and the compose project really runs.

Builds the image, brings the compose project up at scale 0.1 on free ports of 127.0.0.1 under a project name of
its own, waits for the pipeline service to exit 0, then checks that the API's ``/ready`` reports the build and
the row counts expected at that scale, that the API and dashboard answer and their containers' health checks
pass, and that a CLI command in a fresh container (``profile``) works on the same volume. Everything is taken
down with its volume whatever failed. Docker when its daemon answers, else podman (``engine.py``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from engine import PROJECT_DIR, Engine, NoEngine, detect

SCALE = "0.1"
SEED = 42
# DESIGN.md's rows at scale 1 (2,000 / 600 / 4,000 / 10,000 / 4,000), times 0.1.
EXPECTED_ROWS = {"customers": 200, "products": 60, "orders": 400, "order_items": 1000, "payments": 400}
PIPELINE_SECONDS = 600  # generous: scale 0.1 takes about 10 s here, but CI machines are shared
SERVE_SECONDS = 180


class SmokeFailed(Exception):
    """A check failed; the message says which and what was seen."""


def free_ports(count: int) -> list[int]:
    """Ports of 127.0.0.1 that nothing listens on; held open together while chosen, so they differ."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def step(message: str) -> None:
    print(f"[smoke {time.strftime('%H:%M:%S')}] {message}", flush=True)


def wait_for(what: str, seconds: float, attempt: Callable[[], Any]) -> Any:
    """Call ``attempt`` until it returns something other than None; SmokeFailed with the last error on timeout."""
    deadline = time.monotonic() + seconds
    last: object = "no answer"
    while time.monotonic() < deadline:
        try:
            result = attempt()
        except (OSError, ValueError) as error:  # not up yet: refused, reset, a 503, a partial body
            last = error
        else:
            if result is not None:
                return result
        time.sleep(2)
    msg = f"{what}: not within {seconds:.0f} s (last: {last})"
    raise SmokeFailed(msg)


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


class Project:
    """The compose project under test, run with ``engine`` under its own name, ports and volume."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.name = f"ecom-smoke-{os.getpid()}"
        self.api_port, self.dashboard_port = free_ports(2)
        self.env = engine.env(
            {
                "ECOM_SCALE": SCALE,
                "ECOM_SEED": str(SEED),
                "ECOM_API_PORT": str(self.api_port),
                "ECOM_DASHBOARD_PORT": str(self.dashboard_port),
                "ECOM_API_KEYS": "",
            }
        )

    def compose(self, *args: str, capture: bool = False, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        command = self.engine.compose("-p", self.name, *args)
        return subprocess.run(
            command, cwd=PROJECT_DIR, env=self.env, text=True, capture_output=capture, timeout=timeout, check=False
        )

    def must(self, *args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
        done = self.compose(*args, capture=capture)
        if done.returncode != 0:
            detail = f":\n{done.stdout}{done.stderr}" if capture else ""
            msg = f"`{' '.join(self.engine.compose(*args))}` exited {done.returncode}{detail}"
            raise SmokeFailed(msg)
        return done

    def inspect(self, *args: str) -> str:
        """The output of ``<engine> ARGS`` (ps, inspect: the same options on both engines)."""
        command = [self.engine.name, *args]
        return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout

    def container(self, service: str) -> str:
        """The id of the service's container (both engines label them as compose does)."""
        ids = self.inspect(
            "ps", "--all", "--quiet",
            "--filter", f"label=com.docker.compose.project={self.name}",
            "--filter", f"label=com.docker.compose.service={service}",
        ).split()  # fmt: skip
        if len(ids) != 1:
            msg = f"expected one container of service {service!r}, found {len(ids)}"
            raise SmokeFailed(msg)
        return ids[0]

    def state(self, container: str) -> tuple[str, int]:
        status, code = self.inspect("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", container).split()
        return status, int(code)

    def healthy(self, container: str) -> bool:
        """Whether the container's own health check passes (podman runs it on request: no systemd timers here)."""
        if self.engine.name == "podman":
            command = ["podman", "healthcheck", "run", container]
            return subprocess.run(command, capture_output=True, timeout=60, check=False).returncode == 0
        return self.inspect("inspect", "--format", "{{.State.Health.Status}}", container).strip() == "healthy"


def check_pipeline(project: Project) -> None:
    container = project.container("pipeline")

    def exited() -> tuple[str, int] | None:
        status, code = project.state(container)
        return (status, code) if status in ("exited", "stopped") else None

    _, code = wait_for("the pipeline service to finish", PIPELINE_SECONDS, exited)
    if code != 0:
        msg = f"the pipeline service exited {code}"
        raise SmokeFailed(msg)
    step("pipeline service completed (exit 0)")


def check_api(project: Project) -> None:
    base = f"http://127.0.0.1:{project.api_port}"

    def ready() -> dict[str, Any] | None:
        status, body = get(f"{base}/ready")
        return json.loads(body) if status == 200 else None

    answer = wait_for(f"GET {base}/ready", SERVE_SECONDS, ready)
    problems = []
    if answer.get("row_counts") != EXPECTED_ROWS:
        problems.append(f"row_counts {answer.get('row_counts')}, expected {EXPECTED_ROWS}")
    if answer.get("seed") != SEED or answer.get("scale") != float(SCALE):
        problems.append(f"seed {answer.get('seed')!r} and scale {answer.get('scale')!r}, expected {SEED} and {SCALE}")
    if not answer.get("build_id"):
        problems.append(f"no build_id in {answer}")
    if problems:
        msg = "GET /ready: " + "; ".join(problems)
        raise SmokeFailed(msg)
    step(f"GET /ready: build {answer['build_id']}, row counts {answer['row_counts']}")
    status, _ = get(f"{base}/health")
    if status != 200:
        msg = f"GET /health answered {status}"
        raise SmokeFailed(msg)


def check_dashboard(project: Project) -> None:
    url = f"http://127.0.0.1:{project.dashboard_port}/_stcore/health"
    status, body = wait_for(f"GET {url}", SERVE_SECONDS, lambda: get(url))
    if status != 200 or body.strip() != b"ok":
        msg = f"GET /_stcore/health answered {status} {body[:200]!r}, expected 200 'ok'"
        raise SmokeFailed(msg)
    step("dashboard: GET /_stcore/health -> ok")


def check_health(project: Project) -> None:
    for service in ("api", "dashboard"):
        container = project.container(service)

        def passes(container: str = container) -> bool | None:
            return project.healthy(container) or None

        wait_for(f"the {service} container's health check", SERVE_SECONDS, passes)
        step(f"{service}: the container's health check passes")


def check_cli(project: Project) -> None:
    """A fresh container on the same volume: ``profile`` reads the lake the pipeline service wrote."""
    done = project.must("run", "--rm", "--no-deps", "-T", "pipeline", "profile", capture=True)
    lines = [f"{table}: {rows:,} rows" for table, rows in EXPECTED_ROWS.items()]
    missing = [line for line in lines if line not in done.stdout]
    if missing or "profiling_reports/index.html" not in done.stdout:
        msg = f"`profile` in a fresh container: missing {missing or 'the report index'} in its output:\n{done.stdout}"
        raise SmokeFailed(msg)
    step(f"fresh container: `profile` read the lake on the volume ({'; '.join(lines)})")


def main() -> int:
    try:
        project = Project(detect())
    except NoEngine as error:
        print(error, file=sys.stderr)
        return 2
    started = time.monotonic()
    base_image = os.environ.get("PYTHON_IMAGE", "the Dockerfile's default")
    step(f"engine {project.engine.name}, project {project.name}, API port {project.api_port}, "
         f"dashboard port {project.dashboard_port}, base image {base_image}")  # fmt: skip
    failed = True
    try:
        project.must("build", "pipeline")
        step(f"image built ({time.monotonic() - started:.0f} s)")
        up = project.compose("up", "-d")
        check_pipeline(project)  # first: a failed pipeline is the likeliest reason for `up` to fail, named here
        if up.returncode != 0:
            msg = f"`compose up -d` exited {up.returncode}"
            raise SmokeFailed(msg)
        check_api(project)
        check_dashboard(project)
        check_health(project)
        check_cli(project)
        failed = False
    except (SmokeFailed, subprocess.SubprocessError) as error:
        print(f"[smoke] FAILED: {error}", file=sys.stderr)
    finally:
        if failed:
            project.compose("logs", "--tail", "60")
        step("taking the project down with its volume")
        project.compose("down", "--volumes", "--remove-orphans", "--timeout", "20")
    step(f"{'FAILED' if failed else 'passed'} in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
