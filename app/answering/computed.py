"""Computed answers from the narrative evidence: a sum, difference or share whose operands the evidence
states in separate sentences or sections, a list the report never totals, and an earlier year's figure
the report gives only as a change."""

from __future__ import annotations

from dataclasses import dataclass

from app.answering.arithmetic import combination, compute, operands, phrase
from app.answering.bilingual import MAX_ANSWER_CHARS
from app.answering.evidence import Candidate, EvidenceScorer
from app.answering.evidence_checks import in_text, named_entities
from app.answering.multihop import combine, list_total
from app.answering.multihop_earlier import earlier_year
from app.answering.multihop_figures import Combined, Source, compact
from app.answering.multihop_parts import asks_total_of_parts, expected_count, question_parts
from app.answering.multihop_wording import render
from app.answering.question import QuestionAnalysis, years_in
from app.answering.report_view import ReportView
from app.answering.sentences import split_sentences
from app.answering.types import Draft, Route
from app.records import Citation
from ingest.records import Section


@dataclass(frozen=True)
class ComputedAnswers:
    """Figures computed from the evidence sentences, never guessed: without an operand for every part
    there is no computation."""

    view: ReportView
    scorer: EvidenceScorer
    places: set[str] | frozenset[str]

    def multi_fact(
        self, q: QuestionAnalysis, candidates: list[Candidate], weights: dict[str, float]
    ) -> Draft | None:
        """A sum, difference or share whose operands the evidence states in separate sentences or
        sections (or a list the report never totals); None leaves the question to the usual path."""
        best = max(candidates, key=lambda c: c.score)
        sections: list[Section] = []
        for c in sorted(candidates, key=lambda c: (c.section is not best.section, c.section_rank)):
            if c.section not in sections and c.section.lang == q.lang and c.section_rank < 3:
                sections.append(c.section)
        if best.section not in sections:
            return None  # the best evidence is in the other language: leave it to the usual path
        found = self._combined(q, sections, best, weights)
        if found is None:
            return None
        used = list(dict.fromkeys(f.source.text for f in found.figures))
        evidence = (
            " ".join(used)
            + " "
            + " ".join(
                " ".join(s.path)
                for s in sections
                if any(f.source.section_id == s.section_id for f in found.figures)
            )
        )
        if any(not in_text(n, evidence) for n in named_entities(q, self.places)):
            return None
        if q.other_years - years_in(evidence):
            return None
        return self._draft(q, found, used, sections)

    def _combined(
        self, q: QuestionAnalysis, sections: list[Section], best: Candidate, weights: dict[str, float]
    ) -> Combined | None:
        """The operands the question asks combined, from the sections' sentences (the best sentence
        first), or the total of a list in the best section."""
        kind = combination(q)
        count = expected_count(q)
        if asks_total_of_parts(q, self.scorer.terms) and (not kind or count >= 3):
            kind = "sum"  # "A、B和C…總共", "三類的總額": a total of the named things
        sec = best.section
        listed = None
        if kind in {None, "sum"}:
            sents = [compact(x, sec.lang) for x in split_sentences(sec.text, sec.lang)]
            listed = list_total(q, sents, sec.lang, sec.path[-1], sec.section_id)
            if listed is not None and count >= 2 and len(listed.figures) != count:
                listed = None  # the list has other items than the ones the question counts
        if not kind:
            return listed
        sources = []
        for rank, sec in enumerate(sections):
            for sent in split_sentences(sec.text, sec.lang):
                weight = (1.0 if sent in best.sentence else 0.85) if rank == 0 else 0.7
                sources.append(
                    Source(compact(sent, sec.lang), sec.path[-1], sec.lang, weight, sec.section_id)
                )
        sources.sort(key=lambda s: -s.weight)
        found = combine(q, kind, sources, self.scorer.terms, lambda t: weights.get(t, 1.0))
        return found if found is not None else listed

    def _draft(self, q: QuestionAnalysis, found: Combined, used: list[str], sections: list[Section]) -> Draft:
        """The computed figure followed by the sentences it was computed from, each section cited."""
        joiner = "" if q.lang == "zh" else " "
        text = render(q, found) + (joiner if q.lang == "zh" else " ") + joiner.join(used)
        text = text if len(text) <= MAX_ANSWER_CHARS else text[: MAX_ANSWER_CHARS - 1] + "…"
        cited: list[Citation] = []
        for sec in sections:
            quotes = [f.source.text for f in found.figures if f.source.section_id == sec.section_id]
            if quotes:
                cited.append(self.view.citation(sec, joiner.join(dict.fromkeys(quotes))))
        return Draft(
            text,
            False,
            tuple(cited),
            reason=f"narrative ({found.kind} of {len(found.figures)})",
            route=Route.COMPUTE,
        )

    def prefix(self, q: QuestionAnalysis, best: Candidate, weights: dict[str, float]) -> str:
        """A computed figure for the best sentence alone: an earlier year's figure the report states as a
        change ("約 29 萬 more than in 2022"), or, when the question names no parts of its own, the two
        figures of the sentence that share its terms (the original single-sentence rule)."""
        kind = combination(q)
        if not kind:
            derived = None
            if best.section.lang == q.lang:
                weight = lambda t: weights.get(t, 1.0)  # noqa: E731
                derived = earlier_year(q, best.sentence, q.lang, self.scorer.terms, weight)
            return render(q, derived) if derived else ""
        if kind == "ratio" or question_parts(q, self.scorer.terms) or expected_count(q):
            return ""  # those were tried across the evidence (multi_fact) and found no clear operands
        found = compute(kind, operands(q, best.sentence, self.scorer.terms, set(weights)))
        return phrase(q, kind, *found) if found else ""
