"""Evidence fit (evidence.py): what a sentence must contain to answer the asked kind, on report sentences.

The sentences are quoted from data/corpus/nia-2023-annual-report.md; the tokenizer is the project's real one.
"""

import pytest

from app.answering.evidence import EvidenceScorer, satisfies
from app.answering.question import analyze
from index.tokenize import Tokenizer

pytestmark = pytest.mark.unit

SEMINAR = (
    "The NIA hosted the 2023 Border Management Seminar on October 25, 2023. Immigration and law enforcement "
    "officials from the U.S. Homeland Security Investigations (HSI), the Consulate General of Canada in Hong "
    "Kong, and the Netherlands Office Taipei were invited as speakers."
)
COMPETITION = (
    "Following a two-year interruption due to the pandemic, the 13th Document Identification Master "
    "Competition, originally launched in 2009, was held on December 23, 2023."
)
COMPETITORS = "A total of 24 immigration officers participated in the competition to compete for the prestigious Master title."
CO_CHAIRED = (
    "On September 5, 2023, Director-General Bill Chung and Philippine Bureau of Immigration Commissioner Norman "
    "Tansingco co-chaired the first Taiwan-Philippines immigration affairs meeting."
)
JOINT_ZH = (
    "本署與警政署自 96 年起實施聯合查察工作，101 年起更協同國防部憲兵指揮部、法務部調查局及海洋委員會海巡署等"
    "國安機關，實施加強查處失聯移工在臺非法活動專案。"
)


def test_which_nationality_needs_a_country_in_the_evidence():
    q = analyze("What nationality were the speakers at the 2023 Border Management Seminar?")
    assert satisfies(q, SEMINAR)
    assert not satisfies(q, COMPETITORS)
    zh = analyze("112年查處的逾期停（居）留外來人口以哪一國籍最多？")
    assert not satisfies(zh, JOINT_ZH)  # agencies, no country
    assert satisfies(zh, "經統計，越南籍失聯移工人數最多。")


def test_a_country_the_question_already_names_does_not_answer_it():
    q = analyze("Besides Canada, which nationality were the seminar speakers?")
    assert not satisfies(q, "Officials from the Consulate General of Canada were invited.")
    assert satisfies(q, SEMINAR)  # the Netherlands, Hong Kong


def test_who_won_needs_a_name_the_question_does_not_already_give():
    q = analyze("Who won the 13th Document Identification Master Competition?")
    assert not satisfies(q, COMPETITION)  # only the competition's own name
    assert not satisfies(q, COMPETITORS)
    assert satisfies(q, CO_CHAIRED)  # names people (Bill Chung, Norman Tansingco)


HONG_KONG = (
    "Between February 20 and December 31, 2023, a total of 1,274,303 Hong Kong and Macao residents applied to "
    "visit Taiwan, with 1,110,119 entries recorded, making them the largest group of international visitors to "
    "Taiwan during this period."
)


def test_which_had_the_most_needs_evidence_that_ranks():
    q = analyze("Which nationality made up the largest group of international visitors in 2023?")
    assert satisfies(q, HONG_KONG)  # "the largest group"
    assert not satisfies(q, SEMINAR)  # countries listed, none ranked
    zh = analyze("112年查處的逾期停（居）留外來人口以哪一國籍最多？")
    workshop = (
        "112 年 9 月 6 日至 7 日舉辦「2023 年防制人口販運國際工作坊」實體兼視訊之研討活動，邀請美國、韓國、"
        "英國、比利時、印尼、日本、越南等國官方、學者專家及民間組織代表，"
    )
    assert not satisfies(zh, workshop)
    # A count question with 最高 asks a maximum, not a ranking: the figure answers it.
    count = analyze("被害人未滿18歲時最高可判幾年？")
    assert satisfies(count, "被害人如未滿 18 歲，更可處 7 年以下有期徒刑。")


def test_a_count_is_not_answered_by_a_length_of_time():
    barred = (
        "To combat human trafficking and align with international human rights standards, natural persons, "
        "legal persons, or unincorporated associations convicted of human trafficking will be ineligible to "
        "participate in tendering, to be awarded contracts or subcontracts, or assist tenderers in government "
        "procurement within five years of the date of the final judgment."
    )
    assert not satisfies(analyze("How many human trafficking cases ended in a conviction?"), barred)
    assert satisfies(analyze("For how many years are convicted traffickers barred from tendering?"), barred)
    assert satisfies(
        analyze("How many immigration officers took part?"), COMPETITORS
    )  # "24 immigration officers"


def test_how_long_needs_a_time_span():
    q = analyze("How long had the Document Identification Master Competition been on hold?")
    assert q.answer_type == "duration"
    assert satisfies(q, COMPETITION)  # "two-year"
    assert not satisfies(q, SEMINAR)  # a date is not a length of time


def test_which_year_is_answered_by_a_year_alone():
    year = analyze("In which year did the NIA begin joint investigations with the National Police Agency?")
    date = analyze("On what date did the NIA begin joint investigations with the National Police Agency?")
    assert year.answer_type == date.answer_type == "date"
    assert satisfies(year, JOINT_ZH)  # 96 年
    assert not satisfies(date, JOINT_ZH)  # no month or day


@pytest.fixture(scope="module")
def scorer() -> EvidenceScorer:
    return EvidenceScorer(Tokenizer([]).tokenize, [])


@pytest.mark.parametrize(
    ("question", "phrasing"),
    [
        ("人口販運防制法是哪一天公布的？", "哪一天"),
        ("What kind of visa can they get now?", "kind"),
        ("What kind of visa can they get now?", "now"),
        ("What visa have they got?", "got"),
        ("「偽變造護照辨識比對系統」的英文縮寫是什麼？", "縮寫"),
        ("「人別確認輔助系統」的英文名稱是什麼？", "英文"),
    ],
)
def test_question_phrasing_is_not_a_topic_term(scorer, question, phrasing):
    terms = scorer.terms(question)
    assert terms  # the topic words remain
    assert phrasing not in terms


def test_a_sum_of_money_is_a_figure_in_yuan_not_any_figure_in_wan():
    q = analyze("建置這套系統花了多少經費？")
    assert q.answer_type == "amount"
    assert not satisfies(q, "截至 112 年底止，申請 e-Gate 註冊者已達 978 萬 9,034 人。")  # people, in 萬
    assert satisfies(q, "112 年度核定補助 421 萬 8,817 元。")
    assert satisfies(q, "112 年退費件數 4,988 件，金額約 688 萬餘元。")
    assert satisfies(analyze("How much did the fund spend?"), "It spent NT$407,792,543 in 2023.")


def test_a_question_opening_with_who_asks_for_someone_named():
    q = analyze("Who took first place at the 13th Document Identification Master Competition?")
    assert not satisfies(q, COMPETITION)
    assert satisfies(q, CO_CHAIRED)
    relative = analyze("How many officials who attended the meeting came from abroad?")
    assert satisfies(relative, "In 2023, 47 officials attended the meetings.")


def test_an_as_of_date_does_not_date_an_event():
    q = analyze("When did the passport comparison system first go into operation?")
    assert q.answer_type == "date"
    assert not satisfies(q, "At the end of 2023, the database contained samples from 208 countries.")
    assert satisfies(q, "The system went into operation on March 1, 2019.")


def test_a_chinese_count_asked_in_a_unit_needs_a_figure_in_a_unit_of_its_kind():
    q = analyze("112年有多少位新住民獲得扶助？", "zh")
    assert not satisfies(q, "112 年度核定補助 421 萬 8,817 元。")  # money, not people
    assert satisfies(q, "共扶助 1,024 人。")  # 人 counts people as 位 does
    assert satisfies(analyze("一共比對了多少人次？", "zh"), "共比對 1 千 9 百萬餘人次。")
    assert satisfies(analyze("有幾種語言？", "zh"), "提供 7 國語言服務。")  # 種: a unit not checked


def test_a_count_is_not_answered_by_a_sum_of_money():
    # A sentence whose only figure is a fine in 元 or NT$ does not count people or cases.
    assert not satisfies(analyze("專案期間有多少人到案？", "zh"), "採取繳最低罰鍰2千元等措施。")
    assert not satisfies(
        analyze("How many people came forward?", "en"), "A minimum fine of NT$2,000 applied."
    )
    assert satisfies(analyze("專案期間有多少人到案？", "zh"), "罰鍰2千元，共有1萬2,478人到案。")
    # "how much" asks a quantity or a sum: money answers it.
    assert satisfies(analyze("How much were they fined?", "en"), "A minimum fine of NT$2,000 applied.")
