"""Records leaving the index stage."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.records import Chunk


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk with its fused score and the retrievers that found it."""

    chunk: Chunk
    score: float
    rank: int  # 1-based
    retrievers: tuple[str, ...]  # e.g. ("dense", "sparse") or ("sibling",)
