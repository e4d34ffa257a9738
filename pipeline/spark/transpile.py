"""``queries/*.sql`` for Spark SQL: transpiled from DuckDB's dialect by sqlglot, or a Spark-side file where that
cannot be faithful.

The DuckDB files stay the one source of every analysis. sqlglot turns each ``$name`` into a Spark parameter
marker ``:name``, and Spark binds the values (typed: a ``date`` is a DATE, an ``int`` an INT) as DuckDB does;
nothing is ever formatted into the SQL, and the values come only from ``Query.bind``, which checked them against
the file's header. Where sqlglot keeps a function whose meaning differs between the engines (``round`` of a
DOUBLE) or that Spark lacks (two interval constructors), ``_duckdb_semantics`` writes DuckDB's meaning out.

A query whose transpiled form would not run, or not mean the same, on Spark has a file of its own in
``pipeline/spark/queries/<name>.sql``, in Spark's dialect with ``:name`` markers for the same parameters, whose
first line says why: ``-- <name> on Spark: <reason>``. The test of Spark against DuckDB covers both kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlglot
from sqlglot import exp

from pipeline.analysis.queries import Query, QueryFileError, Value

SPARK_QUERIES_DIR = Path(__file__).with_name("queries")
TRANSPILED = "transpiled"


def _duckdb_semantics(node: exp.Expression) -> exp.Expression:
    """What sqlglot leaves to the engine but DuckDB and Spark do differently, written out DuckDB's way.

    - ``round(x, n)``: DuckDB rounds a DOUBLE as ``round(x * 10^n) / 10^n`` in binary floating point, Spark rounds
      the shortest decimal form of x half up: 0.285 is 0.28 in DuckDB and 0.29 in Spark, and ratios such as
      3 / 400,000 = 0.0000075 land on such ties at scale 100. Spelled out, Spark computes DuckDB's products and
      rounds them to whole numbers, where both agree. (Every value ``queries/`` rounds is a DOUBLE: money and
      ratios; DECIMAL would round exactly in both.)
    - ``to_days(n)``, ``to_months(n)``: DuckDB's interval constructors, Spark's typed intervals (day-time,
      year-month).
    - ``quantile_cont(x, q)``: sqlglot writes Spark's ``percentile_cont(x, q)``, which Spark 4 refuses (it takes
      ``WITHIN GROUP``); Spark's ``percentile(x, q)`` is the same interpolation between the two nearest values.
    """
    decimals = node.args.get("decimals") if isinstance(node, exp.Round) else None
    if isinstance(decimals, exp.Literal) and int(decimals.name) > 0:
        scale = exp.Literal.number(f"1e{int(decimals.name)}")
        # transform() does not visit what a replacement holds: the rounded expression is rewritten here.
        product = exp.Mul(this=exp.Paren(this=node.this.transform(_duckdb_semantics)), expression=scale)
        return exp.Paren(this=exp.Div(this=exp.Round(this=product), expression=scale.copy()))
    if isinstance(node, exp.PercentileCont) and node.expression is not None:
        return exp.Anonymous(this="PERCENTILE", expressions=[node.this.transform(_duckdb_semantics), node.expression])
    if isinstance(node, exp.ToDays):
        return exp.Anonymous(this="MAKE_DT_INTERVAL", expressions=[node.this])
    if isinstance(node, exp.Anonymous) and node.name.upper() == "TO_MONTHS":
        return exp.Anonymous(this="MAKE_YM_INTERVAL", expressions=[exp.Literal.number(0), *node.expressions])
    return node


@dataclass(frozen=True)
class SparkQuery:
    query: Query
    origin: str  # TRANSPILED, or the path of the Spark-side file
    why: str  # for a Spark-side file: the reason it exists
    tree: exp.Expression | None  # the transpiled statement (None for a Spark-side file, which runs as written)
    text: str  # a Spark-side file's SQL

    def bind(self, values: dict[str, Value]) -> tuple[str, dict[str, Value]]:
        """The Spark SQL and its parameter values for ``values`` (from ``Query.bind``).

        DuckDB reads ``LIMIT NULL`` as no limit, Spark rejects it: a null limit drops the LIMIT clause.
        """
        if self.tree is None:
            return self.text, values
        tree = self.tree.copy()
        for limit in list(tree.find_all(exp.Limit)):
            marker = limit.expression
            if isinstance(marker, exp.Placeholder) and values[marker.name] is None:
                limit.pop()
        return tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE, comments=False), values


def _spark_file(query: Query, path: Path) -> SparkQuery:
    text = path.read_text()
    first = text.splitlines()[0] if text.strip() else ""
    prefix = f"-- {query.name} on Spark:"
    why = first.removeprefix(prefix).strip()
    if not first.startswith(prefix) or not why:
        msg = f"{path}: the first line must say why Spark needs its own file: '{prefix} <reason>'"
        raise QueryFileError(msg)
    return SparkQuery(query, str(path), why, None, text)


@cache
def to_spark(query: Query, directory: Path = SPARK_QUERIES_DIR) -> SparkQuery:
    """The query for Spark: its Spark-side file if it has one, otherwise its DuckDB SQL transpiled."""
    path = directory / f"{query.name}.sql"
    if path.is_file():
        return _spark_file(query, path)
    tree = sqlglot.parse_one(query.sql, read="duckdb").transform(_duckdb_semantics)
    tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)  # fails now, not when it runs
    return SparkQuery(query, TRANSPILED, "", tree, "")
