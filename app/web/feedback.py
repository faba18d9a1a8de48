"""Thumbs up/down feedback in SQLite, written by one background thread.

Answers never wait for the database: ``submit`` only puts the row on a queue;
a daemon writer thread owns the connection and commits. ``flush`` lets tests
and ``close`` wait until everything queued is on disk. The HTTP API uses
``submit_wait``, which returns only once the row's transaction is committed
(or failed), so a 202 always means "on disk".

Every row that is not stored (queue full, SQLite error) is counted in
``dropped`` and logged; ``counts()`` is what ``/healthz`` shows.

>>> store = FeedbackStore(Path("data/feedback.sqlite3"))
>>> store.submit(FeedbackRow.now("問題", "答案", [], vote=1, lang="zh"))
>>> store.submit_wait(FeedbackRow.now("問題", "答案", [], vote=1, lang="zh"), timeout=5)
<WriteResult.COMMITTED: 'committed'>
>>> store.close()
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    lang TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    citations_json TEXT NOT NULL,
    source TEXT NOT NULL
)
"""

log = logging.getLogger("nia_qa.web.feedback")


class WriteResult(enum.Enum):
    COMMITTED = "committed"
    QUEUE_FULL = "queue_full"
    FAILED = "failed"  # SQLite refused the transaction (disk full, locked too long, ...)
    TIMEOUT = "timeout"  # not committed within the wait; it may still be written later


_COLUMNS = ("created_at", "vote", "question", "answer", "lang", "abstained", "citations_json", "source")


@dataclass(frozen=True)
class FeedbackRow:
    """One vote on one answer; ``citations_json`` is the answer's citations as the API returns them."""

    created_at: str  # ISO 8601, UTC
    vote: int  # +1 thumbs up, -1 thumbs down
    question: str
    answer: str
    lang: str
    abstained: bool
    citations_json: str
    source: str = "chat"  # "chat" or "api"

    @classmethod
    def now(
        cls,
        question: str,
        answer: str,
        citations: list[dict[str, Any]],
        *,
        vote: int,
        lang: str,
        abstained: bool = False,
        source: str = "chat",
    ) -> FeedbackRow:
        if vote not in (-1, 1):
            raise ValueError("vote must be +1 or -1")
        return cls(
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            vote=vote,
            question=question,
            answer=answer,
            lang=lang,
            abstained=bool(abstained),
            citations_json=json.dumps(citations, ensure_ascii=False),
            source=source,
        )


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")  # readers (export) never block the writer
    conn.execute(_SCHEMA)
    conn.commit()
    return conn


class FeedbackStore:
    """Non-blocking feedback sink; one writer thread per store."""

    _STOP = object()

    def __init__(self, path: Path, max_pending: int = 10_000) -> None:
        self.path = Path(path)
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_pending)
        self._conn = _connect(self.path)  # fail early (bad path) rather than in the thread
        self.dropped = 0
        self.written = 0
        self._count_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="feedback-writer", daemon=True)
        self._thread.start()

    def counts(self) -> dict[str, int]:
        """Rows committed and rows lost (queue full or SQLite error) since the store opened."""
        with self._count_lock:
            return {"written": self.written, "dropped": self.dropped, "pending": self._queue.qsize()}

    def _drop(self, n: int, why: str) -> None:
        with self._count_lock:
            self.dropped += n
            total = self.dropped
        log.warning("feedback: %d row(s) not stored (%s); %d dropped so far", n, why, total)

    def submit(self, row: FeedbackRow) -> bool:
        """Queue a row; never blocks. False (and counted) when the queue is full."""
        return self._enqueue(row, None)

    def submit_wait(self, row: FeedbackRow, timeout: float) -> WriteResult:
        """Queue a row and wait until its transaction is committed (or failed, or ``timeout``)."""
        done: Future[bool] = Future()
        if not self._enqueue(row, done):
            return WriteResult.QUEUE_FULL
        try:
            return WriteResult.COMMITTED if done.result(timeout) else WriteResult.FAILED
        except FutureTimeout:
            return WriteResult.TIMEOUT

    def _enqueue(self, row: FeedbackRow, done: Future[bool] | None) -> bool:
        try:
            self._queue.put_nowait((row, done))
        except queue.Full:
            self._drop(1, "queue full")
            return False
        return True

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every row queued so far is committed."""
        done = threading.Event()
        try:
            self._queue.put(done, timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        if not self._thread.is_alive():
            return
        self._queue.put(self._STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        conn = self._conn
        try:
            while True:
                item = self._queue.get()
                if item is self._STOP:
                    return
                if isinstance(item, threading.Event):
                    item.set()
                    continue
                batch = [item]
                markers: list[threading.Event] = []
                stop = False
                while len(batch) < 500:  # commit whatever else is already waiting in one transaction
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is self._STOP:
                        stop = True
                        break
                    if isinstance(more, threading.Event):
                        markers.append(more)
                    else:
                        batch.append(more)
                try:
                    _insert(conn, [row for row, _ in batch])
                except sqlite3.Error as exc:
                    with contextlib.suppress(sqlite3.Error):
                        conn.rollback()
                    self._drop(len(batch), f"SQLite error: {exc}")
                    ok = False
                else:
                    with self._count_lock:
                        self.written += len(batch)
                    ok = True
                for _, done in batch:
                    if done is not None and not done.done():
                        done.set_result(ok)
                for m in markers:
                    m.set()
                if stop:
                    return
        finally:
            conn.close()


def _insert(conn: sqlite3.Connection, rows: list[FeedbackRow]) -> None:
    placeholders = ", ".join("?" for _ in _COLUMNS)
    conn.executemany(
        f"INSERT INTO feedback ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
        [
            (
                r.created_at,
                r.vote,
                r.question,
                r.answer,
                r.lang,
                int(r.abstained),
                r.citations_json,
                r.source,
            )
            for r in rows
        ],
    )
    conn.commit()


def iter_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Feedback rows oldest first, as JSON-ready dicts (citations decoded)."""
    if not Path(path).exists():
        return
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cur = conn.execute(f"SELECT id, {', '.join(_COLUMNS)} FROM feedback ORDER BY id")
        for rec in cur:
            row = dict(zip(("id", *_COLUMNS), rec, strict=True))
            row["abstained"] = bool(row["abstained"])
            row["citations"] = json.loads(row.pop("citations_json"))
            yield row
    finally:
        conn.close()


def export_jsonl(db: Path, out: Path) -> int:
    """Write all rows to ``out`` as JSONL (temp file + rename); returns the row count."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for row in iter_rows(db):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(out)
    return n


def row_dict(row: FeedbackRow) -> dict[str, Any]:
    return asdict(row)
