import pytest

from app.answering.figures import discrepant_figures, figure_values

pytestmark = pytest.mark.unit


def test_wan_amounts_are_one_figure_not_their_parts():
    assert figure_values("申請 e-Gate 註冊者已達 978 萬 9,034 人") == {"9789034"}
    assert figure_values("NT$1.565 million and 3 億 4,018 萬 9,067 元") >= {"1565000", "340189067"}


def test_translation_with_the_same_figures_in_other_forms_is_not_a_discrepancy():
    zh = "截至 112 年底止，申請 e-Gate 註冊者已達 978 萬 9,034 人，共計 111 座。"
    en = "By the end of 2023, the cumulative number of registered users totaled 9,789,034 at 111 e-Gates."
    assert discrepant_figures(zh, en) == []


def test_a_figure_the_translation_states_differently_is_reported():
    zh = "112 年度核定補助 421 萬 8,817 元。"
    en = "In 2023, subsidies of NT$4,281,817 were approved."
    assert discrepant_figures(zh, en) == ["4218817"]
