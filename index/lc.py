"""LangChain adapters: chunks as ``Document``s and our retrievers as a stock ``BaseRetriever``.

>>> docs = retriever.as_langchain_retriever(k=4).invoke("自動查驗通關註冊人數")
>>> docs[0].metadata["section_id"], docs[0].metadata["retrievers"]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from index.records import Hit
from ingest.records import Chunk


def chunk_to_document(chunk: Chunk, hit: Hit | None = None) -> Document:
    """A LangChain Document carrying the chunk's citation fields (and the hit's score/rank)."""
    meta: dict[str, Any] = {
        "chunk_id": chunk.chunk_id,
        "section_id": chunk.section_id,
        "kind": chunk.kind,
        "lang": chunk.lang,
        "path_zh": chunk.path_zh,
        "path_en": chunk.path_en,
        "page": chunk.page,
        "aligned_section_id": chunk.aligned_section_id,
    }
    if hit is not None:
        meta.update(score=hit.score, rank=hit.rank, retrievers=list(hit.retrievers))
    return Document(page_content=chunk.text, metadata=meta, id=chunk.chunk_id)


class ChunkRetriever(BaseRetriever):
    """Wraps ``search(query, k) -> list[Hit]`` (hybrid, dense or sparse) as a LangChain retriever."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    search_fn: Callable[[str, int], list[Hit]]
    k: int = 8

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [chunk_to_document(h.chunk, h) for h in self.search_fn(query, self.k)]
