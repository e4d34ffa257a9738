"""Cross-table hard rules, run in DuckDB over views named after the tables.

Key rules (unique keys, foreign keys) are derived from the keys declared in ``warehouse/schema.sql``;
business rules are the ``rules/*.sql`` files. A file is either one rule, a query that returns the rows breaking
it (``-- table:``/``-- column:``/``-- rule:`` header), or a pass: one query over a join that several rules
share, with a ``breaks_<rule>`` column per rule that is true on the rows breaking it (``-- pass:`` header).

Each big table is scanned and joined once per pass instead of once per rule (measured at scale 1000: the rules
took twice the CPU time when each ran alone, see docs/benchmarks.md). A pass may also check a foreign key
of the schema (``-- foreign key: table.column``): it is the schema's rule, computed in the pass's join. A foreign
key no pass checks runs alone as an anti-join. Integer unique keys are first proven unique by counting their
distinct values in a bitmap (``bitstring_agg``), a sequential scan; only a key that the bitmap cannot prove runs
its exact query (a hash aggregate, 2x the time), so a failing key is reported as before.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from pipeline.errors import FAILURE_EXAMPLES, Failure
from pipeline.schema import schema

RULES_DIR = Path(__file__).parent / "rules"
HEADER = re.compile(r"^-- (table|column|rule): (.+)$", re.MULTILINE)
PASS = re.compile(r"^-- pass: (.+)$", re.MULTILINE)
# A pass's header: a "-- rule <name>: table.column" or "-- foreign key: table.column" line, then indented lines:
# a rule's words first, then "examples: a, b", "count: column" and "requires: table" as needed.
PASS_ITEM = re.compile(r"^-- (?:rule (\w+)|foreign key): (\w+)\.(\w+)\n((?:--   .+\n)*)", re.MULTILINE)
OPTION = re.compile(r"^(examples|count|requires): ([\w, ]+)$")
PARAMETER = re.compile(r"\$(\w+)")
# Two sums of cent amounts that differ by less than half a cent are equal (floating-point sums drift).
MONEY_TOLERANCE = 0.005
# A bitmap over a key's range proves it unique in one scan; beyond this many bits (32 MiB per key and thread)
# the exact query runs instead. Scale 10000's largest range is 1e8.
BITMAP_MAX_BITS = 1 << 28


@dataclass(frozen=True)
class Rule:
    table: str
    column: str
    name: str
    sql: str = ""  # the query returning the failing rows, for a rule checked alone ("" for one checked in a pass)
    requires: str = ""  # a table in which every row of ``table`` must have a row (an at-least-one rule)


@dataclass(frozen=True)
class Check:
    """How a pass checks one rule: its ``breaks_`` column, the columns shown as examples, and the column that
    says how many rows of the rule's table one result row stands for ("" when it is one)."""

    rule: Rule
    flag: str
    examples: tuple[str, ...]
    count: str = ""


@dataclass(frozen=True)
class Pass:
    path: Path
    sql: str
    checks: tuple[Check, ...]


def _unique_rules() -> list[Rule]:
    # Identifiers come only from the parsed schema (a fixed allow-list), never from input.
    s = schema()
    unique = [(t, s.primary_keys[t]) for t in s.tables] + list(s.unique_keys)
    # One failing row per extra copy of a key, so three rows repeating a key count as 3 (2 if paired).
    return [
        Rule(
            t,
            c,
            "unique",
            f"select dup.{c}, dup.copies from (select {c}, count(*) as copies from {t} group by {c} "
            f"having count(*) > 1) as dup, range(dup.copies - 1)",
        )
        for t, c in unique
    ]


def _foreign_key_rules() -> list[Rule]:
    return [
        Rule(
            fk.table,
            fk.column,
            f"references {fk.parent}.{fk.parent_column}",
            f"select child.{fk.column} from {fk.table} as child "
            f"anti join {fk.parent} as parent on child.{fk.column} = parent.{fk.parent_column}",
        )
        for fk in schema().foreign_keys
    ]


def _key_rules() -> list[Rule]:
    return _unique_rules() + _foreign_key_rules()


def _pass(path: Path, text: str, foreign_keys: dict[tuple[str, str], Rule]) -> Pass:
    checks = []
    for rule_id, table, column, body in PASS_ITEM.findall(text):
        lines = [line.removeprefix("--   ").strip() for line in body.splitlines()]
        words = lines.pop(0) if rule_id else ""
        options = {m[1]: m[2] for line in lines if (m := OPTION.match(line))}
        if rule_id:
            rule = Rule(table, column, words, requires=options.get("requires", ""))
            examples = tuple(c.strip() for c in options["examples"].split(","))
            checks.append((rule_id, Check(rule, f"breaks_{rule_id}", examples, options.get("count", ""))))
        elif (table, column) in foreign_keys:
            flag = f"breaks_{column}_reference"
            checks.append((flag, Check(foreign_keys[table, column], flag, (column,), options.get("count", ""))))
        else:
            msg = f"{path.name} checks a foreign key {table}.{column} that warehouse/schema.sql does not declare"
            raise ValueError(msg)
    # Rules in the order of their names, as when each was a file of that name; foreign keys after them.
    checks.sort(key=lambda c: (c[1].rule.sql != "", c[0]))
    return Pass(path, text, tuple(check for _, check in checks))


@cache
def _files() -> tuple[tuple[Pass, ...], tuple[Rule, ...]]:
    """The passes and the rules checked alone, read from ``rules/*.sql``."""
    foreign_keys = {(r.table, r.column): r for r in _foreign_key_rules()}
    passes, alone = [], []
    for path in sorted(RULES_DIR.glob("*.sql")):
        text = path.read_text()
        if PASS.search(text):
            passes.append(_pass(path, text, foreign_keys))
        else:
            header = dict(HEADER.findall(text))
            alone.append((path.stem, Rule(header["table"], header["column"], header["rule"], text)))
    named = [(c.flag.removeprefix("breaks_"), c.rule) for p in passes for c in p.checks if not c.rule.sql]
    return tuple(passes), tuple(rule for _, rule in sorted(alone + named, key=lambda r: r[0]))


def passes() -> tuple[Pass, ...]:
    return _files()[0]


def all_rules() -> list[Rule]:
    return _key_rules() + list(_files()[1])


def _proven_unique(con: duckdb.DuckDBPyConnection, rules: list[Rule]) -> set[Rule]:
    """The unique rules whose integer key a bitmap of its values proves unique (distinct values = rows)."""
    types = schema().types
    by_table: dict[str, list[Rule]] = {}
    for rule in rules:
        if types[rule.table][rule.column] == "INTEGER":
            by_table.setdefault(rule.table, []).append(rule)
    proven = set()
    for table, keys in by_table.items():
        ranges = ", ".join(f"min({r.column}), max({r.column})" for r in keys)
        rows, *bounds = con.execute(f"select count(*), {ranges} from {table}").fetchone() or (0,)
        if not rows:
            proven.update(keys)
            continue
        fits = [
            (rule, low, high)
            for rule, low, high in zip(keys, bounds[::2], bounds[1::2], strict=True)
            if high - low < BITMAP_MAX_BITS
        ]
        if not fits:
            continue
        bitmaps = ", ".join(
            f"bit_count(bitstring_agg({r.column}, $low{i}, $high{i}))" for i, (r, _, _) in enumerate(fits)
        )
        params = {f"{end}{i}": v for i, (_, low, high) in enumerate(fits) for end, v in (("low", low), ("high", high))}
        distinct = con.execute(f"select {bitmaps} from {table}", params).fetchone() or ()
        proven.update(rule for (rule, _, _), count in zip(fits, distinct, strict=True) if count == rows)
    return proven


def _failure(
    con: duckdb.DuckDBPyConnection,
    rule: Rule,
    values: dict[str, Any],
    where: str = "",
    columns: str = "*",
    count: str = "",
) -> Failure | None:
    """The failure of ``rule`` from the rows of the ``failing`` table (those ``where`` holds), or None if none."""
    condition = f" where {where}" if where else ""
    (rows,) = con.execute(f"select coalesce({count or 'count(*)'}, 0) from failing{condition}").fetchone() or (0,)
    if rows == 0:
        return None
    examples = con.execute(f"select distinct {columns} from failing{condition} limit {FAILURE_EXAMPLES}")
    names = [d[0] for d in examples.description]
    shown = [dict(zip(names, row, strict=True)) for row in examples.fetchall()]
    name = PARAMETER.sub(lambda m: str(values[m.group(1)]), rule.name)
    return Failure(rule.table, rule.column, name, int(rows), shown, "")


def _bound(sql: str, values: dict[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in set(PARAMETER.findall(sql))}


def _check_pass(con: duckdb.DuckDBPyConnection, p: Pass, values: dict[str, Any]) -> dict[Rule, Failure | None]:
    """One query for every rule of the pass keeps the rows breaking any of them; each is counted from those."""
    # Identifiers are the pass header's names (\w+ only, from the package's own files), never from input.
    flags = " or ".join(c.flag for c in p.checks)
    con.execute(f"create or replace temp table failing as select * from ({p.sql}) where {flags}", _bound(p.sql, values))
    return {
        c.rule: _failure(con, c.rule, values, c.flag, ", ".join(c.examples), f"sum({c.count})" if c.count else "")
        for c in p.checks
    }


def check_rules(
    con: duckdb.DuckDBPyConnection, window: tuple[dt.date, dt.date], file: str = ""
) -> tuple[int, list[Failure]]:
    """Run every rule; returns how many passed and the failures, each with its count and a few examples."""
    values = {"window_start": window[0], "window_end": window[1], "cent_tolerance": MONEY_TOLERANCE}
    found: dict[Rule, Failure | None] = {}
    for p in passes():
        found |= _check_pass(con, p, values)
    rules = all_rules()
    found |= dict.fromkeys(_proven_unique(con, [r for r in rules if r.name == "unique"]))
    for rule in rules:
        if rule not in found:
            con.execute(f"create or replace temp table failing as {rule.sql}", _bound(rule.sql, values))
            found[rule] = _failure(con, rule, values)
    con.execute("drop table if exists failing")
    failures = [f for rule in rules if (f := found[rule]) is not None]
    return len(rules) - len(failures), [
        Failure(f.table, f.column, f.rule, f.failing_rows, f.examples, file) for f in failures
    ]
