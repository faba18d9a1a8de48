"""Records leaving the answer chain: what `nia-qa ask --json`, the web chat and eval all show.

The JSON shape is the DESIGN.md contract; do not rename fields.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from index.records import Hit


@dataclass(frozen=True)
class Citation:
    section_id: str
    path_zh: str
    path_en: str
    page: int | None
    quote: str


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a chat, for follow-up questions."""

    question: str
    answer: str = ""


@dataclass(frozen=True)
class Answer:
    question: str
    lang: Literal["zh", "en"]
    answer: str
    abstained: bool
    citations: tuple[Citation, ...]
    latency_ms: float
    answerer: str = "extractive"
    warnings: tuple[str, ...] = ()
    resolved_question: str | None = None  # follow-up rewritten with the previous turn's subject
    hits: tuple[Hit, ...] = field(default=(), compare=False, repr=False)  # retrieval evidence, not in JSON

    def to_json_dict(self) -> dict[str, Any]:
        """The `nia-qa ask --json` object (DESIGN.md), plus optional `warnings`/`answerer`."""
        out: dict[str, Any] = {
            "question": self.question,
            "lang": self.lang,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [asdict(c) for c in self.citations],
            "latency_ms": round(self.latency_ms, 1),
            "answerer": self.answerer,
        }
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.resolved_question and self.resolved_question != self.question:
            out["resolved_question"] = self.resolved_question
        return out


class QAPipeline(Protocol):
    """What the CLI, the web app, eval and tests call; built once by ``app.pipeline.build_pipeline``."""

    def ask(self, question: str, history: list[Turn] | None = None) -> Answer: ...

    def search(self, query: str, k: int = 10) -> list[Hit]: ...
