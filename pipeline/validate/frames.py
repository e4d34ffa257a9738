"""Per-frame validation: columns, types (parsing text where the source is CSV), then the pandera model."""

from __future__ import annotations

import pandera.errors
import polars as pl

from pipeline.errors import FAILURE_EXAMPLES, Failure
from pipeline.validate.models import MODELS

ROW_NUMBER = "_row"


def _expected_types(table: str) -> dict[str, pl.DataType]:
    columns = MODELS[table].to_schema().columns
    return {name: column.dtype.type for name, column in columns.items()}


def _compatible(actual: pl.DataType, expected: pl.DataType) -> bool:
    if expected.is_integer():
        return actual.is_integer()
    if expected.is_float():
        return actual.is_numeric()
    return actual == expected


def _parse(column: str, expected: pl.DataType) -> pl.Expr:
    if expected == pl.Date:
        return pl.col(column).str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    return pl.col(column).str.strip_chars().cast(expected, strict=False)


def _typed(table: str, frame: pl.DataFrame, file: str, parse_text: bool) -> tuple[pl.DataFrame, list[Failure]]:
    """Cast every column to its model type; text that does not parse is a failure, never a silent null.

    Text is parsed only where the format has no types (CSV); in Parquet a number stored as text is a wrong type.
    """
    failures = []
    casts = []
    for column, expected in _expected_types(table).items():
        actual = frame.schema[column]
        if parse_text and actual == pl.String and expected != pl.String:
            parsed = _parse(column, expected)
            bad = frame.with_row_index(ROW_NUMBER, offset=1).filter(pl.col(column).is_not_null() & parsed.is_null())
            if bad.height:
                examples = [{"row": r[ROW_NUMBER], column: r[column]} for r in bad.head(FAILURE_EXAMPLES).to_dicts()]
                rule = f"cannot be read as {expected}"
                failures.append(Failure(table, column, rule, bad.height, examples, file))
            casts.append(parsed)
        elif _compatible(actual, expected):
            casts.append(pl.col(column).cast(expected))
        else:
            rule = f"wrong type: {actual}, expected {expected}"
            failures.append(Failure(table, column, rule, frame.height, [], file))
    if failures:
        return frame, failures
    return frame.select(casts), []


def check_frame(
    table: str, frame: pl.DataFrame, file: str = "", *, parse_text: bool = False
) -> tuple[pl.DataFrame, list[Failure]]:
    """Validate one frame of ``table``; returns it cast to the model's types, and what failed."""
    expected = list(_expected_types(table))
    missing = [c for c in expected if c not in frame.columns]
    extra = [c for c in frame.columns if c not in expected]
    failures = [Failure(table, c, "missing column", frame.height, [], file) for c in missing]
    failures += [
        Failure(table, c, f"unexpected column (expected only {expected})", frame.height, [], file) for c in extra
    ]
    if frame.height == 0:
        failures.append(Failure(table, "", "no rows: every table needs at least one", 0, [], file))
    if failures:
        return frame, failures
    frame, failures = _typed(table, frame, file, parse_text)
    if failures:
        return frame, failures
    try:
        MODELS[table].validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        return frame, _from_pandera(table, frame, errors.failure_cases, file)
    return frame, []


def _from_pandera(table: str, frame: pl.DataFrame, cases: pl.DataFrame, file: str) -> list[Failure]:
    failures = []
    for (column, check), group in cases.group_by(["column", "check"], maintain_order=True):
        rows = group.get_column("index").drop_nulls().head(FAILURE_EXAMPLES).to_list()
        examples = (
            [{"row": r + 1, **frame.row(r, named=True)} for r in rows]
            if rows
            else [{"value": v} for v in group.get_column("failure_case").head(FAILURE_EXAMPLES).to_list()]
        )
        name = "" if column == MODELS[table].__name__ else str(column)
        failures.append(Failure(table, name, str(check), group.height, examples, file))
    return failures
