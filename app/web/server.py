"""One FastAPI app: the HTTP API (``/api/ask``, ``/api/feedback``, ``/healthz``, ``/docs``) and the chat at ``/``.

>>> from app.pipeline import build_pipeline
>>> app = create_app(build_pipeline, Settings())   # serve with uvicorn

The pipeline loads in a background thread when the app starts, so the server
is reachable at once; until it is ready ``/api/ask`` answers 503. Every error
is a JSON object ``{"error": ..., "status": ...}``; no stack trace ever
reaches a client (it goes to the server log).
"""

from __future__ import annotations

import logging
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
from app.web.feedback import FeedbackRow, FeedbackStore
from app.web.service import AskService, Busy, NotReady, PipelineFactory

log = logging.getLogger("nia_qa.web")

MAX_BODY_BYTES = 256 * 1024  # a question is <= 1,000 characters; history adds a little
MAX_HISTORY_TURNS = 20


class TurnIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    question: str = Field(..., max_length=20_000)
    answer: str = Field("", max_length=20_000)


class AskIn(BaseModel):
    """Body of ``POST /api/ask``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"question": "設籍前新住民特殊境遇扶助計畫112年核定補助多少錢？", "history": []},
                {"question": "How many new immigrants lived in Taiwan at the end of 2023?"},
            ]
        },
    )
    question: str = Field(..., description="Traditional Chinese or English, at most 1,000 characters.")
    history: list[TurnIn] = Field(
        default_factory=list,
        max_length=MAX_HISTORY_TURNS,
        description="Earlier turns of the conversation, oldest first (for follow-up questions).",
    )


class FeedbackIn(BaseModel):
    """Body of ``POST /api/feedback``: a vote on an answer the API returned."""

    model_config = ConfigDict(extra="ignore")
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
) -> FastAPI:
    """Build the app; nothing heavy happens until it starts (then the pipeline loads in a thread).

    ``workers > 1`` answers in that many worker processes (``pipeline_factory`` must then be picklable,
    i.e. a module-level function such as ``build_pipeline``).
    """
    service = AskService(pipeline_factory, settings, workers=workers)
    store = feedback or FeedbackStore(settings.feedback_db)

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

    @app.middleware("http")
    async def limit_body(request: Request, call_next):  # type: ignore[no-untyped-def]
        length = request.headers.get("content-length")
        too_big = bool(length and length.isdigit() and int(length) > MAX_BODY_BYTES)
        if too_big and request.url.path.startswith("/api/"):
            return _error(413, f"request body too large (limit {MAX_BODY_BYTES} bytes)")
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors()[:5]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{where or 'body'}: {err.get('msg', 'invalid')}")
        return _error(400, "bad request: " + "; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return _error(500, "internal error; the server log has the details")

    @app.get("/healthz", tags=["status"], summary="Index and model status (503 while loading)")
    async def healthz() -> JSONResponse:
        status = service.status()
        return JSONResponse(status, status_code=200 if status["status"] == "ready" else 503)

    @app.post(
        "/api/ask",
        tags=["qa"],
        summary="Answer a question with citations (the `nia-qa ask --json` object)",
        responses={
            400: {"description": "unusable question (empty, junk, unsupported language, bad JSON)"},
            413: {"description": "question longer than max_question_chars"},
            429: {"description": "too many questions queued; retry"},
            503: {"description": "the index and model are still loading"},
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

    @app.post("/api/feedback", tags=["qa"], status_code=202, summary="Thumbs up/down on an answer")
    async def feedback_api(body: FeedbackIn) -> JSONResponse:
        row = FeedbackRow.now(
            body.question,
            body.answer,
            body.citations,
            vote=1 if body.vote == "up" else -1,
            lang=body.lang,
            abstained=body.abstained,
            source="api",
        )
        if not store.submit(row):
            return _error(503, "feedback queue full; try again later")
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
    return app
