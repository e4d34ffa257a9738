"""Input to validate and load: a directory with the five tables as Parquet or CSV files.

Layouts accepted per table: ``<table>/*.<ext>`` (the lake's own ``part-*.parquet``) or ``<table>.<ext>``, never
both (which of two copies is meant is the user's call, not ours).

CSV is what people export from spreadsheets and databases, so its structure is checked before its values: UTF-8
text (a byte-order mark and CRLF line ends are fine), a header that names each column once, and the same number
of fields in every row. Polars alone would rename a repeated header (``email_duplicated_0``), fill a short row
with nulls and stop at a long one without saying where.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.errors import FAILURE_EXAMPLES, Failure, UsageError
from pipeline.schema import TABLES
from pipeline.settings import SOURCE_FORMATS

# The UTF-8 check reads a file that Polars could not decode in blocks of this size (never all at once).
DECODE_BLOCK_BYTES = 1 << 20


@dataclass(frozen=True)
class FileProblem:
    """Why a file cannot be read as a table: the column it concerns ("" for the file), the rule, the rows."""

    column: str
    rule: str
    failing_rows: int = 0
    examples: tuple[dict[str, int], ...] = ()

    def failure(self, table: str, file: str) -> Failure:
        return Failure(table, self.column, self.rule, self.failing_rows, list(self.examples), file)


class UnreadableFile(Exception):
    """A file whose structure is wrong (encoding, header, ragged rows): the problems say what is expected."""

    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.rule for p in problems))


@dataclass(frozen=True)
class SourceDir:
    root: Path
    format: str

    @classmethod
    def open(cls, root: Path, fmt: str) -> SourceDir:
        if fmt not in SOURCE_FORMATS:
            msg = f"--format {fmt!r} is not supported; expected one of {', '.join(SOURCE_FORMATS)}"
            raise UsageError(msg)
        root = root.expanduser().resolve()
        if not root.is_dir():
            msg = (
                f"--source {root} is not a directory; expected a directory holding the tables "
                f"{', '.join(TABLES)} as <table>.{fmt} or <table>/*.{fmt}"
            )
            raise UsageError(msg)
        return cls(root, fmt)

    def _parts(self, table: str) -> list[Path]:
        return sorted((self.root / table).glob(f"*.{self.format}"))

    def _single(self, table: str) -> Path:
        return self.root / f"{table}.{self.format}"

    def files(self, table: str) -> list[Path]:
        return self._parts(table) or ([self._single(table)] if self._single(table).is_file() else [])

    def two_copies(self, table: str) -> str | None:
        """What is wrong when the table is there in both layouts, else None."""
        parts = self._parts(table)
        if not parts or not self._single(table).is_file():
            return None
        return (
            f"two copies of the table: {self._single(table)} and {len(parts)} file(s) in {self.root / table}/; "
            "expected only one of them"
        )

    def expected_layout(self, table: str) -> str:
        return f"{self.root / table}.{self.format} or {self.root / table}/*.{self.format}"

    def read(self, path: Path) -> pl.DataFrame:
        """Read one file as it is; CSV is read as text so that the validator reports what does not parse."""
        if self.format == "csv":
            return _read_csv(path)
        return pl.read_parquet(path)


def _read_csv(path: Path) -> pl.DataFrame:
    header = _header(path)
    repeated = sorted({name for name in header if header.count(name) > 1}, key=header.index)
    if repeated:
        rule = "duplicate column: the header names it {} times; expected each column once"
        raise UnreadableFile([FileProblem(name, rule.format(header.count(name))) for name in repeated])
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except pl.exceptions.ComputeError as error:
        # Say where and what, where Polars cannot; anything else is reported with Polars' own words.
        if "invalid utf-8" in str(error):
            _check_utf8(path)
        elif "more fields" in str(error):
            _check_row_widths(path, len(header))
        raise
    # A short row reads as nulls, like empty fields: only a file with nulls can have one.
    if frame.null_count().sum_horizontal().item():
        _check_row_widths(path, len(header))
    return frame


def _header(path: Path) -> list[str]:
    """The header's column names ([] for an empty file)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as text:
            return next(csv.reader(text), [])
    except UnicodeDecodeError:
        _check_utf8(path)
        raise


def _check_utf8(path: Path) -> None:
    """Raise UnreadableFile naming the first byte that is not UTF-8, and its line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    with path.open("rb") as data:
        while block := data.read(DECODE_BLOCK_BYTES):
            try:
                decoder.decode(block, final=len(block) < DECODE_BLOCK_BYTES)
            except UnicodeDecodeError as error:
                # The decoder prepends the bytes of a character split between blocks to this block.
                start = max(0, error.start - (len(error.object) - len(block)))
                line = lines + block[:start].count(b"\n") + 1
                rule = (
                    f"not UTF-8: byte 0x{error.object[error.start]:02X} on line {line} "
                    "cannot be decoded, as in Latin-1 (ISO-8859-1) or Windows-1252 text; expected UTF-8 "
                    "(convert it, e.g. `iconv -f latin1 -t utf-8`)"
                )
                raise UnreadableFile([FileProblem("", rule)]) from None
            lines += block.count(b"\n")


def _check_row_widths(path: Path, width: int) -> None:
    """Rows (numbered from 1 after the header, as in every other failure) whose field count is not ``width``."""
    ragged, examples = 0, list[dict[str, int]]()
    with path.open(newline="", encoding="utf-8-sig") as text:
        records = csv.reader(text)
        next(records, None)
        for row, fields in enumerate(records, start=1):
            if len(fields) != width:
                ragged += 1
                if len(examples) < FAILURE_EXAMPLES:
                    examples.append({"row": row, "fields": len(fields)})
    if ragged:
        rule = f"ragged rows: not the header's {width} fields"
        raise UnreadableFile([FileProblem("", rule, ragged, tuple(examples))])
