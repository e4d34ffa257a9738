"""Bad external input is rejected by ``load``: exit status 1, a message naming table, column, rule and count,
a JSON report saying so, and the warehouse that was there before left byte for byte as it was.

Each case copies the good export of the session's scale-1 run (CSV or Parquet), breaks exactly one thing
(usually exactly ``BROKEN`` rows) and loads it over a copy of the good warehouse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline.settings import Settings
from tests.support.cli import Outcome, RunCli
from tests.support.tiers import fast_first

BROKEN = 3  # rows broken per case, where a case breaks rows
ROWS = [10, 11, 12]  # the rows broken (0-based), away from the edges of the file
# The default window (the tests never pass --end-date to load): independent of any ECOM_* variable.
WINDOW_START, WINDOW_END = Settings(workers=1).window

Frames = dict[str, pl.DataFrame]
Breaker = Callable[[Path, str, Frames], None]  # (source dir, format, good frames) -> None

GoodRun = Any  # conftest.GoodRun


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_files(warehouse: Path) -> list[Path]:
    return sorted(warehouse.parent.glob(f".{warehouse.name}.build-*"))


@dataclass(frozen=True)
class Case:
    id: str
    fmt: str
    breaks: Breaker
    table: str
    column: str  # "" for a failure about the whole table or file
    rule: str  # a fragment of the rule text that names the problem
    failing_rows: int | None  # None where the count is not a property of the input (e.g. a missing column)
    shows: tuple[str, ...] = ()  # values the message must show as examples


# --- ways to break a good export -------------------------------------------------------------------------


def _write(source: Path, fmt: str, table: str, frame: pl.DataFrame) -> None:
    path = source / f"{table}.{fmt}"
    if fmt == "csv":
        frame.write_csv(path, date_format="%Y-%m-%d")
    else:
        frame.write_parquet(path)


def _set(table: str, column: str, values: Callable[[pl.DataFrame], list[Any]], dtype: Any = None) -> Breaker:
    """Replace ``column`` in ``ROWS`` of ``table`` by ``values(frame)`` (one per broken row)."""

    def breaks(source: Path, fmt: str, frames: Frames) -> None:
        frame = frames[table]
        new = values(frame)
        assert len(new) == BROKEN
        target = dtype or frame.schema[column]
        column_values = frame.get_column(column).cast(target).scatter(ROWS, pl.Series(column, new, dtype=target))
        _write(source, fmt, table, frame.with_columns(column_values))

    return breaks


def _transform(table: str, change: Callable[[pl.DataFrame], pl.DataFrame]) -> Breaker:
    def breaks(source: Path, fmt: str, frames: Frames) -> None:
        _write(source, fmt, table, change(frames[table]))

    return breaks


def _rows(frame: pl.DataFrame, column: str) -> list[Any]:
    return [frame.get_column(column)[i] for i in ROWS]


def _csv_text(table: str, column: str, texts: list[str]) -> Breaker:
    """Put raw text into a CSV column, as a hand-edited export would have."""

    def breaks(source: Path, fmt: str, frames: Frames) -> None:
        assert fmt == "csv"
        path = source / f"{table}.csv"
        frame = pl.read_csv(path, infer_schema=False)
        values = frame.get_column(column).scatter(ROWS, pl.Series(texts, dtype=pl.String))
        frame.with_columns(values).write_csv(path)

    return breaks


def _payments_before_orders(source: Path, fmt: str, frames: Frames) -> None:
    """Three payments dated the day before their order (orders well inside the window, so nothing else fails)."""
    payments = frames["payments"].join(frames["orders"].select("order_id", "order_date"), on="order_id")
    late_enough = payments.filter(pl.col("order_date") > WINDOW_START + dt.timedelta(days=30)).head(BROKEN)
    early = dict(zip(late_enough["payment_id"], late_enough["order_date"] - dt.timedelta(days=1), strict=True))
    changed = frames["payments"].with_columns(
        pl.col("payment_id")
        .replace_strict(early, default=pl.col("payment_date"), return_dtype=pl.Date)
        .alias("payment_date")
    )
    _write(source, fmt, "payments", changed)


def _empty_file(table: str) -> Breaker:
    def breaks(source: Path, fmt: str, frames: Frames) -> None:
        (source / f"{table}.{fmt}").write_bytes(b"")

    return breaks


def _header_only(table: str) -> Breaker:
    def breaks(source: Path, fmt: str, frames: Frames) -> None:
        _write(source, fmt, table, frames[table].head(0))

    return breaks


def _truncated(table: str) -> Breaker:
    def breaks(source: Path, fmt: str, frames: Frames) -> None:
        path = source / f"{table}.{fmt}"
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])

    return breaks


def _removed(table: str) -> Breaker:
    def breaks(source: Path, fmt: str, frames: Frames) -> None:
        (source / f"{table}.{fmt}").unlink()

    return breaks


CASES = [
    Case(
        "duplicate-primary-key",
        "csv",
        _set("customers", "customer_id", lambda f: [f["customer_id"][i + 10] for i in ROWS]),
        "customers",
        "customer_id",
        "unique",
        BROKEN,
        ("copies=2",),
    ),
    Case(
        "duplicate-email",
        "parquet",
        _set("customers", "email", lambda f: [f["email"][i + 10] for i in ROWS]),
        "customers",
        "email",
        "unique",
        BROKEN,
        ("copies=2",),
    ),
    Case(
        "orphan-foreign-key",
        "csv",
        _set("order_items", "product_id", lambda f: [900_001, 900_002, 900_003]),
        "order_items",
        "product_id",
        "references products.product_id",
        BROKEN,
        ("900001",),
    ),
    Case(
        "negative-price",
        "parquet",
        _set("products", "price", lambda f: [-p for p in _rows(f, "price")]),
        "products",
        "price",
        "greater_than(0)",
        BROKEN,
    ),
    Case(
        "unknown-category",
        "csv",
        _set("products", "category", lambda f: ["Weapons", "Weapons", "Groceries"]),
        "products",
        "category",
        "isin",
        BROKEN,
        ("Weapons", "Groceries"),
    ),
    Case(
        "unparseable-date",
        "csv",
        _csv_text("orders", "order_date", ["2024-02-30", "yesterday", "31/12/2024"]),
        "orders",
        "order_date",
        "cannot be read as Date",
        BROKEN,
        ("2024-02-30", "yesterday", "31/12/2024"),
    ),
    Case(
        "payment-before-order",
        "parquet",
        _payments_before_orders,
        "payments",
        "payment_date",
        "on or after its order's order_date",
        BROKEN,
    ),
    Case(
        "payment-before-order-csv",
        "csv",
        _payments_before_orders,
        "payments",
        "payment_date",
        "on or after its order's order_date",
        BROKEN,
    ),
    Case(
        "totals-do-not-add-up",
        "parquet",
        _set("orders", "total_amount", lambda f: [round(t + 1.0, 2) for t in _rows(f, "total_amount")]),
        "orders",
        "total_amount",
        "sum of the order's line totals",
        BROKEN,
    ),
    Case(
        "missing-column",
        "csv",
        _transform("customers", lambda f: f.drop("last_name")),
        "customers",
        "last_name",
        "missing column",
        None,
    ),
    Case(
        "extra-column",
        "parquet",
        _transform("customers", lambda f: f.with_columns(pl.lit("gold").alias("loyalty_tier"))),
        "customers",
        "loyalty_tier",
        "unexpected column",
        None,
    ),
    Case(
        "wrong-type-parquet",
        "parquet",
        _transform("order_items", lambda f: f.with_columns(pl.col("quantity").cast(pl.Float64) + 0.5)),
        "order_items",
        "quantity",
        "wrong type: Float64, expected Int64",
        None,
    ),
    Case(
        "wrong-type-parquet-text-for-number",
        "parquet",
        _set("order_items", "quantity", lambda f: ["two", "3 units", "many"], dtype=pl.String),
        "order_items",
        "quantity",
        "wrong type: String, expected Int64",  # Parquet is typed: text is not parsed as it is in CSV
        None,
    ),
    Case(
        "wrong-type-csv",
        "csv",
        _csv_text("order_items", "quantity", ["two", "1.5", "lots"]),
        "order_items",
        "quantity",
        "cannot be read as Int64",
        BROKEN,
        ("two", "1.5", "lots"),
    ),
    Case(
        "date-before-the-window",
        "parquet",
        _set("customers", "signup_date", lambda f: [dt.date(2022, 6, 1), dt.date(2022, 12, 31), dt.date(1999, 1, 1)]),
        "customers",
        "signup_date",
        # the rule names the window itself, not the placeholders of its SQL
        f"inside the generation window [{WINDOW_START}, {WINDOW_END}]",
        BROKEN,
        ("2022-12-31",),
    ),
    Case(
        "missing-value-csv",
        "csv",
        _set("customers", "email", lambda f: [None, None, None]),
        "customers",
        "email",
        "not_nullable",
        BROKEN,
    ),
    Case(
        "missing-value-parquet",
        "parquet",
        _set("order_items", "quantity", lambda f: [None, None, None]),
        "order_items",
        "quantity",
        "not_nullable",
        BROKEN,
    ),
    Case(
        "fraction-of-a-cent",
        "csv",
        _set("products", "price", lambda f: [10.005, 1.001, 99.999]),
        "products",
        "price",
        "whole_cents",
        BROKEN,
    ),
    Case("empty-csv-file", "csv", _empty_file("customers"), "customers", "", "empty", None),
    Case("empty-parquet-file", "parquet", _empty_file("customers"), "customers", "", "cannot read parquet", None),
    Case("header-only-csv", "csv", _header_only("products"), "products", "", "no rows", None),
    Case("no-rows-parquet", "parquet", _header_only("products"), "products", "", "no rows", None),
    Case("truncated-parquet", "parquet", _truncated("orders"), "orders", "", "cannot read parquet file", None),
    Case("missing-table-csv", "csv", _removed("payments"), "payments", "", "missing table", None),
    Case("missing-table-parquet", "parquet", _removed("payments"), "payments", "", "missing table", None),
]


# --- the checks every rejection must pass ----------------------------------------------------------------


def _failure_line(table: str, column: str, rule: str, output: str) -> str:
    """The one line of the output listing the failure of ``rule`` on ``table.column`` (or on ``table``)."""
    prefix = f"{table}.{column}: " if column else f"{table}: "
    lines = [line.strip().removeprefix("- ") for line in output.splitlines()]
    found = [line for line in lines if line.startswith(prefix) and rule in line]
    assert found, f"no failure line starting {prefix!r} with rule text {rule!r} in:\n{output}"
    return found[0]


def _load(run_cli: RunCli, fmt: str, source: Path, warehouse: Path) -> Outcome:
    argv = ["--source", source, "--format", fmt, "--warehouse", warehouse]
    return run_cli("load", "--data-dir", warehouse.parent, *argv)


@pytest.mark.parametrize("case", fast_first(CASES, [c.id for c in CASES]))
def test_bad_input_is_rejected_and_the_warehouse_is_untouched(
    case: Case,
    good_run: GoodRun,
    copy_export: Callable[[str], Path],
    prior_warehouse: Path,
    run_cli: RunCli,
) -> None:
    source = copy_export(case.fmt)
    case.breaks(source, case.fmt, good_run.frames)
    before = sha256(prior_warehouse)

    result = _load(run_cli, case.fmt, source, prior_warehouse)

    assert result.status == 1, result.out + result.err
    assert "Traceback" not in result.out + result.err
    assert re.search(r"invalid data: \d+ check\(s\) failed", result.err), result.err
    line = _failure_line(case.table, case.column, case.rule, result.err)
    if case.failing_rows is not None:
        assert f": {case.failing_rows} failing row(s)" in line, line
    for value in case.shows:
        assert value in line, f"the example {value!r} is not shown in: {line}"
    assert "loaded" not in result.out
    assert sha256(prior_warehouse) == before
    assert build_files(prior_warehouse) == []

    report = json.loads((prior_warehouse.parent / "logs" / "validation.json").read_text())
    assert report["valid"] is False
    assert report["source"] == str(source)
    matching = [
        f
        for f in report["failures"]
        if f["table"] == case.table and f["column"] == case.column and case.rule in f["rule"]
    ]
    assert matching, report["failures"]
    assert isinstance(matching[0]["failing_rows"], int)
    if case.failing_rows is not None:
        assert matching[0]["failing_rows"] == case.failing_rows


DUPLICATIONS = {
    # three rows take the keys of three other rows: three keys twice each
    "three-keys-twice": lambda column: lambda f: [f[column][i + 10] for i in ROWS],
    # three rows take the key of one other row: one key four times
    "one-key-four-times": lambda column: lambda f: [f[column][20]] * BROKEN,
}


@pytest.mark.parametrize("duplication", list(DUPLICATIONS))
@pytest.mark.parametrize(
    ("fmt", "table", "column"),
    [("csv", "customers", "customer_id"), ("parquet", "customers", "email"), ("csv", "order_items", "order_item_id")],
)
def test_duplicate_key_counts_the_duplicated_rows(
    duplication: str,
    fmt: str,
    table: str,
    column: str,
    good_run: GoodRun,
    copy_export: Callable[[str], Path],
    prior_warehouse: Path,
    run_cli: RunCli,
) -> None:
    """Three rows break uniqueness (each repeats a key already used), however the repeats are spread.

    "N failing row(s)" counts rows, as for every other rule: a key held by k rows makes k - 1 of them fail.
    """
    source = copy_export(fmt)
    _set(table, column, DUPLICATIONS[duplication](column))(source, fmt, good_run.frames)
    before = sha256(prior_warehouse)

    result = _load(run_cli, fmt, source, prior_warehouse)

    assert result.status == 1, result.out + result.err
    line = _failure_line(table, column, "unique", result.err)
    assert f": {BROKEN} failing row(s)" in line, line
    assert str(good_run.frames[table][column][20]) in line
    assert sha256(prior_warehouse) == before
    assert build_files(prior_warehouse) == []


@pytest.mark.fast
def test_several_problems_are_all_reported(
    good_run: GoodRun,
    copy_export: Callable[[str], Path],
    prior_warehouse: Path,
    run_cli: RunCli,
) -> None:
    """Validation is lazy: a bad price and a bad category in one file are both listed, as are other tables."""
    source = copy_export("csv")
    products = good_run.frames["products"]
    products = products.with_columns(
        products["price"].scatter([0], -1.0), products["category"].scatter([1, 2], "Weapons")
    )
    _write(source, "csv", "products", products)
    _removed("payments")(source, "csv", good_run.frames)
    before = sha256(prior_warehouse)

    result = _load(run_cli, "csv", source, prior_warehouse)

    assert result.status == 1, result.out + result.err
    assert "invalid data: 3 check(s) failed" in result.err
    assert "products.price: greater_than(0): 1 failing row(s)" in result.err
    assert re.search(r"products\.category: isin\(.*\): 2 failing row\(s\)", result.err), result.err
    assert "payments: missing table" in result.err
    assert sha256(prior_warehouse) == before


@pytest.mark.fast
def test_validate_rejects_the_same_input_without_building_anything(
    good_run: GoodRun, copy_export: Callable[[str], Path], tmp_path: Path, run_cli: RunCli
) -> None:
    source = copy_export("csv")
    _csv_text("orders", "order_date", ["2024-02-30", "yesterday", "31/12/2024"])(source, "csv", good_run.frames)
    data_dir = tmp_path / "validate-data"

    result = run_cli("validate", "--data-dir", data_dir, "--source", source, "--format", "csv")

    assert result.status == 1, result.out + result.err
    assert "orders.order_date: cannot be read as Date: 3 failing row(s)" in result.err
    assert not (data_dir / "warehouse.sqlite").exists()
    report = json.loads((data_dir / "logs" / "validation.json").read_text())
    assert report["valid"] is False
    assert [(f["table"], f["column"], f["failing_rows"]) for f in report["failures"]] == [("orders", "order_date", 3)]
    assert [e["order_date"] for e in report["failures"][0]["examples"]] == ["2024-02-30", "yesterday", "31/12/2024"]
    assert [e["row"] for e in report["failures"][0]["examples"]] == [r + 1 for r in ROWS]


@pytest.mark.fast
def test_stderr_is_the_list_of_failures_and_nothing_else(
    good_run: GoodRun, copy_export: Callable[[str], Path], prior_warehouse: Path, run_cli: RunCli
) -> None:
    """A header, then one line per failed check: not the same failures a second time as a wrapped log record."""
    source = copy_export("csv")
    _csv_text("orders", "order_date", ["2024-02-30", "yesterday", "31/12/2024"])(source, "csv", good_run.frames)
    _removed("payments")(source, "csv", good_run.frames)

    result = _load(run_cli, "csv", source, prior_warehouse)

    assert result.status == 1, result.out + result.err
    lines = result.err.strip().splitlines()
    assert lines[0] == "invalid data: 2 check(s) failed"
    assert lines[1].startswith("  - orders.order_date: cannot be read as Date: 3 failing row(s) [orders.csv]")
    assert lines[2].startswith("  - payments: missing table: expected ")
    assert len(lines) == 3, "stderr repeats the failures:\n" + "\n".join(lines[3:])
    # The log file keeps the details for later.
    assert "orders.order_date: cannot be read as Date" in (prior_warehouse.parent / "logs" / "pipeline.log").read_text()
