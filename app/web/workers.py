"""Supervised answer-worker processes: each holds its own pipeline; a dead one is replaced with back-off.

>>> pool = WorkerPool(build_pipeline, settings, size=2)
>>> pool.start(); pool.wait_first(timeout=300)
>>> answer = pool.ask(question, history=None)      # retried once on another worker if its worker dies
>>> pool.stats()  # {"configured": 2, "live": 2, "restarts": 0, ...}
>>> pool.shutdown()

Why not ``ProcessPoolExecutor``: once one of its processes is killed the whole
executor is "broken" for good, every later question fails, and nothing notices.
Here every worker is a ``spawn``-ed process with a duplex pipe. A reader thread
per worker resolves the futures of the questions sent to it; when the pipe
breaks (the process died) those questions fail with :class:`WorkerDied` and
:meth:`WorkerPool.ask` sends each once more to a live worker. One long-lived
supervisor thread starts every process (so a parent-death signal tied to the
starting thread fires only when the server goes) and restarts dead slots after
``worker_restart_backoff_s`` doubling up to ``worker_restart_backoff_max_s``.

Workers die with the server: each sets ``PR_SET_PDEATHSIG`` (SIGKILL) through
``prctl`` and also watches its parent pid, so a ``kill -9`` of the server
leaves no 1.2 GB orphans.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from app.records import Answer, Turn
from app.settings import Settings
from ingest.errors import UserError

log = logging.getLogger("nia_qa.web.workers")

_PR_SET_PDEATHSIG = 1


class WorkerDied(Exception):
    """The worker process answering this question died before answering."""


class NoWorkers(Exception):
    """No answer worker is alive (they are being restarted)."""


# -- worker-process side -------------------------------------------------------------------------


def die_with_parent(parent_pid: int, poll_seconds: float = 1.0) -> None:
    """Make this process exit when ``parent_pid`` goes: PR_SET_PDEATHSIG, and a watchdog thread.

    The signal is the immediate path on Linux; the watchdog (the parent pid changes once we are
    re-parented) covers platforms without prctl and the race before the signal was armed.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _picklable_error(exc: BaseException) -> BaseException:
    """The exception itself when it survives pickling, else a RuntimeError with its text."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any pickling problem
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _worker_main(conn: Connection, factory: Any, settings: Settings, parent_pid: int) -> None:
    """A worker: build the pipeline, report ("ready", error, facts, sections), then answer until EOF."""
    die_with_parent(parent_pid, settings.worker_parent_poll_s)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent stops us
    from index.embedder import limit_torch_threads  # without importing torch: queries run on ONNX

    limit_torch_threads(settings.serve_torch_threads)
    from app.web.service import index_facts, warm_up

    pipeline = None
    try:
        pipeline = factory(settings)
        warm_up(pipeline)
        sections = getattr(getattr(pipeline, "ingest", None), "sections", None) or ()
        conn.send(("ready", None, index_facts(pipeline), tuple(sections)))
    except UserError as exc:
        conn.send(("ready", str(exc), {}, ()))
    except Exception as exc:  # noqa: BLE001 - reported by /healthz
        conn.send(("ready", f"{type(exc).__name__}: {exc}", {}, ()))
    while True:
        try:
            req_id, question, history = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if pipeline is None:
                raise RuntimeError("the pipeline did not load")
            reply: tuple[Any, ...] = (req_id, True, pipeline.ask(question, history=history))
        except Exception as exc:  # noqa: BLE001 - sent back to the asking request
            reply = (req_id, False, _picklable_error(exc))
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


# -- server side ---------------------------------------------------------------------------------


@dataclass
class _Worker:
    """One live (or starting) worker process and the questions it holds."""

    slot: int
    proc: Any  # multiprocessing.Process
    conn: Connection
    started: float
    ready: bool = False
    error: str | None = None
    inflight: dict[int, Future[Answer]] = field(default_factory=dict)
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    dead: bool = False


@dataclass
class _Slot:
    failures: int = 0  # consecutive deaths without a successful start
    next_start: float = 0.0
    worker: _Worker | None = None


class WorkerPool:
    """N supervised worker processes; questions go to the least busy live one."""

    def __init__(self, factory: Any, settings: Settings, size: int) -> None:
        self._factory = factory
        self._settings = settings
        self._ctx = multiprocessing.get_context("spawn")  # never fork a process that runs threads
        self._slots = [_Slot() for _ in range(size)]
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._first = threading.Event()  # the first worker reported (ready or failed)
        self._stopping = False
        self._ids = itertools.count(1)
        self._turn = 0
        self.restarts = 0
        self.retried = 0
        # monotonic times of every process start and death (tests read the back-off from them)
        self.start_times: list[float] = []
        self.death_times: list[float] = []
        self.load_error: str | None = None
        self.facts: dict[str, Any] = {}
        self.sections: tuple[Any, ...] = ()
        self._supervisor: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        self._supervisor = threading.Thread(target=self._supervise, name="worker-supervisor", daemon=True)
        self._supervisor.start()

    def wait_first(self, timeout: float | None = None) -> bool:
        """Block until the first worker is ready (True) or every start so far failed (False)."""
        self._first.wait(timeout)
        return self.live() > 0

    def _supervise(self) -> None:
        """Start missing workers (now, or after the slot's back-off); the only thread that spawns."""
        while not self._stopping:
            now = time.monotonic()
            wait = 1.0
            for i, slot in enumerate(self._slots):
                if slot.worker is not None:
                    continue
                if now >= slot.next_start:
                    self._spawn(i)
                else:
                    wait = min(wait, slot.next_start - now)
            self._wake.wait(max(0.05, wait))
            self._wake.clear()
        self._stop_all(self._settings.worker_stop_timeout_s)

    def _spawn(self, i: int) -> None:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(
            target=_worker_main,
            args=(child, self._factory, self._settings, os.getpid()),
            name=f"nia-qa-worker-{i}",
            daemon=True,
        )
        try:
            proc.start()
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable factory: report, do not loop fast
            parent.close()
            self._fail_start(i, f"{type(exc).__name__}: {exc}")
            return
        finally:
            child.close()
        worker = _Worker(slot=i, proc=proc, conn=parent, started=time.monotonic())
        self.start_times.append(worker.started)
        with self._lock:
            self._slots[i].worker = worker
        threading.Thread(target=self._read, args=(worker,), name=f"worker-{i}-reader", daemon=True).start()

    def _fail_start(self, i: int, error: str) -> None:
        with self._lock:
            slot = self._slots[i]
            slot.failures += 1
            base = self._settings.worker_restart_backoff_s
            delay = min(base * 2 ** (slot.failures - 1), self._settings.worker_restart_backoff_max_s)
            slot.next_start = time.monotonic() + delay
            self.load_error = error
        self._first.set()

    def _read(self, w: _Worker) -> None:
        """Resolve the futures of ``w``'s questions; on EOF (the process died) fail them and free the slot."""
        try:
            while True:
                msg = w.conn.recv()
                if msg[0] == "ready":
                    _, error, facts, sections = msg
                    self._on_ready(w, error, facts, sections)
                    continue
                req_id, ok, payload = msg
                with self._lock:
                    fut = w.inflight.pop(req_id, None)
                if fut is not None:
                    if ok:
                        fut.set_result(payload)
                    else:
                        fut.set_exception(payload)
        except (EOFError, OSError, TypeError):  # TypeError: the pipe was closed under us (shutdown)
            pass
        self._on_death(w)

    def _on_ready(self, w: _Worker, error: str | None, facts: dict[str, Any], sections: tuple) -> None:
        if error:
            w.error = error
            log.error("answer worker %d failed to load: %s", w.slot, error)
            self._stop_process(w)  # its reader sees EOF and frees the slot (with back-off)
            return
        with self._lock:
            w.ready = True
            self._slots[w.slot].failures = 0
            if not self.sections:
                self.facts, self.sections = facts, sections
            self.load_error = None
        self._first.set()

    def _on_death(self, w: _Worker) -> None:
        self.death_times.append(time.monotonic())
        with self._lock:
            w.dead = True
            lost = list(w.inflight.values())
            w.inflight.clear()
            slot = self._slots[w.slot]
            if slot.worker is w:
                slot.worker = None
        with contextlib.suppress(Exception):
            w.conn.close()
        w.proc.join(timeout=1)
        for fut in lost:
            if not fut.done():
                fut.set_exception(WorkerDied(f"answer worker {w.slot} died"))
        if self._stopping:
            return
        code = w.proc.exitcode
        if w.ready:
            log.error("answer worker %d (pid %s) died (exit %s); restarting", w.slot, w.proc.pid, code)
        with self._lock:
            if w.ready:  # a worker that served is restarted after the base delay, then backed off
                self.restarts += 1
                slot.failures = 0
            slot.failures += 1
            base = self._settings.worker_restart_backoff_s
            delay = min(base * 2 ** (slot.failures - 1), self._settings.worker_restart_backoff_max_s)
            slot.next_start = time.monotonic() + delay
            if not w.ready:
                self.load_error = w.error or f"answer worker exited while loading (exit {code})"
        if not w.ready:
            self._first.set()
        self._wake.set()

    def _stop_process(self, w: _Worker) -> None:
        with contextlib.suppress(Exception):
            w.proc.terminate()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop every worker (the supervisor does it: the workers' death signal is tied to its thread)."""
        self._stopping = True
        self._wake.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout + 5)

    def _stop_all(self, timeout: float) -> None:
        """Close the pipes (a worker exits after its running question), then kill stragglers."""
        with self._lock:
            workers = [s.worker for s in self._slots if s.worker is not None]
        for w in workers:
            with contextlib.suppress(Exception):
                w.conn.close()
        deadline = time.monotonic() + timeout
        for w in workers:
            w.proc.join(max(0.0, deadline - time.monotonic()))
            if w.proc.is_alive():
                w.proc.terminate()
                w.proc.join(2)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(2)

    # -- asking ----------------------------------------------------------------------------------
    def live(self) -> int:
        with self._lock:
            return sum(
                1 for s in self._slots if s.worker is not None and s.worker.ready and not s.worker.dead
            )

    def stats(self) -> dict[str, Any]:
        with self._lock:
            live = [s.worker for s in self._slots if s.worker is not None and s.worker.ready]
            return {
                "configured": len(self._slots),
                "live": len(live),
                "restarts": self.restarts,
                "retried_questions": self.retried,
                "in_flight": sum(len(w.inflight) for w in live),
            }

    def submit(self, question: str, history: list[Turn] | None, avoid: int | None = None) -> Future[Answer]:
        """Send the question to the least busy live worker (not ``avoid``); NoWorkers when none."""
        fut: Future[Answer] = Future()
        req_id = next(self._ids)
        with self._lock:
            live = [
                s.worker
                for s in self._slots
                if s.worker is not None and s.worker.ready and not s.worker.dead and s.worker.slot != avoid
            ]
            if not live and avoid is not None:  # the one we avoided may be back already: any live one
                live = [s.worker for s in self._slots if s.worker is not None and s.worker.ready]
            if not live:
                raise NoWorkers("no answer worker is running (restarting); try again in a few seconds")
            n = len(self._slots)
            live.sort(key=lambda w: (len(w.inflight), (w.slot - self._turn) % n))
            w = live[0]
            self._turn = (w.slot + 1) % n
            w.inflight[req_id] = fut
        fut.worker_slot = w.slot  # type: ignore[attr-defined]
        try:
            with w.send_lock:
                w.conn.send((req_id, question, history))
        except (OSError, ValueError, BrokenPipeError):
            with self._lock:
                w.inflight.pop(req_id, None)
            if not fut.done():
                fut.set_exception(WorkerDied(f"answer worker {w.slot} is gone"))
        return fut

    def ask_future(self, question: str, history: list[Turn] | None) -> Future[Answer]:
        """A future for the answer; a question whose worker dies is sent once more to another worker."""
        outer: Future[Answer] = Future()
        first = self.submit(question, history)

        def first_done(f: Future[Answer]) -> None:
            exc = f.exception()
            if not isinstance(exc, WorkerDied):
                _copy(f, outer)
                return
            with self._lock:
                self.retried += 1
            try:
                again = self.submit(question, history, avoid=getattr(f, "worker_slot", None))
            except NoWorkers as e:
                outer.set_exception(e)
                return
            again.add_done_callback(lambda g: _copy(g, outer))

        first.add_done_callback(first_done)
        return outer


def _copy(src: Future[Answer], dst: Future[Answer]) -> None:
    exc = src.exception()
    if exc is not None:
        dst.set_exception(exc)
    else:
        dst.set_result(src.result())


def worker_pids(pool: WorkerPool) -> list[int]:
    """Pids of the current worker processes (for tests and the load test)."""
    with pool._lock:
        return [s.worker.proc.pid for s in pool._slots if s.worker is not None and s.worker.proc.pid]
