"""The data dictionary: Markdown with a Mermaid ER diagram, generated from the built warehouse itself.

Structure (tables, columns, types, nullability, keys, CHECK constraints, indexes) and the numbers (row counts,
example values) are read from the SQLite file; the words come from one place each: table grains and column
descriptions from the pandera models (class docstring, ``description=``), hard rules from the validation rules,
soft rules from the anomaly kinds. The output is deterministic (no timestamps, no paths, stable order), so a
test can regenerate it and compare byte for byte.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandera.polars as pa

from pipeline.analysis.marts import MARTS, Mart
from pipeline.analysis.queries import get_query
from pipeline.docs.ddl import checks_of
from pipeline.generate.anomalies import DESCRIPTIONS
from pipeline.settings import PROJECT_ROOT, WINDOW_DAYS, Settings
from pipeline.validate.models import MODELS
from pipeline.validate.rules import CENT_TOLERANCE, all_rules

DICTIONARY_PATH = PROJECT_ROOT / "docs" / "data_dictionary.md"
EXAMPLES = 3
EXAMPLE_ROWS = 1_000  # examples come from the first rows (by rowid), so they cost the same at any scale
EXAMPLE_WIDTH = 40

# The soft rules: patterns planted on purpose, reported (labelled), never rejected.

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

CARDINALITY_LEGEND = (
    "`||` exactly one, `|o`/`o|` zero or one, `|{`/`}|` one or more, `o{`/`}o` zero or more "
    "(the marker next to a table says how many of its rows take part)."
)


class DictionaryError(ValueError):
    """The warehouse and the descriptions disagree (a table or column without a description, say)."""


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
class ForeignKey:
    column: str
    parent: str
    parent_column: str


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
        "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "ORDER BY rowid"
    ).fetchall()
    for name, sql in names:
        checks = checks_of(sql)
        (rows,) = db.execute(f"SELECT count(*) FROM {_ident(name)}").fetchone()
        columns = []
        for _, column, type_, not_null, default, pk in db.execute(
            'SELECT cid, name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid', (name,)
        ):
            examples = db.execute(
                f"SELECT DISTINCT {_ident(column)} AS v FROM "
                f"(SELECT {_ident(column)} FROM {_ident(name)} ORDER BY rowid LIMIT {EXAMPLE_ROWS}) "
                f"WHERE v IS NOT NULL ORDER BY v LIMIT {EXAMPLES}"
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
                    ForeignKey(column, parent, parent_column)
                    for parent, column, parent_column in db.execute(
                        'SELECT "table", "from", "to" FROM pragma_foreign_key_list(?)', (name,)
                    )
                ),
                key=lambda fk: (position.get(fk.column, len(position)), fk.parent, fk.parent_column),
            )
        )
        indexes = []
        for index, unique, origin in db.execute(
            'SELECT name, "unique", origin FROM pragma_index_list(?) ORDER BY name', (name,)
        ):
            index_columns = tuple(
                c for (c,) in db.execute("SELECT name FROM pragma_index_info(?) ORDER BY seqno", (index,))
            )
            indexes.append(Index(index, name, index_columns, bool(unique), origin))
        tables.append(Table(name, rows, tuple(columns), foreign_keys, checks.table, tuple(indexes)))
    return tuple(tables)


def _mandatory_children() -> set[tuple[str, str]]:
    """(parent, child) pairs where a hard rule demands at least one child per parent.

    Read from the validation rules themselves: a rule ``from <parent> ... anti join <child>`` lists the
    parents without a child, so when it passes every parent has at least one.
    """
    pattern = re.compile(r"\bfrom\s+(\w+)(?:\s+as)?\s+\w+\s+anti\s+join\s+(\w+)\b", re.IGNORECASE)
    return {match.groups() for rule in all_rules() for match in pattern.finditer(rule.sql)}  # type: ignore[misc]


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
                raise DictionaryError(msg)
            found.append(Relationship(fk.parent, child.name, fk.column, parent_marker, child_marker))
    return tuple(found)


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


def grain(table: str) -> str:
    mart = _mart(table)
    if mart is not None:
        query = get_query(mart.query)
        params = ", ".join(f"{k}={v}" for k, v in mart.params.items())
        source = f"`queries/{mart.query}.sql`" + (f" with {params}" if params else "")
        return f"Mart materialized from {source}: {query.title} Grain: {' '.join(query.grain.split())}"
    doc = (_model(table).__doc__ or "").strip()
    if not doc:
        msg = f"the pandera model of {table!r} has no docstring; write its grain there ('One row per ...')"
        raise DictionaryError(msg)
    return " ".join(doc.split())


def _schema(table: str) -> Any:
    return _model(table).to_schema()


def description(table: str, column: str) -> str:
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
    if _mart(table) is not None:
        return ()
    field = _schema(table).columns.get(column)
    if field is None:
        return ()
    words = ["unique"] if field.unique else []
    return (*words, *(_check_words(check) for check in field.checks))


def table_pandera_checks(table: str) -> tuple[str, ...]:
    if _mart(table) is not None:
        return ()
    return tuple(_check_words(check) for check in _schema(table).checks)


# --- rendering -------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _example(value: Any) -> str:
    text = repr(value) if isinstance(value, float) else str(value)
    if len(text) > EXAMPLE_WIDTH:
        text = text[: EXAMPLE_WIDTH - 1] + "…"
    return _code(text)


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9_ -]", "", title.lower()).replace(" ", "-")


def _key_role(table: Table, column: Column) -> str:
    roles = ["PK"] if column.primary_key else []
    roles += [f"FK → {fk.parent}.{fk.parent_column}" for fk in table.foreign_keys if fk.column == column.name]
    if not column.primary_key and column.name in table.unique_columns():
        roles.append("unique")
    return ", ".join(roles)


def mermaid(tables: tuple[Table, ...]) -> list[str]:
    lines = ["```mermaid", "erDiagram"]
    for rel in relationships(tables):
        lines.append(f'    {rel.parent} {rel.parent_marker}--{rel.child_marker} {rel.child} : "{rel.column}"')
    for table in tables:
        lines.append(f"    {table.name} {{")
        fk_columns = {fk.column for fk in table.foreign_keys}
        unique = table.unique_columns()
        for column in table.columns:
            keys = ["PK"] if column.primary_key else []
            keys += ["FK"] if column.name in fk_columns else []
            keys += ["UK"] if column.name in unique and not column.primary_key else []
            suffix = f" {', '.join(keys)}" if keys else ""
            lines.append(f"        {column.type or 'ANY'} {column.name}{suffix}")
        lines.append("    }")
    lines.append("```")
    return lines


def _table_section(table: Table, tables: tuple[Table, ...]) -> list[str]:
    referenced_by = [
        f"{child.name}.{fk.column}" for child in tables for fk in child.foreign_keys if fk.parent == table.name
    ]
    pk = [c.name for c in table.columns if c.primary_key]
    lines = [
        f"### {table.name}",
        "",
        f"**Grain:** {grain(table.name)}  ",
        f"**Rows:** {table.rows:,}  ",
        f"**Primary key:** {', '.join(pk) if pk else '(none)'}  ",
    ]
    if table.foreign_keys:
        refs = ", ".join(f"{fk.column} → {fk.parent}.{fk.parent_column}" for fk in table.foreign_keys)
        lines.append(f"**References:** {refs}  ")
    if referenced_by:
        lines.append(f"**Referenced by:** {', '.join(referenced_by)}  ")
    lines += [
        "",
        "| Column | Type | Nullable | Key | Constraint in SQLite | Checked on load (pandera) | Description "
        f"| Examples (lowest {EXAMPLES} values in the first {EXAMPLE_ROWS:,} rows) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for column in table.columns:
        sql_rules = ["NOT NULL"] if column.not_null else []
        sql_rules += [f"CHECK ({check})" for check in column.checks]
        if column.default is not None:
            sql_rules.append(f"DEFAULT {column.default}")
        cells = [
            f"**{column.name}**",
            column.type,
            "no" if column.not_null else "yes",
            _key_role(table, column),
            "<br>".join(_code(rule) for rule in sql_rules),
            "; ".join(pandera_checks(table.name, column.name)),
            description(table.name, column.name),
            ", ".join(_example(v) for v in column.examples) or "(no rows)",
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    extra = [_code(c) for c in table.table_constraints] + list(table_pandera_checks(table.name))
    if extra:
        lines += ["", f"Rules across the columns of a row: {'; '.join(extra)}."]
    return [*lines, ""]


def _rule_words(text: str) -> str:
    text = text.replace(" [$window_start, $window_end]", "")
    return re.sub(r"\$(\w+)", r"\1", text)


def _business_rules(tables: tuple[Table, ...]) -> list[str]:
    end_default = Settings.model_fields["end_date"].default
    lines = [
        "## Business rules",
        "",
        "### Hard rules",
        "",
        "A violation is an error: the run stops, names the table, column, rule, number of failing rows and a few",
        "examples, and writes nothing (the lake and the warehouse stay as they were). Each row is checked on load",
        'by its table\'s pandera model (the "Checked on load" column above); the rules across tables are:',
        "",
    ]
    order = {t.name: i for i, t in enumerate(tables)}
    for rule in sorted(all_rules(), key=lambda r: order.get(r.table, len(order))):
        if rule.name == "unique":
            words = f"{rule.column} is unique: no two rows share a value"
        elif rule.name.startswith("references "):
            target = rule.name.removeprefix("references ")
            words = f"every {rule.column} exists as {target} (the foreign key resolves)"
        else:
            words = _rule_words(rule.name)
        lines.append(f"- **{rule.table}.{rule.column}**: {words}.")
    lines += [
        "",
        f"The generation window is the {WINDOW_DAYS:,} days (three years) that end on the reference date",
        f"(`--end-date`, default {end_default.isoformat()}). Money is rounded to the cent; sums are compared",
        f"with a tolerance of {CENT_TOLERANCE:g} dollars.",
        "",
        "### Soft rules",
        "",
        "A violation is reported, not rejected. Normally a payment's amount equals its order's total; the",
        "anomaly injector plants a small share of fraud-like orders (`--anomaly-rate`) that pass every hard rule",
        "and labels each in `data/labels/anomalies.parquet` (`order_id`, `kind`), so that the anomaly query's",
        "precision and recall can be measured:",
        "",
    ]
    lines += [f"- **{kind.name.lower()}**: {words}." for kind, words in DESCRIPTIONS.items()]
    return [*lines, ""]


def render(tables: tuple[Table, ...], build: Mapping[str, Any] | None = None) -> str:
    """The Markdown text of the dictionary for ``tables``; ``build`` may carry the run's scale and seed."""
    built = ""
    if build and "scale" in build and "seed" in build:
        built = f" built at scale {build['scale']:g}, seed {build['seed']}"
    lines = [
        "# Data dictionary",
        "",
        "<!-- Generated by `just docs` (python -m pipeline docs) from the built warehouse. Do not edit by hand:",
        "     edit warehouse/schema.sql or the pandera models in pipeline/validate/models.py and regenerate. -->",
        "",
        f"Generated from the SQLite warehouse (`warehouse.sqlite`){built}: the tables, columns, keys,",
        "constraints and indexes below are read from the file itself, the words from the pandera models",
        "(`pipeline/validate/models.py`). A test regenerates this page and fails if it differs.",
        "",
        "- [Entity-relationship diagram](#entity-relationship-diagram)",
        "- [Tables](#tables)",
    ]
    lines += [f"  - [{t.name}](#{_anchor(t.name)})" for t in tables]
    lines += [
        "- [Indexes](#indexes)",
        "- [Business rules](#business-rules)",
        "",
        "## Entity-relationship diagram",
        "",
        *mermaid(tables),
        "",
        f"Cardinality markers: {CARDINALITY_LEGEND} Relationship labels name the foreign-key column.",
        "",
        "## Tables",
        "",
        "| Table | Grain | Rows |",
        "|---|---|---:|",
    ]
    lines += [f"| [{t.name}](#{_anchor(t.name)}) | {_cell(grain(t.name))} | {t.rows:,} |" for t in tables]
    lines.append("")
    for table in tables:
        lines += _table_section(table, tables)
    lines += [
        "## Indexes",
        "",
        "Secondary indexes are built after the bulk load. An `INTEGER PRIMARY KEY` is the table's rowid and",
        "needs no index of its own.",
        "",
        "| Index | Table | Columns | Unique | Created by |",
        "|---|---|---|---|---|",
    ]
    origins = {"u": "UNIQUE constraint", "pk": "PRIMARY KEY"}
    for index in sorted((i for t in tables for i in t.indexes), key=lambda i: (i.table, i.name)):
        cells = [
            _code(index.name),
            index.table,
            ", ".join(index.columns),
            "yes" if index.unique else "no",
            origins.get(index.origin, "CREATE UNIQUE INDEX" if index.unique else "CREATE INDEX"),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines.append("")
    lines += _business_rules(tables)
    return "\n".join(lines).rstrip("\n") + "\n"


def dictionary_markdown(warehouse_path: Path, build: Mapping[str, Any] | None = None) -> str:
    """Read the warehouse (read-only) and return the dictionary's Markdown text."""
    if not warehouse_path.exists():
        msg = f"no warehouse at {warehouse_path}; run `just run` (or `just load`) first"
        raise FileNotFoundError(msg)
    uri = f"{warehouse_path.resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        tables = read_tables(db)
    if not tables:
        msg = f"the warehouse at {warehouse_path} has no tables; rebuild it with `just run`"
        raise DictionaryError(msg)
    return render(tables, build)


def write_dictionary(text: str, path: Path = DICTIONARY_PATH) -> Path:
    """Write atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)
    return path
