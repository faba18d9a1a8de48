"""Records leaving the answer chain: what `nia-qa ask --json`, the web chat and eval all show.

The JSON shape is the DESIGN.md contract; do not rename fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

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
    confidence: float | None = None  # calibrated P(correct) of the decision, when a fitted policy made it
    route: str = ""  # answer path: office, table, compute, narrative or abstain
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
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 3)
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.resolved_question and self.resolved_question != self.question:
            out["resolved_question"] = self.resolved_question
        return out


class QAPipeline(Protocol):
    """What the CLI, the web app, eval and tests call; built once by ``app.pipeline.build_pipeline``."""

    def ask(self, question: str, history: list[Turn] | None = None) -> Answer: ...

    def search(self, query: str, k: int = 10) -> list[Hit]: ...


@dataclass(frozen=True)
class LabeledQuestion:
    """A graded eval question handed to ``Refittable.refit`` (the eval harness builds these from dev).

    ``group`` is the fact the question asks: paraphrases and follow-ups of one fact share it, so
    grouped k-fold keeps them in one fold.
    """

    id: str
    group: str
    lang: Literal["zh", "en"]
    question: str
    history: tuple[str, ...]  # earlier questions of a follow-up, oldest first
    must_include: tuple[str, ...]
    answerable: bool
    type: str
    section_zh: str
    section_en: str


@runtime_checkable
class Refittable(Protocol):
    """A pipeline with parameters fitted from data (weights, thresholds) that can be fitted anew."""

    def refit(self, examples: Sequence[LabeledQuestion]) -> QAPipeline:
        """A pipeline whose fitted parameters are fitted on exactly ``examples``; ``self`` is unchanged."""
        ...
