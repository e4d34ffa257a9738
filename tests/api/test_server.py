"""A real uvicorn in a subprocess: reads and writes through a rebuild's swap, and schemathesis over the whole API."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pipeline.settings import PROJECT_ROOT
from tests.support.api import KEY, server, sql
from tests.support.cli import clean_env

READS = ["/customers/3", "/orders/7", "/orders?min_total=50&limit=20", "/analytics/category-revenue", "/ready"]


def build_id(warehouse: Path) -> str:
    return str(sql(warehouse, "SELECT build_id FROM build_record")[0][0])


def rebuild(data_dir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pipeline", "load", "--data-dir", str(data_dir), "--workers", "1", *options]
    return subprocess.run(
        command, cwd=PROJECT_ROOT, env=clean_env(), capture_output=True, text=True, timeout=300, check=False
    )


class Load:
    """Clients calling ``work`` in threads until stopped; they count what they did and keep what went wrong."""

    def __init__(self, base: str, threads: int, work: Callable[[httpx.Client, int, int], None]) -> None:
        self.failures: list[str] = []
        self.done = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()

        def loop(number: int) -> None:
            with httpx.Client(base_url=base, timeout=60) as http:
                step = 0
                while not self._stop.is_set():
                    try:
                        work(http, number, step)
                    except Exception as error:  # every failure is counted, whatever it is
                        with self._lock:
                            self.failures.append(repr(error))
                    with self._lock:
                        self.done += 1
                    step += 1

        self._threads = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
        for thread in self._threads:
            thread.start()

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while self.done < count:
            assert time.monotonic() < deadline, f"only {self.done} requests in a minute: {self.failures[:3]}"
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def test_reads_never_fail_while_a_rebuild_swaps_the_warehouse(rebuildable: Path) -> None:
    warehouse = rebuildable / "warehouse.sqlite"
    old = build_id(warehouse)

    def read(http: httpx.Client, number: int, step: int) -> None:
        response = http.get(READS[(number + step) % len(READS)])
        assert response.status_code == 200, response.text

    with server(rebuildable) as base:
        load = Load(base, threads=4, work=read)
        try:
            load.wait_for(50)
            before = load.done
            outcome = rebuild(rebuildable)
            during = load.done - before
            new = build_id(warehouse)
            served = httpx.get(f"{base}/ready", timeout=30).json()["build_id"]
            load.wait_for(load.done + 50)
        finally:
            load.stop()
    assert outcome.returncode == 0, outcome.stderr
    assert new != old
    assert served == new  # the new build is served as soon as it is in place
    assert during > 20  # the readers really were reading through the rebuild
    assert load.failures == []


def test_an_acknowledged_write_is_never_lost_across_a_rebuild(rebuildable: Path) -> None:
    warehouse = rebuildable / "warehouse.sqlite"
    acknowledged: list[str] = []

    def write(http: httpx.Client, number: int, step: int) -> None:
        email = f"writer{number}.{step}@example.com"
        customer = {"first_name": "W", "last_name": str(step), "email": email, "signup_date": "2024-01-01"}
        response = http.post("/customers", json=customer, headers={"X-API-Key": KEY})
        assert response.status_code == 201, response.text
        acknowledged.append(email)

    with server(rebuildable) as base:
        load = Load(base, threads=2, work=write)
        try:
            load.wait_for(10)
            outcome = rebuild(rebuildable, "--discard-edits")
            load.wait_for(load.done + 10)
        finally:
            load.stop()
    assert outcome.returncode == 0, outcome.stderr
    assert load.failures == []
    kept = {email for (email,) in sql(warehouse, "SELECT email FROM customers WHERE email LIKE 'writer%'")}
    archived = {
        json.loads(json.loads(line)["after"])["email"]
        for archive in (rebuildable / "edits").glob("*.jsonl")
        for line in archive.read_text().splitlines()
    }
    assert archived  # writes made before the swap were archived ...
    assert kept  # ... and writes made after it are in the new warehouse
    assert set(acknowledged) <= kept | archived
    assert not kept & archived


# Schemathesis's coverage phase (two thirds of a run) sends the same requests whatever the seed: 3,843 identical
# ones for seeds 1 and 2, compared through its HAR reports. So it runs with the first seed only; the phases that
# draw at random run with every seed, after the document's examples (cheap, and the known rows without which
# fuzzing alone warns that an operation kept answering 404).
RANDOM_PHASES = "examples,fuzzing,stateful"
SEEDED_PHASES = {1: "examples,coverage,fuzzing,stateful", 2: RANDOM_PHASES, 3: RANDOM_PHASES}


@pytest.mark.parametrize("seed", sorted(SEEDED_PHASES))
def test_schemathesis_finds_no_failure(scale1: Path, tmp_path: Path, seed: int) -> None:
    """Every operation, positive and negative data, stateful links, all checks: no 5xx, every response as documented,
    every pattern and bound enforced as written."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(scale1 / "warehouse.sqlite", data_dir / "warehouse.sqlite")
    schemathesis = Path(sys.executable).parent / "schemathesis"
    with server(data_dir) as base:
        result = subprocess.run(
            [
                str(schemathesis), "run", f"{base}/openapi.json",
                "--checks", "all",
                "--seed", str(seed),
                "--phases", SEEDED_PHASES[seed],
                "--max-examples", "8",
                "--workers", "1",
                "--generation-database", "none",
                "--header", f"X-API-Key: {KEY}",
                "--no-color",
            ],
            cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False,
            env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.support.schemathesis_hooks",
                 "PYTHONPATH": str(PROJECT_ROOT)},
        )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
