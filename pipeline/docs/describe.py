"""The words of the data dictionary, each from its one source: pandera models, query headers, meta.sql.

Table grains and column descriptions of the data model come from the pandera models (class docstring,
``description=``); a mart's from the header of the query that computes it; the meta tables' from the trailing
comments of ``warehouse/meta.sql``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pandera.polars as pa

from pipeline.analysis.marts import MARTS, Mart
from pipeline.analysis.queries import get_query
from pipeline.validate.models import MODELS
from pipeline.warehouse.build import META_PATH

CHECK_WORDS = {
    "greater_than": "> {min_value}",
    "greater_than_or_equal_to": ">= {min_value}",
    "less_than": "< {max_value}",
    "less_than_or_equal_to": "<= {max_value}",
    "equal_to": "= {value}",
    "not_equal_to": "!= {value}",
    "in_range": "in [{min_value}, {max_value}]",
    "str_matches": "matches `{pattern}`",
    "str_startswith": "starts with `{string}`",
    "str_endswith": "ends with `{string}`",
}


class DictionaryError(ValueError):
    """The warehouse and the descriptions disagree (a table or column without a description, say)."""


@cache
def _meta_descriptions() -> dict[str, dict[str, str]]:
    """Column comments of meta.sql per table; the table's grain under the key "" (its leading comment)."""
    found: dict[str, dict[str, str]] = {}
    comment: list[str] = []
    table = ""
    for line in META_PATH.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("--"):
            comment.append(stripped.removeprefix("--").strip())
            continue
        created = re.match(r"create table (\w+)", stripped, re.IGNORECASE)
        if created:
            table = created.group(1)
            found[table] = {"": " ".join(comment[-1:])}
        column = re.match(r"\"?(\w+)\"?\s+\w+.*--\s*(.+)$", stripped)
        if table and column and not created:
            found[table][column.group(1)] = column.group(2).strip()
        comment = [] if stripped else comment
    return found


def is_meta(table: str) -> bool:
    return table in _meta_descriptions()


def _model(table: str) -> type[pa.DataFrameModel]:
    model = MODELS.get(table)
    if model is None:
        msg = (
            f"the warehouse table {table!r} has no pandera model; add one to MODELS in "
            "pipeline/validate/models.py with a docstring (its grain) and a description= per column"
        )
        raise DictionaryError(msg)
    return model


def _mart(table: str) -> Mart | None:
    return next((m for m in MARTS if m.table == table), None)


def table_grain(table: str) -> str:
    if is_meta(table):
        return _meta_descriptions()[table][""]
    mart = _mart(table)
    if mart is not None:
        query = get_query(mart.query)
        params = ", ".join(f"{k}={v}" for k, v in mart.params.items())
        source = f"`queries/{mart.query}.sql`" + (f" with {params}" if params else "")
        if mart.summary is not None:
            return (
                f"Mart summarizing {source} ({query.title}): one row per {mart.summary.by} with the number of "
                f"the query's rows (row_count) and the averages of {', '.join(mart.summary.averages)}."
            )
        return f"Mart materialized from {source}: {query.title} Grain: {' '.join(query.grain.split())}"
    doc = (_model(table).__doc__ or "").strip()
    if not doc:
        msg = f"the pandera model of {table!r} has no docstring; write its grain there ('One row per ...')"
        raise DictionaryError(msg)
    return " ".join(doc.split())


def _schema(table: str) -> Any:
    return _model(table).to_schema()


def description(table: str, column: str) -> str:
    if is_meta(table):
        return _meta_descriptions()[table].get(column, "")
    mart = _mart(table)
    if mart is not None:
        return f"computed by `queries/{mart.query}.sql`"
    field = _schema(table).columns.get(column)
    text = field.description if field is not None else None
    if not text:
        msg = (
            f"{table}.{column} has no description; give its field in pipeline/validate/models.py "
            "a description= (the one source of column descriptions)"
        )
        raise DictionaryError(msg)
    return str(text)


def _check_words(check: Any) -> str:
    stats = {k: v for k, v in (check.statistics or {}).items() if v is not None}
    name = str(check.name)
    if name in CHECK_WORDS:
        return CHECK_WORDS[name].format(**stats)
    if name == "str_length":
        low, high = stats.get("min_value"), stats.get("max_value")
        exact = stats.get("exact_value")
        if exact is not None:
            return f"length = {exact}"
        bounds = [f"length >= {low}" if low is not None else "", f"length <= {high}" if high is not None else ""]
        return " and ".join(b for b in bounds if b)
    if name in ("isin", "notin"):
        values = ", ".join(str(v) for v in stats.get("allowed_values", stats.get("forbidden_values", ())))
        return f"{'one of' if name == 'isin' else 'none of'}: {values}"
    return name.replace("_", " ")


def pandera_checks(table: str, column: str) -> tuple[str, ...]:
    if _mart(table) is not None or is_meta(table):
        return ()
    field = _schema(table).columns.get(column)
    if field is None:
        return ()
    words = ["unique"] if field.unique else []
    return (*words, *(_check_words(check) for check in field.checks))


def table_pandera_checks(table: str) -> tuple[str, ...]:
    if _mart(table) is not None or is_meta(table):
        return ()
    return tuple(_check_words(check) for check in _schema(table).checks)
