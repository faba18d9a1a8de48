"""The extractive answerer on the real report (integration): names in the other language, the Chinese original."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.integration

_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")


@pytest.mark.parametrize(
    ("question", "acronym"),
    [
        ("「偽變造護照辨識比對系統」的英文縮寫是什麼？", "SPCS"),
        ("「旅客訂位及行程分析系統」的英文簡稱是什麼？", "PNR"),
        ("What is the English acronym of 偽變造護照辨識比對系統?", "SPCS"),
    ],
)
def test_acronym_of_a_chinese_name_comes_from_the_english_twin(pipeline, question, acronym):
    a = pipeline.ask(question)
    assert not a.abstained
    assert acronym in _ACRONYM.findall(a.answer)


def test_english_which_year_is_answered_from_the_chinese_original(pipeline):
    # The English text says "added 102 Civil Defense Service personnel" without the year; the Chinese gives 113 年.
    a = pipeline.ask(
        "Which year's quota do the 102 Civil Defense Service personnel granted to the NIA belong to?"
    )
    assert not a.abstained
    assert a.answer.startswith("(Stated in the Chinese original only.)")
    assert "113" in a.answer
    assert a.citations[0].section_id.startswith("zh/8/1")
    assert "Personnel Office" in a.citations[0].path_en


def test_english_answer_keeps_the_chinese_original_in_the_citations(pipeline):
    # The English sentence naming SPCS is the answer; the Chinese original is cited, not appended.
    a = pipeline.ask("What is the English acronym of 偽變造護照辨識比對系統?")
    assert "SPCS" in a.answer
    assert not re.search(r"[\u4e00-\u9fff]", a.answer)
    assert any(re.search(r"[\u4e00-\u9fff]", c.quote) for c in a.citations)
