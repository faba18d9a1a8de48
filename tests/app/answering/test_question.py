import pytest

from app.answering.question import analyze, is_month_word, months_in, years_in

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("設籍前新住民特殊境遇扶助計畫112年核定補助多少錢？", "amount"),
        ("移民署臺北市服務站的電話？", "phone"),
        ("臺北市服務站的傳真號碼是多少？", "fax"),
        ("What is the address of the Taipei City Service Center?", "address"),
        ("How many e-Gates were installed in 2023?", "count"),
        ("When was the Immigration Act amendment promulgated?", "date"),
        ("不予通過比率是多少？", "percent"),
    ],
)
def test_answer_type(question, kind):
    assert analyze(question).answer_type == kind


def test_roc_and_gregorian_years_are_the_same_year():
    assert years_in("112年") == years_in("2023") == {2023}
    assert analyze("113年e-Gate註冊人數？").other_years == {2024}


def test_simplified_question_is_matched_in_traditional_but_kept_as_typed():
    q = analyze("自动查验通关注册人数是多少")
    assert q.simplified_input
    assert "自動查驗通關" in q.search_text
    assert q.question == "自动查验通关注册人数是多少"


def test_months_and_opinions():
    assert analyze("112年8月高雄港入出境人次是多少？").months == {8}
    assert analyze("How many e-Gate users were there in October?").months == {10}
    assert analyze("你認為移民署的政策好不好？").opinion
    assert not analyze("移民署112年查獲多少失聯移工？").opinion


# Mechanisms of the wh-question classifier (question.py classify): money nouns, count nouns, durations,
# Chinese "which month/day/year", whole-word English cues, yes/no only when the auxiliary opens.
@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What fine did overstayers pay if they turned themselves in during the program?", "amount"),
        ("What surplus did the New Immigrant Development Fund end 2023 with?", "amount"),
        ("What health check-up subsidy did the NIA draw from the First Reserve Fund?", "amount"),
        ("How much did the NIA spend on health check-ups?", "amount"),
        ("What cumulative viewership did the TV program reach?", "count"),
        ("What total number of victims were involved in the cases?", "count"),
        ("How long can foreign trafficking victims now stay in Taiwan?", "duration"),
        ("外國人可在居留期限屆滿前多久申請延期？", "duration"),
        ("我國已經連續幾年被評為防制人口販運第1級國家？", "duration"),
        ("外國專業人才的居留證效期是幾個月？", "duration"),
        ("擴大自行到案專案在哪幾個月實施？", "date"),
        ("人口販運防制法是哪一天公布的？", "date"),
        ("國際審查會議是在哪幾天舉行？", "date"),
        ("新住民全球新聞網是哪一年上線的？", "date"),
        ("Which year did the NIA begin joint investigations with the police?", "date"),
        ("Which nationality accounted for the most victims?", "name"),  # "accounted" is not "count"
        ("Does the report list a Kinmen detention center?", "yesno"),
        # the 'count' cue is a whole word: not the start of 'countries' or 'counters'
        ("Which countries sent speakers to the 2023 Border Management Seminar?", "name"),
        ("Did the NIA open family-friendly counters in 2023?", "yesno"),
    ],
)
def test_wh_question_answer_type(question, kind):
    assert analyze(question).answer_type == kind


@pytest.mark.parametrize(
    "question",
    [
        "What fine did overstayers pay if they turned themselves in?",
        "What did the amendment change for overstayers?",
        "How did the NIA promote the e-Gate in 2023?",
        "When did the amended act take effect?",
    ],
)
def test_did_inside_a_wh_question_is_not_yes_no(question):
    assert analyze(question).answer_type != "yesno"


def test_month_names_and_their_abbreviations_are_month_words():
    assert all(is_month_word(w) for w in ("Sept", "Sep.", "October", "May"))
    assert not is_month_word("Matsu")


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("去年八月關懷訪視了幾次？", {8}),
        ("十二月高雄港入出境多少人次？", {12}),  # one month, not 二月
        ("十一月", {11}),
        ("8月", {8}),
        ("截至112年十二月底", set()),  # an as-of date, not a month asked about
        ("過去一個月", set()),
    ],
)
def test_months_in_arabic_or_chinese_numerals(text: str, months: set[int]) -> None:
    assert months_in(text, "zh") == months
