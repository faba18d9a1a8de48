"""Typos in English questions, corrected against the report's own words (and never real English)."""

from __future__ import annotations

import pytest

from app.answering.spelling import ReportSpeller

pytestmark = pytest.mark.unit

REPORT = [
    "The NIA received 526,477 documents. Songshan Airport e-Gate users; Songshan Airport opened.",
    "The Taipei City Service Center received approximately 1,000 visitors; the center received approximately more.",
    "Labor brokers and labor unions shared the work.",
]


def test_a_word_neither_the_report_nor_english_knows_is_read_as_the_report_word_one_edit_away():
    speller = ReportSpeller(REPORT)
    assert speller.correct("Songshan Airpot e-Gate users?") == "Songshan Airport e-Gate users?"
    assert (
        speller.correct("How many were recieved, aproximately?") == "How many were received, approximately?"
    )
    # British spellings the report does not print are read as its American ones.
    assert speller.correct("Service Centre, labour") == "Service Center, labor"


def test_real_english_words_short_words_and_unclear_cases_are_kept():
    speller = ReportSpeller(REPORT)
    # "share" is one edit from "shared" but is an English word: never changed.
    assert speller.correct("What share of the work?") == "What share of the work?"
    assert speller.suggestion("Aiport".lower()) == "airport"
    assert speller.suggestion("labr") is None  # too short to correct safely
    assert speller.suggestion("zzzzzz") is None  # nothing one edit away


ZH_REPORT = [
    "112 年查獲失聯移工 2 萬 7,048 人，失聯移工人數創新高，查處失聯移工。",
    "高雄市第一服務站、高雄市第二服務站受理申請，服務站提供服務。",
    "系統及網站，資通系統及網路。",
]


def test_a_chinese_character_typed_for_its_homophone_is_read_as_the_report_wrote_it():
    from app.answering.spelling import ChineseTypos

    typos = ChineseTypos(ZH_REPORT)
    assert typos.correct("112年抓到多少失連移工？") == "112年抓到多少失聯移工？"
    assert typos.correct("高雄市第一服物站電話？") == "高雄市第一服務站電話？"
    # Only where the swapped character also fits its neighbours as the report prints them:
    # "系統幾次" stays (系統及 is in the report, 及次 is not).
    assert typos.correct("系統幾次？") == "系統幾次？"
    assert typos.correct("台北市服務站") == "台北市服務站"  # 台/臺 is not a typo; the user's form is kept
