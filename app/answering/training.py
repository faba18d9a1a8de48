"""Training rows for the answer policy: the answerer's proposals for labelled questions and for their
synthetic near-miss variants, each labelled right or wrong (``nia-qa fit`` and eval's grouped k-fold).

>>> trainer = pipeline.trainer()
>>> rows = trainer.rows(examples)            # what fit_policy fits on
>>> policy = trainer.fit(examples, folds=5)  # regularisation and threshold out of fold
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from app.answering.fitting import TrainingRow, fit_policy
from app.answering.near_miss import near_misses
from app.answering.policy import Policy
from app.answering.report_view import ReportView
from app.answering.table_wording import table_label_texts
from app.answering.types import Proposal
from app.records import LabeledQuestion
from ingest.records import Office, Section

# The answerer's proposals for a question asked after ``history`` (the pipeline caches them).
ProposalsOf = Callable[[str, Sequence[str]], list[Proposal]]


@dataclass(frozen=True)
class PolicyTrainer:
    """Labelled proposals of the report's answerer, and the policy fitted on them."""

    proposals: ProposalsOf
    sections: Sequence[Section]
    offices: Sequence[Office]
    view: ReportView
    places: Iterable[str]

    def rows(self, examples: Sequence[LabeledQuestion], *, near_miss: bool = True) -> list[TrainingRow]:
        """Labelled proposals of ``examples`` and (``near_miss``) of their synthetic near-miss variants."""
        rows = [
            TrainingRow.of(e.group, e.answerable, e.must_include, self.proposals(e.question, e.history))
            for e in examples
        ]
        if near_miss:
            for e in near_misses(examples, self.texts_by_heading(), self.places):
                props = self.proposals(e.question, e.history)
                rows.append(TrainingRow.of(e.group, False, (), props, synthetic=True))
        return rows

    def texts_by_heading(self) -> dict[str, str]:
        """Every section's text (with its table's labels and its offices' names) under its last heading."""
        out: dict[str, str] = {}
        for sec in self.sections:
            extra = ""
            table = self.view.table_by_section.get(sec.section_id)
            if table is not None:
                extra = " ".join(table_label_texts([table]))
            extra += " ".join(
                f"{o.name_zh} {o.name_en} {o.address_zh} {o.address_en}"
                for o in self.offices
                if o.section_id == sec.section_id
            )
            key = sec.path[-1] if sec.path else sec.heading
            out[key] = out.get(key, "") + " " + sec.text + " " + extra
        return out

    def fit(self, examples: Sequence[LabeledQuestion], folds: int = 5) -> Policy:
        """The answer policy fitted on exactly ``examples`` (and their near-miss variants; regularisation
        and threshold out-of-fold)."""
        policy, _ = fit_policy(self.rows(examples), k=folds)
        return policy
