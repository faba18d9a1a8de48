"""Hybrid retrieval: dense + BM25 top-N, reciprocal rank fusion, then bilingual sibling expansion.

>>> hits = retriever.search("自動查驗通關系統註冊人數", k=5)
>>> [(h.rank, h.chunk.section_id, h.retrievers) for h in hits]

Sibling expansion: the report is a translation, so every zh section has an en
twin (``Chunk.aligned_section_id``). A hit in one language lends a discounted
share of its fused score to the best-matching chunk of its twin section, so a
Chinese question also surfaces English-only wording (and the reverse).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from index.dense import DenseIndex
from index.records import Hit
from index.sparse import SparseIndex
from index.tokenize import Tokenizer
from ingest.records import Chunk

QUERY_CACHE = 64
# Acronyms and long digit strings: identifiers whose exact match decides relevance.
_IDENTIFIER = re.compile(r"\b[A-Z][A-Z0-9]{1,}\b|(?<!\d)\d{5,}(?!\d)")
RARE_IDENTIFIER_DOCS = 3


class QueryEmbedder(Protocol):
    """What retrieval needs from ``index.embedder.Embedder``."""

    model_id: str

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


def index_text(chunk: Chunk) -> str:
    """Text that is embedded and BM25-indexed.

    Narrative chunks already start with their last path segments (ingest's
    chunker adds them); chunks that do not mention their heading get the path
    in their own language (both paths for bilingual appendix chunks), because
    questions often name a topic that appears only in the heading.
    """
    last = chunk.path_zh.split(" > ")[-1] if chunk.path_zh else ""
    last_en = chunk.path_en.split(" > ")[-1] if chunk.path_en else ""
    if (last and last in chunk.text) or (last_en and last_en in chunk.text):
        return chunk.text
    if chunk.kind in ("table", "office"):
        head = "\n".join(p for p in (chunk.path_zh, chunk.path_en) if p)
    else:
        head = chunk.path_en if chunk.lang == "en" and chunk.path_en else chunk.path_zh
    return f"{head}\n{chunk.text}" if head else chunk.text


class HybridRetriever:
    """Dense (FAISS) + sparse (BM25) retrieval over the report chunks, fused with RRF."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        embedder: QueryEmbedder,
        dense: DenseIndex,
        sparse: SparseIndex,
        tokenizer: Tokenizer,
        *,
        rrf_k: int = 10,
        candidates: int = 40,
        sibling_weight: float = 0.5,
    ) -> None:
        if not (len(chunks) == len(dense) == sparse.n_docs):
            raise ValueError(
                f"index size mismatch: {len(chunks)} chunks, {len(dense)} vectors, {sparse.n_docs} BM25 docs"
            )
        self.chunks: tuple[Chunk, ...] = tuple(chunks)
        self.embedder = embedder
        self.dense = dense
        self.sparse = sparse
        self.tokenizer = tokenizer
        self.rrf_k = rrf_k
        self.candidates = candidates
        self.sibling_weight = sibling_weight
        self._by_section: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(self.chunks):
            self._by_section[c.section_id].append(i)
        self._by_id = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        # The answerer scores evidence sentences against the same query vector: keep the last few.
        self._qvec_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._qvec_lock = threading.Lock()

    # -- building blocks -------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Load the model and jieba so the first query is not slow."""
        warm = getattr(self.embedder, "warm_up", None)
        if warm:
            warm()
        self.tokenizer.warm_up()

    def query_vector(self, query: str) -> np.ndarray:
        """The L2-normalised query embedding (cached for the last ``QUERY_CACHE`` queries)."""
        with self._qvec_lock:
            vec = self._qvec_cache.get(query)
            if vec is not None:
                self._qvec_cache.move_to_end(query)
                return vec
        vec = np.asarray(self.embedder.embed_queries([query]), dtype=np.float32)[0]
        vec.setflags(write=False)
        with self._qvec_lock:
            self._qvec_cache[query] = vec
            while len(self._qvec_cache) > QUERY_CACHE:
                self._qvec_cache.popitem(last=False)
        return vec

    def _dense_ranked(self, qvec: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        return self.dense.search(qvec, n)

    def _sparse_ranked(self, query: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        return self.sparse.search(self.tokenizer.tokenize(query), n)

    def _hits(self, idx: np.ndarray, scores: np.ndarray, retriever: str) -> list[Hit]:
        return [
            Hit(chunk=self.chunks[int(i)], score=float(s), rank=r, retrievers=(retriever,))
            for r, (i, s) in enumerate(zip(idx, scores, strict=True), start=1)
        ]

    def dense_search(self, query: str, k: int) -> list[Hit]:
        """Dense-only ranking (cosine scores); for comparisons and the bench."""
        idx, scores = self._dense_ranked(self.query_vector(query), k)
        return self._hits(idx, scores, "dense")

    def sparse_search(self, query: str, k: int) -> list[Hit]:
        """BM25-only ranking; for comparisons and the bench."""
        idx, scores = self._sparse_ranked(query, k)
        return self._hits(idx, scores, "sparse")

    def chunk(self, chunk_id: str) -> Chunk | None:
        i = self._by_id.get(chunk_id)
        return None if i is None else self.chunks[i]

    def siblings(self, chunk: Chunk) -> list[Chunk]:
        """Chunks of the aligned section in the other language (empty for unaligned/appendix chunks)."""
        if not chunk.aligned_section_id:
            return []
        return [self.chunks[i] for i in self._by_section.get(chunk.aligned_section_id, ())]

    # -- fusion ----------------------------------------------------------------------------------

    def search(self, query: str, k: int) -> list[Hit]:
        """Top ``k`` chunks: RRF of dense and BM25 top-N, with sibling expansion."""
        if k <= 0 or not query.strip():
            return []
        qvec = self.query_vector(query)
        n = max(self.candidates, k)
        d_idx, _ = self._dense_ranked(qvec, n)
        s_idx, _ = self._sparse_ranked(query, n)

        fused: dict[int, float] = defaultdict(float)
        found: dict[int, list[str]] = defaultdict(list)
        for name, ranked in (("dense", d_idx), ("sparse", s_idx)):
            for rank, i in enumerate(ranked.tolist(), start=1):
                fused[i] += 1.0 / (self.rrf_k + rank)
                found[i].append(name)

        self._exact_identifiers(query, fused, found)
        self._expand_siblings(qvec, fused, found)
        order = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        return [
            Hit(chunk=self.chunks[i], score=float(fused[i]), rank=r, retrievers=tuple(found[i]))
            for r, i in enumerate(order, start=1)
        ]

    def _exact_identifiers(self, query: str, fused: dict[int, float], found: dict[int, list[str]]) -> None:
        """An identifier the query names ("ISBN", "HSI", "1011301692") that only a few chunks contain puts
        those chunks at the top of a third, exact-match list: the dense side cannot see it across
        languages and BM25 alone ranks it below chunks that match the common words."""
        for ident in dict.fromkeys(_IDENTIFIER.findall(query)):
            for token in self.tokenizer.tokenize(ident):
                docs = self.sparse.documents_with(token)
                if 0 < len(docs) <= RARE_IDENTIFIER_DOCS:
                    for i in docs.tolist():
                        fused[i] += 1.0 / (self.rrf_k + 1)
                        found[i].append("exact")

    def _expand_siblings(
        self, qvec: np.ndarray, fused: dict[int, float], found: dict[int, list[str]]
    ) -> None:
        """Give the best chunk of each hit's twin section ``sibling_weight`` x the hit's score."""
        lent: dict[int, float] = {}
        for i, score in list(fused.items()):
            twin = self.chunks[i].aligned_section_id
            members = self._by_section.get(twin or "", [])
            if not members:
                continue
            best = (
                members[int(np.argmax(self.dense.similarity(qvec, members)))]
                if len(members) > 1
                else members[0]
            )
            share = self.sibling_weight * score
            if share > lent.get(best, 0.0):
                lent[best] = share
        for j, share in lent.items():
            if share > fused.get(j, 0.0):
                fused[j] = share
                if "sibling" not in found[j]:
                    found[j].append("sibling")

    # -- LangChain -------------------------------------------------------------------------------

    def as_langchain_retriever(self, k: int = 8, mode: str = "hybrid") -> Any:
        """A stock LangChain ``BaseRetriever`` over this index (``mode``: hybrid, dense or sparse)."""
        from index.lc import ChunkRetriever

        fns = {"hybrid": self.search, "dense": self.dense_search, "sparse": self.sparse_search}
        if mode not in fns:
            raise ValueError(f"mode must be one of {sorted(fns)}, not {mode!r}")
        return ChunkRetriever(search_fn=fns[mode], k=k)
