"""Rewrite ``queries/answers/<query>.parquet``: every query's answer over the tiny hand-made shop.

Run it after changing a query on purpose (``.venv/bin/python tests/analysis/update_answers.py``), then check the
diff against the values worked out by hand in ``test_tiny_answers.py``, which must still pass.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from analysis_support import ANSWERS_DIR, tiny

from pipeline.analysis.queries import all_queries
from pipeline.analysis.sources import connect_lake


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        shop = tiny(Path(scratch))
        con = connect_lake(shop.lake_dir)
        ANSWERS_DIR.mkdir(parents=True, exist_ok=True)
        for name, query in all_queries().items():
            query.run(con).write_parquet(ANSWERS_DIR / f"{name}.parquet")
            print(f"wrote {ANSWERS_DIR / name}.parquet")
        con.close()


if __name__ == "__main__":
    main()
