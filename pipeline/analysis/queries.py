"""The analyses in ``queries/*.sql``: their headers, their parameters, and how they are bound and run.

Each file starts with a comment header; its ``params:`` block declares every ``$name`` the SQL uses::

    -- params:
    --   $start_date date = 1900-01-01  first order day included
    --   $limit int = 10 [1, 1000000]  how many rows to return
    --   $grain choice(day|week|month) = month  the length of a period
    --   $as_of date? = null  a "?" makes null a valid value; the SQL decides what null means
    --   $limit int? = 10 [1, 1000000]  nullable with a default: callers may ask for null (no limit)

Values are always bound as DuckDB named parameters, never formatted into the SQL.

A CTE that several queries share is written once, in ``queries/shared/<name>.sql`` (a header line, then its
select), and a query names the ones it reads in its header (``-- uses: orders_in_range, customer_orders``; a
shared CTE may use others the same way). The loader puts them first in the query's ``with``, so the text that
runs (``Query.sql``) is one statement that runs as it is on the lake, the warehouse and, transpiled, on Spark.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from pipeline.errors import UsageError
from pipeline.settings import PROJECT_ROOT

QUERIES_DIR = PROJECT_ROOT / "queries"
SHARED_DIR_NAME = "shared"

Value = dt.date | int | float | str | None

_PARAM_LINE = re.compile(
    r"^--\s+\$(?P<name>\w+)\s+(?P<kind>date|int|float|choice\((?P<choices>[\w|]+)\))(?P<nullable>\?)?"
    r"\s*=\s*(?P<default>\S+)(?:\s+\[(?P<low>[-\d.]+),\s*(?P<high>[-\d.]+)\])?\s*(?P<doc>.*)$"
)
_SQL_PARAM = re.compile(r"\$(\w+)")
_USES_LINE = re.compile(r"^--\s+uses:\s*(?P<names>[\w, ]+)$", re.MULTILINE)
_WITH = re.compile(r"^\s*with\b", re.IGNORECASE)
_PYTHON_TYPES: dict[str, type | tuple[type, ...]] = {"date": dt.date, "int": int, "float": (int, float), "choice": str}


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # date, int, float or choice
    default: Value
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    nullable: bool = False

    def describe(self) -> str:
        kind = f"one of {'|'.join(self.choices)}" if self.choices else self.kind
        bounds = f" in [{self.low:g}, {self.high:g}]" if self.low is not None and self.high is not None else ""
        null = " or null" if self.nullable else ""
        return f"{self.name} ({kind}{bounds}{null}, default {self.default})"

    def parse(self, raw: str) -> Value:
        """A value given as text (a CLI option, a query string) converted to the parameter's type."""
        text = raw.strip()
        if text.lower() in {"null", "none", ""} and self.nullable:
            return None
        try:
            value: Value
            if self.kind == "date":
                value = dt.date.fromisoformat(text)
            elif self.kind == "int":
                value = int(text)
            elif self.kind == "float":
                value = float(text)
            else:
                value = text
        except ValueError:
            msg = f"parameter {self.describe()}: {raw!r} is not a valid {self.kind}"
            raise UsageError(msg) from None
        return self.check(value)

    def check(self, value: Value) -> Value:
        """The value itself if it is of the right type and within bounds; a UsageError naming it otherwise."""
        if value is None and self.nullable:
            return None
        expected = _PYTHON_TYPES[self.kind]
        if value is None or isinstance(value, bool) or not isinstance(value, expected):
            msg = f"parameter {self.describe()}: got {value!r}"
            raise UsageError(msg)
        if self.choices and value not in self.choices:
            msg = f"parameter {self.describe()}: {value!r} is not one of the choices"
            raise UsageError(msg)
        if isinstance(value, float) and not math.isfinite(value):
            msg = f"parameter {self.describe()}: {value!r} is not a finite number"
            raise UsageError(msg)
        low, high = self.low, self.high
        if isinstance(value, int | float) and low is not None and high is not None and not low <= value <= high:
            msg = f"parameter {self.describe()}: {value!r} is out of range"
            raise UsageError(msg)
        return value


@dataclass(frozen=True)
class Query:
    name: str
    path: Path
    title: str
    grain: str
    params: tuple[Param, ...]
    sql: str

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        known = ", ".join(p.name for p in self.params) or "none"
        msg = f"query {self.name!r} has no parameter {name!r} (its parameters: {known})"
        raise UsageError(msg)

    def bind(self, given: Mapping[str, Value | str] | None = None, *, empty_range: bool = False) -> dict[str, Value]:
        """Defaults overridden by ``given`` (text is parsed, other values checked), then cross-checked.

        A date range that ends before it starts is an error, unless ``empty_range``: then it is a range with no
        days in it (the API's choice: a request its schema allows is answered, not refused).
        """
        values: dict[str, Value] = {p.name: p.default for p in self.params}
        for name, value in (given or {}).items():
            param = self.param(name)
            values[name] = param.parse(value) if isinstance(value, str) else param.check(value)
        start, end = values.get("start_date"), values.get("end_date")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start and not empty_range:
            msg = f"query {self.name!r}: end_date {end} is before start_date {start}"
            raise UsageError(msg)
        return values

    def run(self, con: duckdb.DuckDBPyConnection, values: Mapping[str, Value] | None = None) -> pl.DataFrame:
        """The result as a Polars frame; ``values`` must come from :meth:`bind`."""
        bound = dict(self.bind()) if values is None else dict(values)
        return con.execute(self.sql, bound).pl()


def _default(kind: str, text: str) -> Value:
    if text == "null":
        return None
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    return text


class QueryFileError(UsageError):
    """A ``queries/*.sql`` file whose header does not describe its SQL; only commands that run queries see it."""


def parse_query(path: Path) -> Query:
    """A query file's header read into a Query; a header that does not match its SQL is a QueryFileError."""
    sql = path.read_text()
    header = [line for line in sql.splitlines() if line.startswith("--")]
    if not header or not header[0].startswith(f"-- {path.stem}:"):
        msg = f"{path}: the header must start with '-- {path.stem}: <the question it answers>'"
        raise QueryFileError(msg)
    params: list[Param] = []
    grain = ""
    for line in header:
        if line.startswith("-- grain:"):
            grain = line.removeprefix("-- grain:").strip()
        match = _PARAM_LINE.match(line)
        if match is None:
            continue
        kind = "choice" if match["choices"] else match["kind"]
        low, high = match["low"], match["high"]
        if match["default"] == "null" and not match["nullable"]:
            msg = f"{path}: parameter ${match['name']} defaults to null but its type is not nullable ({kind}?)"
            raise QueryFileError(msg)
        param = Param(
            name=match["name"],
            kind=kind,
            default=_default(kind, match["default"]),
            doc=match["doc"].strip(),
            low=float(low) if low is not None else None,
            high=float(high) if high is not None else None,
            choices=tuple(match["choices"].split("|")) if match["choices"] else (),
            nullable=bool(match["nullable"]),
        )
        if param.default is not None:
            param.check(param.default)
        params.append(param)
    sql = _with_shared(path, sql)
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    used, declared = set(_SQL_PARAM.findall(body)), {p.name for p in params}
    if used != declared:
        msg = f"{path}: parameters used {sorted(used)} differ from those declared in the header {sorted(declared)}"
        raise QueryFileError(msg)
    if not grain:
        msg = f"{path}: the header has no '-- grain:' line"
        raise QueryFileError(msg)
    title = header[0].split(":", 1)[1].strip()
    return Query(path.stem, path, title, grain, tuple(params), sql)


def _uses(text: str) -> list[str]:
    found = _USES_LINE.search(text)
    return [name.strip() for name in found["names"].split(",") if name.strip()] if found else []


def _shared(path: Path, shared_dir: Path, names: list[str], done: dict[str, str]) -> None:
    """Add the shared CTEs ``names`` (and those they use, first) to ``done``: name -> select, in order."""
    for name in names:
        if name in done:
            continue
        file = shared_dir / f"{name}.sql"
        if not file.is_file():
            msg = f"{path}: uses {name!r}, but there is no {file}"
            raise QueryFileError(msg)
        text = file.read_text()
        _shared(file, shared_dir, _uses(text), done)
        done[name] = "\n".join(line for line in text.splitlines() if not line.startswith("--")).strip()


def _with_shared(path: Path, sql: str) -> str:
    """The query's text with the shared CTEs it uses first in its ``with`` (or in a ``with`` of their own)."""
    shared: dict[str, str] = {}
    _shared(path, path.parent / SHARED_DIR_NAME, _uses(sql), shared)
    return with_ctes(sql, shared)


def with_ctes(sql: str, ctes: Mapping[str, str]) -> str:
    """``sql`` (a header of comments, then one statement) with ``ctes`` (name -> select) first in its ``with``."""
    if not ctes:
        return sql
    lines = sql.splitlines()
    header = lines[: next((i for i, line in enumerate(lines) if not line.startswith("--")), len(lines))]
    rest = "\n".join(lines[len(header) :])
    written = ",\n\n".join(f"{name} as (\n{textwrap.indent(body, '    ')}\n)" for name, body in ctes.items())
    if _WITH.match(rest):
        return "\n".join([*header, "with", "", f"{written},", "", _WITH.sub("", rest, count=1).lstrip("\n")])
    return "\n".join([*header, "with", "", written, "", rest.lstrip("\n")])


@cache
def _load(directory: Path) -> dict[str, Query]:
    return {path.stem: parse_query(path) for path in sorted(directory.glob("*.sql"))}


def all_queries(directory: Path | None = None) -> dict[str, Query]:
    """Every query of ``directory`` (default ``queries/``), read once; a malformed file is a QueryFileError."""
    return dict(_load(directory or QUERIES_DIR))


def get_query(name: str, directory: Path | None = None) -> Query:
    queries = _load(directory or QUERIES_DIR)
    if name not in queries:
        msg = f"unknown query {name!r}; the queries are: {', '.join(queries)}"
        raise UsageError(msg)
    return queries[name]
