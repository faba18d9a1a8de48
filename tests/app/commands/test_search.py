"""`nia-qa search`: the --json contract, --batch JSONL, one-line errors."""

from __future__ import annotations

import json

import pytest

from app.cli import main

KEYS = ["rank", "score", "chunk_id", "section_id", "lang", "path_zh", "path_en", "page", "text", "retrievers"]


@pytest.fixture
def use_session_index(retriever, retriever_settings, embedder, monkeypatch):
    """Point the CLI at the session index and reuse the already-loaded real model."""
    from ingest.pipeline import ensure_ingest

    monkeypatch.setenv("NIA_QA_BUILD_DIR", str(retriever_settings.build_dir))
    monkeypatch.setenv("NIA_QA_CACHE_DIR", str(retriever_settings.cache_dir))
    ensure_ingest(retriever_settings.corpus_path, retriever_settings.ingest_dir)
    monkeypatch.setattr("index.store._embedder", lambda settings: embedder)


@pytest.mark.integration
def test_search_json_contract(use_session_index, capsys):
    assert main(["search", "自動查驗通關系統註冊人數", "-k", "5", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert list(obj) == ["query", "results"] and obj["query"] == "自動查驗通關系統註冊人數"
    assert len(obj["results"]) == 5
    for i, r in enumerate(obj["results"], start=1):
        assert list(r) == KEYS and r["rank"] == i
        assert set(r["retrievers"]) <= {"dense", "sparse", "sibling"} and r["retrievers"]
    assert any(r["section_id"].startswith("zh/2/1") for r in obj["results"])


@pytest.mark.integration
def test_search_batch_and_human_output(use_session_index, tmp_path, capsys):
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        json.dumps({"id": "q1", "question": "新住民發展基金"}, ensure_ascii=False)
        + "\n\n"
        + json.dumps({"question": "Where is the Kaohsiung City service center?"})
        + "\n",
        encoding="utf-8",
    )
    assert main(["search", "--batch", str(batch), "-k", "3"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x.get("id") for x in lines] == ["q1", None]
    assert all(len(x["results"]) == 3 for x in lines)
    assert main(["search", "人口販運防制法修正", "-k", "2", "--mode", "sparse"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("query: 人口販運防制法修正") and "[sparse]" in out and "第壹章" in out


@pytest.mark.unit
@pytest.mark.parametrize(
    ("argv", "content", "needle"),
    [
        (["search"], None, "either a query or --batch"),
        (["search", "x", "-k", "0"], None, "-k"),
        (["search", "--batch", "{f}"], "{not json\n", ":1: not valid JSON"),
        (["search", "--batch", "{f}"], '{"id": 1}\n', "'question'"),
        (["search", "--batch", "{missing}"], None, "cannot read"),
    ],
)
def test_search_bad_input_one_line(tmp_path, capsys, argv, content, needle):
    f = tmp_path / "b.jsonl"
    if content is not None:
        f.write_text(content, encoding="utf-8")
    argv = [a.format(f=f, missing=tmp_path / "missing.jsonl") for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nia-qa: error:") and needle in err[0]
