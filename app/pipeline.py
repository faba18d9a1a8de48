"""``build_pipeline(settings)``: the one place where ingest, index and answerers are wired.

The CLI, the web app, the eval harness and the tests all call it; the result is
read-only and safe to share between threads.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path

from app.answering.evidence import EvidenceScorer
from app.answering.extractive import Draft, ExtractiveAnswerer, ReportView
from app.answering.followup import place_stems
from app.answering.question import analyze
from app.answering.sentences import split_sentences
from app.answering.verify import verify_draft
from app.chain import ChainState, build_chain
from app.conversation import Conversation, TurnState
from app.input_guard import InputError, clean_question, detect_lang
from app.records import Answer, Turn
from app.settings import Settings
from index.records import Hit
from index.sentence_vectors import SentenceVectors

Progress = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Pipeline:
    """Question in, :class:`~app.records.Answer` out. Built once, then warm."""

    def __init__(self, settings: Settings, ingest, retriever) -> None:
        self.settings = settings
        self.ingest = ingest
        self.retriever = retriever
        tokenize = retriever.tokenizer.tokenize
        self.view = ReportView(ingest.sections, ingest.tables, ingest.offices, ingest.chunks)
        narrative = narrative_sections(ingest.sections)
        # Sentence-level similarity needs the retriever's embedder; a retriever without one (a test
        # double, a BM25-only setup) leaves evidence selection lexical.
        embedder = getattr(retriever, "embedder", None)
        vectors = (
            sentence_vectors(embedder, narrative, settings)
            if embedder is not None and hasattr(embedder, "embed_passages")
            else None
        )
        self.scorer = EvidenceScorer(tokenize, narrative, vectors)
        self.places = place_stems(
            [r.label_zh for t in ingest.tables for r in t.rows]
            + [r.label_en for t in ingest.tables for r in t.rows]
            + [c.split("/")[-1].strip() for t in ingest.tables for c in t.columns]
            + [o.name_zh for o in ingest.offices]
            + [o.name_en for o in ingest.offices]
        )
        self.conversation = Conversation(
            ingest.tables, ingest.offices, self.places, {s.section_id: s.text for s in ingest.sections}
        )
        self.extractive = ExtractiveAnswerer(
            self.view,
            self.scorer,
            places=self.places,
            query_vector=getattr(retriever, "query_vector", None) if vectors is not None else None,
        )
        primary = self.extractive
        if settings.answerer == "llm":
            from app.answering.llm import LLMAnswerer

            primary = LLMAnswerer.from_settings(settings, self.view)
        self.chain = build_chain(self.search, primary, self.extractive, verify_draft, settings.top_k)
        self._state_cache = functools.lru_cache(maxsize=256)(self._replay_state)
        # Earlier turns are replayed for their conversation state with the offline answerer only: an
        # LLM answerer is not called again for turns the user has already seen answered.
        self._state_chain = (
            self.chain
            if primary is self.extractive
            else build_chain(self.search, self.extractive, None, verify_draft, settings.top_k)
        )

    def _previous_state(self, history: list[Turn]) -> TurnState | None:
        # Answers are deterministic: a conversation's earlier states are computed once (turn 3 needs
        # the state of turn 2, which needed the state of turn 1, already found for turn 2).
        return self._state_cache(tuple(Turn(question=t.question) for t in history))

    def _replay_state(self, history: tuple[Turn, ...]) -> TurnState | None:
        """What the last earlier turn resolved: it is answered again (with at most
        ``followup_turns - 1`` turns before it), so the API, ``ask --history`` and batch lines,
        which send questions only, get the same state as the chat."""
        earlier = (
            history[:-1][-(self.settings.followup_turns - 1) :] if self.settings.followup_turns > 1 else []
        )
        try:
            answer = self._ask(history[-1].question, list(earlier) or None, self._state_chain)
        except InputError:
            return None  # an unusable earlier question gives no state; the new one stands alone
        return self.conversation.state(answer.resolved_question or answer.question, answer)

    def search(self, query: str, k: int = 10) -> list[Hit]:
        return self.retriever.search(query, k)

    def ask(self, question: str, history: list[Turn] | None = None) -> Answer:
        return self._ask(question, history, self.chain)

    def _ask(self, question: str, history: list[Turn] | None, chain) -> Answer:
        start = time.perf_counter()
        text = clean_question(question, self.settings.max_question_chars)
        lang = detect_lang(text)
        resolved = text
        previous = self._previous_state(history) if history else None
        if previous is not None:
            resolved = self.conversation.resolve(text, lang, previous)
        q = analyze(resolved, lang)
        state: ChainState = chain.invoke(ChainState(q=q))
        draft: Draft = state.draft  # type: ignore[assignment]
        return Answer(
            question=text,
            lang=lang,  # type: ignore[arg-type]
            answer=draft.answer,
            abstained=draft.abstained,
            citations=draft.citations,
            latency_ms=(time.perf_counter() - start) * 1000,
            answerer=state.answerer,
            warnings=draft.warnings,
            resolved_question=resolved,
            hits=state.hits,
        )


def narrative_sections(sections):
    """The report's prose sections: the appendix is answered from its table and office records."""
    return [s for s in sections if not s.section_id.startswith("appendix/")]


def sentence_vectors(embedder, sections, settings: Settings, *, progress: bool = False) -> SentenceVectors:
    """Vectors of every sentence of the narrative ``sections`` (encoded once, then from the embedding
    cache: ``nia-qa build`` encodes them with the index, so the first question does not)."""
    return SentenceVectors.build(
        embedder,
        [t for s in narrative_sections(sections) for t in split_sentences(s.text, s.lang)],
        Path(settings.cache_dir) / "embeddings",
        progress=progress,
    )


def build_pipeline(settings: Settings | None = None, progress: Progress | None = _stderr) -> Pipeline:
    """Load (or build, when missing or stale) the ingest output and the index, then wire the chain."""
    from index.store import load_or_build
    from ingest.pipeline import ensure_ingest

    settings = settings or Settings()
    ingest = ensure_ingest(settings.corpus_path, settings.ingest_dir, progress=progress)
    retriever = load_or_build(settings, progress=progress is not None, ingest=ingest)
    return Pipeline(settings, ingest, retriever)
