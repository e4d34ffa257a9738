"""Data quality (/quality): can the data be trusted? Validation, the build's checks, how it was made, anomalies."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, data, formats, layout

FLAGGED_SHOWN = 100


def render(view: layout.View) -> None:
    st.title("Data quality")
    snap = view.snapshot
    records = data.records(view.settings, snap.build)
    _validation(records)
    _build(view, records)
    _anomalies(view, records)


def _validation(records: data.Records) -> None:
    st.subheader("Validation")
    report = records.report
    if report is None:
        st.info("No validation report yet: `just run` (or `just validate`) writes one.")
        return
    failures = report.get("failures", [])
    verdict, frames, rules, failed = st.columns(4)
    verdict.metric("Verdict", "valid" if not failures else "invalid")
    layout.metric(frames, "Frames validated", report.get("frames_validated", 0), "Files checked against their model.")
    layout.metric(rules, "Cross-table rules passed", report.get("rules_passed", 0), "Rules across files and tables.")
    layout.metric(failed, "Failed checks", len(failures), "Checks the data failed, listed below.")
    st.caption(f"The last validation, of `{report.get('source', '?')}`.")
    if failures:
        columns = ("table", "column", "rule", "failing_rows")
        layout.table(pl.DataFrame([{c: f[c] for c in columns} for f in failures]), "failures", counts=("failing_rows",))


def _build(view: layout.View, records: data.Records) -> None:
    st.subheader("The warehouse build")
    build = view.snapshot.build
    if not records.manifest_is_current:
        st.warning(
            f"`{view.settings.manifest_path}` describes another build than the one shown (`{build.build_id}`), "
            "so its row counts, checks and stage times are not shown."
        )
        return
    described = records.manifest["warehouse"]
    counts = described.get("row_counts", {})
    check = described.get("integrity_check", "integrity_check")
    st.markdown(
        f"Build `{build.build_id}` passed `PRAGMA foreign_key_check` and `{check}` before it was swapped in, "
        f"and its row counts matched the source's. Writes through the API since: {formats.count(build.edits)}."
    )
    rows = pl.DataFrame({"table": list(counts), "rows at build": list(counts.values())})
    layout.table(rows, "row_counts", counts=("rows at build",))
    lake = records.manifest.get("lake", {})
    left, right = st.columns([1, 2])
    with left:
        st.markdown("**How it was made**")
        facts = {
            "seed": lake.get("seed"),
            "scale": lake.get("scale"),
            "window ends": lake.get("end_date"),
            "anomaly rate": lake.get("anomaly_rate"),
            **{name: version for name, version in records.manifest.get("versions", {}).items()},
        }
        layout.facts(facts)
    with right:
        stages = records.manifest.get("stages", [])
        if stages:
            st.markdown("**Stage times and peak memory**")
            frame = pl.DataFrame(stages).select("name", "seconds", "peak_rss_mib")
            st.plotly_chart(charts.stage_times_chart(frame), key="stages_chart")


def _anomalies(view: layout.View, records: data.Records) -> None:
    st.subheader("Flagged anomalies")
    st.caption(view.caption())
    snap = view.snapshot
    kinds = data.anomaly_kinds(snap, view.start, view.end)
    flagged = int(kinds["row_count"].sum()) if kinds.height else 0
    chart, scores = st.columns(2)
    with chart:
        if flagged:
            st.plotly_chart(charts.anomaly_kinds_chart(kinds), key="anomaly_chart")
        else:
            st.info("No order of the date range was flagged.")
    with scores:
        st.markdown("**Detection against the planted labels** (whole history)")
        if not records.labels_are_current:
            st.info(
                "The anomaly labels are not those of the lake this warehouse was built from (or there are none), "
                "so precision and recall are not measured."
            )
        else:
            found = data.detection_scores(snap, str(view.settings.labels_path))
            table = pl.DataFrame(
                [
                    {
                        "kind": s.kind,
                        "precision": s.precision,
                        "recall": s.recall,
                        "flagged": s.flagged,
                        "labelled": s.labelled,
                    }
                    for s in found
                ]
            )
            # A table, not a chart as well: the same few numbers drawn twice cost the page a chart's drawing.
            layout.table(table, "scores", percent=("precision", "recall"), counts=("flagged", "labelled"))
    kind = st.selectbox("Kind", ["all", *kinds["kind"].to_list()], key="anomaly_kind")
    shown = data.flagged_orders(snap, view.start, view.end, None if kind == "all" else kind, FLAGGED_SHOWN)
    st.caption(f"The first {formats.count(shown.height)} flagged order(s) of the date range by order id.")
    layout.table(shown, "anomalies", money=("total_amount", "paid_amount"))


if __name__ == "__main__":
    layout.run_page(render)
