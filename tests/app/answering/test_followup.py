import pytest

from app.answering.followup import place_stems, resolve_follow_up

pytestmark = pytest.mark.unit

PLACES = place_stems(
    ["臺中機場", "高雄機場", "臺北市", "高雄市", "Kaohsiung City", "Taipei City", "Taichung Airport"]
)


def test_place_follow_up_in_chinese_keeps_the_suffix_of_the_previous_question():
    assert resolve_follow_up("那高雄的呢？", "112年8月臺中機場入出境人次是多少？", "zh", PLACES) == (
        "112年8月高雄機場入出境人次是多少？"
    )


def test_year_and_month_follow_ups_in_english():
    prev = "How many e-Gate users did Songshan Airport have in August?"
    assert resolve_follow_up("What about October?", prev, "en", PLACES).endswith("in October?")
    prev = "How many e-Gate registrations were there in 2023?"
    assert "2022" in resolve_follow_up("and in 2022?", prev, "en", PLACES)


def test_a_full_question_is_not_rewritten():
    q = "移民署臺北市服務站的電話是多少？"
    assert resolve_follow_up(q, "112年8月臺中機場入出境人次是多少？", "zh", PLACES) == q
