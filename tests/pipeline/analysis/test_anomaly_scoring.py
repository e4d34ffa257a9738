"""The anomaly query measured against the planted labels: precision and recall at scale 10."""

from __future__ import annotations

import polars as pl
import pytest

from pipeline.analysis import scoring
from pipeline.analysis.queries import get_query
from pipeline.analysis.sources import connect_lake
from pipeline.domain import KIND_NAMES
from tests.support.builds import Built


@pytest.fixture(scope="module")
def scores(scale10: Built) -> dict[str, scoring.Score]:
    con = connect_lake(scale10.lake_dir)
    flagged = get_query("anomalies").run(con)
    con.close()
    return {s.kind: s for s in scoring.score(flagged, scoring.read_labels(scale10.settings.labels_path))}


@pytest.mark.parametrize("kind", [*KIND_NAMES, scoring.ALL_KINDS])
def test_precision_and_recall_at_scale_10(scores: dict[str, scoring.Score], kind: str) -> None:
    score = scores[kind]
    assert score.labelled >= 30, "too few planted anomalies of this kind for the score to mean anything"
    assert score.precision >= 0.9, score.line()
    assert score.recall >= 0.9, score.line()


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
