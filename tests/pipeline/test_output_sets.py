"""Sets on disk without a pipeline: who holds a set, which sets retirement keeps, and the marks of the switch."""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path

import pytest

from pipeline import output_sets
from pipeline.errors import Refused

pytestmark = pytest.mark.fast


def make_set(data_dir: Path, name: str) -> Path:
    directory = data_dir / output_sets.BUILDS / name
    (directory / "lake").mkdir(parents=True)
    (directory / "lake" / "_lake.json").write_text(name)
    return directory


def switch(data_dir: Path, name: str) -> None:
    output_sets.switch(data_dir, name, nullcontext(), lambda: None)


def test_a_reader_holds_its_set_until_it_is_done(tmp_path: Path) -> None:
    make_set(tmp_path, "a")
    switch(tmp_path, "a")
    with output_sets.reading(tmp_path, tmp_path / output_sets.CURRENT / "lake") as held:
        assert held.path == tmp_path / output_sets.BUILDS / "a" / "lake"
        assert held.lease is not None
        make_set(tmp_path, "b")
        switch(tmp_path, "b")
        assert output_sets.retire(tmp_path, keep=0) == []  # held: kept for a later command
        assert (held.path / "_lake.json").read_text() == "a"
    assert output_sets.retire(tmp_path, keep=0) == [tmp_path / output_sets.BUILDS / "a"]


def test_a_set_retired_before_its_reader_held_it_is_refused(tmp_path: Path) -> None:
    gone = tmp_path / output_sets.BUILDS / "gone" / "lake"
    refused = pytest.raises(Refused, match="the set gone was retired as this command started; run it again")
    with refused, output_sets.reading(tmp_path, gone):
        pass


def test_a_path_outside_the_sets_is_read_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    with output_sets.reading(tmp_path, tmp_path / "elsewhere") as held:
        assert (held.path, held.lease) == (tmp_path / "elsewhere", None)


def test_retirement_keeps_the_sets_current_last_not_the_newest(tmp_path: Path) -> None:
    for name in ("1", "2", "3"):
        make_set(tmp_path, name)
        switch(tmp_path, name)
    switch(tmp_path, "1")  # a rollback: 1 is current, 3 was current before it
    assert [s.name for s in output_sets.published_sets(tmp_path)] == ["2", "3", "1"]
    assert output_sets.retire(tmp_path, keep=1) == [tmp_path / output_sets.BUILDS / "2"]


def test_a_set_is_marked_before_it_becomes_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kill between the mark and the link leaves a marked set that never was current, never the reverse."""
    make_set(tmp_path, "a")

    def killed(link: Path, target: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(output_sets, "_swap_link", killed)
    with pytest.raises(KeyboardInterrupt):
        switch(tmp_path, "a")
    assert (tmp_path / output_sets.BUILDS / "a" / output_sets.PUBLISHED).exists()
    assert not os.path.lexists(tmp_path / output_sets.CURRENT)
