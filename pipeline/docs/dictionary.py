"""The data dictionary: Markdown with a Mermaid ER diagram, generated from the built warehouse itself.

Structure and numbers are read from the SQLite file (``introspect``), the words from their one source each
(``describe``): this module only renders. The output is deterministic (no timestamps, no paths, stable
order), so a test can regenerate it and compare byte for byte.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from pipeline import files
from pipeline.docs.describe import (
    DictionaryError,
    description,
    is_meta,
    pandera_checks,
    table_grain,
    table_pandera_checks,
)
from pipeline.docs.introspect import COLUMN_EXAMPLES, EXAMPLE_ROWS, Column, Table, read_tables, relationships
from pipeline.domain import ANOMALY_DESCRIPTIONS
from pipeline.settings import DEFAULT_END_DATE, WINDOW_DAYS
from pipeline.validate.rules import MONEY_TOLERANCE, all_rules

EXAMPLE_WIDTH = 40

CARDINALITY_LEGEND = (
    "`||` exactly one, `|o`/`o|` zero or one, `|{`/`}|` one or more, `o{`/`}o` zero or more "
    "(the marker next to a table says how many of its rows take part)."
)


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


def _examples(table: Table, column: Column) -> str:
    if is_meta(table.name):
        return "(differs per build)"  # build ids and times: the page must not change with every build
    return ", ".join(_example(v) for v in column.examples) or "(no rows)"


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
        f"**Grain:** {table_grain(table.name)}  ",
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
        f"| Examples (lowest {COLUMN_EXAMPLES} values in the first {EXAMPLE_ROWS:,} rows) |",
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
            _examples(table, column),
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
        f"(`--end-date`, default {DEFAULT_END_DATE.isoformat()}). Money is rounded to the cent; sums are compared",
        f"with a tolerance of {MONEY_TOLERANCE:g} dollars.",
        "",
        "### Soft rules",
        "",
        "A violation is reported, not rejected. Normally a payment's amount equals its order's total; the",
        "anomaly injector plants a small share of fraud-like orders (`--anomaly-rate`) that pass every hard rule",
        "and labels each in `data/labels/anomalies.parquet` (`order_id`, `kind`), so that the anomaly query's",
        "precision and recall can be measured:",
        "",
    ]
    lines += [f"- **{kind.name.lower()}**: {words}." for kind, words in ANOMALY_DESCRIPTIONS.items()]
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
    lines += [f"| [{t.name}](#{_anchor(t.name)}) | {_cell(table_grain(t.name))} | {t.rows:,} |" for t in tables]
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


def dictionary_markdown(warehouse_path: Path) -> str:
    """Read the warehouse (read-only) and return the dictionary's Markdown text."""
    if not warehouse_path.exists():
        msg = f"no warehouse at {warehouse_path}; run `just run` (or `just load`) first"
        raise FileNotFoundError(msg)
    uri = f"{warehouse_path.resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        tables = read_tables(db)
        build = _build(db)
    if not tables:
        msg = f"the warehouse at {warehouse_path} has no tables; rebuild it with `just run`"
        raise DictionaryError(msg)
    return render(tables, build)


def _build(db: sqlite3.Connection) -> dict[str, Any]:
    """The generation scale and seed from the warehouse's own build record (none for an older warehouse)."""
    try:
        row = db.execute("select scale, seed from build_record").fetchone()
    except sqlite3.OperationalError:
        return {}
    return {"scale": row[0], "seed": row[1]} if row and row[0] is not None else {}


def write_dictionary(text: str, path: Path) -> Path:
    """Write atomically: a reader never sees half a file."""
    return files.write_text(path, text)
