"""One FastAPI app: the HTTP API (``/api/ask``, ``/api/feedback``, ``/healthz``, ``/docs``) and the chat at ``/``.

>>> from app.pipeline import build_pipeline
>>> app = create_app(build_pipeline, Settings())   # serve with uvicorn

The pipeline loads in a background thread when the app starts, so the server
is reachable at once; until it is ready ``/api/ask`` answers 503. Every error
is a JSON object ``{"error": ..., "status": ...}`` (Gradio's 404/405 included);
no stack trace or file-system path ever reaches a client (they go to the
server log). :mod:`app.web.guard` wraps every route: Host allowlist, same-origin
writes, streamed body limits, uploads off.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.input_guard import InputError
from app.records import Turn
from app.settings import Settings
from app.web.feedback import FeedbackRow, FeedbackStore, WriteResult
from app.web.guard import GuardConfig, RequestGuard
from app.web.service import AskService, Busy, NotReady, PipelineFactory, public_text

log = logging.getLogger("nia_qa.web")

MAX_HISTORY_TURNS = 20
#: The app's own routes and their methods (anything else on these paths is 405 in the app's format).
API_ROUTES = {"/api/ask": {"POST"}, "/api/feedback": {"POST"}, "/healthz": {"GET"}}


class ErrorOut(BaseModel):
    """Every error response: ``{"error": "one line", "status": <the HTTP status>}``."""

    error: str
    status: int


class TokenBucket:
    """``rate`` events a second on average, ``burst`` at once (thread-safe)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self._tokens = float(burst)
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


class TurnIn(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    question: str = Field(..., max_length=20_000)
    answer: str = Field("", max_length=20_000)


class AskIn(BaseModel):
    """Body of ``POST /api/ask``."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,  # JSON types as documented: 0 is not false, 5 is not a string
        json_schema_extra={
            "examples": [
                {"question": "設籍前新住民特殊境遇扶助計畫112年核定補助多少錢？", "history": []},
                {"question": "How many new immigrants lived in Taiwan at the end of 2023?"},
            ]
        },
    )
    question: str = Field(
        ..., min_length=1, description="Traditional Chinese or English, at most 1,000 characters."
    )
    history: list[TurnIn] = Field(
        default_factory=list,
        max_length=MAX_HISTORY_TURNS,
        description="Earlier turns of the conversation, oldest first (for follow-up questions).",
    )


class FeedbackIn(BaseModel):
    """Body of ``POST /api/feedback``: a vote on an answer the API returned."""

    model_config = ConfigDict(extra="ignore", strict=True)
    question: str = Field(..., max_length=20_000)
    answer: str = Field(..., max_length=20_000)
    vote: Literal["up", "down"]
    lang: Literal["zh", "en"] = "en"
    abstained: bool = False
    citations: list[dict[str, Any]] = Field(default_factory=list, max_length=50)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)


def create_app(
    pipeline_factory: PipelineFactory,
    settings: Settings,
    *,
    feedback: FeedbackStore | None = None,
    with_chat: bool = True,
    workers: int = 1,
    load_now: bool = False,
) -> FastAPI:
    """Build the app; nothing heavy happens until it starts (then the pipeline loads in a thread).

    ``workers > 1`` answers in that many worker processes (``pipeline_factory`` must then be picklable,
    i.e. a module-level function such as ``build_pipeline``). ``load_now`` starts loading at once
    (``nia-qa serve``): the workers load while this process imports Gradio and builds the chat
    (~6 s), instead of after it.
    """
    service = AskService(pipeline_factory, settings, workers=workers)
    if load_now:
        service.start_loading()
    store = feedback or FeedbackStore(settings.feedback_db)
    feedback_rate = TokenBucket(settings.feedback_rate_per_s, settings.feedback_burst)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service.start_loading()
        try:
            yield
        finally:
            service.shutdown()
            store.close()

    app = FastAPI(
        title="nia-qa",
        summary="Questions about the National Immigration Agency 2023 Annual Report (內政部移民署112年年報), "
        "answered with section and page citations.",
        version="1",
        lifespan=lifespan,
        docs_url=None,  # /docs is served from local assets (app.web.docs): no CDN
    )
    app.state.service = service
    app.state.feedback = store
    app.state.settings = settings

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{where or 'body'}: {err.get('msg', 'invalid')}")
        return _error(400, "bad request: " + "; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, public_text(str(exc.detail)))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return _error(500, "internal error; the server log has the details")

    @app.get(
        "/healthz",
        tags=["status"],
        summary="Index, model and worker status (503 while loading, or when no answer worker is alive)",
        responses={
            200: {"description": "ready: `workers_live` answer workers of `workers` are alive"},
            503: {"description": "loading, failed to load, or degraded (no live answer worker)"},
        },
    )
    async def healthz() -> JSONResponse:
        status = service.status()
        status["feedback"] = store.counts()
        return JSONResponse(status, status_code=200 if status["status"] == "ready" else 503)

    errors = {"model": ErrorOut}

    @app.post(
        "/api/ask",
        tags=["qa"],
        summary="Answer a question with citations (the `nia-qa ask --json` object)",
        responses={
            400: {**errors, "description": "unusable question (empty, junk, unsupported language, bad JSON)"},
            408: {**errors, "description": "the request body stalled"},
            413: {**errors, "description": "question longer than max_question_chars, or body too large"},
            429: {**errors, "description": "too many questions queued; retry"},
            503: {**errors, "description": "the index and model are still loading, or no worker is alive"},
        },
    )
    async def ask(body: AskIn) -> JSONResponse:
        if len(body.question.strip()) > settings.max_question_chars:
            return _error(
                413,
                f"the question is too long ({len(body.question.strip())} characters; "
                f"the limit is {settings.max_question_chars})",
            )
        history = [Turn(question=t.question, answer=t.answer) for t in body.history]
        try:
            answer = await service.ask(body.question, history or None)
        except InputError as exc:
            return _error(400, str(exc))
        except NotReady as exc:
            return _error(503, str(exc), headers={"Retry-After": "5"})
        except Busy as exc:
            return _error(429, str(exc), headers={"Retry-After": "1"})
        return JSONResponse(answer.to_json_dict())

    @app.post(
        "/api/feedback",
        tags=["qa"],
        status_code=202,
        summary="Thumbs up/down on an answer (202 once the vote is committed to the database)",
        responses={
            202: {"description": "stored"},
            400: {**errors, "description": "bad JSON or fields"},
            408: {**errors, "description": "the request body stalled"},
            413: {**errors, "description": "vote larger than feedback_max_bytes"},
            429: {**errors, "description": "too many votes per second; retry"},
            503: {**errors, "description": "the vote could not be stored; retry"},
        },
    )
    async def feedback_api(body: FeedbackIn) -> JSONResponse:
        size = len(json.dumps(body.model_dump(), ensure_ascii=False).encode("utf-8"))
        if size > settings.feedback_max_bytes:
            return _error(
                413, f"feedback too large ({size} bytes; the limit is {settings.feedback_max_bytes})"
            )
        if not feedback_rate.take():
            return _error(429, "too many feedback votes; try again in a moment", headers={"Retry-After": "1"})
        row = FeedbackRow.now(
            body.question,
            body.answer,
            body.citations,
            vote=1 if body.vote == "up" else -1,
            lang=body.lang,
            abstained=body.abstained,
            source="api",
        )
        result = await asyncio.to_thread(store.submit_wait, row, settings.feedback_commit_timeout_s)
        if result is not WriteResult.COMMITTED:
            why = {
                WriteResult.QUEUE_FULL: "feedback queue full",
                WriteResult.FAILED: "the feedback database refused the vote",
                WriteResult.TIMEOUT: "the feedback database is busy",
            }[result]
            return _error(503, f"{why}; try again later", headers={"Retry-After": "5"})
        return JSONResponse({"accepted": True}, status_code=202)

    from app.web.docs import mount_docs

    mount_docs(app)

    if with_chat:
        import gradio as gr

        from app.web.chat import CHAT_CSS, build_chat, chat_theme

        blocks = build_chat(service, store, settings)
        app = gr.mount_gradio_app(
            app,
            blocks,
            path="/",
            footer_links=["api"],
            ssr_mode=False,
            theme=chat_theme(),
            css=CHAT_CSS,
            show_error=False,
        )
    _document_errors(app)
    app.add_middleware(RequestGuard, config=GuardConfig.from_settings(settings, API_ROUTES))
    return app


def _document_errors(app: FastAPI) -> None:
    """Make /openapi.json say what the app does: validation errors are 400 (not FastAPI's 422)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        for item in schema.get("paths", {}).values():
            for op in item.values():
                responses = op.get("responses", {})
                responses.pop("422", None)
        comps = schema.get("components", {}).get("schemas", {})
        comps.pop("HTTPValidationError", None)
        comps.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
