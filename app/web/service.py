"""The shared, read-only pipeline behind the chat and the API: loaded in the background, asked in a pool.

The server answers at once (``/healthz`` says "loading") while the index and
model load in a thread. Questions run on a small thread pool; at most
``queue_limit`` may be waiting or running, further ones are refused at once
(:class:`Busy`) instead of piling up.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from app.records import Answer, QAPipeline, Turn
from app.settings import Settings
from ingest.errors import UserError

PipelineFactory = Callable[[Settings], QAPipeline]


class NotReady(Exception):
    """The pipeline is still loading (or failed to load)."""


class Busy(Exception):
    """Too many questions queued; retry shortly."""


class AskService:
    """Owns the pipeline's lifecycle and the bounded worker pool."""

    def __init__(self, pipeline_factory: PipelineFactory, settings: Settings) -> None:
        self._factory = pipeline_factory
        self.settings = settings
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

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until loading finished; True when the pipeline is usable."""
        self._ready.wait(timeout)
        return self._pipeline is not None

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    @property
    def pipeline(self) -> QAPipeline:
        if self._pipeline is None:
            raise NotReady(self._error or "the index and model are still loading; try again in a moment")
        return self._pipeline

    def status(self) -> dict[str, Any]:
        """What ``/healthz`` shows: loading / ready / error, plus index and model facts."""
        state = "ready" if self._pipeline is not None else ("error" if self._error else "loading")
        out: dict[str, Any] = {
            "status": state,
            "answerer": self.settings.answerer,
            "embedding_model": self.settings.embedding_model,
            "queue": {"pending": self._pending, "limit": self.settings.queue_limit},
        }
        if self._load_seconds is not None:
            out["load_seconds"] = round(self._load_seconds, 2)
        if self._error:
            out["error"] = self._error
        if self._pipeline is not None:
            out["index"] = _index_facts(self._pipeline)
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

    def ask_sync(self, question: str, history: list[Turn] | None = None) -> Answer:
        """Ask from a worker thread of someone else (the chat UI); counts against the same limit."""
        pipeline = self.pipeline
        self._admit()
        try:
            return pipeline.ask(question, history=history)
        finally:
            self._release()

    async def ask(self, question: str, history: list[Turn] | None = None) -> Answer:
        """Ask from the event loop: the work runs on the pool, the loop stays free for other clients."""
        pipeline = self.pipeline
        self._admit()
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, lambda: pipeline.ask(question, history=history))
        finally:
            self._release()


def _index_facts(pipeline: Any) -> dict[str, Any]:
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
