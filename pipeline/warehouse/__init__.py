"""Everything about the SQLite warehouse: building it, checking it, reading it and writing to it.

- ``build``: a build in a scratch directory beside the target, filled from Parquet, checked (``checks``), its marts
  loaded (``marts``), swapped in under the write lock (``lock``) after the guard over API writes (``guard``).
- ``connection``: how the API and the dashboard read it (DuckDB's sqlite scanner, read-only, a cursor per request),
  and ``reads``: the questions they ask, by kind.
- ``writes``: the API's writes, each a short transaction that keeps every hard rule and logs itself.
- ``sqlite`` (Python's sqlite3 on a warehouse file), ``sql_files`` (the SQL of ``warehouse/reads/`` and
  ``warehouse/writes.sql``).

The schema itself is ``warehouse/schema.sql`` (read by ``pipeline.schema``) and ``warehouse/meta.sql``.
"""
