"""Every constraint of ``warehouse/schema.sql`` (each CHECK, each key, each foreign key) refuses one planted row,
and the build proves each table the copy of its source: a planted fill bug is caught.

Each case breaks one row of the small generated lake, and the constraint named is that one alone. On the CSV
path (the ``sqlite3`` shell's ``.import`` of the five tables, foreign keys on, as a writer of the schema) SQLite
refuses each. On the lake path (``WarehouseBuild`` over Parquet parts, DuckDB inserting through its sqlite
extension) each rule is proven once, before the build: a CHECK by the validation (pandera's models, the dates'
window), a foreign key by the DuckDB passes over the same files (``tests/pipeline/validate``); keys are refused by
SQLite's own insert and unique indexes, which these cases reach by going around the validation on purpose."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline import duck, lake
from pipeline.ddl import checks_of
from pipeline.errors import DataInvalid, Failure
from pipeline.schema import TABLES, schema
from pipeline.settings import Settings
from pipeline.validate import check_cross_table, validate_files
from pipeline.validate.source import SourceDir
from pipeline.warehouse.build import BuildRecord, WarehouseBuild
from tests.pipeline.conftest import export
from tests.support.planting import set_row
from tests.support.tiers import fast_first

Frames = dict[str, pl.DataFrame]
SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"
ROW = 10  # the row broken (0-based); line ROW + 2 of its CSV file
NOWHERE = 1_000_000
# A day after 9999-12-31: a real date to Polars and DuckDB, but not to SQLite's date(), which stops at year 9999.
YEAR_10000 = pl.Series([dt.date(9999, 12, 31)]).cast(pl.Int32)[0] + 1


def one_of(column: str, words: tuple[str, ...]) -> str:
    return " or ".join(f"{column} = '{word}'" for word in words)


@dataclass(frozen=True)
class Case:
    table: str
    lake_value: dict[str, Any]  # the broken row's new values in the Parquet part
    csv_value: dict[str, Any]  # ... and in the CSV file (text: any date the shell is given)
    error: str  # SQLite's message, whitespace collapsed


def check(table: str, column: str, bad: Any, expression: str, csv_bad: Any = None) -> Case:
    csv = bad if csv_bad is None else csv_bad
    return Case(table, {column: bad}, {column: csv}, f"CHECK constraint failed: {expression}")


CHECKS = {
    "customers.first_name": check("customers", "first_name", "", "length(first_name) > 0"),
    "customers.last_name": check("customers", "last_name", "", "length(last_name) > 0"),
    "customers.email": check("customers", "email", "ann.example.com", "email like '%_@_%._%'"),
    "customers.signup_date": check(
        "customers", "signup_date", YEAR_10000, "signup_date is date(signup_date, '+0 days')", "2024-02-30"
    ),
    "products.name": check("products", "name", "", "length(name) > 0"),
    "products.category": check(
        "products",
        "category",
        "Weapons",
        one_of("category", ("Electronics", "Clothing", "Home & Garden", "Books", "Sports", "Beauty", "Toys"))
        + " or "
        + one_of("category", ("Automotive", "Jewelry", "Health")),
    ),
    "products.price": check("products", "price", 0.0, "price > 0"),
    "orders.order_date": check(
        "orders", "order_date", YEAR_10000, "order_date is date(order_date, '+0 days')", "2024-02-30"
    ),
    "orders.total_amount": check("orders", "total_amount", -0.01, "total_amount >= 0"),
    "order_items.quantity": check("order_items", "quantity", 0, "quantity > 0"),
    "order_items.line_total": check("order_items", "line_total", -0.01, "line_total >= 0"),
    "payments.payment_method": check(
        "payments", "payment_method", "cash", one_of("payment_method", ("card", "paypal", "bank"))
    ),
    "payments.amount": check("payments", "amount", -0.01, "amount >= 0"),
    "payments.payment_date": check(
        "payments", "payment_date", YEAR_10000, "payment_date is date(payment_date, '+0 days')", "2024-02-30"
    ),
}


def write_lake(frames: Frames, lake_dir: Path) -> dict[str, list[Path]]:
    for table, frame in frames.items():
        lake.write_parquet(frame, lake.part_path(lake_dir, table, 0))
    return lake.lake_tables(lake_dir)


@pytest.fixture(scope="module")
def good_warehouse(small_lake: Frames, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small lake's warehouse, built once (the control: the unbroken lake goes in)."""
    directory = tmp_path_factory.mktemp("good-warehouse")
    target = directory / "warehouse.sqlite"
    build(write_lake(small_lake, directory / "lake"), small_lake, target)
    return target


def build(files: dict[str, list[Path]], frames: Frames, target: Path) -> None:
    """The warehouse build of ``load``, without the validation before it (and no marts)."""
    rows = {table: frame.height for table, frame in frames.items()}
    spill = target.parent / "spill"
    spill.mkdir(parents=True, exist_ok=True)
    built = WarehouseBuild(target, spill, files, rows, "256MiB")
    built.fill(lambda _: None, built.checksum_source, list)
    built.complete(BuildRecord("test", "test"))


def collapsed(text: str) -> str:
    return " ".join(text.split())


def validation_failures(lake_dir: Path, scratch: Path) -> set[tuple[str, str]]:
    """The (table, column) of each failure found by the validation every build's rows pass first: ``load``'s
    (pandera's model of each file, then the rules across tables in DuckDB); ``run`` validates the same way, each
    chunk as it is generated, and the DuckDB passes over the lake beside the build)."""
    validated = validate_files(SourceDir.open(lake_dir, "parquet"), scratch, lambda _: None)
    if validated.report.valid:  # as ``validate`` and ``load``: the rules across tables only over valid files
        with duck.connection(scratch, "256MiB") as con:
            duck.create_views(con, validated.files_by_table)
            check_cross_table(con, Settings.load({}).window, validated.report)
    return {(f.table, f.column) for f in validated.report.failures}


@pytest.mark.parametrize("case", fast_first(CHECKS.values(), CHECKS.keys()))
def test_lake_path_check(case: Case, small_lake: Frames, tmp_path: Path) -> None:
    """Each CHECK is proven once on the lake path, by the validation before the build; the build proves the copy
    of the validated rows and leaves the CHECKs out of ``quick_check`` (decision 0041)."""
    write_lake(small_lake, tmp_path / "good")
    assert validation_failures(tmp_path / "good", tmp_path / "good-scratch") == set()
    write_lake(small_lake | {case.table: set_row(small_lake[case.table], ROW, **case.lake_value)}, tmp_path / "bad")
    (column,) = case.lake_value

    assert (case.table, column) in validation_failures(tmp_path / "bad", tmp_path / "bad-scratch")


@pytest.mark.fast
def test_every_check_has_a_case() -> None:
    declared = {
        (table, column, collapsed(expression))
        for table in TABLES
        for column, expressions in checks_of(_create_table(table)).columns.items()
        for expression in expressions
    }
    cases = {(c.table, *c.lake_value, c.error.removeprefix("CHECK constraint failed: ")) for c in CHECKS.values()}
    assert cases == declared


def _create_table(table: str) -> str:
    return next(s for s in schema().tables_ddl.split(";") if f"create table {table} (" in s)


# --- keys and foreign keys ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyCase:
    table: str
    column: str
    change: Callable[[pl.DataFrame], pl.DataFrame]  # the good table -> the broken one
    parent: str = ""  # for a foreign key: the table it references

    @property
    def message(self) -> str:
        return (
            "FOREIGN KEY constraint failed" if self.parent else f"UNIQUE constraint failed: {self.table}.{self.column}"
        )


def _repeated(table: str, column: str) -> KeyCase:
    """The broken row takes the key of the row before it."""
    return KeyCase(table, column, lambda frame: set_row(frame, ROW, **{column: frame[column][ROW - 1]}))


def _orphan(table: str, column: str, parent: str) -> KeyCase:
    return KeyCase(table, column, lambda frame: set_row(frame, ROW, **{column: NOWHERE}), parent)


KEYS = {
    "customers.customer_id": _repeated("customers", "customer_id"),
    "products.product_id": _repeated("products", "product_id"),
    "orders.order_id": _repeated("orders", "order_id"),
    "order_items.order_item_id": _repeated("order_items", "order_item_id"),
    "payments.payment_id": _repeated("payments", "payment_id"),
    "customers.email": _repeated("customers", "email"),
    "payments.order_id": _repeated("payments", "order_id"),  # the order's payment is then missing: no constraint
    "orders.customer_id->customers": _orphan("orders", "customer_id", "customers"),
    "order_items.order_id->orders": _orphan("order_items", "order_id", "orders"),
    "order_items.product_id->products": _orphan("order_items", "product_id", "products"),
    "payments.order_id->orders": _orphan("payments", "order_id", "orders"),
}


UNIQUE_KEYS = {name: case for name, case in KEYS.items() if not case.parent}


@pytest.mark.parametrize("case", fast_first(UNIQUE_KEYS.values(), UNIQUE_KEYS.keys()))
def test_lake_path_key(case: KeyCase, small_lake: Frames, tmp_path: Path) -> None:
    """Refused by DuckDB's insert (a primary key) or by the unique index built after it."""
    frames = small_lake | {case.table: case.change(small_lake[case.table])}
    files = write_lake(frames, tmp_path / "broken")

    with pytest.raises(DataInvalid) as refused:
        build(files, frames, tmp_path / "build" / "warehouse.sqlite")

    assert refused.value.failures == [Failure(case.table, "", f"rejected by SQLite: {case.message}", 1)]


# --- the proof of the copy: a fill that loses, adds or changes a row is caught -----------------------------------

# Each tampers with one table right after its fill, as a bug in the fill would (through sqlite3: the build's own
# connection detaches the file between the fill and the proof).
FIRST = "(select min({key}) from {table})"
FILL_BUGS = {
    "one value changed": (
        "orders",
        f"update orders set total_amount = total_amount + 0.01 where order_id = {FIRST}",
    ),
    "one row dropped": ("order_items", f"delete from order_items where order_item_id = {FIRST}"),
    "one row duplicated": (
        "customers",
        "insert into customers select customer_id + 1000000000, first_name, last_name, 'x' || email, signup_date "
        f"from customers where customer_id = {FIRST}",
    ),
    "one row of another table": (  # a customer's row where an order should be
        "orders",
        "insert into orders select customer_id + 1000000000, customer_id, signup_date, 0 from customers "
        "where customer_id = (select min(customer_id) from customers)",
    ),
}
FILL_BUG_RULES = {
    "one value changed": "the warehouse's rows differ from its source's (content checksums differ)",
    "one row dropped": "the warehouse holds {n} rows, its source {m}",
    "one row duplicated": "the warehouse holds {n} rows, its source {m}",
    "one row of another table": "the warehouse holds {n} rows, its source {m}",
}


@pytest.mark.parametrize("bug", fast_first(FILL_BUGS, FILL_BUGS))
def test_a_fill_bug_is_caught_by_the_proof_of_the_copy(
    bug: str, small_lake: Frames, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table, tamper = FILL_BUGS[bug]
    fill = WarehouseBuild._fill_table

    def buggy_fill(self: WarehouseBuild, con: object, filled: str, advance: Callable[[int], None]) -> None:
        fill(self, con, filled, advance)  # type: ignore[arg-type]
        if filled == table:
            with closing(sqlite3.connect(self.build)) as db, db:
                db.execute(tamper.format(key=schema().primary_keys[table], table=table))

    monkeypatch.setattr(WarehouseBuild, "_fill_table", buggy_fill)
    with pytest.raises(DataInvalid) as caught:
        build(write_lake(small_lake, tmp_path / "lake"), small_lake, tmp_path / "build" / "warehouse.sqlite")

    rows = small_lake[table].height
    found = rows - 1 if bug == "one row dropped" else rows + 1
    expected = FILL_BUG_RULES[bug].format(n=found, m=rows)
    assert [(f.table, f.rule) for f in caught.value.failures] == [(table, expected)]


def test_a_record_sqlite_finds_malformed_is_caught_by_quick_check(
    small_lake: Frames, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A NULL where the schema says NOT NULL (written past the constraint, as a fill bug could): ``quick_check``'s
    verdict is reported beside the checksum's."""
    fill = WarehouseBuild._fill_table

    def buggy_fill(self: WarehouseBuild, con: object, filled: str, advance: Callable[[int], None]) -> None:
        fill(self, con, filled, advance)  # type: ignore[arg-type]
        if filled == "orders":
            with closing(sqlite3.connect(self.build, isolation_level=None)) as db:
                (version,) = db.execute("pragma schema_version").fetchone()
                db.execute("pragma writable_schema = on")
                db.execute(
                    "update sqlite_schema set sql = replace(sql, 'total_amount REAL not null', 'total_amount REAL') "
                    "where name = 'orders'"
                )
                db.execute(f"pragma schema_version = {version + 1}")
            with closing(sqlite3.connect(self.build, isolation_level=None)) as db:
                first = FIRST.format(key="order_id", table="orders")
                db.execute(f"update orders set total_amount = null where order_id = {first}")

    monkeypatch.setattr(WarehouseBuild, "_fill_table", buggy_fill)
    with pytest.raises(DataInvalid) as caught:
        build(write_lake(small_lake, tmp_path / "lake"), small_lake, tmp_path / "build" / "warehouse.sqlite")

    assert [(f.table, f.rule) for f in caught.value.failures] == [
        ("orders", "the warehouse's rows differ from its source's (content checksums differ)"),
        ("orders", "PRAGMA quick_check: NULL value in orders.total_amount"),
    ]


@pytest.mark.fast
def test_the_unbroken_lake_builds_and_is_proven(good_warehouse: Path, small_lake: Frames) -> None:
    """The control of the lake path: the good lake goes in whole, and each table passes its proof."""
    assert counts(good_warehouse) == {t: f.height for t, f in small_lake.items()}


@pytest.mark.fast
def test_the_warehouse_is_written_in_16_kib_pages(good_warehouse: Path) -> None:
    """Set before the first table is created: afterwards SQLite ignores it (decision 0041)."""
    with closing(sqlite3.connect(good_warehouse)) as db:
        assert db.execute("pragma page_size").fetchone() == (16384,)


@pytest.mark.fast
def test_the_built_tables_declare_every_check_of_the_schema(good_warehouse: Path) -> None:
    """Filled without their CHECKs, the tables end with the statements of warehouse/schema.sql, which SQLite
    enforces on the next write (as through the API)."""
    with closing(sqlite3.connect(good_warehouse)) as db:
        stored = dict(db.execute("select name, sql from sqlite_schema where type = 'table'").fetchall())
        assert {t: stored[t] for t in TABLES} == {t: schema().table_sql[t] for t in TABLES}
        assert db.execute("pragma integrity_check").fetchall() == [("ok",)]
        with pytest.raises(sqlite3.IntegrityError, match=r"CHECK constraint failed: quantity > 0"):
            db.execute(
                "update order_items set quantity = 0 where order_item_id = (select min(order_item_id) from order_items)"
            )


@pytest.mark.fast
def test_every_key_has_a_case() -> None:
    declared = {(table, key, "") for table, key in schema().primary_keys.items()}
    declared |= {(table, column, "") for table, column in schema().unique_keys}
    declared |= {(fk.table, fk.column, fk.parent) for fk in schema().foreign_keys}
    assert {(c.table, c.column, c.parent) for c in KEYS.values()} == declared


# --- the CSV path: the sqlite3 shell imports the five tables into an empty warehouse -----------------------------


def empty_warehouse(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as db:
        db.executescript(schema().tables_ddl + schema().indexes_ddl)
    return path


def import_csv(frames: Frames, directory: Path, last: str) -> subprocess.CompletedProcess[str]:
    """Import the tables up to ``last`` (parents first): a refused row would also orphan rows of later tables."""
    source = export(frames, directory / "csv", "csv")
    database = empty_warehouse(directory / "warehouse.sqlite")
    tables = TABLES[: TABLES.index(last) + 1]
    imports = [f".import --csv --skip 1 {source / table}.csv {table}" for table in tables]
    return subprocess.run(
        [SQLITE3, "-cmd", "PRAGMA foreign_keys = ON", str(database), *imports],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def imported(frames: Frames, last: str) -> dict[str, int]:
    """Rows each table holds when every row up to ``last`` goes in but one of ``last``."""
    return {t: f.height - (t == last) if TABLES.index(t) <= TABLES.index(last) else 0 for t, f in frames.items()}


def counts(database: Path) -> dict[str, int]:
    with closing(sqlite3.connect(database)) as db:
        return {table: db.execute(f"select count(*) from {table}").fetchone()[0] for table in TABLES}


CSV_CASES = {name: (c.table, c.csv_value, c.error) for name, c in CHECKS.items()}


@pytest.mark.parametrize(("table", "values", "error"), fast_first(CSV_CASES.values(), CSV_CASES.keys(), unpack=True))
def test_csv_path_check(table: str, values: dict[str, Any], error: str, small_lake: Frames, tmp_path: Path) -> None:
    text = small_lake[table].with_columns(pl.col(pl.Date).dt.to_string())
    done = import_csv(small_lake | {table: set_row(text, ROW, **values)}, tmp_path, table)

    assert collapsed(done.stderr) == collapsed(f"{tmp_path / 'csv' / table}.csv:{ROW + 2}: INSERT failed: {error}")
    assert counts(tmp_path / "warehouse.sqlite") == imported(small_lake, table)


@pytest.mark.parametrize("case", fast_first(KEYS.values(), KEYS.keys()))
def test_csv_path_key(case: KeyCase, small_lake: Frames, tmp_path: Path) -> None:
    done = import_csv(small_lake | {case.table: case.change(small_lake[case.table])}, tmp_path, case.table)

    assert done.stderr == f"{tmp_path / 'csv' / case.table}.csv:{ROW + 2}: INSERT failed: {case.message}\n"
    assert counts(tmp_path / "warehouse.sqlite") == imported(small_lake, case.table)


def test_the_unbroken_lake_imports_without_a_word(small_lake: Frames, tmp_path: Path) -> None:
    """The control of the CSV path: every row of the good lake goes in (``good_warehouse`` is the lake path's)."""
    done = import_csv(small_lake, tmp_path, TABLES[-1])
    assert (done.returncode, done.stderr) == (0, "")
    assert counts(tmp_path / "warehouse.sqlite") == {t: f.height for t, f in small_lake.items()}
