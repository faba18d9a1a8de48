"""``build_pipeline(settings)``: the one place where ingest, index and answerers are wired.

The CLI, the web app, the eval harness and the tests all call it; the result is
read-only and safe to share between threads.
"""

from __future__ import annotations

import copy
import functools
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from app.answering.evidence import EvidenceScorer
from app.answering.extractive import Draft, ExtractiveAnswerer, ReportView
from app.answering.followup import place_stems
from app.answering.policy import FittedPolicy, Policy
from app.answering.question import QuestionAnalysis, analyze
from app.answering.sentences import split_sentences
from app.answering.spelling import ChineseTypos, ReportSpeller
from app.answering.table_wording import table_label_texts
from app.answering.training import PolicyTrainer
from app.answering.types import Proposal, Route
from app.answering.verify import verify_draft
from app.chain import ChainState, build_chain
from app.conversation import Conversation, FollowUp, TurnState
from app.input_guard import InputError, clean_question, detect_lang
from app.records import Answer, LabeledQuestion, Turn
from app.settings import Settings
from index.records import Hit
from index.sentence_vectors import SentenceVectors
from index.token_cache import cached_tokenize

Progress = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Pipeline:
    """Question in, :class:`~app.records.Answer` out. Built once, then warm."""

    def __init__(self, settings: Settings, ingest, retriever) -> None:
        self.settings = settings
        self.ingest = ingest
        self.retriever = retriever
        self.view = ReportView(ingest.sections, ingest.tables, ingest.offices, ingest.chunks)
        narrative = narrative_sections(ingest.sections)
        tokenize = report_tokenize(retriever.tokenizer, narrative, settings)
        # Sentence-level similarity needs the retriever's embedder; a retriever without one (a test
        # double, a BM25-only setup) leaves evidence selection lexical.
        embedder = getattr(retriever, "embedder", None)
        vectors = (
            sentence_vectors(embedder, narrative, settings, tables=ingest.tables)
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
        self.speller = ReportSpeller(report_wording(ingest, "en"))
        self.zh_typos = ChineseTypos(report_wording(ingest, "zh"))
        self.conversation = Conversation(
            ingest.tables,
            ingest.offices,
            self.places,
            {s.section_id: s.text for s in ingest.sections},
            view=self.view,
        )
        policy = FittedPolicy.load() if settings.answer_policy == "fitted" else None
        self.extractive = ExtractiveAnswerer(
            self.view,
            self.scorer,
            places=self.places,
            query_vector=getattr(retriever, "query_vector", None) if vectors is not None else None,
            policy=policy,
        )
        self._proposal_cache: dict[tuple[str, tuple[str, ...]], tuple] = {}
        self._wire()

    def _wire(self) -> None:
        primary = self.extractive
        if self.settings.answerer == "llm":
            from app.answering.llm import LLMAnswerer

            primary = LLMAnswerer.from_settings(self.settings, self.view)
        self.chain = build_chain(self.search, primary, self.extractive, verify_draft, self.settings.top_k)
        self._state_cache = functools.lru_cache(maxsize=256)(self._replay_state)
        # Earlier turns are replayed for their conversation state with the offline answerer only: an
        # LLM answerer is not called again for turns the user has already seen answered.
        self._state_chain = (
            self.chain
            if primary is self.extractive
            else build_chain(self.search, self.extractive, None, verify_draft, self.settings.top_k)
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

    def _analyze(self, question: str, history: list[Turn] | None) -> tuple[str, str, QuestionAnalysis]:
        text, follow, q = self._understand(question, history)
        return text, follow.question, q

    def _understand(
        self, question: str, history: list[Turn] | None
    ) -> tuple[str, FollowUp, QuestionAnalysis]:
        text = clean_question(question, self.settings.max_question_chars)
        lang = detect_lang(text)
        previous = self._previous_state(history) if history else None
        follow = self.conversation.follow_up(text, lang, previous) if previous is not None else FollowUp(text)
        if lang == "en" and self.settings.correct_typos:
            follow = replace(follow, question=self.speller.correct(follow.question))
        q = analyze(follow.question, lang)
        if lang == "zh" and self.settings.correct_typos:
            fixed = self.zh_typos.correct(q.search_text)
            if fixed != q.search_text:  # analysed again from the corrected (Traditional) text
                q = replace(analyze(fixed, lang), question=q.question, simplified_input=q.simplified_input)
        return text, follow, q

    def ask(self, question: str, history: list[Turn] | None = None) -> Answer:
        return self._ask(question, history, self.chain)

    def _ask(self, question: str, history: list[Turn] | None, chain) -> Answer:
        start = time.perf_counter()
        text, follow, q = self._understand(question, history)
        resolved, lang = follow.question, q.lang
        # A follow-up that asks a record the previous turn resolved (or what the report lacks) is
        # answered by the conversation; every other question by the chain.
        direct = self.conversation.draft(follow, q)
        if direct is not None:
            state = ChainState(q=q, hits=tuple(self.search(q.search_text, self.settings.top_k)))
            state = replace(state, draft=direct, answerer="conversation")
        else:
            state = chain.invoke(ChainState(q=q))
            if follow.previous is not None and state.draft is not None:
                reviewed = self.conversation.review(text, lang, follow, state.draft)
                if reviewed is not state.draft:  # the previous evidence answers it, or the report lacks it
                    state = replace(state, draft=reviewed, answerer="conversation")
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
            confidence=draft.confidence,
            route=str(Route.ABSTAIN if draft.abstained else draft.route),
            hits=state.hits,
        )

    # -- fitting (the policy is fitted on labelled questions; eval's grouped k-fold calls refit) -----
    def proposals(self, question: str, history: Sequence[str] = ()) -> list[Proposal]:
        """The answerer's proposals for a question (cached: fitting asks the same questions per fold)."""
        key = (question, tuple(history))
        if key not in self._proposal_cache:
            turns = [Turn(question=h) for h in history] or None
            _, _, q = self._analyze(question, turns)
            hits = self.search(q.search_text, self.settings.top_k)
            self._proposal_cache[key] = tuple(self.extractive.propose(q, hits)[0])
        return list(self._proposal_cache[key])

    def trainer(self) -> PolicyTrainer:
        """Labelled proposals of this pipeline's answerer, for fitting its policy."""
        return PolicyTrainer(
            self.proposals, self.ingest.sections, self.ingest.offices, self.view, self.places
        )

    def refit(self, examples: Sequence[LabeledQuestion], folds: int = 5) -> Pipeline:
        """A pipeline whose answer policy is fitted on exactly ``examples`` (and their near-miss variants;
        regularisation and threshold out-of-fold)."""
        return self.with_policy(self.trainer().fit(examples, folds))

    def with_policy(self, policy: Policy) -> Pipeline:
        other = copy.copy(self)
        other.extractive = copy.copy(self.extractive)
        other.extractive.policy = policy
        other._wire()
        return other


def report_wording(ingest, lang: str) -> list[str]:
    """The report's own words in one language, for the typo correctors: its sections, every table label
    once (both languages: each corrector reads only its own script) and its offices."""
    offices = [
        f"{o.name_zh} {o.address_zh}" if lang == "zh" else f"{o.name_en} {o.address_en}"
        for o in ingest.offices
    ]
    return [s.text for s in ingest.sections if s.lang == lang] + table_label_texts(ingest.tables) + offices


def narrative_sections(sections):
    """The report's prose sections: the appendix is answered from its table and office records."""
    return [s for s in sections if not s.section_id.startswith("appendix/")]


def report_tokenize(tokenizer, sections, settings: Settings):
    """``tokenizer.tokenize``, with the tokens of the sections' sentences read from the token cache
    (the answerer's IDF table needs them all; segmenting them again on every start took ~1 s)."""
    if not hasattr(tokenizer, "version"):  # a test double
        return tokenizer.tokenize
    texts = [t for s in sections for t in split_sentences(s.text, s.lang)]
    return cached_tokenize(tokenizer, texts, Path(settings.cache_dir) / "tokens")


def sentence_vectors(
    embedder, sections, settings: Settings, *, tables=(), progress: bool = False
) -> SentenceVectors:
    """Vectors of every sentence of the narrative ``sections`` and of the ``tables``' labels (encoded once, then from the embedding
    cache: ``nia-qa build`` encodes them with the index, so the first question does not)."""
    return SentenceVectors.build(
        embedder,
        [t for s in narrative_sections(sections) for t in split_sentences(s.text, s.lang)]
        + table_label_texts(list(tables)),
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
