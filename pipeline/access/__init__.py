"""Reading the warehouse for the API and the dashboard: one module, so the two never hold two copies of a query.

``warehouse`` holds the connection (DuckDB's sqlite scanner, read-only, a cursor per request) and the build
being served; ``reads`` the questions both ask: rows by key, keyset pages, marts, analyses.
"""
