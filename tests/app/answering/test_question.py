import pytest

from app.answering.question import analyze, years_in

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
