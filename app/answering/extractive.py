"""The default answerer: grounded and extractive, so it can never invent a number.

Order of resolution: opinion/prediction -> abstain; contact questions -> office
records; statistics questions -> table cells; everything else -> the best
sentence of the retrieved sections, moved into the asker's language through the
zh<->en alignment. Weak evidence or a year the evidence does not mention -> abstain.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from app.answering.arithmetic import combination, compute, operands, phrase
from app.answering.bilingual import ASKS_ACRONYM, MAX_ANSWER_CHARS, Bilingual
from app.answering.cell_words import build_glossary
from app.answering.countries import MAINLAND_NAMES, countries_in
from app.answering.evidence import Candidate, EvidenceScorer, satisfies
from app.answering.features import FeatureMaker, with_context
from app.answering.multihop import combine, list_total
from app.answering.multihop_earlier import earlier_year
from app.answering.multihop_figures import Combined, Source, compact
from app.answering.multihop_parts import expected_count, question_parts
from app.answering.multihop_wording import render
from app.answering.offices import CONTACT_TYPES, answer_office, find_office
from app.answering.policy import Policy, RulePolicy
from app.answering.question import QuestionAnalysis, months_in, years_in
from app.answering.sentences import split_sentences
from app.answering.table_wording import answer_cell, answer_cells, cell_label_texts
from app.answering.tables import CellMatch, compatible, find_cells
from app.answering.types import Draft, Proposal, Route
from app.records import Citation
from index.records import Hit
from ingest.records import Chunk, Office, Section, Table

_ASKS_OTHER_LANGUAGE = re.compile(
    r"英文|縮寫|簡稱|英譯|in chinese|chinese name|chinese original|chinese text", re.I
)


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


class ReportView:
    """Read-only lookups over the ingested report that the answerers need."""

    def __init__(
        self, sections: list[Section], tables: list[Table], offices: list[Office], chunks: list[Chunk]
    ) -> None:
        self.sections = {s.section_id: s for s in sections}
        self.tables = tables
        self.offices = offices
        self.table_by_section = {t.section_id: t for t in tables}
        self.record_sections = set(self.table_by_section) | {o.section_id for o in offices}
        self.glossary = build_glossary(tables)
        # Chunks carry both languages' paths (appendix sections have no twin Section).
        self._paths = {c.section_id: (c.path_zh, c.path_en) for c in chunks}

    def twin(self, section: Section) -> Section | None:
        return self.sections.get(section.aligned_id) if section.aligned_id else None

    def paths(self, section: Section) -> tuple[str, str]:
        """(path_zh, path_en) of a section: its own path plus its aligned twin's."""
        if section.section_id in self._paths:
            return self._paths[section.section_id]
        twin = self.twin(section)
        other = twin.path_str if twin else ""
        return (section.path_str, other) if section.lang == "zh" else (other, section.path_str)

    def citation(self, section: Section, quote: str) -> Citation:
        path_zh, path_en = self.paths(section)
        return Citation(section.section_id, path_zh, path_en, section.page, quote[:400])


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

    # -- public -----------------------------------------------------------------
    def answer(self, q: QuestionAnalysis, hits: list[Hit]) -> Draft:
        proposals, reason = self.propose(q, hits)
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
        if q.opinion:
            return [], "opinion or prediction"
        context = self.features.context(q, hits)
        out: list[Proposal] = []
        if q.answer_type in CONTACT_TYPES:
            match = find_office(q, self.view.offices)
            if match:
                sec = self.view.sections.get(match.office.section_id)
                text = answer_office(q, match)
                cit = self._appendix_citation(match.office.section_id, text, sec)
                draft = Draft(text, False, (cit,), reason="office", route=Route.OFFICE)
                out.append(self.features.office(q, draft, match, context))
        out += self._table_proposals(q, hits, context)
        narrative, reason = self._narrative_proposals(q, hits, context)
        return with_context(out + narrative), ("" if out or narrative else reason)

    # -- resolvers ----------------------------------------------------------------
    def _table_proposals(self, q: QuestionAnalysis, hits: list[Hit], context) -> list[Proposal]:
        """Table-cell answers: each retrieved-or-titled table's best cell and its next-best columns and
        rows, as proposals with the cell's match features and its labels' similarity to the question."""
        prior: dict[str, float] = {}
        for hit in hits:
            table = self.view.table_by_section.get(hit.chunk.section_id)
            if table and table.table_id not in prior:
                prior[table.table_id] = 1.0 / (1 + 0.5 * (hit.rank - 1))
        matches = find_cells(
            q, self.view.tables, prior, self.view.glossary, alternatives=self.config.cell_alternatives
        )
        top_is_table = bool(hits) and hits[0].chunk.section_id in self.view.table_by_section
        qvec = self.query_vector(q.search_text) if self.query_vector else None
        lexical = matches[: self.config.cell_proposals]
        out: list[Proposal] = []
        for match in lexical:
            if not compatible(q, match):
                continue
            if q.other_years and not (q.other_years & years_in(match.table.title_zh + match.table.title_en)):
                continue
            strength = int(match.row_named) + int(match.column_named) + int(top_is_table)
            text, strength = self._table_text(q, match, strength)
            sec = self.view.sections.get(match.table.section_id)
            cit = self._appendix_citation(match.table.section_id, text, sec)
            draft = Draft(text, False, (cit,), reason="table", route=Route.TABLE)
            sims = self._label_similarity(qvec, match)
            first = match is lexical[0]
            out.append(self.features.table(q, draft, match, strength, sims, first, context))
        return out

    def _label_similarity(self, qvec: np.ndarray | None, match: CellMatch) -> tuple[float, float, float]:
        """e5 cosine of the question with the cell's row label, column header and table title."""
        vectors = self.scorer.vectors
        if qvec is None or vectors is None:
            return (0.0, 0.0, 0.0)
        texts = cell_label_texts(match.table, match.row, match.column)
        sims = [vectors.similarity(qvec, [t]) for t in texts]
        return tuple(s or 0.0 for s in sims)  # type: ignore[return-value]

    def _table_text(self, q: QuestionAnalysis, match: CellMatch, strength: int) -> tuple[str, int]:
        """The cell's answer, or the two named cells combined. A single cell does not answer a sum or
        difference (nor do two cells a three-part total), so such a draft yields to the narrative."""
        kind = combination(q)
        if not kind:
            return answer_cell(q, match), strength
        n = max(expected_count(q), 2)
        combined = answer_cells(q, match, kind, operands=n)
        return (combined, strength) if combined else (answer_cell(q, match), 0)

    def _appendix_citation(self, section_id: str, quote: str, sec: Section | None) -> Citation:
        if sec is None:
            return Citation(section_id, "", "", None, quote)
        return self.view.citation(sec, quote)

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

    def _narrative_proposals(
        self, q: QuestionAnalysis, hits: list[Hit], context
    ) -> tuple[list[Proposal], str]:
        weights = self.scorer.query_weights(q)
        if not weights:
            return [], "no content words"
        candidates = self._candidates(q, hits, weights)
        if not candidates:
            return [], "no evidence"
        out: list[Proposal] = []
        multi = self._multi_fact(q, candidates, weights)
        if multi is not None:
            out.append(self.features.computed(q, multi, context))
        names = self._named_entities(q)
        if names:
            # A place or proper name the question asks about must appear in the evidence itself.
            candidates = [c for c in candidates if all(_mentions(c, n) for n in names)]
            if not candidates:
                return out, f"{', '.join(sorted(names))} not in the evidence"
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
            problem = _year_problem(q, c) or _kind_problem(q, c)
            if problem:
                reason = reason or problem
                continue
            kept.add(c.sentence)
            draft = self._compose(q, c, candidates, weights)
            out.append(self.features.narrative(q, draft, c, len(kept) - 1, best_score, context))
        for c in originals:
            if c.original_only and c.sentence not in kept and not _year_problem(q, c):
                kept.add(c.sentence)
                draft = self._compose(q, c, candidates, weights)
                out.append(self.features.narrative(q, draft, c, len(kept) - 1, best_score, context))
        return out, reason

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
        best = _with_figure_neighbour(q, best, candidates)
        sentence, section, note = self.bilingual.in_asker_language(q, best)
        twin = self.view.twin(best.section)
        if q.lang == "en" and naming and twin is not None:
            # "What is the English acronym of <a Chinese name>?": the English sentence naming it.
            sentence, section, note = naming, twin, ""
        text = _trim(sentence, weights, self.scorer, limit=MAX_ANSWER_CHARS - len(note), q=q)
        computed = self._computed_prefix(q, best, weights)
        if computed:
            text = computed + (" " if q.lang == "en" else "") + text
            text = text if len(text) <= MAX_ANSWER_CHARS else text[: MAX_ANSWER_CHARS - 1] + "…"
        if note:
            text = f"{note}{text}"
        elif asks_other and q.lang == "zh":
            # "英文名稱是什麼？": the other language's name is the answer itself.
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

    # -- multi-fact questions ------------------------------------------------------------
    def _multi_fact(
        self, q: QuestionAnalysis, candidates: list[Candidate], weights: dict[str, float]
    ) -> Draft | None:
        """A sum, difference or share whose operands the evidence states in separate sentences or
        sections (or a list the report never totals); None leaves the question to the usual path."""
        kind = combination(q)
        best = max(candidates, key=lambda c: c.score)
        sections: list[Section] = []
        for c in sorted(candidates, key=lambda c: (c.section is not best.section, c.section_rank)):
            if c.section not in sections and c.section.lang == q.lang and c.section_rank < 3:
                sections.append(c.section)
        if best.section not in sections:
            return None  # the best evidence is in the other language: leave it to the usual path
        found: Combined | None = None
        if kind:
            sources = []
            for rank, sec in enumerate(sections):
                for sent in split_sentences(sec.text, sec.lang):
                    weight = (1.0 if sent in best.sentence else 0.85) if rank == 0 else 0.7
                    sources.append(
                        Source(compact(sent, sec.lang), sec.path[-1], sec.lang, weight, sec.section_id)
                    )
            sources.sort(key=lambda s: -s.weight)
            found = combine(q, kind, sources, self.scorer.terms, lambda t: weights.get(t, 1.0))
        else:
            sec = best.section
            sents = [compact(x, sec.lang) for x in split_sentences(sec.text, sec.lang)]
            found = list_total(q, sents, sec.lang, sec.path[-1], sec.section_id)
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
        if any(not _in_text(n, evidence) for n in self._named_entities(q)):
            return None
        if q.other_years - years_in(evidence):
            return None
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

    def _computed_prefix(self, q: QuestionAnalysis, best: Candidate, weights: dict[str, float]) -> str:
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
            return ""  # those were tried across the evidence (_multi_fact) and found no clear operands
        found = compute(kind, operands(q, best.sentence, self.scorer.terms, set(weights)))
        return phrase(q, kind, *found) if found else ""

    def _named_entities(self, q: QuestionAnalysis) -> set[str]:
        """Places from the report's own labels, countries (Chinese names), and capitalised English names,
        that the question names."""
        text = q.search_text.replace("台", "臺")
        names = {p for p in self.places if len(p) >= 2 and p in text and not p.isascii()}
        names |= {c for c in countries_in(text) if not c.isascii() and c not in MAINLAND_NAMES}
        if q.lang == "en":
            # "GPN (Government Publication Number)": the spelled-out acronym is the acronym, not more names.
            spelled = re.sub(r"\b([A-Z]{2,})\s*\([^)]*\)", r"\1", q.search_text)
            names |= {n for n in _CAPITALISED.findall(spelled) if n not in _GENERIC_NAMES}
        return names

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


_CAPITALISED = re.compile(r"(?<=[a-z,;] )([A-Z][a-z]{3,})\b")
_GENERIC_NAMES = frozenset(
    "Taiwan Taiwanese China Chinese English Mainland Ministry Interior Agency Immigration National Executive Yuan "
    "January February March April June July August September October November December Report Annual "
    "Program Programme Plan Act Office Center Centre Service Services System".split()
)


def _year_problem(q: QuestionAnalysis, c: Candidate) -> str:
    """Why ``c`` cannot answer an asked year or month: the asked year must be the evidence's own (a
    section that mentions 113年 elsewhere does not give 113年's figure)."""
    if not q.other_years:
        return ""
    context = c.sentence + " " + " ".join(c.section.path)
    if not (q.other_years & years_in(context)):
        return f"year {sorted(q.other_years)} not in the evidence"
    if q.months and not (q.months & months_in(c.sentence, c.section.lang)):
        return "the asked month of that year is not in the evidence"
    return ""


def _kind_problem(q: QuestionAnalysis, c: Candidate) -> str:
    """Why ``c`` cannot answer the asked kind at all (a count needs a number, "which country" a country,
    "how long" a span): the evidence must hold that kind of answer."""
    return "" if satisfies(q, c.sentence) else f"no evidence of the asked kind ({q.answer_type})"


def _in_text(name: str, text: str) -> bool:
    return name.lower() in text.replace("台", "臺").lower()


def _mentions(c: Candidate, name: str) -> bool:
    # The section as a whole: "the program had a cumulative viewership of ..." is about the
    # "We Are Family" series its section names two sentences earlier.
    haystack = f"{c.sentence} {' '.join(c.section.path)} {c.section.text}".replace("台", "臺")
    return name.lower() in haystack.lower()


_NUMERIC_TYPES = frozenset({"count", "amount", "percent"})


# Answer kinds that a sentence either can or cannot answer, judged from its text alone.
_STRICT_TYPES = frozenset({"count", "amount", "percent", "date", "duration"})


def _with_figure_neighbour(q: QuestionAnalysis, best: Candidate, candidates: list[Candidate]) -> Candidate:
    """For a figure question, the best sentence plus its neighbour when that neighbour also states a
    figure on the same topic (the report often gives the total and its breakdown, or the applications
    and the approvals, in consecutive sentences)."""
    if q.answer_type not in _NUMERIC_TYPES | {"duration"} or best.width != 1:
        return best
    joiner = "" if best.section.lang == "zh" else " "
    pick: Candidate | None = None
    for c in candidates:
        if c.section is not best.section or c.width != 1 or abs(c.index - best.index) != 1:
            continue
        if c.score < 0.6 * best.score or not satisfies(q, c.sentence):
            continue
        if len(best.sentence) + len(c.sentence) + 1 > MAX_ANSWER_CHARS:
            continue
        if pick is None or c.score > pick.score:
            pick = c
    if pick is None:
        return best
    first, second = (best, pick) if best.index < pick.index else (pick, best)
    text = first.sentence + joiner + second.sentence
    return Candidate(best.section, text, best.score, best.coverage, first.index, best.section_rank, 2)


def _year_variants(text: str) -> set[str]:
    return {str(y) for y in years_in(text)} | {str(y - 1911) for y in years_in(text)}


def _trim(
    sentence: str,
    weights: dict[str, float],
    scorer: EvidenceScorer,
    limit: int = MAX_ANSWER_CHARS,
    q: QuestionAnalysis | None = None,
) -> str:
    """Cut an over-long sentence to the clauses that carry the question's terms and numbers; a clause
    that holds the asked kind of answer (the date of a "when", the figure of a "how many") is kept first."""
    if len(sentence) <= limit:
        return sentence
    # Split at clause punctuation, but not inside "December 14, 2022" or "1,234".
    clauses = [c for c in re.split(r"(?<=[，；;：:])|(?<=,)(?!\s?\d)", sentence) if c]
    scored = []
    for i, c in enumerate(clauses):
        terms = set(scorer.terms(c))
        score = sum(w for t, w in weights.items() if t in terms) + (0.5 if re.search(r"\d", c) else 0)
        if q is not None and q.answer_type in _STRICT_TYPES and satisfies(q, c):
            score += sum(weights.values())
        scored.append((score, i))
    keep: set[int] = set()
    length = 0
    for _, i in sorted(scored, reverse=True):
        if length + len(clauses[i]) > limit - 3:
            continue
        keep.add(i)
        length += len(clauses[i])
    text = "".join(clauses[i] for i in sorted(keep)).strip("，,；; ")
    if not text:  # no single clause fits: cut the sentence itself
        text = sentence[: limit - 1] + "…"
    return text[: limit - 1] + "…" if len(text) >= limit else text
