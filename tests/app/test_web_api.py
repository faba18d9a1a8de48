"""HTTP API on the real pipeline: contract, error statuses, loading, queue limit, concurrency."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.records import Turn
from app.settings import Settings
from app.web.feedback import iter_rows
from app.web.run import start_background
from app.web.server import create_app

pytestmark = pytest.mark.integration

ZH_Q = "112年8月高雄港入出境人次是多少？"
EN_Q = "How many entries and exits went through Keelung Sea Port in July 2023?"
CONTRACT_KEYS = {"question", "lang", "answer", "abstained", "citations", "latency_ms"}
CITATION_KEYS = {"section_id", "path_zh", "path_en", "page", "quote"}


def _settings(tmp_path: Path, **kw) -> Settings:
    # TestClient sends "Host: testserver"; a real server allows only its loopback names and bind host.
    return Settings().with_overrides(
        feedback_db=tmp_path / "feedback.sqlite3", allowed_hosts=["testserver"], **kw
    )


@pytest.fixture(scope="module")
def client(pipeline, tmp_path_factory: pytest.TempPathFactory):
    settings = _settings(tmp_path_factory.mktemp("api"))
    app = create_app(lambda _s: pipeline, settings)
    with TestClient(app) as c:
        assert app.state.service.wait_ready(60)
        yield c


def _comparable(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "latency_ms"}


@pytest.mark.parametrize("question", [ZH_Q, EN_Q])
def test_ask_returns_the_cli_contract_object(client: TestClient, pipeline, question: str) -> None:
    r = client.post("/api/ask", json={"question": question})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body.keys() >= CONTRACT_KEYS
    assert body["lang"] == ("zh" if question == ZH_Q else "en")
    assert isinstance(body["abstained"], bool) and isinstance(body["latency_ms"], float)
    assert body["answer"] and len(body["answer"]) <= 400
    assert body["citations"], "an answered question cites its section"
    for c in body["citations"]:
        assert set(c) == CITATION_KEYS and (c["page"] is None or isinstance(c["page"], int))
    assert any(isinstance(c["page"], int) for c in body["citations"])
    # Same object as asking the pipeline directly (what `nia-qa ask --json` prints).
    assert _comparable(body) == _comparable(pipeline.ask(question).to_json_dict())


def test_history_is_used_for_follow_ups(client: TestClient, pipeline) -> None:
    follow = "那9月呢？"
    r = client.post("/api/ask", json={"question": follow, "history": [{"question": ZH_Q, "answer": "x"}]})
    assert r.status_code == 200
    direct = pipeline.ask(follow, history=[Turn(question=ZH_Q, answer="x")]).to_json_dict()
    assert _comparable(r.json()) == _comparable(direct)


@pytest.mark.parametrize(
    "payload",
    [
        {"question": ""},
        {"question": "   \n "},
        {"question": "?!?!?!?!?!?!?!?!?!?!?!?!"},
        {"question": "日本語の質問ですか？"},
        {"question": 42},
        {"history": []},
        {"question": "ok?", "extra": 1},
        {"question": "ok?", "history": "not a list"},
    ],
)
def test_bad_input_is_400_json(client: TestClient, payload: dict) -> None:
    r = client.post("/api/ask", json=payload)
    assert r.status_code == 400
    body = r.json()
    assert body["status"] == 400 and body["error"] and "Traceback" not in r.text


def test_malformed_json_is_400(client: TestClient) -> None:
    r = client.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"].startswith("bad request")


def test_too_long_is_413(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "移" * 1001})
    assert r.status_code == 413 and "1001" in r.json()["error"]
    ok = client.post("/api/ask", json={"question": "移民署" + "移" * 990 + "？"})
    assert ok.status_code != 413
    huge = client.post("/api/ask", content=b'{"question": "' + b"a" * 300_000 + b'"}')
    assert huge.status_code == 413


def test_healthz_docs_and_chat_page(client: TestClient) -> None:
    h = client.get("/healthz")
    assert h.status_code == 200
    status = h.json()
    assert status["status"] == "ready" and status["index"]["chunks"] > 100 and status["embedding_model"]
    assert client.get("/docs").status_code == 200
    assert "/api/ask" in client.get("/openapi.json").json()["paths"]
    page = client.get("/")
    assert page.status_code == 200 and "gradio" in page.text.lower()


def test_feedback_api_stores_a_row(client: TestClient) -> None:
    answer = client.post("/api/ask", json={"question": EN_Q}).json()
    r = client.post(
        "/api/feedback",
        json={"question": EN_Q, "answer": answer["answer"], "citations": answer["citations"], "vote": "down"},
    )
    assert r.status_code == 202
    store = client.app.state.feedback
    assert store.flush()
    rows = [row for row in iter_rows(store.path) if row["source"] == "api"]
    assert rows[-1]["vote"] == -1 and rows[-1]["citations"] == answer["citations"]
    assert (
        client.post("/api/feedback", json={"question": "q", "answer": "a", "vote": "meh"}).status_code == 400
    )


class _Gated:
    """The real pipeline behind a gate: lets a test hold requests "in progress" deterministically."""

    def __init__(self, pipeline) -> None:
        self.pipeline = pipeline
        self.gate = threading.Event()
        self.entered = threading.Semaphore(0)

    def ask(self, question, history=None):
        self.entered.release()
        self.gate.wait(30)
        return self.pipeline.ask(question, history)

    def search(self, query, k=10):
        return self.pipeline.search(query, k)


def test_503_while_loading_then_ready(pipeline, tmp_path: Path) -> None:
    loaded = threading.Event()

    def slow_factory(_settings):
        loaded.wait(30)
        return pipeline

    app = create_app(slow_factory, _settings(tmp_path), with_chat=False)
    with TestClient(app) as c:
        r = c.post("/api/ask", json={"question": EN_Q})
        assert r.status_code == 503 and "loading" in r.json()["error"] and r.headers["retry-after"]
        assert c.get("/healthz").status_code == 503 and c.get("/healthz").json()["status"] == "loading"
        loaded.set()
        assert app.state.service.wait_ready(30)
        assert c.post("/api/ask", json={"question": EN_Q}).status_code == 200


def test_failed_load_is_reported_not_raised(tmp_path: Path) -> None:
    def broken_factory(_settings):
        raise RuntimeError("index files are corrupt")

    app = create_app(broken_factory, _settings(tmp_path), with_chat=False)
    with TestClient(app) as c:
        app.state.service.wait_ready(10)
        h = c.get("/healthz").json()
        assert h["status"] == "error" and "corrupt" in h["error"]
        r = c.post("/api/ask", json={"question": EN_Q})
        assert r.status_code == 503 and "corrupt" in r.json()["error"]


def test_full_queue_is_refused_with_429(pipeline, tmp_path: Path) -> None:
    gated = _Gated(pipeline)
    app = create_app(lambda _s: gated, _settings(tmp_path, queue_limit=2, ask_workers=2), with_chat=False)
    server = start_background(app)
    try:
        assert app.state.service.wait_ready(10)
        with httpx.Client(base_url=server.url, timeout=30) as c:
            results: list[int] = []
            held = [
                threading.Thread(
                    target=lambda: results.append(c.post("/api/ask", json={"question": EN_Q}).status_code)
                )
                for _ in range(2)
            ]
            for t in held:
                t.start()
            assert gated.entered.acquire(timeout=10) and gated.entered.acquire(timeout=10)
            refused = c.post("/api/ask", json={"question": ZH_Q})
            assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
            assert c.get("/healthz").status_code == 200  # a busy pool does not block the event loop
            gated.gate.set()
            for t in held:
                t.join(30)
            assert results == [200, 200]
    finally:
        gated.gate.set()
        server.stop()


def test_twenty_concurrent_requests_match_single_answers(pipeline, tmp_path: Path) -> None:
    questions = [
        ZH_Q,
        EN_Q,
        "1990外來人士生活諮詢熱線112年一共接了多少通電話？",
        "What is the capital of France?",
    ]
    expected = {q: _comparable(pipeline.ask(q).to_json_dict()) for q in questions}
    app = create_app(lambda _s: pipeline, _settings(tmp_path), with_chat=False)
    server = start_background(app)

    async def fire() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as c:
            return await asyncio.gather(
                *(c.post("/api/ask", json={"question": questions[i % len(questions)]}) for i in range(20))
            )

    try:
        assert app.state.service.wait_ready(10)
        responses = asyncio.run(fire())
    finally:
        server.stop()
    assert [r.status_code for r in responses] == [200] * 20
    for i, r in enumerate(responses):
        assert _comparable(r.json()) == expected[questions[i % len(questions)]], json.dumps(r.json())[:300]
