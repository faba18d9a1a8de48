"""Feedback store (SQLite, background writer) and `nia-qa feedback export`."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from app.cli import main
from app.web.feedback import FeedbackRow, FeedbackStore, export_jsonl, iter_rows

pytestmark = pytest.mark.unit

CITES = [
    {
        "section_id": "zh/4/2/4",
        "path_zh": "第肆章 新住民照顧輔導",
        "path_en": "Chapter IV",
        "page": 25,
        "quote": "421萬8,817元",
    }
]


def _row(vote: int = 1, q: str = "設籍前新住民特殊境遇扶助計畫112年核定補助多少錢？") -> FeedbackRow:
    return FeedbackRow.now(q, "112年度核定補助421萬8,817元。", CITES, vote=vote, lang="zh")


def test_rows_are_written_in_the_background_and_read_back(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "fb.sqlite3"
    store = FeedbackStore(db)
    assert store.submit(_row(1)) and store.submit(_row(-1, "How many?"))
    assert store.flush()
    rows = list(iter_rows(db))
    store.close()
    assert [r["vote"] for r in rows] == [1, -1]
    assert rows[0]["question"].startswith("設籍前新住民")  # Traditional text stored as typed
    assert rows[0]["citations"] == CITES
    assert rows[0]["created_at"].endswith("+00:00")
    assert rows[0]["abstained"] is False and rows[0]["source"] == "chat"


def test_submit_never_waits_for_the_database(tmp_path: Path) -> None:
    db = tmp_path / "fb.sqlite3"
    store = FeedbackStore(db)
    # Hold the database's write lock from another connection: the writer thread must block, not submit().
    blocker = sqlite3.connect(db, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    start = time.perf_counter()
    for _ in range(200):
        store.submit(_row())
    assert time.perf_counter() - start < 0.2
    blocker.rollback()
    blocker.close()
    assert store.flush(timeout=15)
    assert len(list(iter_rows(db))) == 200
    store.close()


def test_full_queue_drops_and_counts_instead_of_blocking(tmp_path: Path) -> None:
    db = tmp_path / "fb.sqlite3"
    store = FeedbackStore(db, max_pending=1)
    blocker = sqlite3.connect(db, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    results = [store.submit(_row()) for _ in range(20)]
    blocker.rollback()
    blocker.close()
    assert False in results and store.dropped >= 1
    store.close()


def test_vote_must_be_plus_or_minus_one() -> None:
    with pytest.raises(ValueError):
        FeedbackRow.now("q", "a", [], vote=0, lang="en")


def test_export_jsonl_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "fb.sqlite3"
    store = FeedbackStore(db)
    for v in (1, 1, -1):
        store.submit(_row(v))
    store.close()
    out = tmp_path / "out" / "feedback.jsonl"
    assert export_jsonl(db, out) == 3
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["vote"] for x in lines] == [1, 1, -1] and lines[0]["citations"][0]["page"] == 25
    assert not out.with_name(out.name + ".tmp").exists()

    out2 = tmp_path / "cli.jsonl"
    assert main(["feedback", "export", "--db", str(db), "--out", str(out2)]) == 0
    assert out2.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")
    assert main(["feedback", "export", "--db", str(db)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_export_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feedback", "export", "--db", str(tmp_path / "missing.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert any(line.startswith("nia-qa: error: no feedback database") for line in err.splitlines())
    assert "Traceback" not in err
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database" * 100)
    assert main(["feedback", "export", "--db", str(junk)]) == 2
    assert "not a readable feedback database" in capsys.readouterr().err


def test_submit_wait_returns_only_after_the_row_is_committed(tmp_path: Path) -> None:
    from app.web.feedback import WriteResult

    store = FeedbackStore(tmp_path / "fb.sqlite3")
    try:
        for i in range(5):
            assert store.submit_wait(_row(q=f"q{i}"), timeout=5) is WriteResult.COMMITTED
            # another connection sees it at once: the 202 means "on disk"
            conn = sqlite3.connect(tmp_path / "fb.sqlite3")
            assert conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == i + 1
            conn.close()
        assert store.counts()["written"] == 5 and store.counts()["dropped"] == 0
    finally:
        store.close()


def test_sqlite_error_is_reported_and_counted_not_silently_lost(tmp_path: Path) -> None:
    from app.web.feedback import WriteResult

    store = FeedbackStore(tmp_path / "fb.sqlite3")
    try:
        conn = sqlite3.connect(tmp_path / "fb.sqlite3")
        conn.execute("DROP TABLE feedback")  # every insert now fails
        conn.commit()
        conn.close()
        assert store.submit_wait(_row(), timeout=5) is WriteResult.FAILED
        assert store.counts()["dropped"] == 1 and store.counts()["written"] == 0
    finally:
        store.close()


@pytest.fixture
def feedback_client(tmp_path: Path):
    from fastapi.testclient import TestClient

    from app.settings import Settings
    from app.web.server import create_app

    settings = Settings().with_overrides(
        feedback_db=tmp_path / "fb.sqlite3",
        feedback_burst=5,
        feedback_rate_per_s=0.01,
        feedback_max_bytes=2048,
    )

    def no_pipeline(_s):  # the feedback API needs no pipeline
        raise RuntimeError("not needed")

    app = create_app(no_pipeline, settings, with_chat=False)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def _vote(i: int, answer: str = "a") -> dict:
    return {"question": f"q{i}", "answer": answer, "vote": "up", "lang": "en"}


def test_feedback_api_caps_size_and_rate_and_shows_counts(feedback_client) -> None:
    r = feedback_client.post("/api/feedback", json=_vote(0, "x" * 5000))
    assert r.status_code == 413 and r.json()["status"] == 413
    codes = [feedback_client.post("/api/feedback", json=_vote(i)).status_code for i in range(8)]
    assert codes[:5] == [202] * 5 and set(codes[5:]) == {429}
    health = feedback_client.get("/healthz").json()
    assert health["feedback"]["written"] == 5 and health["feedback"]["dropped"] == 0
