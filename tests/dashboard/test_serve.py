"""The server's first page, drawn before it listens: a rebuild swapped in meanwhile never stops the server starting."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import streamlit as st

from dashboard import data, serve

pytestmark = pytest.mark.fast


def reads_changing(monkeypatch: pytest.MonkeyPatch, changes: int) -> list[bool]:
    """``data._read`` says the build changed on its first ``changes`` calls; returns what each call did."""
    calls: list[bool] = []
    read = data._read

    def changing(snap: data.Snapshot, how: Callable[[Any], Any]) -> Any:
        calls.append(len(calls) >= changes)
        if not calls[-1]:
            raise data.BuildChanged
        return read(snap, how)

    monkeypatch.setattr(data, "_read", changing)
    return calls


@pytest.fixture
def served(scale1: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_DATA_DIR", str(scale1))
    st.cache_data.clear()


@pytest.mark.usefixtures("served")
def test_a_rebuild_while_the_first_page_is_drawn_draws_it_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = reads_changing(monkeypatch, changes=1)
    serve.prepare()
    assert calls[0] is False
    assert len(calls) > 1  # drawn again, every read through
    assert all(calls[1:])


@pytest.mark.usefixtures("served")
def test_a_warehouse_that_keeps_changing_leaves_the_page_unprepared(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls = reads_changing(monkeypatch, changes=100)
    serve.prepare()  # returns: the server starts all the same
    assert calls == [False] * 4
    assert "the server starts without it" in caplog.text
