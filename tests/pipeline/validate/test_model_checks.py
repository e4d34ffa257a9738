"""Every check of the pandera models, and every column's type and nullability, catches one planted violation.

Each case changes one row of one table of the small generated lake and says what must be reported: that check
alone, one failing row, and the row itself as the example. It runs as a lake part (Parquet) and as a CSV file,
each read and checked as ``validate`` reads and checks every file of a source (``SourceDir.read`` then
``check_frame``). A model check without a case fails ``test_every_model_check_has_a_case``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline import lake
from pipeline.domain import CATEGORIES, PAYMENT_METHODS
from pipeline.errors import Failure
from pipeline.validate.frames import check_frame
from pipeline.validate.models import EMAIL_PATTERN, MODELS
from pipeline.validate.source import SourceDir
from tests.pipeline.conftest import export
from tests.support.planting import set_row

pytestmark = pytest.mark.fast

Frames = dict[str, pl.DataFrame]
ROW = 10  # the row broken (0-based), "row": 11 in the report
FRAME_CHECK = ""  # the column of a failure of a check on the whole row


@dataclass(frozen=True)
class Case:
    table: str
    changes: dict[str, Any]  # the broken row's new values
    failures: tuple[tuple[str, str], ...]  # (column, check) reported, each for the broken row alone

    @property
    def id(self) -> str:
        return f"{self.table}.{'+'.join(self.changes)}:{'+'.join(check for _, check in self.failures)}"


def case(table: str, column: str, bad: Any, check: str, **also: Any) -> Case:
    return Case(table, {column: bad, **also}, ((column, check),))


GT0 = "greater_than(0)"
GE0 = "greater_than_or_equal_to(0)"
NON_EMPTY = "str_length(1, None)"

CHECKS = [
    case("customers", "customer_id", 0, GT0),
    case("customers", "first_name", "", NON_EMPTY),
    case("customers", "last_name", "", NON_EMPTY),
    case("customers", "email", "ann.example.com", f"str_matches('{EMAIL_PATTERN}')"),
    case("products", "product_id", 0, GT0),
    case("products", "name", "", NON_EMPTY),
    case("products", "category", "Weapons", f"isin({CATEGORIES!r})"),
    case("products", "price", 0.0, GT0),
    case("products", "price", 10.005, "whole_cents"),
    case("orders", "order_id", 0, GT0),
    case("orders", "customer_id", 0, GT0),
    case("orders", "total_amount", -1.0, GE0),
    case("orders", "total_amount", 10.005, "whole_cents"),
    case("order_items", "order_item_id", 0, GT0),
    case("order_items", "order_id", 0, GT0),
    case("order_items", "product_id", 0, GT0),
    case("order_items", "quantity", 0, GT0),
    # A negative line total is never alone: with a positive quantity it is also less than a cent per unit.
    Case(
        "order_items", {"line_total": -1.0}, (("line_total", GE0), (FRAME_CHECK, "line_total_at_least_a_cent_per_unit"))
    ),
    case("order_items", "line_total", 1.005, "whole_cents", quantity=1),
    Case("order_items", {"quantity": 5, "line_total": 0.01}, ((FRAME_CHECK, "line_total_at_least_a_cent_per_unit"),)),
    case("payments", "payment_id", 0, GT0),
    case("payments", "order_id", 0, GT0),
    case("payments", "payment_method", "cash", f"isin({PAYMENT_METHODS!r})"),
    case("payments", "amount", -1.0, GE0),
    case("payments", "amount", 1.005, "whole_cents"),
]
NULLS = [
    case(table, column, None, "not_nullable") for table, model in MODELS.items() for column in model.to_schema().columns
]


def write(frame: pl.DataFrame, table: str, fmt: str, directory: Path) -> SourceDir:
    if fmt == "lake":
        lake.write_parquet(frame, lake.part_path(directory, table, 0))
        return SourceDir.open(directory, "parquet")
    export({table: frame}, directory, "csv")
    return SourceDir.open(directory, "csv")


def checked(source: SourceDir, table: str) -> list[Failure]:
    """What validating the table's one file reports, as ``validate_source`` does for every file."""
    (path,) = source.files(table)
    return check_frame(table, source.read(path), path.name, parse_text=source.format == "csv")[1]


@pytest.mark.parametrize("fmt", ["lake", "csv"])
@pytest.mark.parametrize("c", CHECKS + NULLS, ids=[c.id for c in CHECKS + NULLS])
def test_the_check_reports_exactly_the_planted_row(c: Case, fmt: str, small_lake: Frames, tmp_path: Path) -> None:
    frame = set_row(small_lake[c.table], ROW, **c.changes)
    source = write(frame, c.table, fmt, tmp_path)
    file = "part-00000.parquet" if fmt == "lake" else f"{c.table}.csv"
    example = {"row": ROW + 1, **frame.row(ROW, named=True)}

    assert checked(source, c.table) == [
        Failure(c.table, column, check, 1, [example], file) for column, check in c.failures
    ]


@pytest.mark.parametrize("fmt", ["lake", "csv"])
@pytest.mark.parametrize("table", list(MODELS))
def test_the_unbroken_table_passes(table: str, fmt: str, small_lake: Frames, tmp_path: Path) -> None:
    assert checked(write(small_lake[table], table, fmt, tmp_path), table) == []


TYPED = [(table, column) for table, model in MODELS.items() for column in model.to_schema().columns]


@pytest.mark.parametrize(("table", "column"), TYPED, ids=[f"{t}.{c}" for t, c in TYPED])
def test_a_value_of_the_wrong_type_is_named(table: str, column: str, small_lake: Frames, tmp_path: Path) -> None:
    """Parquet is typed, so a column of the wrong type is wrong as a whole; CSV text that does not parse is
    wrong row by row (a CSV string column takes any text)."""
    frame = small_lake[table]
    expected = frame.schema[column]
    wrong = pl.Int64 if expected == pl.String else pl.String
    typed_wrong = frame.with_columns(
        pl.Series(column, [1] * frame.height if wrong == pl.Int64 else ["x"] * frame.height)
    )
    parquet = write(typed_wrong, table, "lake", tmp_path / "lake")
    assert checked(parquet, table) == [
        Failure(table, column, f"wrong type: {wrong}, expected {expected}", frame.height, [], "part-00000.parquet")
    ]
    if expected == pl.String:
        return
    text = frame.with_columns(frame[column].cast(pl.String).scatter(ROW, "n/a"))
    csv = write(text, table, "csv", tmp_path / "csv")
    rule = f"cannot be read as {expected}"
    assert checked(csv, table) == [Failure(table, column, rule, 1, [{"row": ROW + 1, column: "n/a"}], f"{table}.csv")]


def test_every_model_check_has_a_case() -> None:
    declared = {
        (table, column, check.name)
        for table, model in MODELS.items()
        for column, spec in model.to_schema().columns.items()
        for check in spec.checks
    }
    declared |= {
        (table, FRAME_CHECK, check.name) for table, model in MODELS.items() for check in model.to_schema().checks
    }
    declared |= {(table, column, "not_nullable") for table, column in TYPED}
    covered = {(c.table, column, check.split("(")[0]) for c in CHECKS + NULLS for column, check in c.failures}
    assert covered == declared
