"""``sql``: a real DuckDB shell (the duckdb-cli package) over the lake views and the read-only warehouse.

The shell reads the set that is current when it opens, whole, for as long as it runs: its views name that set's
files, and it holds a reader's lock on the set (inherited across exec), so that no command deletes the set under
it; a switch meanwhile shows in the next shell. Kept light on purpose (no DuckDB, Polars or rich import): the
shell should open at once.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from pipeline.errors import UsageError
from pipeline.output_sets import SetPaths

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "sql",
        parents=[common],
        help="open a DuckDB shell over the lake (views) and the warehouse (attached read-only as wh)",
    )
    parser.add_argument("statement", nargs="?", help="run this one statement and exit instead of a shell")
    parser.set_defaults(func=main)


def duckdb_cli() -> Path:
    """The CLI installed next to this interpreter (the pinned duckdb-cli package), else the one on PATH."""
    beside = Path(sys.executable).parent / "duckdb"
    found = beside if beside.exists() else shutil.which("duckdb")
    if found is None:
        msg = "the duckdb CLI is not installed; install the duckdb-cli package pinned to the duckdb version"
        raise UsageError(msg)
    return Path(found)


def shell_setup_sql(lake_dir: Path, warehouse: Path) -> str:
    """What the shell runs first: the sqlite extension from its package, the lake views, the warehouse."""
    from pipeline import duck_sql, lake

    tables = lake.lake_tables(lake_dir)
    if not warehouse.is_file():
        msg = f"no warehouse at {warehouse}; run `just run` (or `just load`) first"
        raise UsageError(msg)
    statements = [f"load {duck_sql.sql_string(duck_sql.sqlite_extension_path())}"]
    statements += duck_sql.view_statements(tables)
    statements.append(duck_sql.attach_statement(warehouse))
    return ";\n".join(statements) + ";\n"


def command(settings: Settings, statement: str | None, outputs: SetPaths) -> list[str]:
    cli = duckdb_cli()
    argv = [str(cli), "-cmd", shell_setup_sql(outputs.lake_dir, outputs.warehouse_path)]
    if statement is not None:
        if not statement.strip():
            msg = 'the SQL statement is empty; give one, e.g. just sql "select count(*) from orders"'
            raise UsageError(msg)
        argv += ["-c", statement]
    return argv


def main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline import output_sets

    with output_sets.reading(settings.data_dir, settings.data_dir / output_sets.CURRENT) as held:
        if held.lease is None:  # nothing published yet, or a layout from before sets
            _exec(command(settings, args.statement, SetPaths(settings.data_dir)))
        argv = command(settings, args.statement, SetPaths(held.path))
        os.set_inheritable(held.lease, True)  # the shell holds the set after exec, until it exits
        _exec(argv)


def _exec(argv: list[str]) -> NoReturn:
    """The shell takes over the terminal and this process; its exit status becomes this command's."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)
