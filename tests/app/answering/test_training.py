"""Training rows for the answer policy on the real report (integration): each labelled question's own
proposals, labelled by its must_include, and its synthetic near-miss variants, never right."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.answering.near_miss import near_misses
from app.records import LabeledQuestion

pytestmark = pytest.mark.integration


def _example(question: str, must_include: tuple[str, ...], section_zh: str = "") -> LabeledQuestion:
    return LabeledQuestion(
        id="t1",
        group="t1",
        lang="zh",
        question=question,
        history=(),
        must_include=must_include,
        answerable=True,
        type="table_cell",
        section_zh=section_zh,
        section_en="",
    )


def _table_question(pipeline) -> LabeledQuestion:
    """A year question about one of the report's tables, titled as the report titles it."""
    for table in pipeline.ingest.tables:
        sec = pipeline.view.sections.get(table.section_id)
        if sec is not None and sec.path:
            return _example(f"112年{table.title_zh}的合計是多少？", (), sec.path_str)
    raise AssertionError("no table section in the report")


def test_rows_label_the_answerers_own_proposals_by_must_include(pipeline):
    e = _table_question(pipeline)
    proposals = pipeline.proposals(e.question)
    assert proposals
    right = replace(e, must_include=(proposals[0].draft.answer,))
    (row,) = pipeline.trainer().rows([right], near_miss=False)
    assert not row.synthetic and row.answerable and row.group == "t1"
    assert len(row.y) == len(proposals) == len(row.x) and row.y[0]
    (row,) = pipeline.trainer().rows([replace(right, answerable=False)], near_miss=False)
    assert not row.y.any()  # an unanswerable question has no right proposal


def test_near_miss_variants_are_synthetic_rows_that_are_never_right(pipeline):
    trainer = pipeline.trainer()
    e = _table_question(pipeline)
    proposals = pipeline.proposals(e.question)
    e = replace(e, must_include=(proposals[0].draft.answer,))
    variants = near_misses([e], trainer.texts_by_heading(), pipeline.places)
    assert variants  # the year moves to one the table does not state
    rows = trainer.rows([e])
    assert len(rows) == 1 + len(variants)
    assert not rows[0].synthetic and all(r.synthetic and not r.answerable and not r.y.any() for r in rows[1:])


def test_texts_by_heading_carry_the_tables_labels_and_the_offices_names(pipeline):
    texts = pipeline.trainer().texts_by_heading()
    table = next(t for t in pipeline.ingest.tables if t.section_id in pipeline.view.sections)
    sec = pipeline.view.sections[table.section_id]
    assert table.rows[0].label_zh in texts[sec.path[-1] if sec.path else sec.heading]
    office = next(o for o in pipeline.ingest.offices if o.section_id in pipeline.view.sections)
    sec = pipeline.view.sections[office.section_id]
    assert office.name_zh in texts[sec.path[-1] if sec.path else sec.heading]
