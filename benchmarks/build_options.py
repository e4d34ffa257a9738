"""The warehouse fill's options, one table at a time: what the build does, against what it could do instead.

    python -m benchmarks.build_options LAKE_DIR [--table order_items --table orders] [--variant NAME ...] [--rounds 2]
                                       [--output PATH.json]

Each variant fills the table from the lake's Parquet parts into a fresh SQLite file (DuckDB's sqlite extension, one
thread, in key order, no journal: as ``pipeline.warehouse.build``), builds its indexes, then proves it (the
read-back checksum and ``quick_check``, the CHECKs left to the validation). Timed per phase, wall and CPU seconds
of this process (DuckDB's and SQLite's threads included); then, apart, the microseconds per row read by its
primary key at random keys (the API's keyed reads). Variants, each differing from ``as built`` in one thing: the
CHECKs evaluated on insert, or by ``quick_check`` (the build before decision 0041's last change); the indexes
created before the fill; pages of 4 KiB (SQLite's default), 8 and 64 KiB; the index sorter on two threads, or with
256 MiB of memory (``--variant`` picks some, by name). Rounds alternate the variants.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.environment import command_line, machine
from pipeline import duck, lake
from pipeline.ddl import without_checks
from pipeline.schema import schema
from pipeline.warehouse.build import PAGE_SIZE, checksum_sql, declare_checks, insert_statement, quick_check
from pipeline.warehouse.sqlite import sqlite_connection

KEYED_READS = 20_000
KEYED_READS_SEED = 7


@dataclass(frozen=True)
class Variant:
    name: str
    checks_on_insert: bool = False
    checks_by_quick_check: bool = False
    indexes_first: bool = False
    page_size: int = PAGE_SIZE
    sorter_threads: int = 0
    cache_kib: int = 2000  # SQLite's default page cache, which also bounds the index sorter's memory


VARIANTS = (
    Variant("as built"),
    Variant("CHECKs on insert", checks_on_insert=True),
    Variant("CHECKs by quick_check", checks_by_quick_check=True),
    Variant("indexes before the fill", indexes_first=True),
    Variant("4 KiB pages (SQLite's default)", page_size=4096),
    Variant("8 KiB pages", page_size=8192),
    Variant("64 KiB pages", page_size=65536),
    Variant("index sorter on 2 threads", sorter_threads=2),
    Variant("index sorter with 256 MiB", cache_kib=256 * 1024),
)


@dataclass
class Timed:
    wall: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    keyed_read_us: float = 0.0  # apart from the build's phases

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.wall[name] = round(time.perf_counter() - wall, 3)
        self.cpu[name] = round(time.process_time() - cpu, 3)


def _create(path: Path, table: str, variant: Variant) -> None:
    ddl = schema().table_sql[table]
    with sqlite_connection(path, unjournaled=True) as db:
        db.execute(f"pragma page_size = {variant.page_size}")
        db.execute(ddl if variant.checks_on_insert else without_checks(ddl))
        if variant.indexes_first:
            for statement in schema().indexes[table]:
                db.execute(statement)


def _fill(path: Path, table: str, parts: list[Path], spill: Path) -> None:
    with duck.connection(spill, "1GiB", threads=1, keep_order=True) as con:
        duck.attach_warehouse(con, path, read_only=False, journal_off=True)
        con.execute(insert_statement(table, parts))


def _index(path: Path, table: str, variant: Variant) -> None:
    with sqlite_connection(path, unjournaled=True) as db:
        db.execute(f"pragma threads = {variant.sorter_threads}")
        db.execute(f"pragma cache_size = -{variant.cache_kib}")
        for statement in schema().indexes[table]:
            db.execute(statement)


def _prove(path: Path, table: str, spill: Path, variant: Variant) -> None:
    with duck.connection(spill, "1GiB") as con:  # on every core, as the build's proof
        duck.attach_warehouse(con, path)
        con.execute(checksum_sql(table, f"{duck.WAREHOUSE_ALIAS}.{table}")).fetchone()
    with sqlite_connection(path, read_only=not variant.checks_by_quick_check) as db:
        if variant.checks_by_quick_check:  # read-write: SQLite evaluates no CHECK on a file it opens read-only
            verdict = [row[0] for row in db.execute(f"pragma quick_check({table})")]
        else:
            verdict = quick_check(db, table)
    assert verdict == ["ok"], verdict


def keyed_read_us(path: Path, table: str, lookups: int = KEYED_READS) -> float:
    """Microseconds per row read by its primary key (the API's keyed reads), at random keys (the same keys for
    every variant), on a read-only connection opened for them."""
    key = schema().primary_keys[table]
    with sqlite_connection(path, read_only=True) as db:
        (last,) = db.execute(f"select max({key}) from {table}").fetchone()
        keys = [(k,) for k in random.Random(KEYED_READS_SEED).choices(range(1, last + 1), k=lookups)]
        started = time.perf_counter()
        for k in keys:
            db.execute(f"select * from {table} where {key} = ?", k).fetchall()
        return round((time.perf_counter() - started) / lookups * 1e6, 2)


def measure(table: str, parts: list[Path], variant: Variant, scratch: Path) -> Timed:
    path = scratch / f"{table}.sqlite"
    path.unlink(missing_ok=True)
    timed = Timed()
    steps: list[tuple[str, Callable[[], None]]] = [
        ("create", lambda: _create(path, table, variant)),
        ("fill", lambda: _fill(path, table, parts, scratch)),
        ("index", lambda: None if variant.indexes_first else _index(path, table, variant)),
        ("declare", lambda: None if variant.checks_on_insert else declare_checks(path, [table])),
        ("prove", lambda: _prove(path, table, scratch, variant)),
    ]
    for name, step in steps:
        with timed.phase(name):
            step()
    timed.keyed_read_us = keyed_read_us(path, table)
    path.unlink()
    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lake_dir", type=Path)
    parser.add_argument("--table", action="append", dest="tables", help="default: order_items and orders")
    parser.add_argument("--variant", action="append", dest="variants", choices=[v.name for v in VARIANTS],
                        help="default: every variant")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--output", type=Path, metavar="PATH.json")
    args = parser.parse_args()
    tables = args.tables or ["order_items", "orders"]
    variants = tuple(v for v in VARIANTS if args.variants is None or v.name in args.variants)
    files = lake.lake_tables(args.lake_dir)
    runs = []
    with tempfile.TemporaryDirectory(prefix="build-options-") as scratch:
        for round_number in range(1, args.rounds + 1):
            order = variants if round_number % 2 else tuple(reversed(variants))
            for variant in order:
                for table in tables:
                    timed = measure(table, files[table], variant, Path(scratch))
                    total_wall, total_cpu = sum(timed.wall.values()), sum(timed.cpu.values())
                    print(f"round {round_number}  {table:12} {variant.name:30} wall {total_wall:6.2f}  "
                          f"cpu {total_cpu:6.2f}  " + "  ".join(f"{k} {v:.2f}" for k, v in timed.wall.items())
                          + f"  keyed read {timed.keyed_read_us:.1f} us",
                          flush=True)  # fmt: skip
                    runs.append({"round": round_number, "table": table, "variant": asdict(variant), **asdict(timed)})
    if args.output is not None:
        record = {
            "command": command_line("python -m benchmarks.build_options", sys.argv[1:], {"--output": "<output>"}),
            "machine": machine(),
            # The lake's paths are this machine's: its seed, scale and content hashes say which lake it was.
            "lake": {k: v for k, v in lake.read_record(args.lake_dir).items() if k not in {"path", "labels"}},
            "runs": runs,
        }
        args.output.write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
