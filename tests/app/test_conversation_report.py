"""Follow-ups on the real report (integration): the record the previous turn resolved answers the
follow-up, and what the report lacks (another year, a part it does not print, an empty office field)
is said so instead of repeating the previous answer. None of these conversations is an eval item."""

from __future__ import annotations

import pytest

from app.records import Turn
from index.normalize import normalize_text

pytestmark = pytest.mark.integration


def _has(text: str, *forms: str) -> bool:
    t = normalize_text(text).replace(" ", "")
    return any(normalize_text(f).replace(" ", "") in t for f in forms)


def _two_turns(pipeline, first: str, second: str):
    one = pipeline.ask(first)
    return one, pipeline.ask(second, history=[Turn(first, one.answer)])


def test_an_english_follow_up_asks_another_column_of_the_cell_just_answered(pipeline):
    one, two = _two_turns(
        pipeline,
        "How many e-Gate registrations were there at Kaohsiung Airport in 2023?",
        "And how many users?",
    )
    assert _has(one.answer, "226,873")
    assert _has(two.answer, "1,403,454") and not two.abstained
    assert two.citations[0].section_id == one.citations[0].section_id


def test_a_distinctive_word_names_a_column_and_a_relative_month_moves_the_row(pipeline):
    _, referrals = _two_turns(
        pipeline, "How many home visits did the NIA make to immigrants in 2023?", "What about referrals?"
    )
    assert _has(referrals.answer, "1,386")
    _, april = _two_turns(
        pipeline,
        "How many entries and exits were there at Keelung Sea Port in March 2023?",
        "And the following month?",
    )
    assert _has(april.answer, "17,371") and "Apr" in april.resolved_question


def test_a_year_the_report_does_not_give_is_not_answered_with_the_previous_year(pipeline):
    one, two = _two_turns(pipeline, "112年查獲失聯移工多少人？", "那110年呢？")
    assert _has(one.answer, "27,048")
    assert two.abstained and not _has(two.answer, "27,048")
    assert two.answer.startswith("報告中沒有提供")


def test_a_part_the_table_does_not_print_is_not_answered_with_the_whole(pipeline):
    one, two = _two_turns(pipeline, "112年臺中機場入出境人次是多少？", "那其中入境的有多少？")
    assert _has(one.answer, "465,666")
    assert two.abstained and not _has(two.answer, "465,666")


def test_of_those_after_a_narrative_figure_names_a_country_its_evidence_never_mentions(pipeline):
    one, two = _two_turns(
        pipeline,
        "How many foreign trafficking victims were newly placed in shelters in 2023?",
        "How many of those were from Vietnam?",
    )
    assert not one.abstained
    assert two.abstained and two.answer.startswith("The report does not say")


def test_an_office_field_the_directory_leaves_empty_and_one_it_gives(pipeline):
    _, no_fax = _two_turns(pipeline, "松山機場國境事務隊的電話是多少？", "傳真呢？")
    assert no_fax.abstained and not _has(no_fax.answer, "02-25474161")
    _, fax = _two_turns(pipeline, "臺北市服務站的電話是多少？", "傳真呢？")
    assert not fax.abstained and _has(fax.answer, "02-23310594")


def test_a_figure_the_previous_sentence_gives_answers_the_follow_up_naming_it(pipeline):
    one, two = _two_turns(pipeline, "截至112年底，新住民全球新聞網產出多少則新聞？", "那網站瀏覽量呢？")
    assert _has(one.answer, "871萬6,589")  # the sentence answered gives the follow-up's figure too
    assert _has(two.answer, "871萬6,589", "8,716,589") and not two.abstained


def test_a_narrative_figure_the_table_also_prints_moves_to_the_label_a_follow_up_names(pipeline):
    one, two = _two_turns(pipeline, "112年大陸人士申請來臺從事專業及商務活動入境合計多少人次？", "那出境呢？")
    assert _has(one.answer, "34,960") and not one.citations[0].section_id.startswith("appendix/")
    assert _has(two.answer, "32,393") and not two.abstained
    assert two.citations[0].section_id.startswith("appendix/tables/")


def test_a_terminal_named_in_words_is_the_label_the_table_abbreviates(pipeline):
    one, two = _two_turns(pipeline, "112年桃園機場第二航廈e-Gate註冊人數有多少？", "那第一航廈呢？")
    assert _has(one.answer, "790,665")
    assert _has(two.answer, "837,178") and not two.abstained
    assert "T1" in two.resolved_question


def test_a_demonym_names_its_country_and_a_rival_label_of_the_previous_question_is_not_kept(pipeline):
    _, indonesia = _two_turns(
        pipeline, "How many Vietnamese spouses are there in New Taipei City?", "And Indonesian?"
    )
    assert _has(indonesia.answer, "4,116") and not indonesia.abstained
    # "refused" names the refusals of visits and of border interviews: the cell answered (border) stays.
    one, september = _two_turns(
        pipeline,
        "How many Mainland spouses were refused at border interviews in August 2023?",
        "And in September?",
    )
    assert _has(one.answer, "20")
    assert _has(september.answer, "11 cases") and "Border" in september.resolved_question


def test_a_report_place_replaces_the_place_phrase_of_the_previous_question(pipeline):
    _, two = _two_turns(
        pipeline, "How many foreign engineers have valid residence permits in Taiwan?", "And in Hsinchu City?"
    )
    assert "Hsinchu City" in two.resolved_question and "Taiwan" not in two.resolved_question
    assert _has(two.answer, "919") and not two.abstained


def test_the_previous_figure_again_does_not_answer_what_a_follow_up_adds(pipeline):
    one, two = _two_turns(
        pipeline,
        "How many foreign teachers hold residence permits in Taipei City?",
        "What is their average age?",
    )
    assert _has(one.answer, "2,101")
    assert two.abstained and not _has(two.answer, "2,101")
    one, hours = _two_turns(pipeline, "臺北市服務站的電話是多少？", "那營業時間呢？")
    assert _has(one.answer, "02-23885185")
    assert hours.abstained and hours.answer.startswith("報告中沒有提供")


def test_another_office_named_after_an_office_field_asks_the_same_field_of_it(pipeline):
    _, phone = _two_turns(pipeline, "臺北市專勤隊的電話？", "那新北市服務站呢？")
    assert _has(phone.answer, "02-82282090") and not phone.abstained
    _, fax = _two_turns(
        pipeline, "What is the fax number of the Taipei City Brigade?", "And the Yilan County Service Center?"
    )
    assert _has(fax.answer, "03-9574949") and not fax.abstained


def test_a_plural_demonym_names_its_country(pipeline):
    _, two = _two_turns(
        pipeline, "How many Vietnamese spouses live in Taipei City?", "What about for Indonesians?"
    )
    assert _has(two.answer, "1,231") and not two.abstained


def test_a_part_of_a_table_figure_is_not_answered_from_another_table(pipeline):
    one, two = _two_turns(
        pipeline,
        "How many entries and exits were there at Taichung Airport in 2023?",
        "How many of them were departures?",
    )
    assert _has(one.answer, "465,666")
    assert two.abstained and two.citations[0].section_id == one.citations[0].section_id


def test_they_refers_to_what_was_counted_without_its_counter(pipeline):
    _, two = _two_turns(
        pipeline, "移民署在海外幾個駐外館處設有移民工作組？", "它們112年受理多少件國人急難救助？"
    )
    assert two.resolved_question.startswith("駐外館處")


def test_a_country_breakdown_the_evidence_never_gives_is_not_answered(pipeline):
    _, narrative = _two_turns(
        pipeline,
        "How many foreign trafficking victims were newly placed in shelters in 2023?",
        "Which nationalities were they?",
    )
    assert narrative.abstained and narrative.answer.startswith("The report does not say")
    one, table = _two_turns(pipeline, "112年查獲失聯移工多少人？", "他們來自哪些國家？")
    assert _has(one.answer, "27,048")
    assert table.abstained and not _has(table.answer, "27,048")
