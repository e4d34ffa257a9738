"""Rewrite ``queries/answers/<query>.parquet``: every query's answer over the tiny hand-made shop.

A deliberate act, in two steps: after changing a query on purpose, first work out its new answer by hand in
``tiny_answers.py`` (the source of truth), then run ``python -m tests.support.update_answers``. It writes
a query's file only when the query's answer equals the hand-worked one, and otherwise writes nothing for it and
exits 1 naming the difference: a golden file never changes just because the query did.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from polars.testing import assert_frame_equal

from pipeline.analysis.queries import all_queries
from pipeline.analysis.sources import connect_lake
from tests.support.builds import ANSWERS_DIR, tiny
from tests.support.tiny_answers import default_answer


def main() -> int:
    refused = 0
    with tempfile.TemporaryDirectory() as scratch:
        shop = tiny(Path(scratch))
        with connect_lake(shop.lake_dir) as con:
            ANSWERS_DIR.mkdir(parents=True, exist_ok=True)
            for name, query in all_queries().items():
                answer = query.run(con)
                try:
                    assert_frame_equal(answer, default_answer(name), check_exact=True)
                except AssertionError as difference:
                    print(f"not written: {name} differs from its hand-worked answer in tiny_answers.py: {difference}")
                    refused += 1
                    continue
                answer.write_parquet(ANSWERS_DIR / f"{name}.parquet")
                print(f"wrote {ANSWERS_DIR / name}.parquet")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
