import pytest

from app.answering.arithmetic import combination, compute, operands, phrase
from app.answering.question import analyze

pytestmark = pytest.mark.unit


def _terms(text: str) -> list[str]:
    """Deterministic stand-in for the jieba tokenizer: CJK bigrams + lower-cased words."""
    import re

    han = "".join(re.findall(r"[\u3400-\u9fff]", text))
    return [han[i : i + 2] for i in range(len(han) - 1)] + re.findall(r"[a-z]+", text.lower())


def test_sum_of_two_figures_named_by_the_question():
    q = analyze("112年新住民生活適應輔導班和種籽研習營合計開了幾班？")
    assert combination(q) == "sum"
    text = "包括生活適應輔導班 107 班、種籽研習營 10 班、推廣多元文化活動 5 場次及生活適應宣導 38 場次，參與者共 8,905 人。"
    ops = operands(q, text, _terms, set(_terms(q.search_text)))
    result, used = compute("sum", ops)
    assert result == 117 and {o.text for o in used} == {"107", "10"}
    assert phrase(q, "sum", result, used).startswith("合計 117")


def test_dates_years_and_percentages_are_never_operands():
    q = analyze("Across the two meetings held in 2023, how many officials attended in total?")
    text = "The first meeting was held on May 11, 2023 and attended by 23 officials; the second on June 1 by 24 officials (99%)."
    ops = operands(q, text, _terms, set(_terms(q.search_text)))
    assert sorted(o.value for o in ops[:2]) == [23, 24]


def test_difference_cue_and_wan_amounts():
    q = analyze("新住民發展基金112年實際收入比實際支出多了多少錢？")
    assert combination(q) == "difference"
    text = "實際收入 4 億 782 萬元，實際支出 3 億 4,018 萬 9,067 元。"
    ops = operands(q, text, _terms, set(_terms(q.search_text)))
    result, _ = compute("difference", ops)
    assert result == pytest.approx(407_820_000 - 340_189_067)


def test_single_fact_questions_are_not_combinations():
    assert combination(analyze("截至112年底申請e-Gate註冊者有多少人？")) is None


def test_scan_figures_scales_breakdowns_and_names():
    from app.answering.arithmetic import scan_figures

    en = scan_figures(
        "NT$1.565 million has been allocated, in addition to the NT$1.166 million budget.", "en"
    )
    assert [(f.value, f.money) for f in en] == [(1_565_000, True), (1_166_000, True)]
    zh = scan_figures(
        "獅子山籍「合創 996」貨輪船難之船員 12 名 ( 印尼籍 7 名、大陸籍 2 名 ) 安置；閩連漁 60932 號漁船",
        "zh",
    )
    assert [(f.value, f.in_parens) for f in zh] == [(12, False), (7, True), (2, True)]
    assert [f.value for f in scan_figures("蒙古籍「WIN198」貨船之船員 6 名", "zh")] == [6]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What is the gap between the number of applications received and approved?", "difference"),
        ("If you take the missing workers out of the overstayer total, how many are left?", "difference"),
        ("支出決算減掉收入決算是多少錢？", "difference"),
        ("How many calls were there once you exclude the diverted ones?", "difference"),
        ("1月跟2月的入出境人次加總是多少？", "sum"),
        ("How many officials attended the two meetings altogether?", "sum"),
    ],
)
def test_the_wording_of_a_sum_or_difference_in_either_language(question: str, kind: str):
    assert combination(analyze(question)) == kind
