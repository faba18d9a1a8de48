"""Every grading rule of DESIGN.md, each with a passing and a failing case."""

from __future__ import annotations

import pytest

from app.records import Citation
from eval.grading import (
    MAX_ANSWER_CHARS,
    citation_correct,
    contains,
    grade,
    grade_answer,
    last_segment,
    normalise,
    retrieval_ranks,
)
from index.records import Hit
from ingest.records import Chunk

pytestmark = pytest.mark.unit

SEC_ZH = "第肆章 新住民照顧輔導 > 二、營造新家鄉安居環境 > (四) 設籍前新住民遭逢特殊境遇相關福利及扶助計畫"
SEC_EN = (
    "Chapter IV Care and Counseling for New Immigrants > 2. Creating Comfortable Living Environments in New "
    "Homes > (4) Pre-Household Registration Welfare and Assistance Plan for New Immigrants under Special Circumstances"
)


def cit(path_zh: str = "", path_en: str = "") -> Citation:
    return Citation("x", path_zh, path_en, None, "")


def ok(answer: str, must: list[str], abstained: bool = False) -> bool:
    return grade_answer(answerable=True, answer=answer, abstained=abstained, must_include=must)


# --- normalisation -----------------------------------------------------------------------------


def test_normalise_is_nfkc_lowercase_without_whitespace() -> None:
    assert normalise("ＮＴ＄ ４，２１８\u3000元\n") == "nt$4,218元"
    assert normalise("e-Gate  Applicants") == "e-gateapplicants"


def test_full_width_digits_match_half_width() -> None:
    assert ok("核定補助４２１萬８，８１７元", ["421萬8,817"])
    assert ok("approved 421萬8,817", ["４２１萬８，８１７"])
    assert not ok("核定補助４２１萬８，８１６元", ["421萬8,817"])


def test_case_is_ignored() -> None:
    assert ok("the E-GATE system", ["e-Gate"])
    assert not ok("the e-passport system", ["e-Gate"])


def test_whitespace_is_ignored_on_both_sides() -> None:
    assert ok("電話 (02) 2389 - 9983", ["(02)2389-9983"])
    assert ok("phone (02)2389-9983", ["(02) 2389-9983"])
    assert not ok("phone (02)2389-9984", ["(02) 2389-9983"])


@pytest.mark.parametrize(
    ("answer", "must"),
    [
        ("9,789,034 applicants", "9789034"),  # separators in the answer only
        ("9789034 applicants", "9,789,034"),  # separators in the must_include only
        ("共９，７８９，０３４人", "9,789,034"),  # full-width digits and comma
        ("9,789,034", "9,789,034"),
    ],
)
def test_thousands_separators_are_ignored_both_directions(answer: str, must: str) -> None:
    assert ok(answer, [must])


def test_thousands_rule_does_not_invent_numbers() -> None:
    assert not ok("9,789,035 applicants", ["9789034"])
    assert not ok("97,890,34", ["9789035"])
    assert not contains("about 9 million", "9,789,034")


def test_wan_forms_match_only_as_listed_strings() -> None:
    must = ["978萬9,034", "9,789,034", "9789034"]
    assert ok("計978萬9,034人", must)
    assert ok("共9,789,034人", must)
    # 萬 is not converted: a form not listed does not match
    assert not ok("計978萬9,034人", ["9,789,034"])
    assert not ok("約978萬人", must)


def test_empty_must_include_string_never_matches() -> None:
    assert not contains("anything", "")
    assert not contains("anything", "  ")
    assert not ok("anything", [])
    assert not ok("anything", ["", " "])


# --- answerable / unanswerable ----------------------------------------------------------------------


def test_answer_length_cap_is_400_characters() -> None:
    assert MAX_ANSWER_CHARS == 400
    at_cap = "421萬8,817" + "x" * (400 - len("421萬8,817"))
    assert len(at_cap) == 400 and ok(at_cap, ["421萬8,817"])
    over = at_cap + "x"
    assert len(over) == 401 and not ok(over, ["421萬8,817"])


def test_answerable_item_must_not_be_abstained() -> None:
    assert ok("421萬8,817元", ["421萬8,817"], abstained=False)
    assert not ok("報告中沒有提供421萬8,817的說明", ["421萬8,817"], abstained=True)


def test_answerable_needs_at_least_one_listed_string() -> None:
    assert ok("NT$4,218,817", ["421萬8,817", "4,218,817"])
    assert not ok("NT$4,218,000", ["421萬8,817", "4,218,817"])


def test_unanswerable_item_is_correct_iff_abstained() -> None:
    assert grade_answer(answerable=False, answer="The report does not say.", abstained=True, must_include=[])
    assert not grade_answer(answerable=False, answer="About 5,000.", abstained=False, must_include=[])
    # must_include is irrelevant for unanswerable items
    assert grade_answer(answerable=False, answer="x", abstained=True, must_include=["zzz"])


# --- citations -----------------------------------------------------------------------------------


def test_last_segment() -> None:
    assert last_segment(SEC_ZH) == normalise("(四) 設籍前新住民遭逢特殊境遇相關福利及扶助計畫")
    assert last_segment("版權頁") == "版權頁"
    assert last_segment("") == "" and last_segment("  ") == ""


def test_citation_matches_on_chinese_last_segment() -> None:
    assert citation_correct([cit(path_zh=SEC_ZH)], SEC_ZH, SEC_EN)
    # only the last segment matters, normalised (full-width parens, spaces)
    assert citation_correct([cit(path_zh="（四）設籍前新住民遭逢特殊境遇相關福利及扶助計畫")], SEC_ZH, SEC_EN)
    assert not citation_correct(
        [cit(path_zh="第肆章 新住民照顧輔導 > 二、營造新家鄉安居環境 > (三) 其他")], SEC_ZH, SEC_EN
    )


def test_citation_matches_on_english_last_segment() -> None:
    assert citation_correct([cit(path_zh="第壹章 其他", path_en=SEC_EN.upper())], SEC_ZH, SEC_EN)
    assert not citation_correct(
        [cit(path_zh="第壹章 其他", path_en="Chapter IV Care and Counseling for New Immigrants")],
        SEC_ZH,
        SEC_EN,
    )


def test_any_citation_suffices() -> None:
    assert citation_correct([cit("第壹章 其他", "Chapter I"), cit(SEC_ZH, "")], SEC_ZH, SEC_EN)
    assert not citation_correct([], SEC_ZH, SEC_EN)


def test_empty_section_segment_never_matches() -> None:
    # the colophon has no English path: an empty section_en must not match every path_en
    assert not citation_correct([cit(path_zh="部長序", path_en="Preface by the Minister")], "版權頁", "")
    assert citation_correct([cit(path_zh="版權頁", path_en="")], "版權頁", "")
    assert not citation_correct([cit(path_zh="anything", path_en="anything")], "", "")


def test_grade_unanswerable_has_no_citation_verdict() -> None:
    g = grade(
        answerable=False,
        answer="The report does not say.",
        abstained=True,
        citations=[cit(SEC_ZH, SEC_EN)],
        must_include=[],
        section_zh="",
        section_en="",
    )
    assert g.correct and g.citation_correct is None


def test_grade_answerable_reports_matches_and_citation() -> None:
    g = grade(
        answerable=True,
        answer="112年度核定補助421萬8,817元。",
        abstained=False,
        citations=[cit(SEC_ZH, SEC_EN)],
        must_include=["421萬8,817", "4,218,817"],
        section_zh=SEC_ZH,
        section_en=SEC_EN,
    )
    assert g.correct and g.citation_correct is True and g.matched == ("421萬8,817",)
    wrong = grade(
        answerable=True,
        answer="112年度核定補助421萬8,817元。",
        abstained=False,
        citations=[cit("部長序", "Preface by the Minister")],
        must_include=["421萬8,817"],
        section_zh=SEC_ZH,
        section_en=SEC_EN,
    )
    assert wrong.correct and wrong.citation_correct is False


# --- retrieval ranks ------------------------------------------------------------------------------


def _hit(rank: int, path_zh: str, path_en: str, text: str) -> Hit:
    return Hit(Chunk(f"c{rank}", "s", "narrative", "zh", path_zh, path_en, None, text), 1.0, rank, ("t",))


def test_retrieval_ranks_section_and_string_separately() -> None:
    hits = [
        _hit(1, "第壹章 其他", "Chapter I", "unrelated"),
        _hit(2, "附錄 > 重要業務統計 > 某表", "Appendix > x", "registered 9789034"),
        _hit(3, SEC_ZH, SEC_EN, "no number here"),
    ]
    r = retrieval_ranks(hits, ["9,789,034"], SEC_ZH, SEC_EN)
    assert (r.section, r.string, r.gold) == (3, 2, 2)
    miss = retrieval_ranks(hits[:1], ["9,789,034"], SEC_ZH, SEC_EN)
    assert (miss.section, miss.string, miss.gold) == (None, None, None)
    # an empty gold section never matches a hit
    assert retrieval_ranks(hits, [], "", "").gold is None
