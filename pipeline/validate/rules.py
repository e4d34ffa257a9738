"""Cross-table hard rules, run in DuckDB over views named after the tables.

Key rules (unique keys, foreign keys) are derived from the keys declared in ``warehouse/schema.sql``;
business rules are the ``rules/*.sql`` files, each a query that returns the rows breaking the rule.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.schema import schema
from pipeline.validate.report import EXAMPLES, Failure

RULES_DIR = Path(__file__).parent / "rules"
HEADER = re.compile(r"^-- (table|column|rule): (.+)$", re.MULTILINE)
PARAMETER = re.compile(r"\$(\w+)")
# Two sums of cent amounts that differ by less than half a cent are equal (floating-point sums drift).
MONEY_TOLERANCE = 0.005


@dataclass(frozen=True)
class Rule:
    table: str
    column: str
    name: str
    sql: str


def _key_rules() -> list[Rule]:
    # Identifiers come only from the parsed schema (a fixed allow-list), never from input.
    s = schema()
    unique = [(t, s.primary_keys[t]) for t in s.tables] + list(s.unique_keys)
    # One failing row per extra copy of a key, so three rows repeating a key count as 3 (2 if paired).
    rules = [
        Rule(
            t,
            c,
            "unique",
            f"select dup.{c}, dup.copies from (select {c}, count(*) as copies from {t} group by {c} "
            f"having count(*) > 1) as dup, range(dup.copies - 1)",
        )
        for t, c in unique
    ]
    rules += [
        Rule(
            fk.table,
            fk.column,
            f"references {fk.parent}.{fk.parent_column}",
            f"select child.{fk.column} from {fk.table} as child "
            f"anti join {fk.parent} as parent on child.{fk.column} = parent.{fk.parent_column}",
        )
        for fk in s.foreign_keys
    ]
    return rules


def _file_rules() -> list[Rule]:
    rules = []
    for path in sorted(RULES_DIR.glob("*.sql")):
        text = path.read_text()
        header = dict(HEADER.findall(text))
        rules.append(Rule(header["table"], header["column"], header["rule"], text))
    return rules


def all_rules() -> list[Rule]:
    return _key_rules() + _file_rules()


def check_rules(
    con: duckdb.DuckDBPyConnection, window: tuple[dt.date, dt.date], file: str = ""
) -> tuple[int, list[Failure]]:
    """Run every rule; returns how many passed and the failures, each with its count and a few examples."""
    values = {"window_start": window[0], "window_end": window[1], "cent_tolerance": MONEY_TOLERANCE}
    passed, failures = 0, []
    for rule in all_rules():
        params = {name: values[name] for name in set(PARAMETER.findall(rule.sql))}
        con.execute(f"create or replace temp table failing as {rule.sql}", params)
        (count,) = con.execute("select count(*) from failing").fetchone() or (0,)
        if count == 0:
            passed += 1
            continue
        examples = con.execute(f"select distinct * from failing limit {EXAMPLES}")
        names = [d[0] for d in examples.description]
        rows = [dict(zip(names, row, strict=True)) for row in examples.fetchall()]
        name = PARAMETER.sub(lambda m: str(values[m.group(1)]), rule.name)
        failures.append(Failure(rule.table, rule.column, name, count, rows, file))
    con.execute("drop table if exists failing")
    return passed, failures
