"""The shared, read-only pipeline behind the chat and the API: loaded in the background, asked in a pool.

The server answers at once (``/healthz`` says "loading") while the index and
model load in a thread. Questions run on a small thread pool; at most
``queue_limit`` may be waiting or running, further ones are refused at once
(:class:`Busy`) instead of piling up.

With ``workers > 1`` (``nia-qa serve --workers N``) each question runs in one of
N worker processes instead, each holding its own copy of the pipeline: one
``ask`` is mostly Python that holds the GIL, so threads of one process cannot
use more than one core. The web server itself (FastAPI + Gradio, whose session
state is per process) stays a single process; only the answering is spread.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from app.records import Answer, QAPipeline, Turn
from app.settings import Settings
from app.web.workers import NoWorkers, WorkerDied, WorkerPool
from ingest.errors import UserError

PipelineFactory = Callable[[Settings], QAPipeline]


class NotReady(Exception):
    """The pipeline is still loading (or failed to load)."""


class Busy(Exception):
    """Too many questions queued; retry shortly."""


# Asked once per worker before it reports ready: jieba, the tokenizer and torch load lazily on the
# first question (seconds), which would otherwise stall the first questions sent to a fresh worker.
_WARM_UP_QUESTIONS = ("112年入出境人次是多少？", "How many people entered and exited Taiwan in 2023?")


def warm_up(pipeline: QAPipeline) -> None:
    warm = getattr(getattr(pipeline, "retriever", None), "warm_up", None)
    if callable(warm):
        warm()
    for question in _WARM_UP_QUESTIONS:
        try:
            pipeline.ask(question)
        except Exception:  # noqa: BLE001, S112 - warming only; real questions report their own errors
            continue


class AskService:
    """Owns the pipeline's lifecycle and the bounded worker pool (threads, or processes when ``workers > 1``)."""

    def __init__(self, pipeline_factory: PipelineFactory, settings: Settings, workers: int = 1) -> None:
        self._factory = pipeline_factory
        self.settings = settings
        self.workers = max(1, workers)
        self._procs: WorkerPool | None = None
        self._pipeline: QAPipeline | None = None
        self._error: str | None = None
        self._started_at: float | None = None
        self._load_seconds: float | None = None
        self._loader: threading.Thread | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._pending = 0
        self._executor = ThreadPoolExecutor(max_workers=settings.ask_workers, thread_name_prefix="ask")

    # -- lifecycle ----------------------------------------------------------
    def start_loading(self) -> None:
        """Start building the pipeline in a daemon thread (idempotent)."""
        with self._lock:
            if self._loader is not None:
                return
            self._started_at = time.perf_counter()
            self._loader = threading.Thread(target=self._load, name="pipeline-loader", daemon=True)
            self._loader.start()

    def _load(self) -> None:
        if self.workers > 1:
            self._load_processes()
            return
        try:
            pipeline = self._factory(self.settings)
        except UserError as exc:
            self._error = str(exc)
        except Exception as exc:  # noqa: BLE001 - reported by /healthz, never as a traceback to clients
            self._error = f"{type(exc).__name__}: {exc}"
        else:
            self._pipeline = pipeline
        finally:
            self._load_seconds = time.perf_counter() - (self._started_at or time.perf_counter())
            self._ready.set()

    def _load_processes(self) -> None:
        pool = WorkerPool(self._factory, self.settings, self.workers)
        self._procs = pool
        pool.start()
        if not (pool.wait_first() and self._sync_pool()):
            self._error = pool.load_error or "the answer workers did not start"
        self._load_seconds = time.perf_counter() - (self._started_at or time.perf_counter())
        self._ready.set()

    def _sync_pool(self) -> bool:
        """Adopt the pool's pipeline facts once a worker is live (also when the first start failed)."""
        pool = self._procs
        if self._pipeline is None and pool is not None and pool.live() > 0 and pool.sections:
            # What the chat and /healthz read from "the pipeline"; the real ones live in the workers.
            self._pipeline = SimpleNamespace(ingest=SimpleNamespace(sections=pool.sections), facts=pool.facts)  # type: ignore[assignment]
            self._error = None
        return self._pipeline is not None

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until loading finished; True when the pipeline is usable."""
        self._ready.wait(timeout)
        return self._pipeline is not None

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._procs is not None:
            self._procs.shutdown()

    @property
    def pipeline(self) -> QAPipeline:
        if self._pipeline is None and self._ready.is_set():
            self._sync_pool()
        if self._pipeline is None:
            raise NotReady(
                public_text(self._error)
                if self._error
                else "the index and model are still loading; try again in a moment"
            )
        return self._pipeline

    def status(self) -> dict[str, Any]:
        """What ``/healthz`` shows: loading / ready / degraded / error, live workers, index facts.

        "degraded" (HTTP 503) means the pipeline loaded but no answer worker is alive right now
        (they are being restarted). No file-system path appears here (see :func:`public_text`).
        """
        if self._ready.is_set():
            self._sync_pool()
        state = "ready" if self._pipeline is not None else ("error" if self._error else "loading")
        out: dict[str, Any] = {"status": state, "answerer": self.settings.answerer, "workers": self.workers}
        if self._procs is not None:
            pool = self._procs.stats()
            out["workers_live"] = pool["live"]
            out["worker_restarts"] = pool["restarts"]
            out["retried_questions"] = pool["retried_questions"]
            if state == "ready" and pool["live"] == 0:
                out["status"] = "degraded"
        else:
            out["workers_live"] = 1 if self._pipeline is not None else 0
        out["embedding_model"] = public_text(self.settings.embedding_model)
        out["queue"] = {"pending": self._pending, "limit": self.settings.queue_limit}
        if self._load_seconds is not None:
            out["load_seconds"] = round(self._load_seconds, 2)
        if self._error:
            out["error"] = public_text(self._error)
        if self._pipeline is not None:
            facts = getattr(self._pipeline, "facts", None) if self._procs is not None else None
            out["index"] = facts if facts is not None else index_facts(self._pipeline)
        return out

    # -- asking -------------------------------------------------------------
    def _admit(self) -> None:
        with self._lock:
            if self._pending >= self.settings.queue_limit:
                raise Busy(f"too many questions in progress ({self._pending}); try again shortly")
            self._pending += 1

    def _release(self) -> None:
        with self._lock:
            self._pending -= 1

    def _submit(self, question: str, history: list[Turn] | None) -> Future[Answer]:
        assert self._procs is not None
        try:
            return self._procs.ask_future(question, history)
        except NoWorkers as exc:
            raise NotReady(str(exc)) from None

    def ask_sync(self, question: str, history: list[Turn] | None = None) -> Answer:
        """Ask from a worker thread of someone else (the chat UI); counts against the same limit."""
        pipeline = self.pipeline
        self._admit()
        try:
            if self._procs is not None:
                return _unwrap(self._submit(question, history))
            return pipeline.ask(question, history=history)
        finally:
            self._release()

    async def ask(self, question: str, history: list[Turn] | None = None) -> Answer:
        """Ask from the event loop: the work runs on the pool, the loop stays free for other clients."""
        pipeline = self.pipeline
        self._admit()
        try:
            if self._procs is not None:
                fut = self._submit(question, history)
                try:
                    return await asyncio.wrap_future(fut)
                except (NoWorkers, WorkerDied) as exc:
                    raise NotReady(str(exc)) from None
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, lambda: pipeline.ask(question, history=history))
        finally:
            self._release()


def _unwrap(fut: Future[Answer]) -> Answer:
    try:
        return fut.result()
    except (NoWorkers, WorkerDied) as exc:
        raise NotReady(str(exc)) from None


_PATH = re.compile(r"(?<![\w.])(?:/[^/\s:'\"(),;]+){2,}/?")


def public_text(text: str) -> str:
    """``text`` with absolute file-system paths cut to their last part (no internal layout in responses)."""
    return _PATH.sub(lambda m: m.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def index_facts(pipeline: Any) -> dict[str, Any]:
    """Counts that tell the index is the real one; tolerant of pipelines without these attributes."""
    facts: dict[str, Any] = {}
    ingest = getattr(pipeline, "ingest", None)
    for name in ("sections", "chunks", "tables", "offices"):
        items = getattr(ingest, name, None)
        if items is not None:
            facts[name] = len(items)
    retriever = getattr(pipeline, "retriever", None)
    manifest = getattr(retriever, "manifest", None)
    if isinstance(manifest, dict):
        facts["manifest"] = {k: v for k, v in manifest.items() if isinstance(v, str | int | float | bool)}
    return facts
