"""Every setting read from its ``ECOM_*`` variable, as the README documents ("every option also reads an ECOM_
environment variable"): one test each, through the CLI, asserting what the variable changes.

Servers are not started: ``api`` and ``dashboard`` end by replacing the process with the server, which the
tests intercept to read the command line and environment the server would get.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import fields
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline import lake
from pipeline.settings import Settings
from tests.support.cli import RunCli, clean_env

SMALL = ("--scale", "0.01", "--workers", "1")  # 20 customers, 6 products, 40 orders, 100 items, 40 payments
SMALL_ROWS = {"customers": 20, "products": 6, "orders": 40, "order_items": 100, "payments": 40}


@pytest.fixture(autouse=True)
def _elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run where a default ./data is harmless: never in the source tree."""
    monkeypatch.chdir(tmp_path)


def manifest(data_dir: Path) -> dict[str, Any]:
    return dict(json.loads((data_dir / "manifest.json").read_text()))


def generated(run_cli: RunCli, data_dir: Path, *options: str) -> dict[str, Any]:
    assert run_cli("generate", "--data-dir", data_dir, *options).status == 0
    return manifest(data_dir)


@pytest.mark.fast
def test_data_dir(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECOM_DATA_DIR", str(tmp_path / "elsewhere"))
    assert run_cli("generate", *SMALL).status == 0
    assert manifest(tmp_path / "elsewhere")["lake"]["row_counts"] == SMALL_ROWS
    assert not (tmp_path / "data").exists()


@pytest.mark.fast
def test_scale(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECOM_SCALE", "0.01")
    record = generated(run_cli, tmp_path / "d", "--workers", "1")["lake"]
    assert (record["scale"], record["row_counts"]) == (0.01, SMALL_ROWS)


@pytest.mark.fast
def test_an_option_wins_over_its_variable(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECOM_SCALE", "0.5")
    assert generated(run_cli, tmp_path / "d", *SMALL)["lake"]["row_counts"] == SMALL_ROWS


@pytest.mark.fast
def test_seed(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    by_option = generated(run_cli, tmp_path / "option", *SMALL, "--seed", "7")["lake"]
    monkeypatch.setenv("ECOM_SEED", "7")
    by_variable = generated(run_cli, tmp_path / "variable", *SMALL)["lake"]
    assert by_variable["seed"] == 7
    assert by_variable["content_hashes"] == by_option["content_hashes"]
    monkeypatch.delenv("ECOM_SEED")
    assert generated(run_cli, tmp_path / "default", *SMALL)["lake"]["content_hashes"] != by_option["content_hashes"]


@pytest.mark.fast
def test_end_date(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECOM_END_DATE", "2020-06-30")
    assert generated(run_cli, tmp_path / "d", *SMALL)["lake"]["end_date"] == "2020-06-30"
    dates = pl.read_parquet(lake.lake_files(tmp_path / "d" / "lake", "orders"))["order_date"]
    assert dates.min() >= dt.date(2017, 7, 1)  # the three years ending on that day
    assert dates.max() <= dt.date(2020, 6, 30)


@pytest.mark.fast
def test_anomaly_rate(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    generated(run_cli, tmp_path / "option", *SMALL, "--anomaly-rate", "0.2")
    monkeypatch.setenv("ECOM_ANOMALY_RATE", "0.2")
    assert generated(run_cli, tmp_path / "variable", *SMALL)["lake"]["anomaly_rate"] == 0.2
    labels = [pl.read_parquet(tmp_path / d / "labels" / "anomalies.parquet") for d in ("option", "variable")]
    assert labels[0].height > 0
    assert labels[1].equals(labels[0])


@pytest.mark.fast
def test_workers(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The generation's chunks run on that many worker processes."""
    from pipeline import stages

    pools: list[int] = []
    generate = stages.generate_lake

    def spy(job: Any, plan: Any, workers: int, labels: Path, advance: Any) -> Any:
        pools.append(workers)
        return generate(job, plan, workers, labels, advance)

    monkeypatch.setattr(stages, "generate_lake", spy)
    monkeypatch.setenv("ECOM_WORKERS", "3")
    generated(run_cli, tmp_path / "d", "--scale", "0.01")
    assert pools == [3]


def test_memory_limit(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The budget is shared out among the command's DuckDB connections: half to the rules and analyses, a sixth
    (at least 64 MiB) to the warehouse's fill."""
    from pipeline import duck

    generated(run_cli, tmp_path / "d", *SMALL)
    limits: list[str] = []
    connect = duck.connect

    def spy(memory_limit: str = duck.MEMORY_LIMIT, *args: Any, **kwargs: Any) -> Any:
        limits.append(memory_limit)
        return connect(memory_limit, *args, **kwargs)

    monkeypatch.setattr(duck, "connect", spy)
    monkeypatch.setenv("ECOM_MEMORY_LIMIT", "600MiB")
    assert run_cli("load", "--data-dir", tmp_path / "d").status == 0
    assert {"300MiB", "100MiB"} <= set(limits)
    assert set(limits) <= {"300MiB", "100MiB"}


def test_keep_builds(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECOM_KEEP_BUILDS", "1")
    for seed in ("1", "2", "3"):
        generated(run_cli, tmp_path / "d", *SMALL, "--seed", seed)
    kept = sorted(p.name for p in (tmp_path / "d" / "builds").iterdir())
    assert len(kept) == 2  # the current set and one before it
    assert (tmp_path / "d" / "current").resolve().name == kept[-1]


def test_fault_at(tmp_path: Path) -> None:
    """The tests' kill switch: the command dies at the named publishing step (after it, here: the new set is
    current, and the command was killed before it could say so)."""
    environment = clean_env(ECOM_FAULT_AT="switched")
    command = [sys.executable, "-m", "pipeline", "generate", "--data-dir", str(tmp_path / "d"), *SMALL]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert (tmp_path / "d" / "current" / "lake" / "_lake.json").is_file()


def test_warehouse(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The warehouse can have a path of the user's choosing: a link to the current set's, kept up to date."""
    generated(run_cli, tmp_path / "d", *SMALL)
    monkeypatch.setenv("ECOM_WAREHOUSE", str(tmp_path / "elsewhere" / "shop.sqlite"))
    assert run_cli("load", "--data-dir", tmp_path / "d").status == 0
    assert manifest(tmp_path / "d")["warehouse"]["path"] == str(tmp_path / "elsewhere" / "shop.sqlite")
    assert (tmp_path / "elsewhere" / "shop.sqlite").resolve() == (tmp_path / "d" / "warehouse.sqlite").resolve()
    assert (tmp_path / "elsewhere" / "shop.sqlite").resolve().parent == (tmp_path / "d" / "current").resolve()
    # Loaded from the generated lake: the warehouse says which seed and scale it holds.
    assert manifest(tmp_path / "d")["warehouse"]["source"] == "lake"
    with closing(sqlite3.connect(f"file:{tmp_path / 'd' / 'warehouse.sqlite'}?mode=ro", uri=True)) as db:
        assert db.execute("select source, seed, scale from build_record").fetchall() == [("lake", 42, 0.01)]


Server = tuple[list[str], dict[str, str]]  # the command line and environment a server would start with


@pytest.fixture
def serve(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[str], Server]:
    """Run ``api`` or ``dashboard`` up to the point where the process would become the server."""
    from pipeline.commands import serve as serving

    started: list[Server] = []
    monkeypatch.setattr(serving, "replace_process", lambda argv, s: started.append((argv, serving.environment(s))))

    def run(command: str) -> Server:
        assert run_cli(command, "--data-dir", tmp_path / "d").status == 0
        (server,) = started
        return server

    return run


def after(argv: list[str], option: str) -> str:
    return argv[argv.index(option) + 1]


@pytest.mark.fast
def test_api_host(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_API_HOST", "0.0.0.0")
    assert after(serve("api")[0], "--host") == "0.0.0.0"


@pytest.mark.fast
def test_api_port(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_API_PORT", "8123")
    assert after(serve("api")[0], "--port") == "8123"


@pytest.mark.fast
def test_api_workers(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_API_WORKERS", "2")
    assert after(serve("api")[0], "--workers") == "2"


@pytest.mark.fast
def test_api_keys(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    """The keys reach the API's own settings, which it builds from its environment: blanks dropped."""
    monkeypatch.setenv("ECOM_API_KEYS", " key-one, ,key-two ")
    assert serve("api")[1]["ECOM_API_KEYS"] == "key-one,key-two"


@pytest.mark.fast
def test_api_query_seconds(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    """The analyses' time limit reaches the API's own settings (its effect: tests/api/test_limits.py)."""
    monkeypatch.setenv("ECOM_API_QUERY_SECONDS", "2.5")
    assert Settings.load(environ=serve("api")[1]).api_query_seconds == 2.5


@pytest.mark.fast
def test_api_query_slots(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    """How many analyses run at once reaches the API's own settings (its effect: tests/api/test_limits.py)."""
    monkeypatch.setenv("ECOM_API_QUERY_SLOTS", "3")
    assert Settings.load(environ=serve("api")[1]).api_query_slots == 3


@pytest.mark.fast
def test_api_max_rows(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    """The answers' row cap reaches the API's own settings (its effect: tests/api/routes/test_exports.py)."""
    monkeypatch.setenv("ECOM_API_MAX_ROWS", "2_500")
    assert Settings.load(environ=serve("api")[1]).api_max_rows == 2500


@pytest.mark.fast
def test_api_max_body_bytes(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    """The body limit reaches the API's own settings (its effect: tests/api/test_intake.py)."""
    monkeypatch.setenv("ECOM_API_MAX_BODY_BYTES", "65536")
    assert Settings.load(environ=serve("api")[1]).api_max_body_bytes == 65536


@pytest.mark.fast
def test_api_write_wait_seconds(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    """The writes' wait reaches the API's own settings (its effect: tests/api/test_writer.py)."""
    monkeypatch.setenv("ECOM_API_WRITE_WAIT_SECONDS", "0.75")
    assert Settings.load(environ=serve("api")[1]).api_write_wait_seconds == 0.75


@pytest.mark.fast
def test_api_cache_seconds(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache-Control's max-age reaches the API's own settings (its effect: tests/api/test_caching.py)."""
    monkeypatch.setenv("ECOM_API_CACHE_SECONDS", "300")
    assert Settings.load(environ=serve("api")[1]).api_cache_seconds == 300


@pytest.mark.fast
def test_api_cors_origins(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    """The CORS origins reach the API's own settings, blanks dropped (their effect: tests/api/test_caching.py)."""
    monkeypatch.setenv("ECOM_API_CORS_ORIGINS", " https://shop.example, ,http://localhost:3000 ")
    assert Settings.load(environ=serve("api")[1]).api_cors_origins == ("https://shop.example", "http://localhost:3000")


@pytest.mark.fast
def test_dashboard_host(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_DASHBOARD_HOST", "127.0.0.2")
    assert after(serve("dashboard")[0], "--server.address") == "127.0.0.2"


@pytest.mark.fast
def test_dashboard_port(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_DASHBOARD_PORT", "8600")
    assert after(serve("dashboard")[0], "--server.port") == "8600"


@pytest.mark.fast
def test_every_setting_has_a_test() -> None:
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert {f.name for f in fields(Settings)} <= tested


INVALID = {
    "ECOM_DATA_DIR": (" ", "should be a path"),
    "ECOM_SEED": ("seven", "should be an integer"),
    "ECOM_SCALE": ("0", "should be greater than 0"),
    "ECOM_END_DATE": ("2025-02-30", "should be a valid date, YYYY-MM-DD"),
    "ECOM_ANOMALY_RATE": ("0.5", "should be less than or equal to 0.2"),
    "ECOM_WORKERS": ("0", "should be greater than or equal to 1"),
    "ECOM_API_PORT": ("http", "should be an integer"),
    "ECOM_API_WORKERS": ("65", "should be less than or equal to 64"),
    "ECOM_API_QUERY_SECONDS": ("0", "should be greater than 0"),
    "ECOM_API_QUERY_SLOTS": ("many", "should be an integer"),
    "ECOM_API_MAX_ROWS": ("99", "should be greater than or equal to 100"),
    "ECOM_API_MAX_BODY_BYTES": ("1MiB", "should be an integer"),
    "ECOM_API_WRITE_WAIT_SECONDS": ("0", "should be greater than 0"),
    "ECOM_API_CACHE_SECONDS": ("-1", "should be greater than or equal to 0"),
    "ECOM_API_CORS_ORIGINS": (
        "https://shop.example/,ftp://x",
        "should be origins such as https://shop.example or http://localhost:3000, or *; not https://shop.example/, "
        "ftp://x",
    ),
    "ECOM_DASHBOARD_PORT": ("70000", "should be less than or equal to 65535"),
    "ECOM_FAULT_AT": (
        "renaming",
        "should be one of the publishing steps built, synced, renamed, switched, linked, retired (or empty), "
        "not 'renaming'",
    ),
}


@pytest.mark.fast
@pytest.mark.parametrize(("variable", "bad"), INVALID.items(), ids=INVALID.keys())
def test_a_bad_variable_is_named(
    variable: str, bad: tuple[str, str], run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    value, problem = bad
    monkeypatch.setenv(variable, value)
    where = [] if variable == "ECOM_DATA_DIR" else ["--data-dir", tmp_path / "d"]
    result = run_cli("generate", *where)  # refused before any work, whatever the other settings
    assert result.status == 2
    assert result.err.strip() == f"error: {variable}: {problem} (got {value!r})"
    assert not (tmp_path / "d").exists()
