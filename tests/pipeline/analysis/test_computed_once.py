"""``run`` computes each analysis once and shares it with the marts, deriving what follows exactly from a mart:
what it publishes is what each query says."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipeline.analysis import compute
from pipeline.analysis.analyze import bound_queries
from pipeline.analysis.derived import FROM_TABLES, Derivation, derivations, parse_derivation
from pipeline.analysis.marts import MARTS
from pipeline.analysis.queries import QueryFileError, Value, all_queries, get_query
from pipeline.analysis.sources import connect_lake
from tests.support.builds import Built

pytestmark = pytest.mark.fast


@pytest.mark.parametrize("name", list(all_queries()))
def test_each_published_result_is_its_query_at_the_defaults(scale1: Path, name: str) -> None:
    """Including top_products, served as the first $limit rows of the unlimited product mart."""
    published = pl.read_parquet(scale1 / "analysis" / f"{name}.parquet")
    with connect_lake(scale1 / "lake") as con:
        direct = get_query(name).run(con)
    assert published.height > 0
    assert_frame_equal(published, direct, check_exact=True)


@pytest.mark.parametrize("mart", MARTS, ids=[m.table for m in MARTS])
def test_each_mart_is_its_query_at_its_parameters(scale1: Path, mart: object) -> None:
    from pipeline.analysis.marts import Mart

    assert isinstance(mart, Mart)
    with connect_lake(scale1 / "lake") as con:
        direct = con.execute(mart.sql(), mart.bind()).pl()  # its query, summarized if the mart is a summary
    with closing(sqlite3.connect(f"file:{scale1 / 'warehouse.sqlite'}?mode=ro", uri=True)) as db:
        stored = pl.read_database(f"SELECT * FROM {mart.table}", db)
    # SQLite hands dates back as ISO text, as the warehouse stores them.
    stored = stored.with_columns(
        pl.col(c).str.to_date() if dtype == pl.Date else pl.col(c).cast(dtype) for c, dtype in direct.schema.items()
    )
    assert stored.height == direct.height > 0
    key = list(mart.key_columns)
    assert_frame_equal(stored.sort(key), direct.sort(key), check_exact=False, abs_tol=0.005)


def test_no_query_runs_twice_at_the_same_parameters(
    scale1: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's analyses and marts execute each (query, parameters) once: a summary mart (RFM segments) reads its
    query's result file instead of running the query inside its own statement again."""
    executed: list[tuple[str, dict[str, Value]]] = []
    derived: list[str] = []
    copy, derive = compute._copy, compute._derive

    def spy(con: object, sql: str, values: dict[str, Value], path: Path) -> int:
        executed.append((sql, values))
        return copy(con, sql, values, path)  # type: ignore[arg-type]

    def spy_derive(con: object, derivation: Derivation, *args: object) -> compute.Computed:
        derived.append(derivation.query.name)
        return derive(con, derivation, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(compute, "_copy", spy)
    monkeypatch.setattr(compute, "_derive", spy_derive)
    with connect_lake(scale1 / "lake") as con:
        compute.compute(con, tmp_path, bound_queries(None, {}), MARTS)
    assert sorted(derived) == sorted(derivations())  # each used once
    for query in all_queries().values():
        runs = [tuple(sorted(values.items())) for sql, values in executed if query.sql in sql]
        assert len(runs) == len(set(runs)), f"{query.name} ran more than once at the same parameters"
        assert runs or query.name in derived, query.name


def _tried(derivation: Derivation) -> list[dict[str, Value]]:
    """The values run uses (the defaults, or those the derivation is given), and others it accepts."""
    tried: list[dict[str, Value]] = [{}]
    if "grain" in derivation.params:
        tried += [{"grain": "day"}, {"grain": "week"}]
    if "limit" in derivation.params:
        tried.append({"limit": 25})
    return [derivation.given | values for values in tried]


DERIVED_AT = [(name, values) for name, derivation in sorted(derivations().items()) for values in _tried(derivation)]


# The hand-made tiny shop has no customer with power_users' default 10 orders: there, both sides are empty.
EMPTY = {("power_users", "tiny_shop")}


@pytest.mark.parametrize("shop", ["built1", "tiny_shop"])
@pytest.mark.parametrize(("name", "given"), DERIVED_AT, ids=[f"{n}-{v}" for n, v in DERIVED_AT])
def test_each_derivation_is_its_query(
    name: str, given: dict[str, Value], shop: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Bit for bit, types included, on the scale-1 lake and on the hand-made tiny shop (its edge cases)."""
    built: Built = request.getfixturevalue(shop)
    derivation = derivations()[name]
    values = derivation.query.bind(given)
    assert derivation.applies(values)
    with connect_lake(built.lake_dir) as con:
        mart_file = None
        if derivation.source != FROM_TABLES:
            source = next(m for m in MARTS if m.table == derivation.source)
            mart_file = tmp_path / "source.parquet"
            con.execute(f"copy ({source.sql()}) to '{mart_file}' (format parquet)", source.bind())
        derived = con.execute(derivation.statement(mart_file), derivation.bind(values)).pl()
        direct = derivation.query.run(con, values)
    assert (direct.height == 0) == ((name, shop) in EMPTY)
    assert_frame_equal(derived, direct, check_exact=True)


def test_a_derivation_applies_only_over_the_whole_history() -> None:
    derivation = derivations()["category_revenue"]
    assert derivation.applies(derivation.query.bind())
    assert not derivation.applies(derivation.query.bind({"start_date": "2024-01-01"}))


def test_a_restatement_over_the_tables_serves_only_a_run_with_marts(
    scale1: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``analyze`` (no marts, no rules before it) runs the query as it is, even at the values a restatement over
    the tables is given; ``run`` and ``load`` (the marts, after the rules) use it."""
    derived: list[str] = []
    derive = compute._derive

    def spy_derive(con: object, derivation: Derivation, *args: object) -> compute.Computed:
        derived.append(derivation.query.name)
        return derive(con, derivation, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(compute, "_derive", spy_derive)
    query = get_query("top_products")
    with connect_lake(scale1 / "lake") as con:
        compute.compute(con, tmp_path / "analyze", [(query, query.bind({"limit": None}))])
        assert derived == []
        product_summary = next(m for m in MARTS if m.table == "mart_product_summary")
        compute.compute(con, tmp_path / "run", [], [product_summary])
    assert derived == ["top_products"]


def test_a_derivation_given_a_value_applies_only_at_it() -> None:
    derivation = derivations()["top_products"]
    assert derivation.applies(derivation.query.bind({"limit": None}))
    assert not derivation.applies(derivation.query.bind())  # $limit at its default, 10
    assert not derivation.applies(derivation.query.bind({"limit": None, "start_date": "2024-01-01"}))


def test_a_derivation_gives_only_a_parameter_it_leaves_out(tmp_path: Path) -> None:
    file = tmp_path / "top_products.sql"
    file.write_text("-- top_products: x\n-- from: tables\n-- given: rank_by = units\nselect $rank_by\n")
    with pytest.raises(QueryFileError, match="gives 'rank_by', which is not a parameter of 'top_products' it leaves"):
        parse_derivation(file)


def test_a_derivation_replacing_several_steps_writes_each(tmp_path: Path) -> None:
    file = tmp_path / "top_products.sql"
    steps = "with\n\nsales as (\n    select 1\n)\n\nselect 1\n"
    file.write_text("-- top_products: x\n-- from: tables\n-- replaces: sales, order_counts\n" + steps)
    with pytest.raises(QueryFileError, match="replaces 'order_counts' but writes no 'order_counts as \\(' step"):
        parse_derivation(file)


def test_a_derivation_replaces_only_a_step_its_query_has(tmp_path: Path) -> None:
    file = tmp_path / "category_revenue.sql"
    header = "-- category_revenue: x\n-- from: mart_category_revenue_daily\n-- replaces: no_such_step\n"
    file.write_text(header + "select 1\n")
    with pytest.raises(QueryFileError, match="replaces 'no_such_step', which is not a CTE of"):
        parse_derivation(file)
