"""HTTP caching of the GET answers: a strong ETag, ``If-None-Match`` answered 304, ``Cache-Control``, ``HEAD``
wherever GET is, and gzip for JSON answers over 1 KiB when the client takes it.

An answer's bytes are decided by the data it was read from and by the request, so its ETag is a digest of both,
known before anything is read: the build and the writes made since (``ServedBuild.version``: every rebuild, write
and marts' refresh changes it; it is kept per state of the file, so reading it costs two ``stat`` calls), the
path and query, the Accept header and whether the client takes gzip (the same answer compressed is other bytes).
A revalidation that still holds is a 304 without a query. The answers that do not read the warehouse (``static``:
/health, the OpenAPI document and its pages, the list of analyses) get a digest of their body instead.

HEAD is answered as the GET, without its body; a streamed answer (an export) stops being made once its headers
are sent.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable

from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.errors import WarehouseMissing
from pipeline.warehouse.connection import ServedBuild, Warehouse

GZIP_ABOVE = 1024  # bytes: below it, gzip's header and the work cost more than the bytes saved
READS = frozenset({"GET", "HEAD"})


def etag(*parts: str) -> str:
    return '"' + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32] + '"'


def named(if_none_match: str | None) -> set[str]:
    """The entity tags of an ``If-None-Match`` header (compared weakly, as RFC 9110 has it for this header)."""
    return {item.strip().removeprefix("W/") for item in (if_none_match or "").split(",")} - {""}


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag`` or is ``*`` (any answer there is)."""
    given = named(if_none_match)
    return tag in given or "*" in given


def takes_gzip(accept_encoding: str | None) -> bool:
    for item in (accept_encoding or "").split(","):
        coding, *options = (part.strip().lower() for part in item.split(";"))
        if coding in ("gzip", "*"):
            return not any(option.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for option in options)
    return False


class HttpCache:
    def __init__(self, app: ASGIApp, cache_seconds: int, static: frozenset[str]) -> None:
        self.app = app
        self.cache_control = f"max-age={cache_seconds}"
        self.static = static

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in READS:
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        scope = {**scope, "method": "GET"}  # the server still knows it is a HEAD, and sends no body for it
        headers = Headers(scope=scope)
        gzipped = takes_gzip(headers.get("accept-encoding"))
        tag = None
        if scope["path"] not in self.static:
            build = await _build(scope["app"].state.warehouse)
            if build is None:  # no warehouse: the app answers that
                await self.app(scope, receive, send)
                return
            query = scope["query_string"].decode("latin-1")
            tag = etag(build.version, scope["path"], query, headers.get("accept", ""), str(gzipped))
            if tag in named(headers.get("if-none-match")):  # "*" waits for the answer: it may be a 404
                await send({"type": "http.response.start", "status": 304, "headers": self._headers(tag).raw})
                await send({"type": "http.response.body", "body": b""})
                return
        answer = _Answer(send, self._headers, tag, headers.get("if-none-match"), gzipped, head)
        await self.app(scope, receive, answer.send)

    def _headers(self, tag: str) -> MutableHeaders:
        headers = MutableHeaders()
        headers["ETag"] = tag
        headers["Cache-Control"] = self.cache_control
        headers["Vary"] = "Accept, Accept-Encoding"
        return headers


async def _build(warehouse: Warehouse) -> ServedBuild | None:
    """The build being served, read in the thread pool only when the file's state changed since it was read."""
    known = warehouse.known_build()
    if known is not None:
        return known

    def read() -> ServedBuild | None:
        try:
            with warehouse.lease() as cursor:
                return warehouse.build(cursor)
        except WarehouseMissing:
            return None

    return await run_in_threadpool(read)


class _Answer:
    """The app's answer on its way out. A 200 gets its caching headers; a JSON one (or one whose tag is its body's
    digest) is held until whole, to be compressed or digested; a streamed one passes as it comes. A HEAD's body is
    dropped, and a streamed answer is told it is complete once its headers are out (so no more of it is made)."""

    def __init__(
        self,
        send: Send,
        caching: Callable[[str], MutableHeaders],
        tag: str | None,
        if_none_match: str | None,
        gzipped: bool,
        head: bool,
    ) -> None:
        self._send = send
        self._caching = caching
        self._tag = tag
        self._if_none_match = if_none_match
        self._gzipped = gzipped
        self._head = head
        self._start: Message | None = None  # the start of an answer held until its body is whole
        self._body: list[bytes] = []
        self._passing = False  # forward as it comes
        self._done = False

    async def send(self, message: Message) -> None:
        if self._done:
            return  # the body of an answer already complete (a HEAD's, a 304's)
        if message["type"] == "http.response.start":
            await self._started(message)
        elif self._passing:
            await self._send(message)
        else:
            self._body.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._whole(b"".join(self._body))

    async def _started(self, message: Message) -> None:
        headers = MutableHeaders(raw=message["headers"])
        if message["status"] != 200:
            self._passing = True
            await self._send(message)
        elif self._tag is not None and "*" in named(self._if_none_match):  # any answer there is: this one
            await self._send({"type": "http.response.start", "status": 304, "headers": self._caching(self._tag).raw})
            await self._finish(b"")
        elif self._tag is None or headers.get("content-type") == "application/json":
            self._start = message
        else:
            self._passing = True
            headers.update(self._caching(self._tag))
            await self._send(message)
            if self._head:
                await self._finish(b"")

    async def _whole(self, body: bytes) -> None:
        assert self._start is not None
        headers = MutableHeaders(raw=self._start["headers"])
        tag = self._tag or etag(hashlib.sha256(body).hexdigest(), str(self._gzipped))
        if matches(self._if_none_match, tag):  # a tag from the body, or "*"
            await self._send({"type": "http.response.start", "status": 304, "headers": self._caching(tag).raw})
            await self._finish(b"")
            return
        if self._gzipped and headers.get("content-type") == "application/json" and len(body) > GZIP_ABOVE:
            body = gzip.compress(body, compresslevel=6, mtime=0)  # mtime 0: the same answer, the same bytes
            headers["Content-Encoding"] = "gzip"
        headers.update(self._caching(tag))
        headers["Content-Length"] = str(len(body))
        await self._send({"type": "http.response.start", "status": 200, "headers": headers.raw})
        await self._finish(b"" if self._head else body)

    async def _finish(self, body: bytes) -> None:
        self._done = True
        await self._send({"type": "http.response.body", "body": body, "more_body": False})
