"""One real server (FastAPI + Gradio on a random loopback port, the session pipeline) and one
Debian Chromium per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.settings import Settings
from app.web.run import BackgroundServer, start_background
from app.web.server import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def server(pipeline, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    db = tmp_path_factory.mktemp("e2e") / "feedback.sqlite3"
    settings = Settings().with_overrides(feedback_db=db)
    app = create_app(lambda _s: pipeline, settings)
    srv = start_background(app)
    assert app.state.service.wait_ready(60)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (make browser installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests leave their screenshots (printed, so a person can look at them)."""
    return tmp_path_factory.mktemp("screenshots")
