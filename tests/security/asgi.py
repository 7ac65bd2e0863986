"""A minimal ASGI client for the plain Starlette routes of ``dashboard/web/`` (no HTTP server, no httpx)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.routing import BaseRoute


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def get(routes: list[BaseRoute], path: str, headers: dict[str, str] | None = None) -> Answer:
    """GET ``path`` from a Starlette app made of ``routes``."""
    return request(routes, "GET", path, headers=headers)


def post(routes: list[BaseRoute], path: str, body: bytes, headers: dict[str, str] | None = None) -> Answer:
    """POST ``body`` to ``path`` of a Starlette app made of ``routes``."""
    return request(routes, "POST", path, body, headers)


def request(routes: list[BaseRoute], method: str, path: str, body: bytes = b"",
            headers: dict[str, str] | None = None) -> Answer:
    """``method`` ``path`` (with ``body``) on a Starlette app made of ``routes``."""
    app = Starlette(routes=routes)
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8501),
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    # in a thread of its own: a browser test earlier in the session may leave an event loop running here
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Answer(start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body)


def run_async(coroutine):  # noqa: ANN001, ANN201 - any coroutine, its result
    """``asyncio.run`` in a thread of its own (an event loop may already run in the test's thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
