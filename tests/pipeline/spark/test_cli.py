"""The spark commands without Spark: missing pyspark or Java and bad options are one line, exit 2, nothing written."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.pipeline.test_cli import one_error_line
from tests.support.cli import RunCli

pytestmark = pytest.mark.fast


def test_without_pyspark_the_command_says_how_to_install_it(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark now raises ImportError
    outcome = run_cli("spark", "generate", "--output", tmp_path / "lake", "--data-dir", tmp_path / "data")
    assert outcome.status == 2
    line = one_error_line(outcome)
    assert "pyspark, which is not installed" in line
    assert "uv sync --locked --extra spark" in line
    assert "openjdk-17-jre-headless" in line
    assert list(tmp_path.iterdir()) == []


def test_without_java_the_command_says_how_to_install_it(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "no-java-here"))
    lake = tmp_path / "lake"
    lake.mkdir()
    outcome = run_cli("spark", "analyze", "--source", lake, "--data-dir", tmp_path / "data")
    assert outcome.status == 2
    line = one_error_line(outcome)
    # The missing lake is said first: it is the user's input, and no JVM is needed to see it.
    assert "has no Parquet parts" in line
    outcome = run_cli("spark", "generate", "--output", lake, "--data-dir", tmp_path / "data")
    assert outcome.status == 2
    line = one_error_line(outcome)
    assert "need a Java 17 runtime: no java on PATH and no JAVA_HOME" in line
    assert "openjdk-17-jre-headless" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake"]


BAD = {
    "no-subcommand": (["spark"], ["a command is required: one of generate, analyze"]),
    "generate-without-output": (["spark", "generate"], ["--output"]),
    "generate-scale-zero": (["spark", "generate", "--output", "OUT", "--scale", "0"], ["--scale", "'0'"]),
    "generate-workers": (["spark", "generate", "--output", "OUT", "--workers", "2"], ["unrecognized", "--workers"]),
    "generate-output-is-a-file": (["spark", "generate", "--output", "FILE"], ["--output", "is a file"]),
    "analyze-unknown-query": (["spark", "analyze", "--query", "nope"], ["unknown query 'nope'"]),
    "analyze-bad-param": (["spark", "analyze", "--param", "limit=many"], ["limit", "'many'"]),
    "analyze-missing-source": (["spark", "analyze", "--source", "OUT"], ["no Parquet parts"]),
}


@pytest.mark.parametrize(("argv", "fragments"), list(BAD.values()), ids=list(BAD))
def test_bad_spark_options_are_one_line_and_write_nothing(
    argv: list[str], fragments: list[str], run_cli: RunCli, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("not a directory")
    replace = {"OUT": str(tmp_path / "out"), "FILE": str(tmp_path / "file")}
    outcome = run_cli(*[replace.get(a, a) for a in argv], "--data-dir", tmp_path / "data")
    assert outcome.status == 2
    line = one_error_line(outcome)
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} missing from: {line}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
