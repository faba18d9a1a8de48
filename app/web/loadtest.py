"""Bounded loopback load test of ``POST /api/ask``: throughput and latency percentiles as JSON.

Two phases: saturation (``clients`` concurrent requests in a closed loop: the
maximum throughput) and a fixed offered rate (open loop, default 20 req/s: the
latency users see at that load, which is what the p95 goal is about).

    python -m app.web.loadtest --out data/build/bench-api.json            # starts its own server
    python -m app.web.loadtest --url http://127.0.0.1:7860/ --clients 20 --duration 20

Only loopback targets are accepted, and every run stops by itself after
``duration`` seconds or ``max_requests`` requests, whichever comes first.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from ingest.errors import UserError

if TYPE_CHECKING:  # httpx is imported when a run starts: `nia-qa --help` registers this module's options
    import httpx

DEFAULT_QUESTIONS = [
    "112年8月高雄港入出境人次是多少？",
    "How many entries and exits went through Keelung Sea Port in July 2023?",
    "1990外來人士生活諮詢熱線112年一共接了多少通電話？",
    "What was the total number of entries and exits at Taoyuan Airport in 2023?",
    "設籍前新住民特殊境遇扶助計畫112年核定補助多少錢？",
    "When did Taiwan publish its first national report under the ICERD convention?",
    "新住民發展基金113年補助了多少件？",
    "What is the capital of France?",
]


def _require_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise UserError(f"the load test only targets this machine's loopback address, not {host or url!r}")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


class _Tally:
    """Latencies of successful requests and a count per status code (0 = connection error/timeout)."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}

    async def ask(self, client: httpx.AsyncClient, question: str) -> None:
        import httpx

        start = time.perf_counter()
        try:
            r = await client.post("api/ask", json={"question": question})
            code = r.status_code
        except httpx.HTTPError:
            code = 0
        elapsed = (time.perf_counter() - start) * 1000
        self.statuses[code] = self.statuses.get(code, 0) + 1
        if code == 200:
            self.latencies.append(elapsed)

    def summary(self, wall: float) -> dict[str, Any]:
        ok = self.statuses.get(200, 0)
        out: dict[str, Any] = {
            "duration_s": round(wall, 2),
            "requests": sum(self.statuses.values()),
            "ok": ok,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "throughput_rps": round(ok / wall, 2) if wall else 0.0,
        }
        if self.latencies:
            out["latency_ms"] = {
                "p50": round(percentile(self.latencies, 50), 1),
                "p95": round(percentile(self.latencies, 95), 1),
                "p99": round(percentile(self.latencies, 99), 1),
                "max": round(max(self.latencies), 1),
                "mean": round(statistics.fmean(self.latencies), 1),
            }
        return out


async def saturate(
    client: httpx.AsyncClient, questions: list[str], clients: int, duration_s: float, max_requests: int
) -> dict[str, Any]:
    """Closed loop: ``clients`` keep one request each in flight; measures the maximum throughput."""
    import asyncio  # here, not at import: every `nia-qa` command line registers this module's options

    tally = _Tally()
    budget = [max_requests]
    start = time.perf_counter()
    deadline = start + duration_s

    async def loop(offset: int) -> None:
        i = offset
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            await tally.ask(client, questions[i % len(questions)])
            i += clients

    await asyncio.gather(*(loop(n) for n in range(clients)))
    return {"mode": "closed_loop", "clients": clients, **tally.summary(time.perf_counter() - start)}


async def fixed_rate(
    client: httpx.AsyncClient, questions: list[str], rate: float, duration_s: float
) -> dict[str, Any]:
    """Open loop: a new request every 1/rate s whatever the server does; latency at that offered load."""
    import asyncio

    tally = _Tally()
    n = max(1, int(rate * duration_s))
    start = time.perf_counter()
    tasks = []
    for i in range(n):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(tally.ask(client, questions[i % len(questions)])))
    await asyncio.gather(*tasks)
    return {"mode": "open_loop", "offered_rps": rate, **tally.summary(time.perf_counter() - start)}


async def run_loadtest(
    url: str,
    questions: list[str] | None = None,
    clients: int = 20,
    duration_s: float = 20.0,
    max_requests: int = 5000,
    rate: float = 20.0,
    warmup: int = 4,
) -> dict[str, Any]:
    """Saturation phase (``clients`` concurrent) then a fixed-rate phase (``rate`` req/s), each ``duration_s``."""
    import httpx

    _require_loopback(url)
    questions = questions or DEFAULT_QUESTIONS
    limits = httpx.Limits(max_connections=max(clients, 64), max_keepalive_connections=max(clients, 64))
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        for q in questions[:warmup]:  # first requests pay for lazy loading; not measured
            await client.post("api/ask", json={"question": q})
        load_before = os.getloadavg()[0]
        cpu0 = time.process_time()
        sat = await saturate(client, questions, clients, duration_s, max_requests)
        # The load generator's own CPU per answered request (the server runs in another process).
        sat["client_cpu_ms_per_request"] = round((time.process_time() - cpu0) * 1000 / max(1, sat["ok"]), 1)
        steady = await fixed_rate(client, questions, rate, duration_s)
    return {
        "endpoint": "POST /api/ask",
        "questions": len(questions),
        "cpu_count": os.cpu_count(),
        "loadavg_1m_before": round(load_before, 2),
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "saturation": sat,
        "fixed_rate": steady,
    }


def _read_questions(path: str) -> list[str]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from exc
    out = []
    for line in lines:
        if line.strip():
            try:
                out.append(json.loads(line)["question"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise UserError(f"{path}: every line must be a JSON object with 'question'") from exc
    if not out:
        raise UserError(f"{path} has no questions")
    return out


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout_s: float) -> None:
    """Wait until ``/healthz`` says ready with every answer worker up (the first run may build the index)."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            raise UserError(f"the server exited: {err[-1] if err else proc.returncode}", exit_code=1)
        try:
            r = httpx.get(url + "healthz", timeout=2)
            body = r.json()
            # "ready" comes with the first live worker; measure once all of them answer.
            if r.status_code == 200 and body.get("workers_live", 1) >= body.get("workers", 1):
                return
            if body.get("status") == "error":
                raise UserError(f"the server could not load the pipeline: {body.get('error')}", exit_code=1)
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise UserError(f"the server was not ready within {timeout_s:.0f} s", exit_code=1)


def bench_api(
    out: Path | None,
    url: str | None = None,
    clients: int = 20,
    duration_s: float = 20.0,
    max_requests: int = 5000,
    questions: list[str] | None = None,
    rate: float = 20.0,
    goal_rps: float = 20.0,
    goal_p95_ms: float = 250.0,
) -> dict[str, Any]:
    """Run the load test (against ``url``, or a server this starts with the real pipeline) and write JSON."""
    proc = None
    settings_info: dict[str, Any] = {}
    tmp = None
    if url is None:
        # The server runs in its own process (`nia-qa serve`), as in production: a load generator
        # sharing the server's interpreter (and GIL) measured half the real throughput.
        import tempfile

        from app.settings import Settings
        from app.web.run import free_port

        settings = Settings()
        tmp = tempfile.TemporaryDirectory(prefix="nia-qa-loadtest-")
        port = free_port()
        env = {**os.environ, "NIA_QA_FEEDBACK_DB": str(Path(tmp.name) / "feedback.sqlite3")}
        log = Path(tmp.name) / "server.log"  # a file, not a pipe: a full pipe would stall the server
        with log.open("w") as log_fh:
            proc = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log_fh,
            )
        url = f"http://127.0.0.1:{port}/"
        settings_info = {
            "server": "nia-qa serve (separate process)",
            "answerer": settings.answerer,
            "serve_workers": settings.serve_workers,
            "ask_workers": settings.ask_workers,
            "torch_threads": settings.serve_torch_threads,
        }
    try:
        if proc is not None:
            _wait_healthy(url, proc, Path(tmp.name) / "server.log", timeout_s=900)
        import asyncio

        result = asyncio.run(run_loadtest(url, questions, clients, duration_s, max_requests, rate))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if tmp is not None:
            tmp.cleanup()
    result.update(settings_info)
    p95 = result["fixed_rate"].get("latency_ms", {}).get("p95", float("inf"))
    result["goal"] = {"min_rps": goal_rps, "max_p95_ms_at_rate": goal_p95_ms}
    result["goal_met"] = (
        result["saturation"]["throughput_rps"] >= goal_rps
        and result["fixed_rate"]["throughput_rps"] >= 0.95 * rate
        and p95 <= goal_p95_ms
    )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.replace(out)
    return result


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--url", help="a running server (loopback only); default: start one with the real pipeline"
    )
    p.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    p.add_argument("--duration", type=float, default=20.0, help="seconds per phase (default 20)")
    p.add_argument(
        "--rate", type=float, default=20.0, help="offered req/s in the fixed-rate phase (default 20)"
    )
    p.add_argument("--max-requests", type=int, default=5000, help="stop after this many requests")
    p.add_argument(
        "--questions", metavar="FILE", help="JSONL with 'question' (default: a built-in zh/en mix)"
    )


def run_from_args(args: argparse.Namespace) -> int:
    """Shared by ``python -m app.web.loadtest`` and ``nia-qa bench --api``; raises UserError on bad input."""
    if not (1 <= args.clients <= 200 and 0 < args.duration <= 300 and args.max_requests >= 1):
        raise UserError("--clients must be 1..200, --duration 0..300 s, --max-requests >= 1")
    if not 0 < args.rate <= 200:
        raise UserError("--rate must be 0..200 requests/s")
    questions = _read_questions(args.questions) if args.questions else None
    out = Path(args.out) if args.out else None
    result = bench_api(out, args.url, args.clients, args.duration, args.max_requests, questions, args.rate)
    print(json.dumps(result, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.web.loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("data/build/bench-api.json"), help="result JSON")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_from_args(args)
    except UserError as exc:
        print(f"nia-qa: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
