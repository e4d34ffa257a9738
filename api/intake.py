"""What a write may send, checked before its body is read: the API key first, then the body's size.

FastAPI reads and parses a body before any dependency runs, so the key check of ``api.deps`` alone would let a
client without a key make a worker read a body of any size (and get a 422 for malformed JSON instead of its
401). This ASGI middleware answers a write (a request a POST, PATCH or DELETE route takes) before the app: a
missing or wrong key is a 401/403 whatever the body; a ``Content-Length`` above ``ECOM_API_MAX_BODY_BYTES`` is a
413 before a byte of it is read; a body sent without a length (chunked) is read up to the limit and cut off with
a 413 there. The body read is then handed to the app as if it came from the client.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import problems
from api.deps import KEY_HEADER, key_refusal
from api.problems import Problem
from pipeline.settings import Settings

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Intake:
    def __init__(self, app: ASGIApp, settings: Settings, routes: list[BaseRoute]) -> None:
        self.app = app
        self.settings = settings
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES or not self._routed(scope):
            await self.app(scope, receive, send)  # reads take no body; an unknown route is the router's 404/405
            return
        headers = Headers(scope=scope)
        refusal = key_refusal(self.settings, headers.get(KEY_HEADER)) or self._announced(headers)
        if refusal is not None:
            await _refuse(refusal, scope, receive, send)
            return
        body = await self._read(receive)
        if body is None:
            await _refuse(self._too_large("the body"), scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # the client's disconnect, if it comes
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _routed(self, scope: Scope) -> bool:
        return any(route.matches(scope)[0] == Match.FULL for route in self.routes)

    def _announced(self, headers: Headers) -> Problem | None:
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.settings.api_max_body_bytes:
            return self._too_large(f"the announced body ({int(length):,} bytes)")
        return None

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it runs past the limit (the rest is never read)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.settings.api_max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _too_large(self, what: str) -> Problem:
        limit = self.settings.api_max_body_bytes
        detail = f"{what} is larger than the API takes ({limit:,} bytes, ECOM_API_MAX_BODY_BYTES); nothing was done"
        return Problem(413, detail, slug="body-too-large")


async def _refuse(refusal: Problem, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer before the body is read: the connection closes after it, since the unread body would follow."""
    response = problems.response(refusal)
    response.headers["Connection"] = "close"
    await response(scope, receive, send)
