"""`nia-qa serve --workers 2` as a real process: URL printed, /healthz, /api/ask answered by worker processes, clean stop."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.web.run import free_port
from tests.reliability.conftest import children, running

pytestmark = pytest.mark.integration

ZH_Q = "112年8月高雄港入出境人次是多少？"
EN_Q = "How many entries and exits went through Keelung Sea Port in July 2023?"


def _wait_line(path: Path, needle: str, proc: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = path.read_text(encoding="utf-8", errors="replace")
        if needle in text:
            return text
        assert proc.poll() is None, f"server exited early: {text}"
        time.sleep(0.2)
    raise AssertionError(f"no {needle!r} within {timeout} s: {path.read_text()}")


def test_two_worker_processes_serve_health_and_answers(pipeline, tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "serve.out"
    env = {**os.environ, "NIA_QA_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3")}
    with out.open("w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_line(out, f"nia-qa chat: {url}", proc, 60)
        _wait_line(out, f"ready at {url}", proc, 300)
        deadline = time.monotonic() + 120  # ready once one worker is; wait for both
        while httpx.get(url + "healthz", timeout=5).json().get("workers_live") != 2:
            assert time.monotonic() < deadline, "the second worker never came up"
            time.sleep(0.3)
        health = httpx.get(url + "healthz", timeout=5)
        assert health.status_code == 200
        body = health.json()
        assert body["status"] == "ready" and body["workers"] == 2
        assert body["index"]["sections"] == len(pipeline.ingest.sections)

        workers = children(proc.pid)
        assert len([p for p in workers if running(p)]) >= 2, "two worker processes"

        # Same answers as the in-process pipeline, also when several questions run at once.
        expected = {q: pipeline.ask(q).to_json_dict() for q in (ZH_Q, EN_Q)}
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            qs = [ZH_Q, EN_Q] * 4
            got = list(pool.map(lambda q: httpx.post(url + "api/ask", json={"question": q}, timeout=60), qs))
        for q, r in zip(qs, got, strict=True):
            assert r.status_code == 200
            answer = r.json()
            answer.pop("latency_ms")
            assert answer == {k: v for k, v in expected[q].items() if k != "latency_ms"}
        assert httpx.post(url + "api/ask", json={"question": ""}, timeout=10).status_code == 400
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    # uvicorn shuts down gracefully, then re-raises the signal it caught (as with one process).
    assert code in (0, -signal.SIGTERM)
    deadline = time.monotonic() + 10
    while any(running(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(running(p) for p in workers), "SIGTERM stops every worker process"
