"""The persistent passage-embedding cache: hits give identical vectors, damaged files are ignored, keys follow the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.embed_cache import cache_file, embed_passages_cached, load_cache, save_cache, text_key
from index.store import ensure_index
from tests.index.conftest import FakeEmbedder

TEXTS = [
    "截至112年底申請e-Gate註冊者已達978萬9,034人。",
    "The New Immigrant Development Fund subsidised NT$4,218,817 in 2023.",
    "移民署北區事務大隊臺北市服務站地址：臺北市中正區廣州街15號。",
    "截至112年底申請e-Gate註冊者已達978萬9,034人。",  # a duplicate is encoded once
    "ＡＢＣ１２３ 全形字元",
]


class Counting:
    """Wraps an embedder and records every list of passages it is asked to encode."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.encoded: list[list[str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def embed_passages(self, texts: list[str], progress: bool = True) -> np.ndarray:
        self.encoded.append(list(texts))
        return self.inner.embed_passages(texts, progress=progress)


class FingerprintedFake(FakeEmbedder):
    """FAKE embedder (unit tests) that, like the real one, has a fingerprint, so it is cached."""

    def __init__(self, quantize: str = "int8") -> None:
        super().__init__()
        self.fingerprint = {"model_id": self.model_id, "quantize": quantize, "dimension": self.dim}
        self.index_model_id = f"{self.model_id}+{quantize}"


# ---------------------------------------------------------------- unit
@pytest.mark.unit
def test_cache_file_follows_the_fingerprint(tmp_path: Path) -> None:
    a, b = cache_file(tmp_path, FingerprintedFake("int8")), cache_file(tmp_path, FingerprintedFake("none"))
    assert a is not None and b is not None and a != b and a.parent == tmp_path
    assert cache_file(tmp_path, FingerprintedFake("int8")) == a
    assert cache_file(tmp_path, FakeEmbedder()) is None  # no fingerprint: never cached


@pytest.mark.unit
def test_second_index_build_does_not_reencode(index_settings, fake_ingest, tmp_path: Path) -> None:
    cache = tmp_path / "cache"  # a fresh cache; the user's jieba dictionary cache is reused
    cache.mkdir()
    (user_jieba := Path(index_settings.cache_dir) / "jieba").mkdir(parents=True, exist_ok=True)
    (cache / "jieba").symlink_to(user_jieba, target_is_directory=True)
    index_settings = index_settings.with_overrides(cache_dir=cache)
    emb = FingerprintedFake()
    first = ensure_index(index_settings, progress=False, ingest=fake_ingest, embedder=emb)
    assert emb.passage_calls == 1
    other = index_settings.with_overrides(build_dir=index_settings.build_dir.parent / "other")
    second = ensure_index(other, progress=False, ingest=fake_ingest, embedder=emb)
    assert second.built and emb.passage_calls == 1  # built again, vectors from the cache
    files = [p.name for p in (cache / "embeddings").iterdir() if not p.name.startswith(".")]  # not the lock
    assert files == [cache_file(cache / "embeddings", emb).name]
    np.testing.assert_array_equal(first.retriever.dense.vectors, second.retriever.dense.vectors)


@pytest.mark.unit
@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong_dim", "not_normalised"])
def test_damaged_cache_file_is_ignored_with_one_warning(tmp_path: Path, damage: str, capsys) -> None:
    emb = Counting(FingerprintedFake())
    texts = TEXTS[:3]
    want = embed_passages_cached(emb, texts, tmp_path, progress=False)
    path = cache_file(tmp_path, emb)
    assert path is not None and len(load_cache(path, emb.dim)) == 3
    if damage == "garbage":
        path.write_bytes(b"not a zip file at all")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    else:
        bad = np.ones((3, 5 if damage == "wrong_dim" else emb.dim), np.float32)
        keys = np.array([b"k" * 32] * 3, dtype="S32")
        with path.open("wb") as f:
            np.savez(f, keys=keys, vectors=bad)
    capsys.readouterr()
    got = embed_passages_cached(emb, texts, tmp_path, progress=False)
    err = capsys.readouterr().err
    assert err.count("ignoring embedding cache") == 1 and len(err.strip().splitlines()) == 1
    np.testing.assert_array_equal(got, want)
    assert len(emb.encoded) == 2  # re-encoded ...
    embed_passages_cached(emb, texts, tmp_path, progress=False)
    assert len(emb.encoded) == 2  # ... and the rewritten file is good again
    assert not list(tmp_path.glob(".*tmp*"))  # no temp files left behind


# ---------------------------------------------------------------- integration (real model)
@pytest.mark.integration
def test_cache_hit_gives_identical_vectors(embedder, tmp_path: Path) -> None:
    emb = Counting(embedder)
    first = embed_passages_cached(emb, TEXTS, tmp_path, progress=False)
    assert emb.encoded == [sorted(set(TEXTS), key=TEXTS.index)]  # the duplicate once
    np.testing.assert_array_equal(first[0], first[3])
    again = embed_passages_cached(emb, TEXTS, tmp_path, progress=False)
    assert len(emb.encoded) == 1  # nothing encoded
    np.testing.assert_array_equal(again, first)
    plus = embed_passages_cached(emb, [*TEXTS, "新住民發展基金"], tmp_path, progress=False)
    assert emb.encoded[1:] == [["新住民發展基金"]]  # only the new text
    np.testing.assert_array_equal(plus[:-1], first)
    np.testing.assert_allclose(plus[-1], embedder.embed_passages(["新住民發展基金"], progress=False)[0])


@pytest.mark.unit
def test_keys_ending_in_a_nul_byte_are_found(tmp_path: Path) -> None:
    """A sha256 ending in 0x00 (1 text in 256) must come back as all 32 bytes, or it is re-encoded on every load."""
    texts = [f"text {i}" for i in range(2000)]
    nul = [t for t in texts if text_key(t).endswith(b"\x00")]
    assert nul  # the bug needs such a text; 2000 texts hold ~8
    path = tmp_path / "c.npz"
    vec = np.eye(4, dtype=np.float32)[0]
    save_cache(path, {text_key(t): vec for t in nul})
    loaded = load_cache(path, 4)
    assert all(text_key(t) in loaded for t in nul)


@pytest.mark.unit
def test_concurrent_writers_do_not_drop_each_others_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes that read the cache, encode different texts and write it back both keep their vectors."""
    a, b = FingerprintedFake(), FingerprintedFake()
    cache_dir = tmp_path / "emb"
    path = cache_file(cache_dir, a)
    embed_passages_cached(a, ["shared"], cache_dir, progress=False)
    stale = load_cache(path, a.dim)  # what a second process read before the first one wrote
    embed_passages_cached(a, ["shared", "only a"], cache_dir, progress=False)
    assert len(load_cache(path, a.dim)) == 2
    # the second process encodes from its stale view; the merge under the lock keeps "only a"
    import index.embed_cache as ec

    real = ec.load_cache
    views = iter([stale])
    monkeypatch.setattr(ec, "load_cache", lambda p, d, **kw: next(views, None) or real(p, d, **kw))
    embed_passages_cached(b, ["shared", "only b"], cache_dir, progress=False)
    monkeypatch.undo()
    assert {text_key("only a"), text_key("only b"), text_key("shared")} <= set(load_cache(path, a.dim))
