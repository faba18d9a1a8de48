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
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from app.records import Answer, QAPipeline, Turn
from app.settings import Settings
from ingest.errors import UserError

PipelineFactory = Callable[[Settings], QAPipeline]


class NotReady(Exception):
    """The pipeline is still loading (or failed to load)."""


class Busy(Exception):
    """Too many questions queued; retry shortly."""


# -- worker-process side (``workers > 1``) -------------------------------------
_WORKER: dict[str, Any] = {}


def _worker_init(factory: PipelineFactory, settings: Settings) -> None:
    """Runs once in each worker process: build its own pipeline (errors are kept for the probe)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent stops us
    from index.embedder import limit_torch_threads  # without importing torch: queries run on ONNX

    limit_torch_threads(settings.serve_torch_threads)
    try:
        pipeline = factory(settings)
        _warm_up(pipeline)
        _WORKER["pipeline"] = pipeline
    except UserError as exc:
        _WORKER["error"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - reported by /healthz
        _WORKER["error"] = f"{type(exc).__name__}: {exc}"


# Asked once per worker before it reports ready: jieba, the tokenizer and torch load lazily on the
# first question (seconds), which would otherwise stall the first questions sent to a fresh worker.
_WARM_UP_QUESTIONS = ("112年入出境人次是多少？", "How many people entered and exited Taiwan in 2023?")


def _warm_up(pipeline: QAPipeline) -> None:
    warm = getattr(getattr(pipeline, "retriever", None), "warm_up", None)
    if callable(warm):
        warm()
    for question in _WARM_UP_QUESTIONS:
        try:
            pipeline.ask(question)
        except Exception:  # noqa: BLE001, S112 - warming only; real questions report their own errors
            continue


def _worker_probe() -> tuple[str | None, dict[str, Any], tuple[Any, ...]]:
    """(error, index facts, sections) of this worker's pipeline; sections feed the chat's twin lookup."""
    pipeline = _WORKER.get("pipeline")
    if pipeline is None:
        return _WORKER.get("error", "the pipeline did not load"), {}, ()
    sections = getattr(getattr(pipeline, "ingest", None), "sections", None) or ()
    return None, _index_facts(pipeline), tuple(sections)


def _worker_ask(question: str, history: list[Turn] | None) -> Answer:
    return _WORKER["pipeline"].ask(question, history=history)


class _ProcessPool:
    """N single-process executors, each with its own pipeline; a question goes to the least busy one."""

    def __init__(self, factory: PipelineFactory, settings: Settings, workers: int) -> None:
        ctx = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        self._executors = [
            ProcessPoolExecutor(1, mp_context=ctx, initializer=_worker_init, initargs=(factory, settings))
            for _ in range(workers)
        ]
        self._inflight = [0] * workers
        self._turn = 0  # ties go round-robin, so every worker gets questions at low load too
        self._lock = threading.Lock()

    def probe(self) -> list[tuple[str | None, dict[str, Any], tuple[Any, ...]]]:
        """Start every worker and wait until each has loaded (or failed to load) its pipeline."""
        futures = [ex.submit(_worker_probe) for ex in self._executors]
        out = []
        for fut in futures:
            try:
                out.append(fut.result())
            except Exception as exc:  # noqa: BLE001 - a worker that died while loading
                out.append((f"worker process failed: {type(exc).__name__}: {exc}", {}, ()))
        return out

    def submit(self, question: str, history: list[Turn] | None) -> Future[Answer]:
        with self._lock:
            n = len(self._inflight)
            order = [(self._turn + k) % n for k in range(n)]
            i = min(order, key=self._inflight.__getitem__)
            self._turn = (i + 1) % n
            self._inflight[i] += 1
        fut = self._executors[i].submit(_worker_ask, question, history)

        def done(_f: Future[Answer]) -> None:
            with self._lock:
                self._inflight[i] -= 1

        fut.add_done_callback(done)
        return fut

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop every worker: cancel queued questions, let running ones end, terminate stragglers."""
        procs = []
        for ex in self._executors:
            procs.extend(list((getattr(ex, "_processes", None) or {}).values()))
            ex.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + timeout
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.terminate()
                proc.join(2)


class AskService:
    """Owns the pipeline's lifecycle and the bounded worker pool (threads, or processes when ``workers > 1``)."""

    def __init__(self, pipeline_factory: PipelineFactory, settings: Settings, workers: int = 1) -> None:
        self._factory = pipeline_factory
        self.settings = settings
        self.workers = max(1, workers)
        self._procs: _ProcessPool | None = None
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
        try:
            self._procs = _ProcessPool(self._factory, self.settings, self.workers)
            results = self._procs.probe()
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable factory
            results = [(f"{type(exc).__name__}: {exc}", {}, ())]
        errors = [err for err, _, _ in results if err]
        if errors:
            self._error = errors[0]
        else:
            _, facts, sections = results[0]
            # What the chat and /healthz read from "the pipeline"; the real ones live in the workers.
            self._pipeline = SimpleNamespace(ingest=SimpleNamespace(sections=sections), facts=facts)  # type: ignore[assignment]
        self._load_seconds = time.perf_counter() - (self._started_at or time.perf_counter())
        self._ready.set()

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
        if self._pipeline is None:
            raise NotReady(self._error or "the index and model are still loading; try again in a moment")
        return self._pipeline

    def status(self) -> dict[str, Any]:
        """What ``/healthz`` shows: loading / ready / error, plus index and model facts."""
        state = "ready" if self._pipeline is not None else ("error" if self._error else "loading")
        out: dict[str, Any] = {
            "status": state,
            "answerer": self.settings.answerer,
            "workers": self.workers,
            "embedding_model": self.settings.embedding_model,
            "queue": {"pending": self._pending, "limit": self.settings.queue_limit},
        }
        if self._load_seconds is not None:
            out["load_seconds"] = round(self._load_seconds, 2)
        if self._error:
            out["error"] = self._error
        if self._pipeline is not None:
            facts = getattr(self._pipeline, "facts", None) if self._procs is not None else None
            out["index"] = facts if facts is not None else _index_facts(self._pipeline)
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
            if self._procs is not None:
                return self._procs.submit(question, history).result()
            return pipeline.ask(question, history=history)
        finally:
            self._release()

    async def ask(self, question: str, history: list[Turn] | None = None) -> Answer:
        """Ask from the event loop: the work runs on the pool, the loop stays free for other clients."""
        pipeline = self.pipeline
        self._admit()
        try:
            if self._procs is not None:
                return await asyncio.wrap_future(self._procs.submit(question, history))
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
