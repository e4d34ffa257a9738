"""Every setting read from its ``ECOM_*`` variable, as the README documents ("every option also reads an ECOM_
environment variable"): one test each, through the CLI, asserting what the variable changes.

Servers are not started: ``api`` and ``dashboard`` end by replacing the process with the server, which the
tests intercept to read the command line and environment the server would get.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline import lake
from pipeline.settings import Settings
from pipeline.warehouse import build
from tests.support.cli import RunCli

pytestmark = pytest.mark.fast

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


def test_data_dir(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECOM_DATA_DIR", str(tmp_path / "elsewhere"))
    assert run_cli("generate", *SMALL).status == 0
    assert manifest(tmp_path / "elsewhere")["lake"]["row_counts"] == SMALL_ROWS
    assert not (tmp_path / "data").exists()


def test_scale(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECOM_SCALE", "0.01")
    record = generated(run_cli, tmp_path / "d", "--workers", "1")["lake"]
    assert (record["scale"], record["row_counts"]) == (0.01, SMALL_ROWS)


def test_an_option_wins_over_its_variable(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECOM_SCALE", "0.5")
    assert generated(run_cli, tmp_path / "d", *SMALL)["lake"]["row_counts"] == SMALL_ROWS


def test_seed(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    by_option = generated(run_cli, tmp_path / "option", *SMALL, "--seed", "7")["lake"]
    monkeypatch.setenv("ECOM_SEED", "7")
    by_variable = generated(run_cli, tmp_path / "variable", *SMALL)["lake"]
    assert by_variable["seed"] == 7
    assert by_variable["content_hashes"] == by_option["content_hashes"]
    monkeypatch.delenv("ECOM_SEED")
    assert generated(run_cli, tmp_path / "default", *SMALL)["lake"]["content_hashes"] != by_option["content_hashes"]


def test_end_date(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECOM_END_DATE", "2020-06-30")
    assert generated(run_cli, tmp_path / "d", *SMALL)["lake"]["end_date"] == "2020-06-30"
    dates = pl.read_parquet(lake.lake_files(tmp_path / "d" / "lake", "orders"))["order_date"]
    assert dates.min() >= dt.date(2017, 7, 1)  # the three years ending on that day
    assert dates.max() <= dt.date(2020, 6, 30)


def test_anomaly_rate(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    generated(run_cli, tmp_path / "option", *SMALL, "--anomaly-rate", "0.2")
    monkeypatch.setenv("ECOM_ANOMALY_RATE", "0.2")
    assert generated(run_cli, tmp_path / "variable", *SMALL)["lake"]["anomaly_rate"] == 0.2
    labels = [pl.read_parquet(tmp_path / d / "labels" / "anomalies.parquet") for d in ("option", "variable")]
    assert labels[0].height > 0
    assert labels[1].equals(labels[0])


def test_workers(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Three workers fill the warehouse in three parallel parts."""
    generated(run_cli, tmp_path / "d", *SMALL)
    groups: list[list[list[str]]] = []

    def split_tables(rows: dict[str, int], workers: int) -> list[list[str]]:
        groups.append(split(rows, workers))
        return groups[-1]

    split = build.split_tables
    monkeypatch.setattr(build, "split_tables", split_tables)
    monkeypatch.setenv("ECOM_WORKERS", "3")
    assert run_cli("load", "--data-dir", tmp_path / "d").status == 0
    assert [len(g) for g in groups] == [3]


def test_warehouse(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    generated(run_cli, tmp_path / "d", *SMALL)
    monkeypatch.setenv("ECOM_WAREHOUSE", str(tmp_path / "elsewhere" / "shop.sqlite"))
    assert run_cli("load", "--data-dir", tmp_path / "d").status == 0
    assert manifest(tmp_path / "d")["warehouse"]["path"] == str(tmp_path / "elsewhere" / "shop.sqlite")
    assert (tmp_path / "elsewhere" / "shop.sqlite").is_file()
    assert not (tmp_path / "d" / "warehouse.sqlite").exists()


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


def test_api_host(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_API_HOST", "0.0.0.0")
    assert after(serve("api")[0], "--host") == "0.0.0.0"


def test_api_port(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_API_PORT", "8123")
    assert after(serve("api")[0], "--port") == "8123"


def test_api_workers(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_API_WORKERS", "2")
    assert after(serve("api")[0], "--workers") == "2"


def test_api_keys(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    """The keys reach the API's own settings, which it builds from its environment: blanks dropped."""
    monkeypatch.setenv("ECOM_API_KEYS", " key-one, ,key-two ")
    assert serve("api")[1]["ECOM_API_KEYS"] == "key-one,key-two"


def test_api_query_seconds(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    """The analyses' time limit reaches the API's own settings (its effect: tests/api/test_limits.py)."""
    monkeypatch.setenv("ECOM_API_QUERY_SECONDS", "2.5")
    assert Settings.load(environ=serve("api")[1]).api_query_seconds == 2.5


def test_api_query_slots(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    """How many analyses run at once reaches the API's own settings (its effect: tests/api/test_limits.py)."""
    monkeypatch.setenv("ECOM_API_QUERY_SLOTS", "3")
    assert Settings.load(environ=serve("api")[1]).api_query_slots == 3


def test_dashboard_host(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_DASHBOARD_HOST", "127.0.0.2")
    assert after(serve("dashboard")[0], "--server.address") == "127.0.0.2"


def test_dashboard_port(serve: Callable[[str], Server], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_DASHBOARD_PORT", "8600")
    assert after(serve("dashboard")[0], "--server.port") == "8600"


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
    "ECOM_DASHBOARD_PORT": ("70000", "should be less than or equal to 65535"),
}


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
