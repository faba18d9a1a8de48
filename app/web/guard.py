"""The server's outer wall: an ASGI middleware in front of every route (the API and Gradio's alike).

>>> app = RequestGuard(app, GuardConfig.from_settings(settings, api_routes={"/api/ask": {"POST"}}))

It does, before any route sees the request:

- **Host allowlist**: only loopback names, the bind host and ``Settings.allowed_hosts`` (a page on
  another origin that rebinds its DNS name to 127.0.0.1 is refused, 400).
- **Same-origin writes**: a cross-origin preflight or a cross-origin POST/PUT/PATCH/DELETE is 403;
  ``Access-Control-*`` headers are removed from every response, so no other origin can read ours.
- **Uploads off**: ``/gradio_api/upload`` (the chat needs no files) is 403.
- **Streamed body limits**: bytes are counted as they arrive, so a chunked body without a
  Content-Length is cut off at the limit too (413), and a body that stalls gets 408.
- **One error format**: 404 and 405 from any route (Gradio's included) become
  ``{"error": ..., "status": ...}`` like the API's own errors.

:class:`HeaderTimeoutProtocol` is uvicorn's h11 protocol with a header-read deadline, so slow clients
(slowloris) cannot hold connections open.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.settings import Settings

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_WILDCARD = frozenset({"0.0.0.0", "::", ""})
UPLOAD_PATHS = ("/gradio_api/upload", "/upload")
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class GuardConfig:
    allowed_hosts: frozenset[str]
    api_limit: int
    ui_limit: int
    body_timeout: float
    api_routes: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, api_routes: Mapping[str, set[str]]) -> GuardConfig:
        return cls(
            allowed_hosts=allowed_hosts(settings),
            api_limit=settings.max_body_bytes_api,
            ui_limit=settings.max_body_bytes_ui,
            body_timeout=settings.body_read_timeout_s,
            api_routes={p: frozenset(m) for p, m in api_routes.items()},
        )


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """Loopback names, the bind host (the machine's name too when bound to all interfaces), the setting."""
    names = set(LOOPBACK_NAMES)
    host = settings.host.strip("[]").lower()
    if host in _WILDCARD:
        names.add(socket.gethostname().lower())
    else:
        names.add(host)
    names.update(h.strip().strip("[]").lower() for h in settings.allowed_hosts if h.strip())
    return frozenset(names)


def host_name(value: str) -> str:
    """'127.0.0.1:7860' -> '127.0.0.1', '[::1]:7860' -> '::1', lower-cased."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class _Abort(Exception):
    """Raised from ``receive`` when the body is too large or stalls; the response is replaced."""


def _json_body(status: int, message: str) -> bytes:
    return json.dumps({"error": message, "status": status}, ensure_ascii=False).encode("utf-8")


async def send_error(send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]] = ()) -> None:  # type: ignore[assignment]
    body = _json_body(status, message)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    if status in (408, 413):
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, config: GuardConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if host_name(host) not in self.config.allowed_hosts:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await send_error(send, 400, "unknown Host header; this server answers only its own names")
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        path = scope.get("path", "/")
        origin = headers.get("origin")
        foreign = origin is not None and urlsplit(origin).netloc.lower() != host.lower()
        if foreign and (method in _UNSAFE or "access-control-request-method" in headers):
            await send_error(send, 403, "cross-origin requests are not allowed")
            return
        if path.startswith(UPLOAD_PATHS):
            await send_error(send, 403, "file uploads are disabled")
            return
        allowed = self.config.api_routes.get(path)
        if allowed is not None and method not in allowed and method != "HEAD":
            allow = ", ".join(sorted(allowed)).encode()
            await send_error(send, 405, f"method {method} not allowed on {path}", [(b"allow", allow)])
            return
        limit = self.config.api_limit if path.startswith("/api/") else self.config.ui_limit
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await send_error(send, 413, f"request body too large (limit {limit} bytes)")
            return
        await self._guarded(scope, receive, send, limit)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        state: dict[str, Any] = {"bytes": 0, "done": False, "abort": None, "started": False, "replace": None}
        timeout = self.config.body_timeout

        async def guarded_receive() -> Message:
            if state["abort"] is not None:
                raise _Abort(state["abort"][1])
            if state["done"]:
                return await receive()  # waiting for a disconnect (streamed responses): no deadline
            try:
                message = await asyncio.wait_for(receive(), timeout)
            except TimeoutError:
                state["abort"] = (408, f"request body stalled for more than {timeout:g} s")
                raise _Abort(state["abort"][1]) from None
            if message["type"] == "http.request":
                state["bytes"] += len(message.get("body", b""))
                if state["bytes"] > limit:
                    state["abort"] = (413, f"request body too large (limit {limit} bytes)")
                    raise _Abort(state["abort"][1])
                if not message.get("more_body", False):
                    state["done"] = True
            return message

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                if state["abort"] is not None:  # whatever the route made of the cut-off body
                    state["replace"] = True
                    await send_error(send, *state["abort"])
                    state["started"] = True
                    return
                status = message["status"]
                if status in (404, 405):
                    state["replace"] = True
                    text = "not found" if status == 404 else "method not allowed"
                    extra = [(k, v) for k, v in message.get("headers", []) if k.lower() == b"allow"]
                    await send_error(
                        send, status, f"{text}: {scope.get('method')} {scope.get('path')}", extra
                    )
                    state["started"] = True
                    return
                message = {
                    **message,
                    "headers": [
                        (k, v)
                        for k, v in message.get("headers", [])
                        if not k.lower().startswith(b"access-control-")
                    ],
                }
                state["started"] = True
            elif message["type"] == "http.response.body" and state["replace"]:
                return  # the original body of a replaced response
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except _Abort:
            if not state["started"]:
                await send_error(send, *state["abort"])
        except Exception:
            if state["abort"] is None:
                raise
            if not state["started"]:
                await send_error(send, *state["abort"])


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, plus: request headers must be complete within ``header_timeout`` seconds.

    The clock starts when the connection opens and again at the first byte of each further request
    on a kept-alive connection; a client that trickles header bytes is disconnected at the deadline.
    """

    header_timeout: float = 10.0
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and self.conn.their_state is h11.IDLE:
            self._arm_header_timer()
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._cancel_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._on_header_timeout)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _on_header_timeout(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def protocol_with_header_timeout(seconds: float) -> type[HeaderTimeoutProtocol]:
    """A protocol class for ``uvicorn.Config(http=...)`` with this header deadline."""
    return type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_timeout": float(seconds)})
