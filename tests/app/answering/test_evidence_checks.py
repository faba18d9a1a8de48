"""Hard evidence checks: which names of a question the evidence must hold."""

from __future__ import annotations

import pytest

from app.answering.evidence import Candidate
from app.answering.evidence_checks import (
    figures_problem,
    named_entities,
    names_problem,
    question_figures,
    quoted_names,
    spelled_numbers,
)
from app.answering.figures import figure_values
from app.answering.question import analyze
from app.answering.sentences import split_sentences
from ingest.records import Section

pytestmark = pytest.mark.unit


def test_a_month_abbreviation_is_not_a_name_the_evidence_must_hold():
    names = named_entities(
        analyze("How many visitors entered Taiwan in Sept 2023 from Myanmar?"), frozenset()
    )
    assert names == {"Myanmar"}


def test_asides_in_parentheses_and_capitalised_modifiers_name_nothing():
    q = analyze("Number of foreign engineers residing in Hsinchu City (Xinzhu Shi)?")
    assert named_entities(q, frozenset()) == {"Hsinchu", "City"}  # not Xinzhu, Shi
    q = analyze("What date was the Cabinet-level meeting on new immigrant affairs set up?")
    assert named_entities(q, frozenset()) == set()


def _candidate(sentence: str, text: str, lang: str = "zh", path: tuple[str, ...] = ("某章",)) -> Candidate:
    section = Section(section_id="s1", lang=lang, level=1, heading=path[-1], path=path, text=text, page=1)
    index = split_sentences(text, lang).index(sentence)
    return Candidate(section, sentence, 1.0, 1.0, index, 0)


def test_a_figure_the_question_names_must_be_printed_near_the_evidence():
    text = "本年度辦理第 11 期訓練。結訓學員 45 名。另有其他事項。兩句之後才有 10 件。"
    c = _candidate("結訓學員 45 名。", text)
    assert figures_problem(analyze("第11期結訓學員有幾名？", "zh"), c) == ""  # the sentence before
    assert "10" in figures_problem(analyze("第10期結訓學員有幾名？", "zh"), c)  # two sentences on
    # years, months and days are dates, checked as dates; not figures the evidence must repeat
    assert question_figures(analyze("112年8月15日結訓學員有幾名？", "zh")) == set()
    assert question_figures(analyze("How many trainees in the 10th class in 2023?", "en")) == {"10"}


def test_numbers_the_evidence_spells_in_words_count_as_printed():
    assert figure_values(spelled_numbers("建置第四代自動查驗通關系統")) >= {"4"}
    assert figure_values(spelled_numbers("逾公告金額十分之一之採購")) >= {"10", "1"}
    assert figure_values(spelled_numbers("the fourth-generation system")) >= {"4"}


def test_a_quoted_chinese_name_must_be_mostly_printed_in_the_section():
    texts = ["運用「車載式行動偵蒐及定位系統」進行定位比對，出勤 32 次。"]
    assert names_problem(analyze("「車載式行動偵蒐及定位系統」出勤幾次？", "zh"), texts) == ""
    assert names_problem(analyze("「海上行動偵蒐系統」出勤幾次？", "zh"), texts) != ""
    # English titles and acronyms are not checked: askers translate and abbreviate them their own way
    assert quoted_names(analyze('How many episodes of "Women Yijiaren" aired?', "en")) == []
