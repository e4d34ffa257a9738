"""What every page shares: the build it shows, the sidebar's date range, the empty state, paging.

``app.py`` calls :func:`sidebar` on every rerun, before the page: it finds the build being served and draws the
global date range. Each page then calls :func:`run` with its ``render(view)``, which draws the empty state
instead when there is nothing to show, and reruns the page when the warehouse changed under it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl
import streamlit as st

from dashboard import data, formats
from pipeline.errors import InvalidRequest, WarehouseMissing
from pipeline.settings import Settings, SettingsError
from pipeline.warehouse.reads.pages import RowsPage

DATE_RANGE = "date_range"  # the sidebar's date-range widget
_VIEW = "_view"  # what the sidebar found for this rerun: a View or a EmptyState
_LAST_RANGE = "_last_range"  # the last complete range picked (a range half picked keeps showing it)
_RERUNS = "_reruns"  # reruns in a row because the warehouse changed under a page
MAX_RERUNS = 3
BUILD_HINT = "Build one with `just run` (or `python -m pipeline run`), then reload this page."


@dataclass(frozen=True)
class View:
    """The build a rerun shows and the date range picked in the sidebar."""

    settings: Settings
    snapshot: data.Snapshot
    window: tuple[dt.date, dt.date]  # the whole window of the data
    start: dt.date
    end: dt.date

    @property
    def whole_window(self) -> bool:
        return (self.start, self.end) == self.window

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def grain(self) -> str:
        """The period a chart of the range reads best in: days up to a quarter, weeks up to two years."""
        return "day" if self.days <= 92 else "week" if self.days <= 731 else "month"

    def caption(self) -> str:
        scope = "the whole window of the data" if self.whole_window else "the sidebar's date range"
        return f"{formats.period(self.start, self.end)}: {scope}."


@dataclass(frozen=True)
class EmptyState:
    """Why there is nothing to show, and what to do about it."""

    title: str
    detail: str


def _problem(settings: Settings | None) -> EmptyState | tuple[Settings, data.Snapshot, tuple[dt.date, dt.date]]:
    if settings is None:
        try:
            settings = Settings.load()
        except SettingsError as error:
            return EmptyState("The dashboard's settings are invalid", f"{error}. Fix the `ECOM_*` variables.")
    path = settings.warehouse_path
    try:
        snap = data.snapshot(path)
        window = data.data_window(snap)
    except WarehouseMissing:
        return EmptyState("No warehouse yet", f"There is no warehouse at `{path}`. {BUILD_HINT}")
    except (duckdb.Error, InvalidRequest) as error:
        first = str(error).splitlines()[0]
        return EmptyState(
            "This warehouse cannot be shown",
            f"`{path}` is not a warehouse this dashboard can read ({first}). Rebuild it: {BUILD_HINT}",
        )
    if window is None:
        return EmptyState("The warehouse is empty", f"`{path}` holds no orders, payments or signups. {BUILD_HINT}")
    return settings, snap, window


def _date_range(window: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    """The sidebar's date range, within ``window`` (its default: the whole window)."""
    first, last = window
    picked = st.session_state.get(DATE_RANGE)
    if not isinstance(picked, tuple | list) or any(not first <= d <= last for d in picked):
        # A new build may have another window: start again from the whole of it.
        st.session_state[DATE_RANGE] = window
        st.session_state[_LAST_RANGE] = window
    st.sidebar.date_input(
        "Date range", min_value=first, max_value=last, key=DATE_RANGE, help="Applies to every page it makes sense for."
    )
    st.sidebar.button("Whole window", on_click=_reset_range, args=(window,), key="whole_window")
    chosen = st.session_state[DATE_RANGE]
    if len(chosen) == 2:
        st.session_state[_LAST_RANGE] = tuple(chosen)
    start, end = st.session_state.get(_LAST_RANGE, window)
    return start, end


def _reset_range(window: tuple[dt.date, dt.date]) -> None:
    st.session_state[DATE_RANGE] = window
    st.session_state[_LAST_RANGE] = window


def sidebar(settings: Settings | None = None) -> View | EmptyState:
    """Find the build to show and draw the sidebar (date range, build); remembered for the page of this rerun."""
    found = _problem(settings)
    if isinstance(found, EmptyState):
        st.sidebar.info(found.title)
        st.session_state[_VIEW] = found
        return found
    settings, snap, window = found
    start, end = _date_range(window)
    build = snap.build
    scale = "" if build.scale is None else f" · scale {build.scale:g}"
    seed = "" if build.seed is None else f" · seed {build.seed}"
    st.sidebar.caption(f"Build `{build.build_id}`{seed}{scale} · built {build.built_at}")
    if build.marts_stale:
        st.sidebar.warning(
            f"{formats.count(build.edits)} write(s) through the API since the build: lists and single rows show them, "
            "charts not until `python -m pipeline refresh-marts`."
        )
    view = View(settings, snap, window, start, end)
    st.session_state[_VIEW] = view
    return view


def run_page(render: Callable[[View], None]) -> None:
    """Draw a page: its empty state when there is nothing to show, else ``render(view)``."""
    view = st.session_state.get(_VIEW)
    if view is None:  # a page run on its own (not through app.py)
        view = sidebar()
    if isinstance(view, EmptyState):
        st.info(f"**{view.title}.** {view.detail}")
        return
    try:
        render(view)
    except data.BuildChanged:
        reruns = st.session_state.get(_RERUNS, 0) + 1
        st.session_state[_RERUNS] = reruns
        if reruns <= MAX_RERUNS:
            st.rerun()
        st.warning("The warehouse keeps changing while this page reads it; reload the page in a moment.")
        return
    st.session_state[_RERUNS] = 0


# --- paging ------------------------------------------------------------------------------------------------


def page_cursor(key: str, filters: Any) -> str | None:
    """The cursor of the page of a list to show: the first page again whenever the list's filters change."""
    state = st.session_state.get(key)
    if state is None or state["filters"] != filters:
        state = {"filters": filters, "cursors": [None]}
        st.session_state[key] = state
    cursor: str | None = state["cursors"][-1]
    return cursor


def page_buttons(key: str, page: RowsPage, shown: int) -> None:
    """Previous and next buttons under a list, with where in the list this page is."""
    cursors: list[str | None] = st.session_state[key]["cursors"]
    number = len(cursors)
    left, middle, right = st.columns([1, 3, 1])
    left.button("Previous page", key=f"{key}_previous", disabled=number == 1, on_click=_back, args=(cursors,))
    middle.caption(f"Page {number}: {formats.count(shown)} row(s){'' if page.next else ', the last page'}.")
    right.button("Next page", key=f"{key}_next", disabled=page.next is None, on_click=cursors.append, args=(page.next,))


def table(
    frame: pl.DataFrame,
    key: str,
    money: tuple[str, ...] = (),
    percent: tuple[str, ...] = (),
    counts: tuple[str, ...] = (),
    **options: Any,
) -> Any:
    """A frame as a table: money with thousands separators and cents, shares as percentages, counts with
    thousands separators (keys without), dates as dates."""
    config: dict[str, Any] = {name: st.column_config.NumberColumn(format="dollar") for name in money}
    config |= {name: st.column_config.NumberColumn(format="percent") for name in percent}
    config |= {name: st.column_config.NumberColumn(format="localized") for name in counts}
    for name, kind in frame.schema.items():
        if kind == pl.Date:
            config[name] = st.column_config.DateColumn(format="YYYY-MM-DD")
    return st.dataframe(frame, hide_index=True, column_config=config, key=key, **options)


def _back(cursors: list[str | None]) -> None:
    cursors.pop()


def facts(values: Mapping[str, object]) -> None:
    """Named values as a two-column table: a static one, cheaper for the browser to draw on every rerun than an
    interactive grid, which a handful of values does not need."""
    shown = ["" if v is None else str(v) for v in values.values()]
    st.table({"": list(values), "value": shown}, hide_index=True)


def picked_list(
    page: RowsPage, keys: tuple[str, str, str], id_column: str, label: str, money: tuple[str, ...] = ()
) -> int | None:
    """A page of a list whose rows can be picked, its paging buttons, and an id input under it that a picked row
    fills in; returns the id to show in detail (None while there is none). ``keys``: the list's paging key, the
    table's and the input's."""
    paging, table_key, input_key = keys

    def pick() -> None:
        rows = st.session_state[table_key].selection.rows
        if rows:
            st.session_state[input_key] = page.items[id_column][rows[0]]

    table(page.items, table_key, money=money, on_select=pick, selection_mode="single-row")
    page_buttons(paging, page, page.items.height)
    chosen = st.number_input(f"{label} (or select a row above)", min_value=1, step=1, value=None, key=input_key)
    return None if chosen is None else int(chosen)


def chart(figure: Callable[[pl.DataFrame], Any], frame: pl.DataFrame, key: str, empty: str, note: str = "") -> None:
    """``figure(frame)`` drawn, with ``note`` under it; ``empty`` said instead when the frame has no rows."""
    if frame.is_empty():
        st.info(empty)
        return
    st.plotly_chart(figure(frame), key=key)
    if note:
        st.caption(note)


def section(names: Sequence[str], key: str) -> str:
    """A picker of a page's sections, shown one at a time: the page builds and draws only the charts of the one
    picked. (``st.tabs`` builds every tab's content on every run, and the browser draws every chart in it.)"""
    chosen: str = st.segmented_control("Show", names, default=names[0], required=True, key=key)
    return chosen


GRAINS = ["day", "week", "month"]


def grain_picker(view: View, label: str, key: str) -> str:
    """A day / week / month switch, starting at the period that suits the date range."""
    chosen: str = st.radio(label, GRAINS, index=GRAINS.index(view.grain()), horizontal=True, key=key)
    return chosen


def metric(column: Any, label: str, value: float | None, about: str, *, money: bool = False) -> None:
    """A metric of money or a count in the compact format (12.3K, $1.14B; a card is too narrow for a full figure
    at scale) with ``about`` and the exact figure in its help; ``None``: there is none (n/a)."""
    if value is None:
        column.metric(label, formats.NOTHING, help=about)
        return
    if money:
        shown, exact = formats.compact_money(value), formats.money(value)
    else:
        shown, exact = formats.compact_count(value), formats.count(int(value))
    column.metric(label, shown, help=f"{about} Exactly {exact}.")
