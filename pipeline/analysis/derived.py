"""Results that follow exactly from another one, derived from it inside ``run`` instead of computed again.

``queries/derived/<query>.sql`` derives the query's result from a mart computed in the same run (named on its
``-- from:`` line, read as the table ``source``): a monthly series from its daily mart, a whole-history total
from the daily rows, the top N from the full ranking. Either it is the whole statement, or (with a
``-- replaces: <cte>`` line) the body of one CTE of the query, whose other steps then run as they are, so that what
follows from the mart's rows is not written twice (``-- replaces: <cte>, <cte>``: the steps of those names that
it writes). It may take the query's own parameters (``$grain``,
``$limit``); every other parameter must be at the query's default (the whole history), the range every mart is
computed over, or at the value a ``-- given: <param> = <value>`` line names. ``-- from: tables`` restates the
query over the same tables at those values, where they and the rules proven before it in ``run`` and ``load``
let it do with less (every product's measures in one pass over the lines instead of keeping them all for a
second); it serves those two commands only, beside their marts. ``queries/*.sql`` stay the definitions: the API, Spark,
``analyze`` and the benchmarks run them as they are, a test holds each derivation equal to its query, and the
independent references check the results.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pipeline import duck_sql
from pipeline.analysis.queries import QUERIES_DIR, Query, QueryFileError, Value, get_query, with_ctes

DERIVED_DIR_NAME = "derived"
_FROM_LINE = re.compile(r"^--\s+from:\s*(?P<mart>\w+)\s*$", re.MULTILINE)
_GIVEN_LINE = re.compile(r"^--\s+given:\s*(?P<param>\w+)\s*=\s*(?P<value>\S+)\s*$", re.MULTILINE)
FROM_TABLES = "tables"  # a ``-- from:`` that reads the query's own tables, not a mart
_REPLACES_LINE = re.compile(r"^--\s+replaces:\s*(?P<ctes>\w+(?:\s*,\s*\w+)*)\s*$", re.MULTILINE)
_SQL_PARAM = re.compile(r"\$(\w+)")


@dataclass(frozen=True)
class Derivation:
    query: Query
    source: str  # the mart whose rows it reads, as ``source`` (or FROM_TABLES)
    sql: str  # the statement that runs, reading ``source``
    params: tuple[str, ...]  # the query's parameters it takes; the others must be at their defaults or given
    given: dict[str, Value] = field(default_factory=dict)  # the values it holds at instead of the defaults

    def applies(self, values: dict[str, Value]) -> bool:
        return all(
            values[p.name] == self.given.get(p.name, p.default) for p in self.query.params if p.name not in self.params
        )

    def statement(self, source_file: Path | None) -> str:
        if source_file is None:
            return self.sql
        return with_ctes(self.sql, {"source": f"select * from read_parquet({duck_sql.sql_string(source_file)})"})

    def bind(self, values: dict[str, Value]) -> dict[str, Value]:
        """The values the statement names (a replaced CTE's query may name parameters in steps it no longer
        reads: they keep their values)."""
        return {name: values[name] for name in sorted(set(_SQL_PARAM.findall(_body(self.sql))))}


def _body(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def _cte(name: str) -> re.Pattern[str]:
    """A CTE in the house style, which sqlfluff keeps: ``<name> as (`` on a line of its own, the body indented,
    ``)`` starting a line."""
    return re.compile(rf"^{name} as \(\n(?P<body>.*?)^\)", re.DOTALL | re.MULTILINE)


def _replace_ctes(query: Query, ctes: list[str], body: str, path: Path) -> str:
    """The query's statement with the body of each CTE of ``ctes`` replaced: by ``body`` if it is one, else by the
    body of the CTE of the same name that ``body`` writes."""
    sql = query.sql
    for cte in ctes:
        select = body
        if len(ctes) > 1:
            written = _cte(cte).search(body)
            if written is None:
                msg = f"{path}: replaces {cte!r} but writes no '{cte} as (' step"
                raise QueryFileError(msg)
            select = textwrap.dedent(written["body"])
        step = _cte(cte).search(sql)
        if step is None:
            msg = f"{path}: replaces {cte!r}, which is not a CTE of {query.path}"
            raise QueryFileError(msg)
        sql = f"{sql[: step.start()]}{cte} as (\n{textwrap.indent(select.strip(), '    ')}\n){sql[step.end() :]}"
    return sql


def parse_derivation(path: Path) -> Derivation:
    text = path.read_text()
    query = get_query(path.stem)
    found = _FROM_LINE.search(text)
    if not text.startswith(f"-- {path.stem}:") or found is None:
        msg = f"{path}: the header must start with '-- {path.stem}: <why it is exact>' and name its '-- from: <mart>'"
        raise QueryFileError(msg)
    params = tuple(sorted(set(_SQL_PARAM.findall(_body(text)))))
    unknown = set(params) - {p.name for p in query.params}
    if unknown:
        msg = f"{path}: uses {sorted(unknown)}, which are not parameters of the query {query.name!r}"
        raise QueryFileError(msg)
    declared = {p.name: p for p in query.params}
    given = {}
    for line in _GIVEN_LINE.finditer(text):
        if line["param"] not in declared or line["param"] in params:
            msg = f"{path}: gives {line['param']!r}, which is not a parameter of {query.name!r} it leaves out"
            raise QueryFileError(msg)
        given[line["param"]] = declared[line["param"]].parse(line["value"])
    replaces = _REPLACES_LINE.search(text)
    ctes = [] if replaces is None else [name.strip() for name in replaces["ctes"].split(",")]
    sql = _replace_ctes(query, ctes, _body(text), path) if ctes else text
    return Derivation(query, found["mart"], sql, params, given)


@cache
def derivations(directory: Path = QUERIES_DIR / DERIVED_DIR_NAME) -> dict[str, Derivation]:
    """Every derivation, by the name of the query it derives."""
    return {path.stem: parse_derivation(path) for path in sorted(directory.glob("*.sql"))}
