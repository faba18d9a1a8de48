"""Persistence: round trip, stale-manifest rebuild, corrupt/truncated files -> message + rebuild (fake embedder)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from index.store import MANIFEST, ensure_index, expected_identity, index_status, load_or_build

pytestmark = pytest.mark.unit

QUERIES = [
    "自動查驗通關註冊人數",
    "新住民發展基金補助",
    "Human Trafficking Prevention Act amended",
    "2023 e-Gate",
]


def _results(retriever):
    return [
        [(h.chunk.chunk_id, round(h.score, 6), h.retrievers) for h in retriever.search(q, 4)] for q in QUERIES
    ]


def test_round_trip_gives_identical_results(index_settings, fake_ingest, fake_embedder):
    built = ensure_index(index_settings, progress=False, ingest=fake_ingest, embedder=fake_embedder)
    assert built.built and built.status_before.reason == "missing"
    assert (index_settings.index_dir / MANIFEST).is_file()
    loaded = ensure_index(index_settings, progress=False, ingest=fake_ingest, embedder=fake_embedder)
    assert not loaded.built and loaded.status_before.up_to_date
    assert fake_embedder.passage_calls == 1  # loading did not re-encode
    assert _results(loaded.retriever) == _results(built.retriever)
    manifest = json.loads((index_settings.index_dir / MANIFEST).read_text())
    assert manifest["model_id"] == fake_embedder.model_id and manifest["dim"] == fake_embedder.dim
    assert manifest["corpus_sha256"] == "fake" and manifest["chunker_version"] == "fake-1"
    assert {"faiss-cpu", "bm25s", "jieba"} <= set(manifest["libraries"])
    assert all({"size", "sha256"} <= set(m) for m in manifest["files"].values())


def test_up_to_date_check_does_not_load(index_settings, fake_ingest, fake_embedder):
    ensure_index(index_settings, progress=False, ingest=fake_ingest, embedder=fake_embedder)
    again = ensure_index(
        index_settings, progress=False, ingest=fake_ingest, embedder=fake_embedder, load=False
    )
    assert again.retriever is None and not again.built and again.status_before.reason == "up to date"


def test_changed_chunks_or_model_rebuild(index_settings, fake_ingest, fake_embedder, capsys):
    load_or_build(index_settings, progress=False, ingest=fake_ingest, embedder=fake_embedder)
    edited = dataclasses.replace(
        fake_ingest,
        chunks=[
            dataclasses.replace(c, text=c.text + " 新增") if i == 0 else c
            for i, c in enumerate(fake_ingest.chunks)
        ],
    )
    status = index_status(index_settings.index_dir, expected_identity(edited, fake_embedder.model_id))
    assert not status.up_to_date and "chunks_sha256" in status.reason
    out = ensure_index(index_settings, progress=True, ingest=edited, embedder=fake_embedder)
    assert out.built and "stale" in capsys.readouterr().err
    other_model = expected_identity(edited, "another-model")
    assert "model_id" in index_status(index_settings.index_dir, other_model).reason


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete", "manifest"])
def test_corrupt_index_is_reported_and_rebuilt(index_settings, fake_ingest, fake_embedder, capsys, damage):
    first = load_or_build(index_settings, progress=False, ingest=fake_ingest, embedder=fake_embedder)
    expected = _results(first)
    d = index_settings.index_dir
    target = d / "dense.faiss"
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "flip":
        data = bytearray(target.read_bytes())
        data[-5] ^= 0xFF  # same size, different content: only the checksum can tell
        target.write_bytes(bytes(data))
    elif damage == "delete":
        target.unlink()
    else:
        (d / MANIFEST).write_text("{not json")
    capsys.readouterr()
    again = ensure_index(index_settings, progress=False, ingest=fake_ingest, embedder=fake_embedder)
    err = capsys.readouterr().err
    assert again.built and "corrupt" in err and "rebuilding" in err and len(err.strip().splitlines()) == 1
    assert _results(again.retriever) == expected
    assert index_status(d, expected_identity(fake_ingest, fake_embedder.model_id)).up_to_date


def test_failed_build_leaves_previous_index_intact(index_settings, fake_ingest, fake_embedder):
    load_or_build(index_settings, progress=False, ingest=fake_ingest, embedder=fake_embedder)
    before = (index_settings.index_dir / MANIFEST).read_text()

    class Boom(type(fake_embedder)):
        def embed_passages(self, texts, progress=True):
            raise RuntimeError("encoder crashed")

    edited = dataclasses.replace(fake_ingest, manifest={"corpus_sha256": "new", "chunker_version": "fake-1"})
    with pytest.raises(RuntimeError):
        ensure_index(index_settings, progress=False, ingest=edited, embedder=Boom())
    assert (index_settings.index_dir / MANIFEST).read_text() == before
    assert not [p for p in index_settings.index_dir.parent.iterdir() if p.name.startswith(".index")]


def test_changing_quantisation_rebuilds_the_index(index_settings, fake_ingest, fake_embedder):
    """An embedder's ``index_model_id`` (model id + quantisation) is the index's model identity."""
    from tests.index.conftest import FakeEmbedder

    fake_embedder.index_model_id = f"{fake_embedder.model_id}+int8"
    assert ensure_index(index_settings, progress=False, ingest=fake_ingest, embedder=fake_embedder).built
    again = ensure_index(index_settings, progress=False, ingest=fake_ingest, embedder=fake_embedder)
    assert not again.built
    manifest = json.loads((index_settings.index_dir / MANIFEST).read_text())
    assert manifest["model_id"] == "fake-bigram-hash-64+int8"
    unquantised = ensure_index(index_settings, progress=False, ingest=fake_ingest, embedder=FakeEmbedder())
    assert unquantised.built and "model_id" in unquantised.status_before.reason
