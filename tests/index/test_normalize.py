"""normalize.py: the forms numbers and years take in the report and in questions."""

from __future__ import annotations

import pytest

from index.normalize import (
    amount_values,
    gregorian_to_roc,
    normalize_text,
    number_forms,
    roc_to_gregorian,
    year_aliases,
    year_forms,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("978萬9,034人", "9789034"),
        ("978 萬 9,034 人", "9789034"),  # the PDF conversion's spacing
        ("59 萬 2,561 人", "592561"),
        ("421萬8,817元", "4218817"),
        ("47萬人", "470000"),
        ("3億2,000萬元", "320000000"),
        ("1.5億", "150000000"),
        ("９７８萬９０３４", "9789034"),  # full-width digits
        ("2.5 million visitors", "2500000"),
    ],
)
def test_wan_yi_amounts_become_plain_integers(text, value):
    assert value in amount_values(text)
    assert value in number_forms(text)


def test_number_forms_include_plain_numbers_without_separators():
    assert number_forms("NT$4,218,817 and 12.5% in 2023") == {"4218817", "12.5", "2023"}
    assert number_forms("沒有數字") == set()


def test_normalize_text_nfkc_lowercase_and_separators():
    assert normalize_text("ＡＢＣ　Ｅ－Ｇａｔｅ　１２３") == "abc e-gate 123"
    assert normalize_text("截至 112 年底 978 萬 9,034 人") == "截至112年底978萬9034人"
    assert normalize_text("移民署") == "移民署"  # Traditional stays Traditional
    assert normalize_text("1,234.5 and 12,34") == "1234.5 and 12,34"  # only real thousands groups


def test_roc_gregorian_years():
    assert roc_to_gregorian(112) == 2023 and gregorian_to_roc(2023) == 112
    assert year_forms("112年") == {"2023"}
    assert year_forms("１１２ 年度") == {"2023"}
    assert year_forms("in 2023") == {"112"}
    assert year_forms("3年內") == set()  # a duration, not a year
    assert year_forms("9789034人") == set()
    assert year_aliases("112年") == {"2023"} and year_aliases("2023") == {"112年"}
