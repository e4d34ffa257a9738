"""The data dictionary: no drift from the committed file, complete and exact, a Mermaid block that parses."""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from pipeline.analysis.marts import MARTS
from pipeline.docs.describe import DictionaryError
from pipeline.docs.dictionary import dictionary_markdown
from pipeline.schema import schema
from tests.support.docs import DICTIONARY_PATH, Build, main, sha256
from tests.support.schema import meta_tables

pytestmark = pytest.mark.fast


def _generate(build: Build) -> str:
    return dictionary_markdown(build.warehouse)


@pytest.fixture(scope="module")
def text(scale1_build: Build) -> str:
    return _generate(scale1_build)


def _live_schema(warehouse: Path) -> dict[str, list[tuple[str, str]]]:
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name"
            )
        ]
        return {t: [(n, ty) for _, n, ty, *_ in db.execute(f"PRAGMA table_info({t})")] for t in tables}


def _sections(text: str) -> dict[str, str]:
    """The body of each ``### <table>`` section of the Tables part."""
    tables_part = text.split("\n## Tables\n", 1)[1].split("\n## Indexes\n", 1)[0]
    chunks = re.split(r"^### (\w+)\n", tables_part, flags=re.MULTILINE)
    return dict(zip(chunks[1::2], chunks[2::2], strict=True))


def _mermaid(text: str) -> list[str]:
    blocks = re.findall(r"^```mermaid\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1
    return str(blocks[0]).splitlines()


def test_committed_dictionary_has_no_drift(text: str, scale1_build: Build, tmp_path: Path) -> None:
    committed = DICTIONARY_PATH.read_text(encoding="utf-8")
    assert text == committed, "docs/data_dictionary.md is stale: run `just run && just docs` and commit it"
    out = tmp_path / "dictionary.md"
    assert main("docs", "--data-dir", scale1_build.data_dir, "--output", out) == 0
    assert out.read_bytes() == DICTIONARY_PATH.read_bytes()
    assert main("docs", "--data-dir", scale1_build.data_dir, "--output", DICTIONARY_PATH, "--check") == 0


def test_generation_is_deterministic_and_read_only(text: str, scale1_build: Build) -> None:
    before = sha256(scale1_build.warehouse)
    assert _generate(scale1_build) == text
    assert sha256(scale1_build.warehouse) == before
    assert "built at scale 1, seed 42" in text
    assert str(scale1_build.data_dir) not in text  # no machine-specific path


def test_every_table_and_column_of_the_live_schema_and_nothing_else(text: str, scale1_build: Build) -> None:
    live = _live_schema(scale1_build.warehouse)
    sections = _sections(text)
    tables = [*schema().tables, *(mart.table for mart in MARTS), *meta_tables()]
    assert sorted(sections) == sorted(live) == sorted(tables)
    for table, columns in live.items():
        rows = re.findall(r"^\| \*\*(\w+)\*\* \| (\w+) \|", sections[table], flags=re.MULTILINE)
        assert rows == columns, table
    listed = re.findall(r"^\| \[(\w+)\]\(#\1\) \|", text, flags=re.MULTILINE)
    assert listed == tables


def test_row_counts_grain_and_descriptions(text: str) -> None:
    sections = _sections(text)
    counts = {
        t: re.search(r"\*\*Rows:\*\* ([\d,]+)", body).group(1)  # type: ignore[union-attr]
        for t, body in sections.items()
        if t in schema().tables
    }
    assert counts == {
        "customers": "2,000",
        "products": "600",
        "orders": "4,000",
        "order_items": "10,000",
        "payments": "4,000",
    }
    assert "**Grain:** One row per payment; every order is paid exactly once." in sections["payments"]
    email = next(line for line in sections["customers"].splitlines() if line.startswith("| **email**"))
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", email)[1:-1]]
    assert cells[:4] == ["**email**", "TEXT", "no", "unique"]
    assert cells[4] == "`NOT NULL`<br>`CHECK (email like '%_@_%._%')`"
    assert cells[6] == "Contact address, unique across customers."
    method = next(line for line in sections["payments"].splitlines() if line.startswith("| **payment_method**"))
    assert method.endswith("| `bank`, `card`, `paypal` |")
    assert "| **order_id** | INTEGER | no | FK → orders.order_id, unique |" in sections["payments"]


def test_indexes_and_business_rules(text: str) -> None:
    indexes = re.findall(r"^\| `(\w+)` \| (\w+) \| ([\w, ]+) \| (yes|no) \|", text, flags=re.MULTILINE)
    assert ("payments_order", "payments", "order_id", "yes") in indexes
    assert ("orders_date", "orders", "order_date", "no") in indexes
    names = {name for name, *_ in indexes}
    assert {statement.split()[-4] for t in schema().tables for statement in schema().indexes[t]} <= names
    assert "mart_anomalies" in {table for _, table, *_ in indexes}
    assert "- **orders.order_id**: every order has at least one item." in text
    assert "- **order_items.line_total**: line_total equals quantity x the product's price, to the cent." in text
    assert "- **payments.order_id**: every order_id exists as orders.order_id (the foreign key resolves)." in text
    assert "- **late_payment**: the payment arrives 30 to 60 days after the order." in text
    assert "$window" not in text


ENTITY = re.compile(r"^    (\w+) \{$")
ATTRIBUTE = re.compile(r"^        (\w+) (\w+)(?: ((?:PK|FK|UK)(?:, (?:PK|FK|UK))*))?$")
RELATION = re.compile(r'^    (\w+) (\|\||\|o|\}o|\}\|)--(\|\||o\||o\{|\|\{) (\w+) : "(\w+)"$')


def test_mermaid_block_parses(text: str) -> None:
    lines = _mermaid(text)
    assert lines[0] == "erDiagram"
    entities: dict[str, list[tuple[str, str, str]]] = {}
    relations = set()
    current: str | None = None
    for line in lines[1:]:
        if current is not None:
            if line == "    }":
                current = None
                continue
            attribute = ATTRIBUTE.match(line)
            assert attribute, f"not an attribute line: {line!r}"
            type_, name, keys = attribute.groups()
            entities[current].append((name, type_, keys or ""))
        elif entity := ENTITY.match(line):
            current = entity.group(1)
            assert current not in entities
            entities[current] = []
        else:
            relation = RELATION.match(line)
            assert relation, f"neither an entity, an attribute nor a relationship: {line!r}"
            relations.add(relation.groups())
    assert current is None, "an entity block is not closed"
    s = schema()
    assert list(entities) == [*s.tables, *(mart.table for mart in MARTS), *meta_tables()]
    for table in s.tables:
        assert [name for name, _, _ in entities[table]] == list(s.columns[table])
    assert entities["mart_anomalies"][0] == ("order_id", "INTEGER", "PK")
    assert entities["payments"][1] == ("order_id", "INTEGER", "FK, UK")
    assert entities["customers"][0] == ("customer_id", "INTEGER", "PK")
    assert relations == {
        ("customers", "||", "o{", "orders", "customer_id"),
        ("products", "||", "o{", "order_items", "product_id"),
        ("orders", "||", "|{", "order_items", "order_id"),
        ("orders", "||", "||", "payments", "order_id"),
    }
    assert {(parent, child, column) for parent, _, _, child, column in relations} == {
        (fk.parent, fk.table, fk.column) for fk in s.foreign_keys
    }


def test_a_table_without_a_description_is_an_error(scale1_build: Build, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.sqlite"
    shutil.copy2(scale1_build.warehouse, warehouse)
    with closing(sqlite3.connect(warehouse)) as db:
        db.execute("CREATE TABLE refunds (refund_id INTEGER PRIMARY KEY, amount REAL NOT NULL CHECK (amount > 0))")
        db.commit()
    with pytest.raises(DictionaryError, match=r"'refunds' has no pandera model; add one to MODELS in"):
        dictionary_markdown(warehouse)


def test_missing_warehouse_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main("docs", "--data-dir", tmp_path / "nowhere", "--output", tmp_path / "d.md") == 2
    assert "no warehouse at" in capsys.readouterr().err
    assert not (tmp_path / "d.md").exists()


def test_check_reports_drift(scale1_build: Build, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "dictionary.md"
    stale.write_text("# Data dictionary\n")
    assert main("docs", "--data-dir", scale1_build.data_dir, "--output", stale, "--check") == 1
    assert "differs from the warehouse" in capsys.readouterr().err
    assert stale.read_text() == "# Data dictionary\n"
