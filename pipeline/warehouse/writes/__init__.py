"""Writes made through the API: each one short SQLite transaction that keeps every hard rule and logs itself.

Every job here runs in the API's writer process (``api/writer.py``), never in a process that reads the
warehouse through DuckDB: DuckDB's sqlite extension and Python's ``sqlite3`` are two SQLite libraries, and two
libraries with the same file open in one process do not see each other's POSIX locks (SQLite's "How To Corrupt
An SQLite Database File", section 2.2).

- ``transaction``: the write lock, then the file opened in place, ``PRAGMA foreign_keys = ON``, one transaction;
  the ways a write is refused.
- ``rows``: statements built from ``warehouse/schema.sql`` (identifiers only from there), the rows read back, the
  audit row.
- ``rules``: the hard rules of the data that a write can break, each named as validation names it.
- ``resources``: the jobs, one per operation on customers, products and orders, and the marts' refresh.
"""
