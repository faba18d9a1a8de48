"""Index-stage fixtures: a deterministic FAKE embedder and a tiny synthetic ingest result for unit tests.

Integration tests use the real model and the real report through the session
``retriever`` fixture in ``tests/conftest.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from ingest.records import Chunk, Section


class FakeEmbedder:
    """FAKE (unit tests only): hashed character-bigram vectors, L2-normalised. Deterministic, no model."""

    model_id = "fake-bigram-hash-64"
    dim = 64

    def __init__(self) -> None:
        self.passage_calls = 0

    def warm_up(self) -> None:
        pass

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for r, t in enumerate(texts):
            t = t.lower()
            for i in range(len(t) - 1):
                h = int.from_bytes(hashlib.md5(t[i : i + 2].encode()).digest()[:4], "little")
                out[r, h % self.dim] += 1.0
            out[r] /= max(np.linalg.norm(out[r]), 1e-9)
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str], progress: bool = True) -> np.ndarray:
        self.passage_calls += 1
        return self._embed(texts)


@dataclass
class FakeIngest:
    sections: list[Section]
    chunks: list[Chunk]
    tables: tuple = ()
    offices: tuple = ()
    manifest: dict[str, Any] = field(default_factory=dict)


def _section(sid: str, lang: str, path: tuple[str, ...], text: str, aligned: str | None) -> Section:
    return Section(
        section_id=sid,
        lang=lang,
        level=len(path) - 1,
        heading=path[-1],
        path=path,
        page=10,
        text=text,
        aligned_id=aligned,
    )


def make_ingest() -> FakeIngest:
    """Three aligned zh/en section pairs; one fact (the 42 interpreters) is only in the English text."""
    zh_path = ("第貳章 國境安全維護", "一、自動查驗通關")
    en_path = ("Chapter II Border Security Maintenance", "1. Automated Immigration Clearance")
    zh2 = ("第肆章 新住民照顧輔導", "二、新住民發展基金")
    en2 = ("Chapter IV Care and Counseling for New Immigrants", "2. New Immigrant Development Fund")
    zh3 = ("第陸章 人口販運防制", "一、人口販運防制法修正")
    en3 = ("Chapter VI Combating Human Trafficking", "1. Amendment of the Human Trafficking Prevention Act")
    rows = [
        (
            "zh/2/1",
            "zh",
            zh_path,
            "移民署推動「自動查驗通關系統」，截至112年底註冊者已達978 萬 9,034 人。",
            "en/2/1",
        ),
        (
            "en/2/1",
            "en",
            en_path,
            "By the end of 2023, 9,789,034 people had registered for e-Gate. The NIA also trained 42 interpreters.",
            "zh/2/1",
        ),
        ("zh/4/2", "zh", zh2, "「新住民發展基金」112年補助421萬8,817元，辦理培力計畫。", "en/4/2"),
        (
            "en/4/2",
            "en",
            en2,
            "The New Immigrant Development Fund subsidised NT$4,218,817 in 2023.",
            "zh/4/2",
        ),
        ("zh/6/1", "zh", zh3, "「人口販運防制法」於112年6月14日修正公布，加強被害人保護。", "en/6/1"),
        ("en/6/1", "en", en3, "The Human Trafficking Prevention Act was amended on June 14, 2023.", "zh/6/1"),
    ]
    sections, chunks = [], []
    for sid, lang, path, text, aligned in rows:
        sections.append(_section(sid, lang, path, text, aligned))
        other = next(r for r in rows if r[0] == aligned)
        zh_p, en_p = (path, other[2]) if lang == "zh" else (other[2], path)
        chunks.append(
            Chunk(
                chunk_id=f"{sid}#0",
                section_id=sid,
                kind="narrative",
                lang=lang,
                path_zh=" > ".join(zh_p),
                path_en=" > ".join(en_p),
                page=10,
                text=f"{path[-1]}\n{text}",
                aligned_section_id=aligned,
            )
        )
    return FakeIngest(sections, chunks, manifest={"corpus_sha256": "fake", "chunker_version": "fake-1"})


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def fake_ingest() -> FakeIngest:
    return make_ingest()


@pytest.fixture
def index_settings(tmp_path):
    """Settings writing into a temp build dir; the jieba dictionary cache is shared per user."""
    from app.settings import Settings

    return Settings().with_overrides(build_dir=tmp_path / "build")
