"""Aggregation of graded items into the summary metrics."""

from __future__ import annotations

import pytest

from eval.metrics import get_metric, percentile, summarise
from eval.results import ItemResult

pytestmark = pytest.mark.unit


def res(
    i: str,
    lang: str,
    type_: str,
    *,
    correct: bool,
    abstained: bool = False,
    cit: bool | None = None,
    rank: int | None = None,
    sec: int | None = None,
    s: int | None = None,
    ms: float = 10.0,
) -> ItemResult:
    return ItemResult(
        id=i,
        lang=lang,
        type=type_,
        question="q",
        expected="e",
        must_include=(),
        section_zh="",
        section_en="",
        answer="a",
        abstained=abstained,
        citations=(),
        correct=correct,
        citation_correct=cit,
        latency_ms=ms,
        gold_rank=rank,
        section_rank=sec,
        string_rank=s,
    )


RESULTS = [
    res("1", "zh", "narrative_number", correct=True, cit=True, rank=1, sec=1, s=2, ms=10),
    res("2", "zh", "table_cell", correct=False, cit=False, rank=3, sec=None, s=3, ms=20),
    res("3", "en", "narrative_number", correct=True, cit=True, rank=8, sec=8, s=None, ms=30),
    res(
        "4", "en", "office_contact", correct=False, abstained=True, cit=False, rank=None, ms=40
    ),  # false abstention
    res("5", "zh", "unanswerable", correct=True, abstained=True, ms=50),
    res("6", "en", "unanswerable", correct=False, abstained=False, ms=60),
]


def test_accuracy_overall_by_lang_by_type() -> None:
    m = summarise(RESULTS)
    assert m["n"] == 6 and m["n_answerable"] == 4 and m["n_unanswerable"] == 2
    assert m["accuracy"] == pytest.approx(3 / 6)
    assert m["answerable_accuracy"] == pytest.approx(2 / 4)
    assert m["by_lang"]["zh"]["accuracy"] == pytest.approx(2 / 3)
    assert m["by_lang"]["zh"]["answerable_accuracy"] == pytest.approx(1 / 2)
    assert m["by_lang"]["en"]["accuracy"] == pytest.approx(1 / 3)
    assert m["by_type"]["narrative_number"]["accuracy"] == 1.0
    assert m["by_type"]["table_cell"]["accuracy"] == 0.0
    assert m["by_type"]["unanswerable"]["accuracy"] == 0.5
    assert list(m["by_type"]) == ["narrative_number", "table_cell", "office_contact", "unanswerable"]


def test_abstention_precision_recall_and_false_abstentions() -> None:
    ab = summarise(RESULTS)["abstention"]
    assert ab["recall"] == pytest.approx(1 / 2)  # one of two unanswerable abstained
    assert ab["precision"] == pytest.approx(1 / 2)  # two abstentions, one on an unanswerable item
    assert ab["false_abstention_rate"] == pytest.approx(1 / 4)


def test_citation_accuracy_counts_answerable_only() -> None:
    m = summarise(RESULTS)
    assert m["citation_accuracy"] == pytest.approx(2 / 4)


def test_retrieval_recall_and_mrr() -> None:
    r = summarise(RESULTS)["retrieval"]
    assert r["n"] == 4
    assert r["gold"]["recall@1"] == pytest.approx(1 / 4)
    assert r["gold"]["recall@4"] == pytest.approx(2 / 4)
    assert r["gold"]["recall@10"] == pytest.approx(3 / 4)
    assert r["gold"]["mrr"] == pytest.approx((1 + 1 / 3 + 1 / 8 + 0) / 4)
    assert r["section"]["recall@4"] == pytest.approx(1 / 4)
    assert r["must_include"]["recall@4"] == pytest.approx(2 / 4)


def test_latency_percentiles() -> None:
    lat = summarise(RESULTS)["latency_ms"]
    assert lat["p50"] == pytest.approx(35.0)
    assert lat["p95"] == pytest.approx(57.5)
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0


def test_undefined_ratios_are_none_not_zero() -> None:
    m = summarise([r for r in RESULTS if r.type != "unanswerable"])
    assert m["abstention"]["recall"] is None
    assert m["abstention"]["precision"] == 0.0  # one abstention, on an answerable item
    only_unans = summarise([r for r in RESULTS if r.type == "unanswerable"])
    assert only_unans["answerable_accuracy"] is None and only_unans["citation_accuracy"] is None
    assert only_unans["retrieval"]["gold"]["recall@10"] is None
    assert get_metric(m, "abstention.recall") is None and get_metric(m, "no.such") is None


def test_calibration_bins_ece_and_brier() -> None:
    from dataclasses import replace

    from eval.metrics import calibration

    base = res("x", "zh", "narrative_fact", correct=True)
    rows = [
        replace(base, confidence=0.95, correct=True),
        replace(base, confidence=0.91, correct=False),
        replace(base, confidence=0.15, correct=False),
        replace(base, confidence=1.0, correct=True),  # the top edge falls in the last bin
        replace(base, confidence=None, correct=True),  # no confidence: not counted
    ]
    cal = calibration(rows)
    assert cal["n"] == 4
    top, low = (b for b in sorted(cal["bins"], key=lambda b: -b["lo"]))
    assert (top["lo"], top["n"], top["accuracy"]) == (0.9, 3, pytest.approx(2 / 3))
    assert top["mean_confidence"] == pytest.approx((0.95 + 0.91 + 1.0) / 3)
    assert (low["lo"], low["n"], low["accuracy"]) == (0.1, 1, 0.0)
    expected_ece = 3 / 4 * abs(2 / 3 - (0.95 + 0.91 + 1.0) / 3) + 1 / 4 * 0.15
    assert cal["ece"] == pytest.approx(expected_ece)
    assert cal["brier"] == pytest.approx((0.05**2 + 0.91**2 + 0.15**2 + 0.0) / 4)
    assert calibration([base]) == {"n": 0, "ece": None, "brier": None, "bins": []}


def test_accuracy_by_answer_path() -> None:
    from dataclasses import replace

    base = res("x", "en", "table_cell", correct=True, cit=True)
    rows = [
        replace(base, route="table"),
        replace(base, route="table", correct=False),
        replace(base, route=""),
    ]
    by_path = summarise(rows)["by_path"]
    assert by_path["table"]["n"] == 2 and by_path["table"]["accuracy"] == 0.5
    assert by_path["(none)"]["n"] == 1 and by_path["table"]["latency_p50_ms"] == 10.0


def test_answer_shape_medians_per_language_and_chinese_passages_in_english():
    from dataclasses import replace

    from eval.results import longest_han_run

    answers = {
        "z1": ("zh", "截至112年底，新住民共59萬2,561人。"),
        "z2": ("zh", "共42座。"),
        "e1": ("en", "592,561 new immigrants lived in Taiwan."),
        "e2": ("en", "Signed by 劉世芳 (Liu Shyh-fang)."),  # a name: not a passage
        "e3": ("en", "The text reads 持停留簽證入國後可申請居留."),  # a passage
        "e4": ("en", "The report does not say."),
    }
    results = []
    for i, (lang, text) in answers.items():
        r = res(i, lang, "narrative_fact", correct=True, abstained=i == "e4")
        results.append(replace(r, answer=text, answer_chars=len(text), han_run=longest_han_run(text)))
    shape = summarise(results)["answer_shape"]
    assert shape["zh"]["n"] == 2 and shape["zh"]["median_chars"] == (22 + 5) / 2
    assert shape["en"]["n"] == 3  # the abstention is not an answer
    assert shape["en"]["median_chars"] == sorted(len(answers[k][1]) for k in ("e1", "e2", "e3"))[1]
    assert shape["en"]["with_chinese_passage"] == pytest.approx(1 / 3)
    assert longest_han_run("abc 劉世芳 def") == 3


def test_blind_result_lines_keep_answer_shape_numbers_but_no_text():
    from dataclasses import replace

    r = replace(
        res("x", "en", "narrative_fact", correct=True),
        answer="Secret 文字內容在此",
        answer_chars=15,
        han_run=6,
    )
    line = r.to_json_dict(blind=True)
    assert line["answer_chars"] == 15 and line["han_run"] == 6
    assert "answer" not in line and "Secret" not in str(line)
