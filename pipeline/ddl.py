"""A small reader for SQLite ``CREATE TABLE`` text: the CHECK constraints of each column and of the table.

SQLite keeps no structured record of CHECK constraints (no PRAGMA lists them), so they are read from the
DDL that the warehouse stores in ``sqlite_schema`` - the statements of ``warehouse/schema.sql`` verbatim.
Only what the data dictionary and the warehouse build need: split the definitions at top-level commas, find
``CHECK (...)``, and write a statement without its column CHECKs (the build's fill, decision 0041).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TABLE_CONSTRAINT = re.compile(r"^(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN)\b", re.IGNORECASE)
CHECK_KEYWORD = re.compile(r"\bCHECK\s*\(", re.IGNORECASE)


@dataclass(frozen=True)
class TableChecks:
    columns: dict[str, tuple[str, ...]]  # column -> its CHECK expressions, whitespace normalized
    table: tuple[str, ...]  # table-level constraints, whitespace normalized


def _normalize(sql: str) -> str:
    """Drop ``--`` comments and collapse whitespace outside string literals and quoted identifiers."""
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(sql):
        ch = sql[i]
        if quote:
            out.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"`[":
            quote = "]" if ch == "[" else ch
            out.append(ch)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        elif ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(ch)
        i += 1
    text = "".join(out).strip()
    return re.sub(r"\( ", "(", re.sub(r" \)", ")", text))


def _split_top_level(sql: str) -> list[str]:
    """Split at commas that are outside parentheses and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(sql):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"`[":
            quote = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(sql[start:i].strip())
            start = i + 1
    parts.append(sql[start:].strip())
    return [p for p in parts if p]


def _balanced(sql: str, open_at: int) -> str:
    """The text inside the parenthesis that opens at ``open_at`` (quotes respected)."""
    depth, quote = 0, ""
    for i in range(open_at, len(sql)):
        ch = sql[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return sql[open_at + 1 : i]
    msg = f"unbalanced parentheses in {sql!r}"
    raise ValueError(msg)


def _column_name(definition: str) -> str:
    match = re.match(r'^(?:"([^"]+)"|\[([^\]]+)\]|`([^`]+)`|(\w+))', definition)
    if not match:
        msg = f"cannot read a column name from {definition!r}"
        raise ValueError(msg)
    return next(group for group in match.groups() if group)


def checks_of(create_table_sql: str) -> TableChecks:
    """The CHECK expressions per column and the table-level constraints of one CREATE TABLE statement."""
    sql = _normalize(create_table_sql)
    body = _balanced(sql, sql.index("("))
    columns: dict[str, tuple[str, ...]] = {}
    table: list[str] = []
    for definition in _split_top_level(body):
        if TABLE_CONSTRAINT.match(definition):
            table.append(definition)
            continue
        columns[_column_name(definition)] = tuple(
            _balanced(definition, match.end() - 1) for match in CHECK_KEYWORD.finditer(definition)
        )
    return TableChecks(columns, tuple(table))


def without_checks(sql: str) -> str:
    """``sql`` (CREATE TABLE statements, comments allowed) with every column's ``CHECK (...)`` taken out, and the
    rest verbatim. A table-level CHECK is refused: taking it out would leave its comma behind."""
    out: list[str] = []
    quote = ""
    i = start = 0
    while i < len(sql):
        ch = sql[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"`[":
            quote = "]" if ch == "[" else ch
        elif sql.startswith("--", i):
            i = len(sql) if (end := sql.find("\n", i)) < 0 else end
            continue
        elif (found := CHECK_KEYWORD.match(sql, i)) and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] == "_")):
            before = sql[start:i].rstrip()
            if before.endswith((",", "(")):
                msg = f"a table-level CHECK cannot be taken out: {sql[i : i + 60]!r}"
                raise ValueError(msg)
            out.append(before)
            i = found.end() - 1 + len(_balanced(sql, found.end() - 1)) + 2
            start = i
            continue
        i += 1
    out.append(sql[start:])
    return "".join(out)
