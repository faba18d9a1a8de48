"""A real `nia-qa serve --workers 2` process on a random loopback port, shared by the reliability tests.

The server is started once per module that asks for it and killed at the end (its workers with it);
tests that kill it themselves come last in their module.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.web.run import free_port


def children(pid: int) -> list[int]:
    """Child pids of every thread of ``pid`` (a child belongs to the thread that started it)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out.extend(int(p) for p in (task / "children").read_text().split())
        except OSError:
            continue
    return out


def running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def worker_pids(server_pid: int) -> list[int]:
    """The server's answer workers (spawned children running the worker, not a resource tracker)."""
    out = []
    for pid in children(server_pid):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "resource_tracker" not in cmd and running(pid):
            out.append(pid)
    return out


@dataclass
class Served:
    proc: subprocess.Popen
    url: str
    log: Path
    feedback_db: Path

    def health(self) -> httpx.Response:
        return httpx.get(self.url + "healthz", timeout=5)

    def wait_health(self, pred, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        body: dict = {}
        while time.monotonic() < deadline:
            try:
                body = self.health().json()
            except httpx.HTTPError:
                body = {}
            if body and pred(body):
                return body
            assert self.proc.poll() is None, self.log.read_text()
            time.sleep(0.3)
        raise AssertionError(f"health never matched within {timeout} s: {body}")


def start_server(tmp: Path, workers: int = 2, extra_env: dict[str, str] | None = None) -> Served:
    port = free_port()
    log = tmp / "serve.log"
    db = tmp / "feedback.sqlite3"
    env = {**os.environ, "NIA_QA_FEEDBACK_DB": str(db), **(extra_env or {})}
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    served = Served(proc=proc, url=f"http://127.0.0.1:{port}/", log=log, feedback_db=db)
    deadline = time.monotonic() + 300
    while "ready at" not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(served)
            raise AssertionError(f"server did not become ready: {log.read_text()}")
        time.sleep(0.3)
    return served


def stop_server(served: Served) -> None:
    workers = worker_pids(served.proc.pid)
    if served.proc.poll() is None:
        served.proc.send_signal(signal.SIGTERM)
        try:
            served.proc.wait(30)
        except subprocess.TimeoutExpired:
            served.proc.kill()
            served.proc.wait(10)
    for pid in workers:  # never leave a worker behind, whatever the test did
        if running(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    s = start_server(tmp_path_factory.mktemp("served"))
    try:
        yield s
    finally:
        stop_server(s)
