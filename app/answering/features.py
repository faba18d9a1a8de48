"""Generic features of a proposal, the same for every route, that the fitted policy weighs.

Nothing here names a question or a phrase: the features are coverage of the question's terms (IDF
weighted), embedding similarity, whether the evidence is of the asked kind, where retrieval ranked it,
and the resolver's own match strength. :data:`FEATURES` fixes their order for the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.answering.evidence import Candidate, EvidenceScorer, satisfies
from app.answering.offices import OfficeMatch
from app.answering.question import QuestionAnalysis
from app.answering.tables import CellMatch
from app.answering.types import Draft, Proposal, Route
from index.records import Hit
from ingest.records import Section

FEATURES: tuple[str, ...] = (
    "route_office",
    "route_table",
    "route_compute",
    "route_narrative",
    "type_numeric",
    "type_date",
    "type_duration",
    "type_contact",
    "q_en",
    "q_other_years",
    "top_is_record",
    "lex_cov",
    "lex_cov_quote",
    "sec_hit_rank",
    "type_fit",
    "ans_len",
    "n_score",
    "n_fit",
    "n_cov",
    "n_sim",
    "n_rank",
    "n_margin",
    "n_global_best",
    "n_width2",
    "n_original_only",
    "n_sec_rank",
    "n_same_lang",
    "t_score",
    "t_relevance",
    "t_row",
    "t_col",
    "t_strength",
    "t_row_sim",
    "t_col_sim",
    "t_title_sim",
    "t_first",
    "t_rules",
    "o_score",
    "c_parts",
    # Relative to the question's other proposals (value minus the best value among them).
    "rel_lex_cov",
    "rel_lex_cov_quote",
    "rel_type_fit",
    "rel_n_sim",
    "rel_sec_hit_rank",
    "rel_t_score",
    "rel_t_row_sim",
    "rel_t_col_sim",
    "rel_t_title_sim",
    "ctx_table",
    "ctx_office",
    "ctx_compute",
    "ctx_n",
    # Route x asked kind.
    "table_x_numeric",
    "narrative_x_fit",
    "narrative_x_en",
)
_RELATIVE = (
    "lex_cov",
    "lex_cov_quote",
    "type_fit",
    "n_sim",
    "sec_hit_rank",
    "t_score",
    "t_row_sim",
    "t_col_sim",
    "t_title_sim",
)


def with_context(proposals: list[Proposal]) -> list[Proposal]:
    """Add the features that compare a proposal with the question's other proposals."""
    best = {k: max((p.features.get(k, 0.0) for p in proposals), default=0.0) for k in _RELATIVE}
    routes = {p.route for p in proposals}
    for p in proposals:
        f = p.features
        for k in _RELATIVE:
            f[f"rel_{k}"] = f.get(k, 0.0) - best[k]
        f["ctx_table"] = float(Route.TABLE in routes)
        f["ctx_office"] = float(Route.OFFICE in routes)
        f["ctx_compute"] = float(Route.COMPUTE in routes)
        f["ctx_n"] = len(proposals) / 8.0
        f["table_x_numeric"] = f.get("route_table", 0.0) * f.get("type_numeric", 0.0)
        f["narrative_x_fit"] = f.get("route_narrative", 0.0) * f.get("n_fit", 0.0)
        f["narrative_x_en"] = f.get("route_narrative", 0.0) * f.get("q_en", 0.0)
    return proposals


_NUMERIC = frozenset({"count", "amount", "percent"})
_CONTACT = frozenset({"phone", "fax", "address"})


@dataclass(frozen=True)
class Context:
    """What every proposal of one question shares: its term weights and the retrieval ranking."""

    weights: dict[str, float]
    section_rank: dict[str, int]
    top_is_record: bool


class FeatureMaker:
    """Turns a resolver's draft (and its match) into a :class:`Proposal` with :data:`FEATURES`."""

    def __init__(self, scorer: EvidenceScorer, sections: dict[str, Section]) -> None:
        self.scorer = scorer
        self.sections = sections

    def context(self, q: QuestionAnalysis, hits: list[Hit]) -> Context:
        ranks: dict[str, int] = {}
        for hit in hits:
            ranks.setdefault(hit.chunk.section_id, len(ranks))
        top = hits[0].chunk.section_id if hits else ""
        return Context(self.scorer.query_weights(q), ranks, top.startswith("appendix/"))

    # -- one method per route ------------------------------------------------------------------
    def office(self, q: QuestionAnalysis, draft: Draft, match: OfficeMatch, ctx: Context) -> Proposal:
        f = self._common(q, draft, ctx)
        f["o_score"] = min(match.score, 2.0) / 2.0
        return Proposal(draft, f)

    def table(
        self,
        q: QuestionAnalysis,
        draft: Draft,
        match: CellMatch,
        strength: int,
        sims: tuple[float, float, float],
        first: bool,
        ctx: Context,
    ) -> Proposal:
        f = self._common(q, draft, ctx)
        f.update(
            t_score=min(match.score, 6.0) / 6.0,
            t_relevance=match.relevance,
            t_row=float(match.row_named),
            t_col=float(match.column_named),
            t_strength=strength / 3.0,
            t_row_sim=sims[0],
            t_col_sim=sims[1],
            t_title_sim=sims[2],
            t_first=float(first),
            # The previous answerer's bar for a cell (its score and the table's relevance).
            t_rules=float(first and match.score >= 1.0 and match.relevance >= 0.42),
        )
        return Proposal(draft, f)

    def computed(self, q: QuestionAnalysis, draft: Draft, ctx: Context) -> Proposal:
        f = self._common(q, draft, ctx)
        f["c_parts"] = min(len(draft.citations), 4) / 4.0
        return Proposal(draft, f)

    def narrative(
        self,
        q: QuestionAnalysis,
        draft: Draft,
        c: Candidate,
        rank: int,
        best_score: float,
        ctx: Context,
    ) -> Proposal:
        f = self._common(q, draft, ctx, evidence=c.sentence, section=c.section)
        f.update(
            n_score=c.score,
            n_fit=float(satisfies(q, c.sentence)),
            n_cov=c.coverage,
            n_sim=c.similarity,
            n_rank=1.0 / (1 + rank),
            n_margin=c.score - best_score,
            n_global_best=float(c.score >= best_score),
            n_width2=float(c.width == 2),
            n_original_only=float(c.original_only),
            n_sec_rank=1.0 / (1 + c.section_rank),
            n_same_lang=float(c.section.lang == q.lang),
        )
        return Proposal(draft, f)

    # -- shared -------------------------------------------------------------------------------
    def _common(
        self,
        q: QuestionAnalysis,
        draft: Draft,
        ctx: Context,
        evidence: str | None = None,
        section: Section | None = None,
    ) -> dict[str, float]:
        quote = evidence if evidence is not None else " ".join(c.quote for c in draft.citations)
        cit = draft.citations[0] if draft.citations else None
        sid = section.section_id if section is not None else (cit.section_id if cit else "")
        path = (
            " ".join(section.path)
            if section is not None
            else (cit.path_zh + " " + cit.path_en if cit else "")
        )
        total = sum(ctx.weights.values()) or 1.0
        in_quote = set(self.scorer.terms(quote))
        in_all = in_quote | set(self.scorer.terms(path))
        rank = ctx.section_rank.get(sid)
        return {
            f"route_{draft.route.value}": 1.0,
            "type_numeric": float(q.answer_type in _NUMERIC),
            "type_date": float(q.answer_type == "date"),
            "type_duration": float(q.answer_type == "duration"),
            "type_contact": float(q.answer_type in _CONTACT),
            "q_en": float(q.lang == "en"),
            "q_other_years": float(bool(q.other_years)),
            "top_is_record": float(ctx.top_is_record),
            "lex_cov": sum(w for t, w in ctx.weights.items() if t in in_all) / total,
            "lex_cov_quote": sum(w for t, w in ctx.weights.items() if t in in_quote) / total,
            "sec_hit_rank": 0.0 if rank is None else 1.0 / (1 + rank),
            "type_fit": float(satisfies(q, draft.answer)),
            "ans_len": math.log1p(len(draft.answer)) / 6.0,
        }
