"""The anomaly query measured against the planted labels: precision and recall at scale 10, and a burst whose
planted signal is weakened (a wrong generator) is no longer told apart."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline.analysis import scoring
from pipeline.analysis.queries import get_query
from pipeline.analysis.sources import connect_lake
from pipeline.domain import KIND_NAMES
from pipeline.generate import baskets
from pipeline.settings import Settings
from tests.support import generators
from tests.support.builds import Built

TARGET = 0.99  # issue 24: every kind told apart at every scale (benchmarks/detection.py measures 100 to 1000)


def _scores(settings: Settings) -> dict[str, scoring.Score]:
    con = connect_lake(settings.lake_dir)
    flagged = get_query("anomalies").run(con)
    con.close()
    return {s.kind: s for s in scoring.score(flagged, scoring.read_labels(settings.labels_path))}


@pytest.fixture(scope="module")
def scores(scale10: Built) -> dict[str, scoring.Score]:
    return _scores(scale10.settings)


@pytest.mark.parametrize("kind", [*KIND_NAMES, scoring.ALL_KINDS])
def test_precision_and_recall_at_scale_10(scores: dict[str, scoring.Score], kind: str) -> None:
    score = scores[kind]
    assert score.labelled >= 30, "too few planted anomalies of this kind for the score to mean anything"
    assert score.precision >= TARGET, score.line()
    assert score.recall >= TARGET, score.line()


def test_a_weakened_burst_is_not_told_apart(tmp_path: Path) -> None:
    """A wrong generator: bursts of 3 or 4 orders, as many as a regular's busiest day, so that the query (4 or
    more orders by one customer on a day) misses about half of them."""
    with pytest.MonkeyPatch.context() as wrong:
        wrong.setattr(baskets, "BURST_SIZE", (3, 5))
        settings = generators.generate(tmp_path, 42, 10.0)
    burst = _scores(settings)["burst"]
    assert burst.labelled >= 30
    assert burst.recall < TARGET, burst.line()


def test_score_arithmetic() -> None:
    labels = pl.DataFrame({"order_id": [1, 2, 3, 4], "kind": ["burst", "burst", "late_payment", "extreme_amount"]})
    flagged = pl.DataFrame({"order_id": [1, 3, 9], "kind": ["burst", "burst", "late_payment"]})
    scores = {s.kind: s for s in scoring.score(flagged, labels)}
    assert (scores["burst"].true_positives, scores["burst"].flagged, scores["burst"].labelled) == (1, 2, 2)
    assert scores["late_payment"].precision == 0.0
    assert scores["late_payment"].recall == 0.0
    assert scores["extreme_amount"].precision == 1.0  # nothing flagged, nothing flagged wrongly
    assert scores["extreme_amount"].recall == 0.0
    # Over all kinds a flag counts whatever its kind: orders 1 and 3 are anomalies, 9 is not.
    assert (scores["all"].true_positives, scores["all"].flagged, scores["all"].labelled) == (2, 3, 4)
