"""BM25 over tokenized chunks with ``bm25s`` (sparse scipy matrices, ~1 ms per query here)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

BM25_K1, BM25_B = 1.2, 0.75


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """bm25s prints progress bars to stderr; keep build/test output clean."""
    with contextlib.redirect_stderr(io.StringIO()):
        yield


class SparseIndex:
    """BM25 (Lucene variant) over token lists; ``search`` returns (doc indices, scores) best first."""

    def __init__(self, bm25: object, n_docs: int) -> None:
        self._bm25 = bm25
        self.n_docs = n_docs

    @classmethod
    def build(cls, corpus_tokens: Sequence[Sequence[str]]) -> SparseIndex:
        import bm25s

        bm25 = bm25s.BM25(k1=BM25_K1, b=BM25_B, method="lucene")
        # An empty token list would break bm25s; a placeholder token keeps doc ids aligned.
        docs = [list(toks) if toks else ["\u2205"] for toks in corpus_tokens]
        with _quiet():
            bm25.index(docs, show_progress=False)
        return cls(bm25, len(docs))

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document (zeros when no query token is in the vocabulary)."""
        known = [t for t in query_tokens if t in self._bm25.vocab_dict]
        if not known:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def documents_with(self, token: str) -> np.ndarray:
        """Indices of the documents that contain ``token`` (empty when it is not in the vocabulary)."""
        return np.flatnonzero(self.scores([token]))

    def search(self, query_tokens: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = self.scores(query_tokens)
        k = min(k, self.n_docs)
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]  # best first, ties by document order
        top = top[scores[top] > 0]
        return top.astype(np.int64), scores[top]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        with _quiet():
            self._bm25.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, n_docs: int) -> SparseIndex:
        import bm25s

        with _quiet():
            bm25 = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(bm25, n_docs)
