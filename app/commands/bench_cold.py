"""Cold-start figures for `nia-qa bench`: a first answer in a fresh process, and `serve` start-up and memory.

>>> cold_ask(env, runs=3)       # wall time and peak RSS (sampled) of `nia-qa ask` in fresh processes
>>> serve_start(env, workers=2)  # seconds until /healthz says ready; RSS/PSS of the server and workers
>>> timed_build(env, empty_dir)  # wall time and peak RSS of `nia-qa build` into an empty build dir
>>> eval_recall(env, dev, out)   # retrieval recall@k, accuracy and answer latency from `nia-qa eval`

``env`` points the child processes at the bench's own build and cache directories
(``NIA_QA_BUILD_DIR``, ``NIA_QA_CACHE_DIR``). The server listens on a free loopback port and is
stopped (SIGINT, then SIGKILL after a grace period) before returning, also on errors.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from ingest.errors import UserError

COLD_QUESTION = "112年入出境人次是多少？"
READY_TIMEOUT_S = 180.0


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "app.cli", *args]


def _hwm_mb(pid: int) -> float | None:
    """VmHWM (peak RSS of the current program) of ``pid``; None once it has exited."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def _run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MB, exit status, last stderr line) of one child process.

    The peak is sampled from /proc (VmHWM, every 20 ms): the child's ``ru_maxrss`` would start at
    this (parent) process's RSS, which a fork+exec carries over.
    """
    peak = 0.0
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        while proc.poll() is None:
            peak = max(peak, _hwm_mb(proc.pid) or 0.0)
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        err.seek(0)
        tail = (err.read().decode("utf-8", "replace").strip().splitlines() or [""])[-1]
    return wall, round(peak, 1), int(proc.returncode), tail


def cold_ask(env: dict[str, str], runs: int = 3, question: str = COLD_QUESTION) -> dict[str, Any]:
    """`nia-qa ask QUESTION --json` in ``runs`` fresh processes (index built, nothing loaded)."""
    walls, rss = [], []
    for _ in range(runs):
        wall, peak, code, tail = _run_measured(_cli("ask", question, "--json"), env)
        if code != 0:
            raise UserError(f"bench cold ask failed: {tail}", exit_code=1)
        walls.append(round(wall, 2))
        rss.append(peak)
    return {
        "question": question,
        "runs_s": walls,
        "median_s": round(statistics.median(walls), 2),
        "peak_rss_mb": max(rss),
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _health(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback URL we built
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:  # 503 while loading or when loading failed: the body says which
        try:
            return json.loads(exc.read())
        except (OSError, ValueError):
            return None
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _memory(pid: int) -> dict[str, Any]:
    """RSS and PSS (MB) of the server process and each of its descendants (the answering workers)."""
    import psutil

    def one(p: psutil.Process) -> dict[str, Any]:
        try:
            info = p.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return {"pid": p.pid, "rss_mb": 0.0, "pss_mb": 0.0}
        return {
            "pid": p.pid,
            "rss_mb": round(info.rss / 2**20, 1),
            "pss_mb": round(getattr(info, "pss", info.rss) / 2**20, 1),
        }

    server = psutil.Process(pid)
    children = [one(c) for c in server.children(recursive=True)]
    top = one(server)
    procs = [top, *children]
    return {
        "server": top,
        "workers": children,
        "total_rss_mb": round(sum(p["rss_mb"] for p in procs), 1),
        "total_pss_mb": round(sum(p["pss_mb"] for p in procs), 1),
    }


def _stop(proc: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def serve_start(env: dict[str, str], workers: int = 2, feedback_db: Path | None = None) -> dict[str, Any]:
    """Start `nia-qa serve --workers N` on a free loopback port; time /healthz 'ready'; read memory; stop it."""
    port = _free_port()
    cmd = _cli("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers))
    if feedback_db is not None:
        cmd += ["--feedback-db", str(feedback_db)]
    url = f"http://127.0.0.1:{port}/healthz"
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        # its own process group, so a stuck worker can be killed with the server
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        try:
            status: dict[str, Any] | None = None
            while time.perf_counter() - t0 < READY_TIMEOUT_S and proc.poll() is None:
                status = _health(url)
                if status and status.get("status") in ("ready", "error"):
                    break
                time.sleep(0.1)
            ready = time.perf_counter() - t0
            if not status or status.get("status") != "ready":
                err.seek(0)
                tail = (err.read().decode("utf-8", "replace").strip().splitlines() or [""])[-1]
                why = (status or {}).get("error") or tail or "no answer from /healthz"
                raise UserError(f"bench serve did not become ready: {why}", exit_code=1)
            time.sleep(1.0)  # let the workers settle after their warm-up questions
            memory = _memory(proc.pid)
        finally:
            _stop(proc)
    return {"n_workers": workers, "ready_s": round(ready, 2), **memory}


def timed_build(env: dict[str, str], build_dir: Path) -> dict[str, Any]:
    """`nia-qa build` into ``build_dir`` (empty) in a fresh process: wall time and sampled peak RSS."""
    wall, peak, code, tail = _run_measured(_cli("build"), {**env, "NIA_QA_BUILD_DIR": str(build_dir)})
    if code != 0:
        raise UserError(f"bench build failed: {tail}", exit_code=1)
    return {"wall_s": round(wall, 2), "peak_rss_mb": peak}


def eval_recall(env: dict[str, str], questions: Path, out_dir: Path) -> dict[str, Any]:
    """Retrieval recall@1/4/10 and MRR (gold evidence in ``search(q, 10)``, eval's own grading), accuracy
    and answer latency of ``questions``, from `nia-qa eval` run as a child against ``env``'s build.

    A missed gate (exit 1) still gives figures; anything else without a summary is a UserError.
    """
    if not Path(questions).is_file():
        raise UserError(f"bench recall: no eval set at {questions}", exit_code=1)
    cmd = _cli("eval", "--questions", str(questions), "--out", str(out_dir), "--no-progress")
    wall, _, code, tail = _run_measured(cmd, env)
    summary_file = Path(out_dir) / "summary.json"
    if code not in (0, 1) or not summary_file.is_file():
        raise UserError(f"bench recall (nia-qa eval) failed: {tail or f'exit {code}'}", exit_code=1)
    metrics = json.loads(summary_file.read_text(encoding="utf-8"))["metrics"]
    gold = metrics["retrieval"]["gold"]
    latency = metrics["latency_ms"]
    return {
        "set": Path(questions).name,
        "n": metrics["n"],
        "n_answerable": metrics["retrieval"]["n"],
        **{k: gold[k] for k in ("recall@1", "recall@4", "recall@10", "mrr")},
        "accuracy": metrics["accuracy"],
        "answer_latency_ms": {k: latency[k] for k in ("p50", "p95")},
        "gates_passed": code == 0,
        "wall_s": round(wall, 2),
    }
