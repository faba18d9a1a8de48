"""The request guard in front of every route (API and Gradio): hosts, origins, uploads, body limits, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from app.web.guard import host_name
from app.web.server import create_app

pytestmark = pytest.mark.unit


def _no_pipeline(_s):
    raise RuntimeError("the guard tests need no pipeline")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("guard")
    settings = Settings().with_overrides(feedback_db=tmp / "fb.sqlite3", allowed_hosts=["qa.example.org"])
    app = create_app(_no_pipeline, settings, with_chat=True)
    with TestClient(app, base_url="http://127.0.0.1:7860") as c:
        yield c


@pytest.mark.parametrize(
    ("value", "name"), [("127.0.0.1:7860", "127.0.0.1"), ("[::1]:80", "::1"), ("LOCALHOST", "localhost")]
)
def test_host_name(value: str, name: str) -> None:
    assert host_name(value) == name


def test_unknown_host_is_refused_on_every_route(client: TestClient) -> None:
    for path in ("/config", "/healthz", "/", "/gradio_api/info"):
        r = client.get(path, headers={"Host": "attacker.example"})
        assert r.status_code == 400 and r.json()["status"] == 400, path
        assert "attacker.example" not in r.text
    assert client.get("/healthz", headers={"Host": "qa.example.org"}).status_code in (200, 503)
    assert client.get("/healthz", headers={"Host": "localhost:7860"}).status_code in (200, 503)


def test_cross_origin_writes_and_preflights_are_refused(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "x"}, headers={"Origin": "http://localhost:3000"})
    assert r.status_code == 403
    r = client.options(
        "/gradio_api/queue/join",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert r.status_code == 403
    r = client.get("/config", headers={"Origin": "http://evil.example"})
    assert not [k for k in r.headers if k.lower().startswith("access-control-")]
    # the page's own origin may post
    r = client.post("/api/feedback", json={}, headers={"Origin": "http://127.0.0.1:7860"})
    assert r.status_code == 400


def test_uploads_are_off(client: TestClient) -> None:
    r = client.post("/gradio_api/upload", files={"files": ("a.txt", b"hello", "text/plain")})
    assert r.status_code == 403 and r.json() == {"error": "file uploads are disabled", "status": 403}


def test_declared_oversized_bodies_are_413_on_api_and_ui_routes(client: TestClient) -> None:
    big = b"x" * (300 * 1024)
    r = client.post("/api/ask", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["status"] == 413
    r = client.post("/gradio_api/queue/join", content=b"x" * (2 * 1024 * 1024))
    assert r.status_code == 413


def test_streamed_oversized_body_is_413(client: TestClient) -> None:
    def chunks():
        for _ in range(40):
            yield b"y" * 65536

    r = client.post("/api/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_unknown_paths_and_methods_answer_in_the_apps_format(client: TestClient) -> None:
    r = client.get("/no/such/thing")
    assert r.status_code == 404 and set(r.json()) == {"error", "status"}
    r = client.put("/healthz")
    assert r.status_code == 405 and r.json()["status"] == 405 and r.headers["allow"] == "GET"
    r = client.get("/api/ask")
    assert r.status_code == 405 and r.json()["status"] == 405


def test_health_and_errors_show_no_file_system_paths(tmp_path: Path) -> None:
    from ingest.errors import UserError

    def missing_corpus(_s):
        raise UserError("corpus not found: /work/secret/place/data/corpus/report.md")

    app = create_app(
        missing_corpus, Settings().with_overrides(feedback_db=tmp_path / "f.db"), with_chat=False
    )
    with TestClient(app, base_url="http://127.0.0.1") as c:
        assert app.state.service.wait_ready(10) is False
        health = c.get("/healthz")
        ask = c.post("/api/ask", json={"question": "How many?"})
    assert health.status_code == 503 and ask.status_code == 503
    for text in (health.text, ask.text):
        assert "/work/secret" not in text and "report.md" in text
