"""DuckDB's SQL text for the lake views and the warehouse attach, and where the sqlite extension lies.

No DuckDB import here: ``just sql`` builds its shell's set-up from this and hands it to the DuckDB CLI, and
should start at once.
"""

from __future__ import annotations

import importlib.util
from importlib.metadata import version
from pathlib import Path

WAREHOUSE_ALIAS = "wh"


def sqlite_extension_path() -> Path:
    """The extension file shipped in the pinned PyPI package, so that nothing is downloaded at run time."""
    spec = importlib.util.find_spec("duckdb_extension_sqlite_scanner")
    duckdb_version = version("duckdb")
    if spec is None or spec.origin is None:
        msg = f"duckdb-extension-sqlite-scanner is not installed; install it pinned to duckdb {duckdb_version}"
        raise RuntimeError(msg)
    path = Path(spec.origin).parent / "extensions" / f"v{duckdb_version}" / "sqlite_scanner.duckdb_extension"
    if not path.exists():
        msg = (
            f"the sqlite extension for DuckDB {duckdb_version} is not at {path}; "
            "install duckdb-extension-sqlite-scanner pinned to the same version as duckdb"
        )
        raise RuntimeError(msg)
    return path


def sql_string(value: str | Path) -> str:
    """A SQL string literal; used only for file paths in view definitions, which cannot take parameters."""
    return "'" + str(value).replace("'", "''") + "'"


def view_statements(files_by_table: dict[str, list[Path]]) -> list[str]:
    """One view per table over its Parquet files, named after the table (for a connection or the shell)."""
    statements = []
    for table, files in files_by_table.items():
        file_list = ", ".join(sql_string(f) for f in files)
        statements.append(f"create or replace view {table} as select * from read_parquet([{file_list}])")
    return statements


def attach_statement(
    path: Path, *, read_only: bool = True, alias: str = WAREHOUSE_ALIAS, journal_off: bool = False
) -> str:
    mode = ", read_only" if read_only else ""
    journal = ", journal_mode 'off'" if journal_off else ""
    return f"attach {sql_string(path)} as {alias} (type sqlite{mode}{journal})"
