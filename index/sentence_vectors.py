"""Embeddings of the report's sentences, for evidence selection below the chunk level.

Retrieval finds sections; the answerer then picks the sentence that answers.
Term overlap misses paraphrase ("runaway workers" / "missing migrant workers")
and cannot compare an English question with a Chinese sentence at all; the
multilingual e5 embedding can. Vectors are passage embeddings (the same prompt
as the chunks) and come from the shared embedding cache, so only a changed
report re-encodes.

>>> vectors = SentenceVectors.build(embedder, sentences, settings.cache_dir / "embeddings")
>>> vectors.similarity(retriever.query_vector(question), sentence)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.embed_cache import embed_passages_cached


class SentenceVectors:
    """Unit vectors of texts, looked up by the text itself."""

    def __init__(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
        self._row = {t: i for i, t in enumerate(texts)}
        self._vectors = np.asarray(vectors, dtype=np.float32)

    @classmethod
    def build(
        cls, embedder: Any, texts: Sequence[str], cache_dir: Path, *, progress: bool = False
    ) -> SentenceVectors:
        unique = list(dict.fromkeys(t for t in texts if t.strip()))
        vectors = embed_passages_cached(embedder, unique, cache_dir, progress=progress)
        return cls(unique, vectors)

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, text: object) -> bool:
        return text in self._row

    def vector(self, texts: Sequence[str]) -> np.ndarray | None:
        """The unit vector of one text, or of several consecutive texts read as one (their mean)."""
        rows = [self._row.get(t) for t in texts]
        if not rows or any(r is None for r in rows):
            return None
        vec = self._vectors[rows].mean(axis=0)
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else None

    def similarity(self, query: np.ndarray, texts: Sequence[str]) -> float | None:
        """Cosine of a (unit) query vector with :meth:`vector` of ``texts``; None if a text is unknown."""
        vec = self.vector(texts)
        return None if vec is None else float(vec @ query)
