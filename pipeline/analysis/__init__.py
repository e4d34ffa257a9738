"""The analysis layer: the SQL in ``queries/``, run by DuckDB over the lake or the warehouse, and its marts."""
