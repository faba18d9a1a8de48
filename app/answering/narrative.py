"""Narrative proposals: the best evidence sentences of the retrieved sections, checked against the question
(asked year, kind and names), in the asker's language through the zh<->en alignment, with a computed
figure when the question asks for one."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.answering.bilingual import ASKS_ACRONYM, MAX_ANSWER_CHARS, Bilingual
from app.answering.computed import ComputedAnswers
from app.answering.evidence import Candidate, EvidenceScorer
from app.answering.evidence_checks import (
    figures_problem,
    kind_problem,
    mentions,
    named_entities,
    names_problem,
    question_figures,
    quoted_names,
    year_problem,
)
from app.answering.features import FeatureMaker
from app.answering.narrative_wording import trim, with_figure_neighbour
from app.answering.question import QuestionAnalysis
from app.answering.report_view import ReportView
from app.answering.types import Draft, Proposal, Route
from index.records import Hit

if TYPE_CHECKING:
    from app.answering.extractive import ExtractiveConfig

_ASKS_OTHER_LANGUAGE = re.compile(
    r"英文|縮寫|簡稱|英譯|\bin chinese\b|chinese(?:[- ]language)? (?:name|title|term|text|original|version|wording)",
    re.I,
)


@dataclass(frozen=True)
class NarrativeProposer:
    """Proposals from the report's prose (table and office sections are answered from their records)."""

    view: ReportView
    scorer: EvidenceScorer
    config: ExtractiveConfig
    features: FeatureMaker
    bilingual: Bilingual
    computed: ComputedAnswers
    places: set[str] | frozenset[str] = frozenset()
    query_vector: Callable[[str], np.ndarray] | None = None  # the retriever's (cached) question embedding

    def propose(self, q: QuestionAnalysis, hits: list[Hit], context) -> tuple[list[Proposal], str]:
        weights = self.scorer.query_weights(q)
        if not weights:
            return [], "no content words"
        candidates = self._candidates(q, hits, weights)
        if not candidates:
            return [], "no evidence"
        out: list[Proposal] = []
        multi = self.computed.multi_fact(q, candidates, weights)
        if multi is not None:
            out.append(self.features.computed(q, multi, context))
        names = named_entities(q, self.places)
        if names:
            # A place or proper name the question asks about must appear in the evidence itself.
            candidates = [c for c in candidates if all(mentions(c, n) for n in names)]
            if not candidates:
                return out, f"{', '.join(sorted(names))} not in the evidence"
        if quoted_names(q):
            candidates = [c for c in candidates if not names_problem(q, self._section_texts(c))]
            if not candidates:
                return out, "a quoted name not in the evidence"
        originals = self.bilingual.original_only(q, candidates)
        candidates += [c for c in originals if not c.original_only]
        ranked = sorted(candidates, key=lambda c: -c.score)
        best_score = ranked[0].score
        reason = ""
        kept: set[str] = set()
        for c in ranked:
            if len(kept) >= self.config.narrative_proposals:
                break
            if c.sentence in kept:
                continue
            problem = year_problem(q, c) or kind_problem(q, c) or self._figures_problem(q, c)
            if problem:
                reason = reason or problem
                continue
            kept.add(c.sentence)
            draft = self._compose(q, c, candidates, weights)
            out.append(self.features.narrative(q, draft, c, len(kept) - 1, best_score, context))
        for c in originals:
            if (
                c.original_only
                and c.sentence not in kept
                and not (year_problem(q, c) or figures_problem(q, c))
            ):
                kept.add(c.sentence)
                draft = self._compose(q, c, candidates, weights)
                out.append(self.features.narrative(q, draft, c, len(kept) - 1, best_score, context))
        return out, reason

    def _section_texts(self, c: Candidate) -> list[str]:
        twin = self.view.twin(c.section)
        texts = [" ".join(c.section.path), c.section.text]
        return texts + ([" ".join(twin.path), twin.text] if twin is not None else [])

    def _figures_problem(self, q: QuestionAnalysis, c: Candidate) -> str:
        if not question_figures(q):
            return ""  # the translation is looked up only where a figure of the question is to be found
        found = self.bilingual.twin_sentence(c.sentence, c.section)
        return figures_problem(q, c, found[0] if found is not None else "")

    def _candidates(self, q: QuestionAnalysis, hits: list[Hit], weights: dict[str, float]) -> list[Candidate]:
        candidates: list[Candidate] = []
        seen: set[str] = set()
        rank = 0
        qvec = self.query_vector(q.search_text) if self.query_vector else None
        for hit in hits:
            sid = hit.chunk.section_id
            if sid in seen or sid not in self.view.sections or sid in self.view.record_sections:
                continue  # table and office sections are answered from their records, not as prose
            seen.add(sid)
            sec = self.view.sections[sid]
            candidates += self.scorer.score_section(q, weights, sec, rank, qvec)
            rank += 1
            if rank >= self.config.max_sections:
                break
        return candidates

    def _compose(
        self, q: QuestionAnalysis, best: Candidate, candidates: list[Candidate], weights: dict[str, float]
    ) -> Draft:
        """The answer for one evidence candidate, in the asker's language, with its citations."""
        asks_other = _ASKS_OTHER_LANGUAGE.search(q.search_text)
        asks_acronym = q.lang == "en" and ASKS_ACRONYM.search(q.search_text)
        naming = (
            self.bilingual.english_naming(q, best)
            if (asks_other or asks_acronym) and best.section.lang == "zh"
            else None
        )
        best = with_figure_neighbour(q, best, candidates)
        sentence, section, note = self.bilingual.in_asker_language(q, best)
        twin = self.view.twin(best.section)
        if q.lang == "en" and naming and twin is not None:
            # "What is the English acronym of <a Chinese name>?": the English sentence naming it.
            sentence, section, note = naming, twin, ""
        text = trim(sentence, weights, self.scorer, limit=MAX_ANSWER_CHARS - len(note), q=q)
        computed = self.computed.prefix(q, best, weights)
        if computed:
            text = computed + (" " if q.lang == "en" else "") + text
            text = text if len(text) <= MAX_ANSWER_CHARS else text[: MAX_ANSWER_CHARS - 1] + "…"
        if note:
            text = f"{note}{text}"
        elif asks_other and (q.lang == "zh" or section.lang == "en"):
            # "英文名稱是什麼？" / "What is its Chinese title?": the other language's name is the answer itself.
            text = self.bilingual.with_other_language(
                text, sentence, section, first=q.search_text, other=naming
            )
        citations = [self.view.citation(section, sentence)]
        if section.section_id != best.section.section_id:
            citations.append(self.view.citation(best.section, best.sentence))
        else:
            # The other language's text of the evidence goes into the citations, not the answer.
            found = self.bilingual.twin_sentence(sentence, section)
            if found is not None and self.bilingual.translates(sentence, found[0]):
                citations.append(self.view.citation(found[1], found[0]))
        return Draft(
            text,
            False,
            tuple(citations),
            reason="narrative",
            warnings=self.bilingual.discrepancy(best),
            route=Route.NARRATIVE,
        )
