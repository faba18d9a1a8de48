"""Dense index: FAISS ``IndexFlatIP`` over L2-normalised passage vectors (inner product = cosine).

Exact search is right for a corpus this size (a few thousand chunks: well under
a millisecond per query); no training, no recall loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.records import Chunk


class DenseIndex:
    """Exact inner-product search over a float32 matrix of normalised vectors."""

    def __init__(self, index: Any) -> None:
        self.index = index
        self.vectors: np.ndarray = (
            index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), dtype=np.float32)
        )

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray) -> DenseIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"expected a 2-d matrix of vectors, got shape {vectors.shape}")
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index)

    def search(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(indices, cosine scores), best first."""
        k = min(k, len(self))
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        q = np.ascontiguousarray(query_vector, dtype=np.float32).reshape(1, -1)
        scores, idx = self.index.search(q, k)
        keep = idx[0] >= 0
        return idx[0][keep].astype(np.int64), scores[0][keep]

    def similarity(self, query_vector: np.ndarray, indices: Sequence[int]) -> np.ndarray:
        """Cosine of the query with the given documents (used to pick sibling chunks)."""
        return self.vectors[list(indices)] @ np.asarray(query_vector, dtype=np.float32)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        import faiss

        return cls(faiss.read_index(str(path)))

    def as_langchain_vectorstore(self, embeddings: Any, chunks: Sequence[Chunk]) -> Any:
        """The same vectors as a stock LangChain ``FAISS`` vector store (no re-encoding).

        ``embeddings`` is a LangChain ``Embeddings`` (``Embedder.as_langchain()``)
        that applies the e5 query prefix.
        """
        from langchain_community.docstore.in_memory import InMemoryDocstore
        from langchain_community.vectorstores import FAISS
        from langchain_community.vectorstores.utils import DistanceStrategy

        from index.lc import chunk_to_document

        docstore = InMemoryDocstore({c.chunk_id: chunk_to_document(c) for c in chunks})
        return FAISS(
            embedding_function=embeddings,
            index=self.index,
            docstore=docstore,
            index_to_docstore_id={i: c.chunk_id for i, c in enumerate(chunks)},
            distance_strategy=DistanceStrategy.MAX_INNER_PRODUCT,
        )
