"""Table-cell proposals: each retrieved-or-titled table's best cell and its next-best columns and rows,
worded with the table's own labels, with the labels' e5 similarity to the question as features."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from app.answering.arithmetic import asks_share, combination
from app.answering.evidence import EvidenceScorer
from app.answering.evidence_checks import places_named
from app.answering.features import FeatureMaker
from app.answering.multihop_parts import expected_count
from app.answering.question import QuestionAnalysis, years_in
from app.answering.report_view import ReportView
from app.answering.table_wording import answer_cell, answer_cells, answer_share, cell_label_texts
from app.answering.tables import CellMatch, compatible, find_cells, names_places_of
from app.answering.types import Draft, Proposal, Route
from index.records import Hit

if TYPE_CHECKING:
    from app.answering.extractive import ExtractiveConfig


@dataclass(frozen=True)
class TableProposer:
    """Proposals from the appendix statistics tables."""

    view: ReportView
    scorer: EvidenceScorer
    config: ExtractiveConfig
    features: FeatureMaker
    query_vector: Callable[[str], np.ndarray] | None = None  # the retriever's (cached) question embedding
    places: set[str] | frozenset[str] = frozenset()

    def propose(self, q: QuestionAnalysis, hits: list[Hit], context) -> list[Proposal]:
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
            if not compatible(q, match, self.view.glossary):
                continue
            if q.other_years and not (q.other_years & years_in(match.table.title_zh + match.table.title_en)):
                continue
            if not names_places_of(match.table, places_named(q, self.places), self.view.glossary):
                continue  # a place the table does not list: its total is not that place's figure
            strength = int(match.row_named) + int(match.column_named) + int(top_is_table)
            text, strength = self._table_text(q, match, strength)
            sec = self.view.sections.get(match.table.section_id)
            cit = self.view.appendix_citation(match.table.section_id, text, sec)
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
        if kind == "ratio" and asks_share(q):
            # A part asked as its share of all ("what part of the whole ...", 占幾成): the cell over its table's total.
            share = answer_share(q, match)
            return (share, strength) if share else (answer_cell(q, match), 0)
        n = max(expected_count(q), 2)
        combined = answer_cells(q, match, kind, operands=n)
        return (combined, strength) if combined else (answer_cell(q, match), 0)
