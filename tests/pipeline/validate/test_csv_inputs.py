"""CSV files as people really send them: what loads (with exactly the values sent) and what is refused (with
exactly one failure that says what is wrong and what is expected).

Each case writes the small generated lake as a CSV export (``<table>.csv``) and changes customers.csv only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline.schema import TABLES
from tests.pipeline.conftest import export
from tests.support.cli import RunCli
from tests.support.tiers import fast_first

Frames = dict[str, pl.DataFrame]
COLUMNS = ["customer_id", "first_name", "last_name", "email", "signup_date"]


def csv_text(frame: pl.DataFrame) -> str:
    return frame.write_csv(date_format="%Y-%m-%d")


def with_names(frame: pl.DataFrame, column: str, names: dict[int, str]) -> pl.DataFrame:
    """``frame`` with ``column`` replaced at the given rows."""
    return frame.with_columns(frame[column].scatter(list(names), list(names.values())))


# --- accepted: the warehouse holds exactly the values of the file --------------------------------------------

# (what the customers table holds, the bytes of customers.csv)
Accepted = Callable[[pl.DataFrame], tuple[pl.DataFrame, bytes]]


def _byte_order_mark(customers: pl.DataFrame) -> tuple[pl.DataFrame, bytes]:
    return customers, b"\xef\xbb\xbf" + csv_text(customers).encode()


def _crlf(customers: pl.DataFrame) -> tuple[pl.DataFrame, bytes]:
    text = csv_text(customers)
    assert "\r" not in text
    return customers, text.replace("\n", "\r\n").encode()


def _quoted(customers: pl.DataFrame) -> tuple[pl.DataFrame, bytes]:
    changed = with_names(customers, "last_name", {3: "Smith, Jr.", 4: 'O"Neil', 5: 'van "de" Berg, III'})
    text = csv_text(changed)
    assert '"Smith, Jr."' in text  # quoted as RFC 4180 says
    assert '"O""Neil"' in text
    return changed, text.encode()


def _unicode(customers: pl.DataFrame) -> tuple[pl.DataFrame, bytes]:
    changed = with_names(customers, "first_name", {3: "Zoë", 4: "Łukasz", 5: "山田", 6: "Nguyễn"})
    return changed, csv_text(changed).encode()


def _reordered(customers: pl.DataFrame) -> tuple[pl.DataFrame, bytes]:
    return customers, csv_text(customers.select(reversed(COLUMNS))).encode()


ACCEPTED: dict[str, Accepted] = {
    "byte-order-mark": _byte_order_mark,
    "crlf-line-ends": _crlf,
    "quoted-commas-and-quotes": _quoted,
    "unicode-names": _unicode,
    "reordered-columns": _reordered,
}


def warehouse_rows(warehouse: Path, table: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        return db.execute(f"select * from {table} order by 1").fetchall()


def as_rows(frame: pl.DataFrame) -> list[tuple[Any, ...]]:
    """Rows as sqlite3 returns them: dates as ISO text."""
    return frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d")).sort(frame.columns[0]).rows()


@pytest.mark.parametrize("change", fast_first(ACCEPTED.values(), ACCEPTED.keys()))
def test_csv_that_loads_with_exactly_its_values(
    change: Accepted, small_lake: Frames, tmp_path: Path, run_cli: RunCli
) -> None:
    source = export(small_lake, tmp_path / "source", "csv")
    expected, data = change(small_lake["customers"])
    (source / "customers.csv").write_bytes(data)
    data_dir = tmp_path / "data"

    result = run_cli("load", "--data-dir", data_dir, "--source", source, "--format", "csv")

    assert result.status == 0, result.out + result.err
    warehouse = data_dir / "warehouse.sqlite"
    assert warehouse_rows(warehouse, "customers") == as_rows(expected)
    for table in TABLES[1:]:
        assert len(warehouse_rows(warehouse, table)) == small_lake[table].height


# --- refused: exactly one failure ------------------------------------------------------------------------------


def _latin1(source: Path, customers: pl.DataFrame) -> dict[str, Any]:
    # Row 10 (line 12: the header is line 1) holds the only byte above 0x7F: "ë" is 0xEB in Latin-1.
    assert customers.select(pl.col("first_name", "last_name").str.contains(r"[^\x00-\x7f]").any()).row(0) == (
        False,
        False,
    )
    text = csv_text(with_names(customers, "first_name", {10: "Zoë"}))
    (source / "customers.csv").write_bytes(text.encode("latin-1"))
    return {
        "column": "",
        "rule": "not UTF-8: byte 0xEB on line 12 cannot be decoded, as in Latin-1 (ISO-8859-1) or Windows-1252 "
        "text; expected UTF-8 (convert it, e.g. `iconv -f latin1 -t utf-8`)",
        "failing_rows": 0,
        "examples": [],
    }


def _duplicate_header(source: Path, customers: pl.DataFrame) -> dict[str, Any]:
    lines = csv_text(customers).splitlines()
    # The email column twice, as a spreadsheet export with a repeated column has it.
    repeated = [",".join([*line.split(",")[:4], *line.split(",")[3:]]) for line in lines]
    assert repeated[0] == "customer_id,first_name,last_name,email,email,signup_date"
    (source / "customers.csv").write_text("\n".join(repeated) + "\n")
    return {
        "column": "email",
        "rule": "duplicate column: the header names it 2 times; expected each column once",
        "failing_rows": 0,
        "examples": [],
    }


def _extra_column(source: Path, customers: pl.DataFrame) -> dict[str, Any]:
    (source / "customers.csv").write_text(csv_text(customers.with_columns(loyalty_tier=pl.lit("gold"))))
    return {
        "column": "loyalty_tier",
        "rule": f"unexpected column (expected only {COLUMNS})",
        "failing_rows": customers.height,
        "examples": [],
    }


def _ragged(*widths: tuple[int, int]) -> Callable[[Path, pl.DataFrame], dict[str, Any]]:
    """Rows (0-based) cut to, or padded to, the given number of fields."""

    def change(source: Path, customers: pl.DataFrame) -> dict[str, Any]:
        lines = csv_text(customers).splitlines()
        for row, width in widths:
            fields = lines[row + 1].split(",")
            lines[row + 1] = ",".join((fields + ["extra"] * width)[:width])
        (source / "customers.csv").write_text("\n".join(lines) + "\n")
        return {
            "column": "",
            "rule": "ragged rows: not the header's 5 fields",
            "failing_rows": len(widths),
            "examples": [{"row": row + 1, "fields": width} for row, width in widths],
        }

    return change


def _two_copies(source: Path, customers: pl.DataFrame) -> dict[str, Any]:
    (source / "customers").mkdir()
    (source / "customers" / "part-0.csv").write_text(csv_text(customers))
    return {
        "column": "",
        "rule": f"two copies of the table: {source / 'customers.csv'} and 1 file(s) in {source / 'customers'}/; "
        "expected only one of them",
        "failing_rows": 0,
        "examples": [],
        "file": "",
    }


REFUSED: dict[str, Callable[[Path, pl.DataFrame], dict[str, Any]]] = {
    "latin-1": _latin1,
    "duplicate-header": _duplicate_header,
    "extra-column": _extra_column,
    "short-row": _ragged((10, 4)),
    "short-and-long-rows": _ragged((10, 4), (20, 6)),
    "blank-line": _ragged((10, 0)),
    "customers-dir-and-customers-csv": _two_copies,
}


@pytest.mark.parametrize("change", fast_first(REFUSED.values(), REFUSED.keys()))
def test_csv_that_is_refused_with_one_clear_failure(
    change: Callable[[Path, pl.DataFrame], dict[str, Any]], small_lake: Frames, tmp_path: Path, run_cli: RunCli
) -> None:
    source = export(small_lake, tmp_path / "source", "csv")
    expected = {"table": "customers", "file": "customers.csv"} | change(source, small_lake["customers"])
    data_dir = tmp_path / "data"

    result = run_cli("validate", "--data-dir", data_dir, "--source", source, "--format", "csv")

    assert result.status == 1, result.out + result.err
    assert "Traceback" not in result.err
    report = json.loads((data_dir / "logs" / "validation.json").read_text())
    assert report["failures"] == [expected]
    lines = result.err.strip().splitlines()
    where = "customers" + (f".{expected['column']}" if expected["column"] else "")
    assert lines[0] == "invalid data: 1 check(s) failed"
    assert lines[1].startswith(f"  - {where}: {expected['rule']}")
    assert len(lines) == 2
