"""The query files themselves: headers that declare every parameter, and the lint stand-in for each one."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest

from pipeline.analysis.queries import QUERIES_DIR, QueryFileError, all_queries, parse_query
from pipeline.errors import UsageError

pytestmark = pytest.mark.fast

REQUIRED = {
    "top_customers",
    "top_products",
    "category_revenue",
    "revenue_timeseries",
    "customer_aov",
    "anomalies",
    "power_users",
    "signup_cohorts",
    "rfm_segments",
    "repeat_purchase_rate",
    "bought_together",
    "payment_mix",
}


def test_every_required_analysis_exists_with_a_header() -> None:
    queries = all_queries()
    assert set(queries) >= REQUIRED
    for query in queries.values():
        assert query.title
        assert query.grain
        assert query.sql.startswith(f"-- {query.name}:")


def test_every_parameter_has_a_sqlfluff_stand_in() -> None:
    config = tomllib.loads((QUERIES_DIR.parent / "pyproject.toml").read_text())
    stand_ins = config["tool"]["sqlfluff"]["templater"]["placeholder"]
    used = {p.name for q in all_queries().values() for p in q.params}
    assert used <= set(stand_ins)


def test_a_header_that_misses_a_parameter_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "broken.sql"
    path.write_text("-- broken: a query\n-- grain: one row\nselect 1 where $limit > 0\n")
    with pytest.raises(QueryFileError, match=r"parameters used \['limit'\] differ"):
        parse_query(path)


def test_parameter_parsing_and_bounds() -> None:
    query = all_queries()["top_customers"]
    values = query.bind({"start_date": "2024-01-01", "limit": "5"})
    assert values == {"start_date": dt.date(2024, 1, 1), "end_date": dt.date(9999, 12, 31), "limit": 5}
    assert query.bind({"limit": 1_000_000})["limit"] == 1_000_000
    for bad in ({"limit": 0}, {"limit": True}, {"limit": 2.5}, {"start_date": "yesterday"}, {"as_of": "2024-01-01"}):
        with pytest.raises(UsageError):
            query.bind(bad)
    rfm = all_queries()["rfm_segments"]
    assert rfm.bind() == {"as_of": None}
    assert rfm.bind({"as_of": "null"}) == {"as_of": None}


def test_a_shared_cte_is_written_once_and_put_first_in_the_with(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "small_orders.sql").write_text(
        "-- small_orders: orders below a total.\nselect o.order_id from orders as o where o.total_amount < $below\n"
    )
    (shared / "counted.sql").write_text(
        "-- counted: how many small orders.\n-- uses: small_orders\nselect count(*) as n from small_orders as s\n"
    )
    path = tmp_path / "uses_both.sql"
    path.write_text(
        "-- uses_both: a query.\n-- grain: one row\n-- params:\n--   $below float = 10 [0, 100]  the bound\n"
        "-- uses: counted\nselect c.n from counted as c\n"
    )
    query = parse_query(path)
    assert query.sql.startswith("-- uses_both: a query.\n")
    body = query.sql[query.sql.index("with") :]
    assert body.index("small_orders as (") < body.index("counted as (") < body.index("select c.n from counted")
    assert [p.name for p in query.params] == ["below"]
    (shared / "counted.sql").unlink()
    with pytest.raises(QueryFileError, match=r"uses 'counted', but there is no"):
        parse_query(path)


def test_no_query_writes_out_a_shared_cte_again() -> None:
    shared_dir = QUERIES_DIR / "shared"
    names = [p.stem for p in shared_dir.glob("*.sql")]
    assert {"orders_in_range", "customer_orders"} <= set(names)
    for path in sorted(QUERIES_DIR.glob("*.sql")):
        for name in names:
            assert f"{name} as (" not in path.read_text(), f"{path.name} defines {name}: use `-- uses: {name}`"
