"""The default answerer: grounded and extractive, so it can never invent a number.

Order of resolution: opinion/prediction -> abstain; contact questions -> office
records; statistics questions -> table cells; everything else -> the best
sentence of the retrieved sections, moved into the asker's language through the
zh<->en alignment. Weak evidence or a year the evidence does not mention -> abstain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from app.answering.bilingual import Bilingual
from app.answering.computed import ComputedAnswers
from app.answering.evidence import EvidenceScorer
from app.answering.features import FeatureMaker, with_context
from app.answering.narrative import NarrativeProposer
from app.answering.offices import CONTACT_TYPES, OfficeMatch, answer_office, find_office, office_field
from app.answering.policy import Policy, RulePolicy
from app.answering.question import QuestionAnalysis
from app.answering.report_view import ReportView
from app.answering.table_proposals import TableProposer
from app.answering.types import Draft, Proposal, Route
from app.records import Citation
from index.records import Hit
from ingest.records import Office

__all__ = ["Draft", "ExtractiveAnswerer", "ExtractiveConfig", "ReportView"]


@dataclass(frozen=True)
class ExtractiveConfig:
    # Below this share of the question's terms, abstain (calibrated on the dev set: English
    # questions paraphrase more, so their evidence shares fewer exact terms).
    min_coverage_zh: float = 0.38
    min_coverage_en: float = 0.30
    min_score: float = 0.30
    max_sections: int = 8
    narrative_proposals: int = 4  # best distinct evidence sentences proposed to the policy
    cell_proposals: int = 4  # table cells proposed (best first, across tables)
    cell_alternatives: int = 2  # per table: the best cell plus this many - 1 other columns and rows
    original_proposals: int = 4  # English questions: Chinese originals of the best-covering English sentences


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(
        self,
        view: ReportView,
        scorer: EvidenceScorer,
        config: ExtractiveConfig | None = None,
        places: set[str] | frozenset[str] = frozenset(),
        query_vector: Callable[[str], np.ndarray] | None = None,
        policy: Policy | None = None,
    ) -> None:
        self.view = view
        self.scorer = scorer
        self.config = config or ExtractiveConfig()
        self.policy: Policy = policy or RulePolicy(self.config)
        self.features = FeatureMaker(scorer, view.sections)
        self.places = places
        self.query_vector = query_vector  # the retriever's (cached) question embedding
        self.bilingual = Bilingual(view, scorer, self.config, query_vector)
        self.tables = TableProposer(view, scorer, self.config, self.features, query_vector, places)
        computed = ComputedAnswers(view, scorer, places)
        self.narrative = NarrativeProposer(
            view, scorer, self.config, self.features, self.bilingual, computed, places, query_vector
        )

    # -- public -----------------------------------------------------------------
    def answer(self, q: QuestionAnalysis, hits: list[Hit]) -> Draft:
        office = self._office_asked(q)
        if office is not None and not office_field(office.office, q.answer_type, q.lang):
            return self._unlisted_field(q, office.office)
        proposals, reason = self._propose(q, hits, office)
        chosen, confidence = self.policy.decide(q, proposals)
        if chosen is None:
            why = reason or "no proposal"
            if proposals:
                why = f"low confidence ({confidence:.2f})" if confidence is not None else "no proposal passed"
            return replace(self._abstain(q, hits, why), confidence=confidence)
        return replace(chosen.draft, confidence=confidence)

    def propose(self, q: QuestionAnalysis, hits: list[Hit]) -> tuple[list[Proposal], str]:
        """Every answer the resolvers can give (office, table cell, computed, narrative sentences), each
        with its features; plus why there are none. Hard checks that generalise (an opinion, an asked
        year/month/place the evidence does not state) remove proposals here; the policy weighs the rest."""
        return self._propose(q, hits, self._office_asked(q))

    def _office_asked(self, q: QuestionAnalysis) -> OfficeMatch | None:
        """The directory office a contact question names (None for other questions)."""
        return find_office(q, self.view.offices) if q.answer_type in CONTACT_TYPES else None

    def _propose(
        self, q: QuestionAnalysis, hits: list[Hit], office: OfficeMatch | None
    ) -> tuple[list[Proposal], str]:
        if q.opinion:
            return [], "opinion or prediction"
        context = self.features.context(q, hits)
        out: list[Proposal] = []
        if office is not None:
            if not office_field(office.office, q.answer_type, q.lang):
                # The directory has the office but not the asked field (a fax where it prints none): no other
                # field, nor a sentence elsewhere, is that answer.
                return [], f"the office directory lists no {q.answer_type} for {office.office.name_en}"
            sec = self.view.sections.get(office.office.section_id)
            text = answer_office(q, office)
            cit = self.view.appendix_citation(office.office.section_id, text, sec)
            draft = Draft(text, False, (cit,), reason="office", route=Route.OFFICE)
            out.append(self.features.office(q, draft, office, context))
        out += self.tables.propose(q, hits, context)
        narrative, reason = self.narrative.propose(q, hits, context)
        return with_context(out + narrative), ("" if out or narrative else reason)

    def _unlisted_field(self, q: QuestionAnalysis, office: Office) -> Draft:
        """The report does not say, said precisely, where the question names an office of the directory
        and asks a field its line leaves empty ("What is the fax of <an office listing none>?")."""
        if q.lang == "zh":
            field = {"phone": "電話", "fax": "傳真", "address": "地址"}[q.answer_type]
            text = f"報告的服務據點表沒有列出{office.name_zh or office.name_en}的{field}。"
        else:
            field = {"phone": "phone number", "fax": "fax number", "address": "address"}[q.answer_type]
            text = (
                f"The report's office directory lists no {field} for the {office.name_en or office.name_zh}."
            )
        sec = self.view.sections.get(office.section_id)
        cit = self.view.appendix_citation(office.section_id, text, sec)
        return Draft(text, True, (cit,), reason=f"the office directory lists no {q.answer_type}")

    def _abstain(self, q: QuestionAnalysis, hits: list[Hit], reason: str) -> Draft:
        text = (
            "報告中沒有提供這項資訊。以下是最相關的章節，供您參考。"
            if q.lang == "zh"
            else "The report does not say. The nearest sections are listed below."
        )
        cits: list[Citation] = []
        seen: set[str] = set()
        for hit in hits:
            sid = hit.chunk.section_id
            if sid in seen:
                continue
            seen.add(sid)
            sec = self.view.sections.get(sid)
            if sec is not None:
                cits.append(self.view.citation(sec, hit.chunk.text[:200]))
            if len(cits) == 3:
                break
        return Draft(text, True, tuple(cits), reason=reason)
