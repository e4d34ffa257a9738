"""What the data dictionary reads from the built warehouse itself: tables, columns, keys, CHECKs, indexes.

Structure and numbers come from the SQLite file (PRAGMAs, and the DDL it stores for CHECK constraints);
nothing here is written by hand.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from pipeline.ddl import checks_of
from pipeline.schema import ForeignKey
from pipeline.validate.rules import all_rules

COLUMN_EXAMPLES = 3
EXAMPLE_ROWS = 1_000  # examples come from the first rows (by rowid), so they cost the same at any scale


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    primary_key: bool
    default: str | None
    checks: tuple[str, ...]
    examples: tuple[Any, ...]


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    columns: tuple[str, ...]
    unique: bool
    origin: str  # c: CREATE INDEX, u: UNIQUE constraint, pk: PRIMARY KEY


@dataclass(frozen=True)
class Table:
    name: str
    rows: int
    columns: tuple[Column, ...]
    foreign_keys: tuple[ForeignKey, ...]
    table_constraints: tuple[str, ...]
    indexes: tuple[Index, ...]

    def unique_columns(self) -> set[str]:
        single = {i.columns[0] for i in self.indexes if i.unique and len(i.columns) == 1}
        return single | {c.name for c in self.columns if c.primary_key}


@dataclass(frozen=True)
class Relationship:
    parent: str
    child: str
    column: str
    parent_marker: str  # how many parent rows per child row
    child_marker: str  # how many child rows per parent row


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_tables(db: sqlite3.Connection) -> tuple[Table, ...]:
    """Every user table of the warehouse, in creation order (parents before children)."""
    tables = []
    names = db.execute(
        "select name, sql from sqlite_schema where type = 'table' and name not like 'sqlite\\_%' escape '\\' "
        "order by rowid"
    ).fetchall()
    for name, sql in names:
        checks = checks_of(sql)
        (rows,) = db.execute(f"select count(*) from {_ident(name)}").fetchone()
        columns = []
        for _, column, type_, not_null, default, pk in db.execute(
            'select cid, name, type, "notnull", dflt_value, pk from pragma_table_info(?) order by cid', (name,)
        ):
            examples = db.execute(
                f"select distinct {_ident(column)} as v from "
                f"(select {_ident(column)} from {_ident(name)} order by rowid limit {EXAMPLE_ROWS}) "
                f"where v is not null order by v limit {COLUMN_EXAMPLES}"
            ).fetchall()
            columns.append(
                Column(
                    column,
                    type_ or "",
                    bool(not_null) or pk > 0,
                    pk > 0,
                    default,
                    checks.columns.get(column, ()),
                    tuple(v for (v,) in examples),
                )
            )
        position = {c.name: i for i, c in enumerate(columns)}
        foreign_keys = tuple(
            sorted(
                (
                    ForeignKey(name, column, parent, parent_column)
                    for parent, column, parent_column in db.execute(
                        'select "table", "from", "to" from pragma_foreign_key_list(?)', (name,)
                    )
                ),
                key=lambda fk: (position.get(fk.column, len(position)), fk.parent, fk.parent_column),
            )
        )
        indexes = []
        for index, unique, origin in db.execute(
            'select name, "unique", origin from pragma_index_list(?) order by name', (name,)
        ):
            index_columns = tuple(
                c for (c,) in db.execute("select name from pragma_index_info(?) order by seqno", (index,))
            )
            indexes.append(Index(index, name, index_columns, bool(unique), origin))
        tables.append(Table(name, rows, tuple(columns), foreign_keys, checks.table, tuple(indexes)))
    return tuple(tables)


def _mandatory_children() -> set[tuple[str, str]]:
    """(parent, child) pairs where a hard rule demands at least one child per parent.

    Read from the validation rules themselves: a rule checked in a pass says ``requires: <child>``, and a rule
    checked alone ``from <parent> ... anti join <child>`` lists the parents without a child; when it passes,
    every parent has at least one.
    """
    pattern = re.compile(r"\bfrom\s+(\w+)(?:\s+as)?\s+\w+\s+anti\s+join\s+(\w+)\b", re.IGNORECASE)
    found = {match.groups() for rule in all_rules() for match in pattern.finditer(rule.sql)}
    return found | {(rule.table, rule.requires) for rule in all_rules() if rule.requires}  # type: ignore[return-value]


def relationships(tables: tuple[Table, ...]) -> tuple[Relationship, ...]:
    by_name = {t.name: t for t in tables}
    mandatory = _mandatory_children()
    found = []
    for child in tables:
        columns = {c.name: c for c in child.columns}
        for fk in child.foreign_keys:
            parent_marker = "||" if columns[fk.column].not_null else "|o"
            at_least_one = (fk.parent, child.name) in mandatory
            at_most_one = fk.column in child.unique_columns()
            child_marker = {
                (True, True): "||",
                (False, True): "o|",
                (True, False): "|{",
                (False, False): "o{",
            }[(at_least_one, at_most_one)]
            if fk.parent not in by_name:
                msg = f"table {child.name!r} references {fk.parent!r}, which the warehouse does not have"
                raise ValueError(msg)
            found.append(Relationship(fk.parent, child.name, fk.column, parent_marker, child_marker))
    return tuple(found)
