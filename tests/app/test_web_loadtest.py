"""The /api/ask load test: loopback only, bounded, and a short real run."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.settings import Settings
from app.web.loadtest import _require_loopback, main, percentile, run_loadtest
from app.web.run import start_background
from app.web.server import create_app
from ingest.errors import UserError


@pytest.mark.unit
def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (
        percentile(values, 50) == 50.0 and percentile(values, 95) == 95.0 and percentile(values, 100) == 100.0
    )
    assert percentile([7.0], 95) == 7.0


@pytest.mark.unit
@pytest.mark.parametrize("url", ["http://127.0.0.1:7860/", "http://localhost:1/", "http://[::1]:80/"])
def test_loopback_targets_are_allowed(url: str) -> None:
    _require_loopback(url)


@pytest.mark.unit
@pytest.mark.parametrize("url", ["http://10.0.0.5:7860/", "http://192.168.1.2/", "http://example.org/"])
def test_other_targets_are_refused(url: str) -> None:
    with pytest.raises(UserError, match="loopback"):
        _require_loopback(url)


@pytest.mark.unit
def test_cli_rejects_unbounded_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", "http://127.0.0.1:9/", "--duration", "100000"]) == 2
    assert "--duration" in capsys.readouterr().err


@pytest.mark.integration
def test_short_real_run_reports_throughput_and_percentiles(pipeline, tmp_path: Path) -> None:
    app = create_app(
        lambda _s: pipeline, Settings().with_overrides(feedback_db=tmp_path / "f.db"), with_chat=False
    )
    server = start_background(app)
    try:
        assert app.state.service.wait_ready(10)
        result = asyncio.run(
            run_loadtest(server.url, clients=4, duration_s=1.5, max_requests=40, rate=4, warmup=1)
        )
    finally:
        server.stop()
    sat, steady = result["saturation"], result["fixed_rate"]
    assert 0 < sat["requests"] <= 40 and sat["statuses"] == {"200": sat["requests"]}
    assert sat["throughput_rps"] > 0 and sat["latency_ms"]["p50"] <= sat["latency_ms"]["p95"]
    assert steady["requests"] == 6 and steady["ok"] == 6  # rate x duration, then it stops by itself
    json.dumps(result)
