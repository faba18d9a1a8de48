"""Multi-fact operands on real report sentences, with the project's real tokenizer (jieba + stemmer)."""

import pytest

from app.answering.arithmetic import combination
from app.answering.multihop import combine, list_total
from app.answering.multihop_earlier import asked_year, earlier_year
from app.answering.multihop_figures import Source, compact
from app.answering.multihop_parts import (
    asks_total_of_parts,
    expected_count,
    question_parts,
    share_parts,
)
from app.answering.multihop_wording import render
from app.answering.question import analyze
from app.answering.sentences import split_sentences
from index.tokenize import Tokenizer

pytestmark = pytest.mark.unit

# Sentences as the report prints them (data/corpus/nia-2023-annual-report.md).
INTERVIEWS = (
    "112 年大陸配偶申請來臺團聚面（訪）談案件 7,538 件，不予通過訪談 488 件；國境線上面談案件 5,803 件，"
    "不予通過 131 件；二度面談案件 169 件，不予通過 4 件。"
)
REVENUE = "112 年歲入預算數 22 億 6,679 萬 7,000 元，決算數 18 億 5,565 萬 7,848 元，執行率 81.86%。"
EXPENDITURE = "112 年歲出預算數 50 億 955 萬 2,000 元，決算數 49 億 4,208 萬 6,029 元，執行率 98.65%。"
DOCUMENTS = "Of these, 526,477 documents were received and 98,363 documents were issued."
SEAFARERS = """安置與返回母國事宜，112 年於臺灣海域發生海難災害事故處理情形如下：
- (1) 蒙古籍貨輪於馬祖東引海域沉沒海難獲救之大陸籍船員 1 名安置及送返案。
- (2) 閩連漁 60932 號漁船大陸籍船員 1 人急病就醫、安置及送返案。
- (3) 蒙古籍「WIN198」貨船海難之大陸籍船員 6 名安置及送返案。
- (4) 獅子山籍「合創 996」貨輪船難之船員 12 名 ( 印尼籍 7 名、大陸籍 2 名、國人 3 名 ) 安置及送返案。"""
RECEIPTS_EN = (
    "The number of receipts in 2023 totaled approximately 1,360,000, which was roughly 290,000 more than in "
    "2022. Application fees totaling approximately NT$6,880,000 were refunded in 4,988 cases, which is 2,422 "
    "more cases than in 2022."
)
GOLD_CARD = (
    "As of the end of 2023, the total number of applications for the Employment Gold Card has reached 12,664, "
    "with 8,962 approved."
)
TRAFFICKING = (
    "In 2023, judicial law enforcement agencies investigated 148 cases of human trafficking, 63 cases of labor "
    "exploitation, 80 cases of sexual exploitation, and 5 of organ harvesting with a total of 308 victims."
)
TARGET_ZH = (
    "經統計，本專案查處逾期停（居）外來人口目標值為1萬8,360人（「自行到案」1萬350人、「查獲到案」8,010人）；"
    "實際查處人數達2萬1,932人（「自行到案」1萬2,478人、「查獲到案」9,454人），整體查處人數超越推估目標。"
)


@pytest.fixture(scope="module")
def terms():
    tok = Tokenizer([])
    return tok.tokenize


def _src(text: str, lang: str, section_id: str = "s", heading: str = "") -> Source:
    return Source(compact(text, lang), heading, lang, 1.0, section_id)


def _values(found) -> list[float]:
    return [f.value for f in found.figures]


def test_three_named_parts_each_get_their_own_figure(terms):
    q = analyze("大陸配偶團聚案在訪談、國境線面談及二度面談不予通過的件數加起來是多少？")
    assert len(question_parts(q, terms)) == 3
    found = combine(q, "sum", [_src(INTERVIEWS, "zh")], terms)
    assert found is not None and sorted(_values(found)) == [4, 131, 488]
    assert render(q, found).startswith("合計 623件")


def test_difference_across_two_sections_uses_the_asked_kind_of_figure(terms):
    q = analyze("112年歲入決算比歲出決算少了多少錢？")
    sources = [_src(REVENUE, "zh", "zh/8/2/1/1"), _src(EXPENDITURE, "zh", "zh/8/2/1/2")]
    found = combine(q, "difference", sources, terms)
    assert found is not None
    assert _values(found) == [4_942_086_029, 1_855_657_848]  # 決算數, not 預算數
    assert "30億8,642萬8,181" in render(q, found)


def test_a_sentence_of_two_figures_pairs_the_part_it_names_with_the_other(terms):
    # "sent out" is not how the report says "issued"; the sentence holds exactly the two counts.
    q = analyze("How many more documents were received than mailed out?")
    found = combine(q, "difference", [_src(DOCUMENTS, "en")], terms)
    assert found is not None and _values(found) == [526_477, 98_363]


def test_pairing_skips_a_sentence_that_states_one_figure(terms):
    # "received ... a total of 624,840" names the part too, but states one figure: no pair there.
    total = "In 2023, the NIA received and issued a total of 624,840."
    q = analyze("How many more documents were received than mailed out?")
    found = combine(q, "difference", [_src(total, "en"), _src(DOCUMENTS, "en")], terms)
    assert found is not None and _values(found) == [526_477, 98_363]


def test_no_pairing_when_the_sentence_holds_more_than_two_figures(terms):
    # Labour 63 and sexual 80 and organ 5: one part named, but which other count is meant is unclear.
    q = analyze("How many more labor exploitation cases were there than smuggling cases?")
    assert combine(q, "difference", [_src(TRAFFICKING, "en")], terms) is None


def test_total_of_named_parts_is_a_sum_even_when_a_part_says_more_than(terms):
    q = analyze("超過門檻的案子，甲類、乙類和丙類三類總共有多少件？")
    assert asks_total_of_parts(q, terms)
    assert not asks_total_of_parts(analyze("甲類比乙類多多少？"), terms)


def test_a_right_part_that_opens_with_a_preposition_keeps_its_words(terms):
    q = analyze("What is the gap between the cases handled by the counter service and by the mobile app?")
    parts = question_parts(q, terms)
    assert parts is not None and len(parts) == 2
    assert {"mobil", "app"} <= set(parts[1].keys) and "counter" in parts[0].keys


def test_counted_sum_without_named_parts(terms):
    q = analyze("Across both Anti-Fraud Meetings, how many officers took part altogether?")
    assert question_parts(q, terms) is None and expected_count(q) == 2
    text = (
        "The first Anti-Fraud Meeting was held on May 11, 2023 and attended by 23 immigration and law "
        "enforcement officers from eight countries. The second Anti-Fraud Meeting was conducted on October 26, "
        "2023, and was attended by 24 immigration and law enforcement officers from 10 countries."
    )
    sources = [_src(s, "en", "en/2/3/2") for s in split_sentences(text, "en")]
    found = combine(q, "sum", sources, terms)
    assert found is not None and sorted(_values(found)) == [23, 24]


def test_list_total_adds_each_item_once_and_skips_names_and_breakdowns(terms):
    q = analyze("112年海難事故一共安置送返了多少名船員？")
    sentences = [compact(s, "zh") for s in split_sentences(SEAFARERS, "zh")]
    found = list_total(q, sentences, "zh", "(三) 海難救助與人道關懷")
    assert found is not None and _values(found) == [1, 1, 6, 12]  # not 60932 號, WIN198, 996 or 7/2/3


def test_list_total_defers_to_a_total_the_report_states(terms):
    q = analyze("112年逾公告金額十分之一的採購一共有多少件？")
    text = "112 年辦理本署逾公告金額十分之一之採購作業 156 件，分述如下：\n(1) 勞務採購案 114 件。\n(2) 財物採購案 32 件。"
    sentences = [compact(s, "zh") for s in split_sentences(text, "zh")]
    assert list_total(q, sentences, "zh", "") is None


def test_earlier_year_from_a_stated_change_in_the_matching_sentence(terms):
    receipts = earlier_year(analyze("About how many receipts were issued in 2022?"), RECEIPTS_EN, "en", terms)
    assert receipts is not None and receipts.value == 1_070_000 and receipts.approximate
    refunds = earlier_year(analyze("How many fee refund cases were there in 2022?"), RECEIPTS_EN, "en", terms)
    assert refunds is not None and refunds.value == 4_988 - 2_422
    zh = earlier_year(
        analyze("111年收據張數約多少張？"),
        "112 年收據張數 136 萬餘張，較 111 年增加 29 萬餘張。",
        "zh",
        terms,
    )
    assert (
        zh is not None and zh.value == 1_070_000 and "107萬" in render(analyze("111年收據張數約多少張？"), zh)
    )


def test_a_rate_the_report_does_not_print_is_the_quotient_of_its_two_counts(terms):
    q = analyze("What was the approval rate for Employment Gold Card applications by the end of 2023?")
    assert combination(q) == "ratio"
    found = combine(q, "ratio", [_src(GOLD_CARD, "en")], terms)
    assert found is not None and _values(found) == [8_962, 12_664]
    zh = analyze("就業金卡申請件數的核准比率為何？")
    num, den = share_parts(zh, terms)
    assert "核准" in num.keys and "申請" in den.keys


def test_earlier_year_named_relative_to_another_year(terms):
    q = analyze("About how many receipts were issued in the year before 2023?")
    assert asked_year(q) == 2022
    found = earlier_year(q, RECEIPTS_EN, "en", terms)
    assert found is not None and found.value == 1_070_000
    assert asked_year(analyze("112年的前一年收據有多少張？")) == 2022
    assert asked_year(analyze("How many receipts were issued in 2023?")) is None


def test_earlier_year_matches_chinese_words_inside_longer_ones(terms):
    # The question's "張" is inside the report's "張數": the sentence still carries the question's words.
    q = analyze("2022年大概開了多少張收據？")
    found = earlier_year(q, "112 年收據張數 136 萬餘張，較 111 年增加 29 萬餘張。", "zh", terms)
    assert found is not None and found.value == 1_070_000


def test_share_of_two_counts_and_an_ambiguous_share_declines(terms):
    q = analyze("What share of Employment Gold Card applications were approved by the end of 2023?")
    found = combine(q, "ratio", [_src(GOLD_CARD, "en")], terms)
    assert found is not None and round(found.value, 1) == 70.8
    # Every count of that sentence sits near "labor": no clear numerator, so no percentage.
    q2 = analyze(
        "What proportion of the human trafficking cases referred in 2023 were labor exploitation cases?"
    )
    assert combine(q2, "ratio", [_src(TRAFFICKING, "en")], terms) is None
    # Nothing the question names is near any count: no percentage.
    q3 = analyze("What proportion of the visa applications were rejected?")
    assert combine(q3, "ratio", [_src(TRAFFICKING, "en")], terms) is None


def test_actual_against_target_ignores_the_breakdowns_in_parentheses(terms):
    q = analyze("自行到案專案實際查處比目標值多出多少人？")
    found = combine(q, "difference", [_src(TARGET_ZH, "zh")], terms)
    assert found is not None and _values(found) == [21_932, 18_360]
