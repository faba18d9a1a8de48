"""Tokenizer: jieba user dictionary, search-mode parts, English stemming, number/year forms."""

from __future__ import annotations

import pytest

from index.tokenize import Tokenizer, american_spelling

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def plain() -> Tokenizer:
    return Tokenizer([])


@pytest.fixture(scope="module")
def with_terms() -> Tokenizer:
    return Tokenizer(["人口販運防制法", "移民署", "新住民發展基金", "自動查驗通關"])


@pytest.mark.parametrize("term", ["人口販運防制法", "移民署", "新住民發展基金"])
def test_user_dictionary_keeps_report_terms_whole(plain, with_terms, term):
    text = f"本年度{term}相關業務"
    assert term not in plain.tokenize(text)  # the default dictionary splits it
    assert term in with_terms.tokenize(text)


def test_user_terms_stay_searchable_by_parts(with_terms):
    toks = with_terms.tokenize("人口販運防制法修正")
    assert {"人口", "販運", "人口販運防制法", "修正"} <= set(toks)
    # the default split 人口/販運防/制法 would never match a question about 販運
    assert "販運" in with_terms.tokenize("販運案件")
    # a longer term carries the shorter term inside it
    assert "自動查驗通關" in Tokenizer(["自動查驗通關", "自動查驗通關系統"]).tokenize("自動查驗通關系統")


def test_english_is_lowercased_stemmed_without_stopwords(plain):
    assert plain.tokenize("The Immigrants were Counseled") == ["immigr", "counsel"]


def test_numbers_and_years_match_across_forms(plain):
    doc = set(plain.tokenize("截至112年底註冊者已達978 萬 9,034 人"))
    assert {"9789034", "2023", "112"} <= doc
    assert set(plain.tokenize("How many registered in 2023? 9,789,034")) & doc >= {"2023", "112", "9789034"}
    assert "9789034" in plain.tokenize("９，７８９，０３４")


def test_question_words_are_dropped(plain):
    assert "多少" not in plain.tokenize("補助多少錢？")


def test_jieba_loads_quietly_and_privately(capfd):
    import jieba

    tok = Tokenizer(["測試專用詞彙甲"])
    tok.tokenize("測試專用詞彙甲")
    assert "prefix dict" not in capfd.readouterr().err
    assert "測試專用詞彙甲" not in jieba.dt.FREQ  # the global jieba dictionary is untouched


def test_version_tracks_dictionary():
    assert Tokenizer(["甲乙丙"]).version != Tokenizer(["甲乙丁"]).version


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("defence", "defense"),
        ("offences", "offenses"),
        ("labour", "labor"),
        ("neighbouring", "neighboring"),
        ("organisation", "organization"),
        ("organisations", "organizations"),
        ("recognised", "recognized"),
        ("programme", "program"),
        ("programmes", "programs"),
        ("centre", "center"),
        ("travelling", "traveling"),
        ("enrolment", "enrollment"),
    ],
)
def test_british_spelling_is_read_as_american(british, american):
    assert american_spelling(british) == american


@pytest.mark.parametrize(
    "word", ["defense", "labor", "fence", "license", "program", "counsel", "rise", "raise"]
)
def test_other_words_are_unchanged(word):
    assert american_spelling(word) == word


def test_british_and_american_spellings_tokenize_alike(plain):
    # The report prints "Civil Defense"; askers write "civil defence".
    assert plain.tokenize("civil defence") == plain.tokenize("Civil Defense")
    assert plain.tokenize("labour exploitation by organisations") == plain.tokenize(
        "labor exploitation by organizations"
    )
    assert plain.tokenize("the self-reporting programme") == plain.tokenize("the self-reporting program")
