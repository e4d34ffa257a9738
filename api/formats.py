"""The representations of rows besides JSON: CSV (RFC 4180) and NDJSON, which one a request asks for, and the
answers that carry them: a page (with the next page in a ``Link`` header) or a whole export, streamed.

CSV: a header row, ``\\r\\n`` line ends, fields quoted only where needed (a comma, a quote, a line end), an empty
field for NULL (an empty string is ``""``), ISO 8601 dates, numbers as plain decimals (never an exponent).
NDJSON: one JSON object per line, with the values of the JSON answers. Both are written by Polars from the
frames the reads return, a page at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Literal

import polars as pl
from fastapi import Request, Response

JSON = "application/json"
CSV = "text/csv; charset=utf-8"
NDJSON = "application/x-ndjson"
Format = Literal["json", "csv", "ndjson"]
ExportFormat = Literal["csv", "ndjson"]
MEDIA_TYPES: dict[str, str] = {"json": JSON, "csv": CSV, "ndjson": NDJSON}
FORMAT_DESCRIPTION = (
    "the answer's media type: json, csv (RFC 4180, a header row) or ndjson (a JSON object per line); it wins over "
    "the Accept header (application/json, text/csv, application/x-ndjson), which is used without it"
)
# The OpenAPI entry of an answer that has a CSV and an NDJSON form besides its JSON one.
_TEXT = {"schema": {"type": "string"}}
ROWS_CONTENT: dict[str, Any] = {
    "text/csv": {**_TEXT, "example": "customer_id,first_name\r\n1,Kari\r\n"},
    NDJSON: {**_TEXT, "example": '{"customer_id":1,"first_name":"Kari"}\n'},
}
LINK = {"Link": {"description": 'the next page, as `<url>; rel="next"`', "schema": {"type": "string"}}}


def rows_responses(*problems: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses of a GET answering rows: JSON, CSV or NDJSON, and the next page's Link."""
    found: dict[int | str, dict[str, Any]] = {200: {"content": ROWS_CONTENT, "headers": LINK}}
    for entries in problems:
        found |= entries
    return found


def chosen(request: Request, given: str | None) -> str:
    """The format asked for: ``format=`` if given, else the first of JSON, CSV and NDJSON the Accept header
    prefers (by its q-values; JSON when it names none of them)."""
    if given is not None:
        return given
    accept = request.headers.get("accept")
    if not accept:
        return "json"
    best, best_q = "json", 0.0
    for item in accept.split(","):
        media, *options = (part.strip() for part in item.split(";"))
        q = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        fmt = {"application/json": "json", "text/csv": "csv", "application/x-ndjson": "ndjson"}.get(media.lower())
        if fmt is not None and q > best_q:
            best, best_q = fmt, q
    return best


def encoded(frame: pl.DataFrame, fmt: str, *, header: bool = True) -> bytes:
    """``frame`` as CSV (with its header row unless ``header`` is false) or NDJSON."""
    if fmt == "csv":
        return frame.write_csv(line_terminator="\r\n", include_header=header, float_scientific=False).encode()
    return frame.write_ndjson().encode()


def rows_answer(request: Request, fmt: str, body: bytes, next_cursor: str | None) -> Response:
    """A page of rows, ``body`` in ``fmt``, with the next page's URL in ``Link``."""
    headers = {}
    if next_cursor is not None:
        headers["Link"] = f'<{request.url.include_query_params(cursor=next_cursor)}>; rel="next"'
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


def export_answer(fmt: str, pages: Iterable[pl.DataFrame]) -> Iterator[bytes]:
    """The bytes of an export: each page as it comes, the CSV header once."""
    first = True
    for page in pages:
        if page.height or first:
            yield encoded(page, fmt, header=first)
        first = False


def disposition(name: str, fmt: str) -> str:
    return f'attachment; filename="{name}.{fmt}"'
