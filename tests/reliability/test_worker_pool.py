"""The worker supervisor on its own: a worker that cannot load is restarted with growing back-off."""

from __future__ import annotations

import time

import pytest

from app.settings import Settings
from app.web.workers import NoWorkers, WorkerPool
from ingest.errors import UserError

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(120)]


def failing_factory(_settings: Settings):
    """A pipeline factory that always fails (module level: the spawned worker imports it)."""
    raise UserError("corpus not found: /nowhere/report.md")


def test_a_worker_that_keeps_failing_is_restarted_with_growing_back_off() -> None:
    settings = Settings().with_overrides(worker_restart_backoff_s=0.5, worker_restart_backoff_max_s=8.0)
    pool = WorkerPool(failing_factory, settings, size=1)
    pool.start()
    try:
        assert pool.wait_first(timeout=60) is False
        assert pool.load_error == "corpus not found: /nowhere/report.md"
        with pytest.raises(NoWorkers):
            pool.submit("question", None)
        deadline = time.monotonic() + 60
        while len(pool.start_times) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        starts, deaths = pool.start_times[:4], pool.death_times[:3]
        assert len(starts) == 4 and len(deaths) == 3, (starts, deaths)
        # the wait between a failed worker's death and the next start doubles: 0.5 -> 1 -> 2 s
        delays = [start - death for death, start in zip(deaths, starts[1:], strict=True)]
        for got, want in zip(delays, (0.5, 1.0, 2.0), strict=True):
            assert want * 0.9 <= got <= want + 1.0, delays
        assert pool.stats()["live"] == 0
    finally:
        pool.shutdown()
    assert pool.start_times  # and shutdown stopped the loop: no more starts afterwards
    n = len(pool.start_times)
    time.sleep(1.0)
    assert len(pool.start_times) == n
