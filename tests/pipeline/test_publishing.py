"""A command publishes its outputs as one set, in one switch: killed at any publishing step, refused, or run beside
another, it leaves readers the previous set whole; the next command cleans up after it.

Each kill uses the tests' switch ``ECOM_FAULT_AT=<step>`` (``pipeline.settings.PUBLISHING_STEPS``), which SIGKILLs the
command there, while a live API server and an open ``just sql`` shell read the data directory. What they read
is checked against the files of the set itself, hashed before the command ran.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import pytest

from pipeline.output_sets import OUTPUTS
from pipeline.settings import PROJECT_ROOT, PUBLISHING_STEPS
from tests.support.api import KEY, server
from tests.support.cli import clean_env

RUN = ("run", "--scale", "0.3", "--workers", "1", "--no-profile")
BEFORE_THE_SWITCH = PUBLISHING_STEPS[: PUBLISHING_STEPS.index("switched")]


def pipeline(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pipeline", *args, "--data-dir", str(data_dir)]
    return subprocess.run(
        command, env=clean_env(**env), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def outputs(data_dir: Path) -> dict[str, str]:
    """Every file of the published outputs, read through their stable paths, by content."""
    found = {}
    for name in OUTPUTS:
        path = data_dir / name
        if path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                found[str(file.relative_to(data_dir))] = hashlib.sha256(file.read_bytes()).hexdigest()
    return found


def build_id(warehouse: Path) -> str:
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        return str(db.execute("select build_id from build_record").fetchone()[0])


def leftovers(data_dir: Path) -> list[str]:
    """What a command leaves only when it was killed: sets half built, or built and never switched in."""
    builds = data_dir / "builds"
    current = (data_dir / "current").resolve()
    return sorted(
        p.name for p in builds.iterdir() if p.name.startswith(".") or (p != current and not (p / ".published").exists())
    )


def published_sets(data_dir: Path) -> list[Path]:
    return [p for p in (data_dir / "builds").iterdir() if not p.name.startswith(".")]


class Shell:
    """An open ``just sql`` shell (the DuckDB CLI), asked questions through its standard input."""

    def __init__(self, data_dir: Path) -> None:
        command = [sys.executable, "-m", "pipeline", "sql", "--data-dir", str(data_dir)]
        self.process = subprocess.Popen(
            command, env=clean_env(), cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.unread = b""
        self.ask(".mode list\n.headers off")

    def ask(self, statements: str) -> list[str]:
        """The lines the shell prints for these statements (read from the pipe itself: no buffer to hide them)."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(f"{statements}\n.print __END__\n".encode())
        self.process.stdin.flush()
        end = b"__END__\n"
        while end not in self.unread:
            ready, _, _ = select.select([self.process.stdout], [], [], 60)
            assert ready, "the shell did not answer"
            chunk = os.read(self.process.stdout.fileno(), 65536)
            assert chunk, "the shell exited"
            self.unread += chunk
        answer, self.unread = self.unread.split(end, 1)
        return answer.decode().splitlines()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@contextmanager
def shell(data_dir: Path) -> Iterator[Shell]:
    opened = Shell(data_dir)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding one published set (seed 1)."""
    data_dir = tmp_path_factory.mktemp("published") / "data"
    done = pipeline(data_dir, *RUN, "--seed", "1")
    assert done.returncode == 0, done.stderr
    return data_dir


@pytest.fixture
def data_dir(published: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(published, copy, symlinks=True)
    return copy


def _lake_orders(data_dir: Path) -> int:
    record = json.loads((data_dir / "lake" / "_lake.json").read_text())
    return int(record["row_counts"]["orders"])


@pytest.mark.parametrize("step", PUBLISHING_STEPS)
def test_a_kill_at_each_publishing_step_leaves_readers_one_whole_set(data_dir: Path, step: str) -> None:
    before = outputs(data_dir)
    previous_build = build_id(data_dir / "warehouse.sqlite")
    orders_before = _lake_orders(data_dir)
    with server(data_dir) as base, shell(data_dir) as session:
        assert session.ask("select count(*) from orders;") == [str(orders_before)]
        order_before = httpx.get(f"{base}/orders/1", timeout=10).json()

        killed = pipeline(data_dir, *RUN, "--seed", "2", ECOM_FAULT_AT=step)

        assert killed.returncode == -signal.SIGKILL, killed.stderr
        ready = httpx.get(f"{base}/ready", timeout=10).json()
        order = httpx.get(f"{base}/orders/1", timeout=10).json()
        with closing(sqlite3.connect(f"file:{data_dir / 'warehouse.sqlite'}?mode=ro", uri=True)) as db:
            (total,) = db.execute("select total_amount from orders where order_id = 1").fetchone()
        assert order["total_amount"] == total  # the API answers from the set the stable path shows
        # The shell opened before reads its set to the end, whatever happened: its files are still there.
        assert session.ask("select count(*) from orders; select count(*) from wh.orders;") == [str(orders_before)] * 2
        if step in BEFORE_THE_SWITCH:
            assert outputs(data_dir) == before  # no byte of any output changed
            assert ready["build_id"] == previous_build
            assert order == order_before
        else:
            assert outputs(data_dir) != before
            assert ready["build_id"] == build_id(data_dir / "warehouse.sqlite") != previous_build
            assert order["total_amount"] != order_before["total_amount"]  # seed 2's order 1
            assert json.loads((data_dir / "manifest.json").read_text())["lake"]["seed"] == 2
        # A new shell reads the current set, whole: its lake and its warehouse agree.
        with shell(data_dir) as fresh:
            lake_orders, warehouse_orders = fresh.ask("select count(*) from orders; select count(*) from wh.orders;")
            assert lake_orders == warehouse_orders == str(_lake_orders(data_dir))

        done = pipeline(data_dir, *RUN, "--seed", "3")

        assert done.returncode == 0, done.stderr
        assert leftovers(data_dir) == []
        assert session.ask("select count(*) from orders; select count(*) from wh.orders;") == [str(orders_before)] * 2
        assert httpx.get(f"{base}/ready", timeout=10).json()["build_id"] == build_id(data_dir / "warehouse.sqlite")


@pytest.mark.parametrize(
    "command",
    [("generate", "--scale", "0.3", "--workers", "1", "--seed", "2"), ("load",), ("analyze", "--query", "signups")],
    ids=lambda command: command[0],
)
def test_every_command_publishes_through_the_same_steps(data_dir: Path, command: tuple[str, ...]) -> None:
    """Killed at the last step before the switch, and at the first after it: nothing of the command, then all."""
    before = outputs(data_dir)
    killed = pipeline(data_dir, *command, ECOM_FAULT_AT="renamed")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert outputs(data_dir) == before
    never_current = leftovers(data_dir)
    assert len(never_current) == 1

    killed = pipeline(data_dir, *command, ECOM_FAULT_AT="switched")

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert leftovers(data_dir) == never_current  # deleted by the next retirement, which this kill came before
    changed = {name.split("/")[0] for name, digest in outputs(data_dir).items() if before.get(name) != digest}
    assert (
        changed
        == {
            "generate": {"lake", "labels", "reports", "manifest.json"},
            "load": {"warehouse.sqlite", "reports", "manifest.json"},
            "analyze": {"manifest.json"},  # the result itself is the run's, byte for byte
        }[command[0]]
    )


def test_an_open_reader_keeps_its_set_until_it_closes(data_dir: Path) -> None:
    orders_before = _lake_orders(data_dir)
    held = (data_dir / "current").resolve()
    with shell(data_dir) as session:
        for seed in ("2", "3"):
            assert pipeline(data_dir, *RUN, "--seed", seed).returncode == 0
        # Two sets on, the shell's set is past the one kept for rollback (none by default): its reader's lock keeps
        # it, and only it: the set between went.
        assert session.ask("select count(*) from orders; select count(*) from wh.orders;") == [str(orders_before)] * 2
        assert sorted(published_sets(data_dir)) == sorted([held, (data_dir / "current").resolve()])
    # Once the shell is closed, the next command retires the set it held.
    assert pipeline(data_dir, *RUN, "--seed", "4").returncode == 0
    assert published_sets(data_dir) == [(data_dir / "current").resolve()]


def test_a_run_refused_over_api_writes_changes_no_byte(data_dir: Path) -> None:
    with server(data_dir) as base:
        created = httpx.post(
            f"{base}/products",
            json={"name": "Kept Writer Lamp", "category": "Home & Garden", "price": 12.5},
            headers={"X-API-Key": KEY},
            timeout=30,
        )
        assert created.status_code == 201, created.text
    before = outputs(data_dir)
    builds_before = sorted(p.name for p in (data_dir / "builds").iterdir())

    refused = pipeline(data_dir, *RUN, "--seed", "7")

    assert refused.returncode == 1, refused.stderr
    assert "holds 1 write(s) made through the API" in " ".join(refused.stderr.split())
    assert outputs(data_dir) == before
    assert sorted(p.name for p in (data_dir / "builds").iterdir()) == builds_before
    assert len(list((data_dir / "edits").glob("*.jsonl"))) == 1  # archived, so that nothing is lost either way


def test_one_command_publishes_at_a_time(data_dir: Path) -> None:
    import fcntl

    with (data_dir / ".publish.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        before = outputs(data_dir)

        refused = pipeline(data_dir, "generate", "--scale", "0.1", "--workers", "1")

    assert refused.returncode == 1
    assert "another command is publishing into" in " ".join(refused.stderr.split())
    assert outputs(data_dir) == before


def test_kept_sets_can_be_rolled_back_to(data_dir: Path) -> None:
    first = build_id(data_dir / "warehouse.sqlite")
    assert pipeline(data_dir, *RUN, "--seed", "5", ECOM_KEEP_BUILDS="1").returncode == 0
    listed = pipeline(data_dir, "builds")
    assert listed.returncode == 0, listed.stderr
    older = sorted(p.name for p in (data_dir / "builds").iterdir() if not p.name.startswith("."))[0]
    assert older[:12] in listed.stdout  # the table may cut the id, never its start

    rolled = pipeline(data_dir, "builds", "--rollback", older, ECOM_KEEP_BUILDS="1")

    assert rolled.returncode == 0, rolled.stderr
    assert build_id(data_dir / "warehouse.sqlite") == first
    assert json.loads((data_dir / "manifest.json").read_text())["lake"]["seed"] == 1
    # The set kept next is the one current last (the set rolled back to), not the newest made.
    assert pipeline(data_dir, "analyze", "--query", "top_customers", ECOM_KEEP_BUILDS="1").returncode == 0
    kept = [p.name for p in published_sets(data_dir)]
    assert len(kept) == 2
    assert older in kept
    unknown = pipeline(data_dir, "builds", "--rollback", "no-such-set")
    assert unknown.returncode == 2
    assert "no published set 'no-such-set'" in unknown.stderr


def test_a_data_directory_from_before_sets_is_taken_over(tmp_path: Path, published: Path) -> None:
    """Outputs as plain files and directories (the layout of earlier versions) become the links of a new set."""
    old = tmp_path / "data"
    old.mkdir()
    for name in OUTPUTS:
        source = published / name
        if source.is_dir():
            shutil.copytree(source, old / name)
        elif source.is_file():
            shutil.copy2(source, old / name)
    orders = _lake_orders(old)

    done = pipeline(old, "analyze", "--query", "top_customers")

    assert done.returncode == 0, done.stderr
    assert all((old / name).is_symlink() for name in ("lake", "labels", "analysis", "warehouse.sqlite"))
    assert _lake_orders(old) == orders  # carried into the new set
    assert (old / "analysis" / "top_customers.parquet").is_file()
    assert not list((old / "builds").glob(".legacy-*"))
