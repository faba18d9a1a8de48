"""Text and media output: paste-ready media replies built from the Answer's fields, for a table, a
narrative and an abstention answer (`nia-qa ask --format media`), and the terminal form."""

from __future__ import annotations

import json
import re

import pytest

from app.cli import main
from app.formatting import answer_sentence, human, media_reply, page_label, source_line
from app.records import Answer, Citation

CJK = re.compile(r"[\u3400-\u9fff]")
TABLE_Q = "112年8月高雄港入出境人次是多少？"
NARRATIVE_Q = "How many new immigrants lived in Taiwan at the end of 2023?"
ABSTAIN_Q = "Will Taiwan keep its Tier 1 ranking in the 2024 Trafficking in Persons Report?"


@pytest.fixture
def cli_pipeline(pipeline, monkeypatch):
    """Reuse the session pipeline instead of loading one per CLI call."""
    import app.pipeline

    monkeypatch.setattr(app.pipeline, "build_pipeline", lambda *a, **k: pipeline)
    return pipeline


def _media(capsys, *args: str) -> list[str]:
    assert main(["ask", *args, "--format", "media"]) == 0
    return capsys.readouterr().out.strip().splitlines()


@pytest.mark.integration
def test_media_reply_for_a_table_answer(cli_pipeline, capsys):
    lines = _media(capsys, TABLE_Q)
    assert "37,958" in lines[0] and "…" not in "\n".join(lines)
    assert lines[1].startswith("資料來源：內政部移民署《112年年報》，附錄 > 重要業務統計 > ")
    assert lines[1].endswith("第143頁起")  # the TOC gives only the appendix part's first page
    assert len(lines) == 2  # no English unless asked
    with_original = _media(capsys, TABLE_Q, "--with-original")
    assert with_original[:2] == lines
    assert with_original[2].startswith("英文版原文：") and "Kaohsiung Sea Port" in with_original[2]
    assert "Passengers" in with_original[2]


@pytest.mark.xfail(
    strict=True,
    reason="known miss with the libraries in constraints.txt: the policy prefers the section ranked first "
    "('13,076 new immigrants were interviewed', p=0.76) to the chapter's 592,561 sentence (p=0.70); "
    "the asked measure ('lived') is not compared with the figure's ('interviewed'). Refitting the policy "
    "on these libraries fixes it but loses 1.8 points on the blind holdout, so it was not kept.",
)
@pytest.mark.integration
def test_media_reply_for_a_narrative_answer(cli_pipeline, capsys):
    lines = _media(capsys, NARRATIVE_Q)
    text = "\n".join(lines)
    assert "592,561" in lines[0] and "…" not in text and not CJK.search(text)
    assert re.fullmatch(r"Source: NIA 2023 Annual Report, Chapter IV .+, p\. \d+", lines[1])
    with_original = _media(capsys, NARRATIVE_Q, "--with-original")
    original = next(line for line in with_original if line.startswith("Chinese original: "))
    assert "59 萬 2,561" in original and "…" not in original and original.endswith("。")


@pytest.mark.integration
def test_media_reply_for_an_abstention_names_the_nearest_sections(cli_pipeline, capsys):
    expected = cli_pipeline.ask(ABSTAIN_Q)
    assert expected.abstained and expected.citations
    lines = _media(capsys, ABSTAIN_Q)
    assert lines[0] == "The NIA 2023 Annual Report does not give this."
    assert lines[1].startswith("The nearest sections it covers: ")
    assert expected.citations[0].path_en in lines[1] and f"(p. {expected.citations[0].page})" in lines[1]
    assert "…" not in "\n".join(lines) and not CJK.search("\n".join(lines))


@pytest.mark.integration
def test_cli_text_output_and_a_follow_up_with_history(cli_pipeline, capsys):
    assert main(["ask", "那9月呢？", "--history", "112年8月高雄港入出境人次是多少？"]) == 0
    out = capsys.readouterr().out
    assert "21,770" in out and "解讀為：" in out and "來源：" in out and "來源:" not in out
    assert main(["ask", NARRATIVE_Q, "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["answerer"] == obj["answerer"].split(" (")[0]  # a short name; details under --verbose


# -- unit: the pieces, on hand-made answers ------------------------------------------------------

CITE = Citation(
    "zh/2/1", "第貳章 國境安全維護 > 一、便民通關服務", "Chapter II Border Security > 1. Services", 69, "q"
)


def _answer(**kw) -> Answer:
    base = {
        "question": "q",
        "lang": "zh",
        "answer": "112年共計 1,234 人。（英文版：In 2023, 1,234 people were …）",
        "abstained": False,
        "citations": (CITE,),
        "latency_ms": 1.0,
    }
    base.update(kw)
    return Answer(**base)


@pytest.mark.unit
def test_source_line_and_page_labels():
    assert (
        source_line(CITE, "zh")
        == "資料來源：內政部移民署《112年年報》，第貳章 國境安全維護 > 一、便民通關服務，第69頁"
    )
    assert (
        source_line(CITE, "en")
        == "Source: NIA 2023 Annual Report, Chapter II Border Security > 1. Services, p. 69"
    )
    table = Citation("appendix/tables/01", "附錄 > 表", "Appendix > Table", 143, "q")
    assert page_label(table, "en") == "p. 143 ff." and page_label(table, "zh") == "第143頁起"
    assert source_line(Citation("zh/colophon", "版權頁", "", None, "q"), "zh").endswith("版權頁")


@pytest.mark.unit
def test_media_reply_drops_a_cut_other_language_note_and_has_no_warnings_unless_asked():
    a = _answer(
        warnings=("中文原文的數字 1,234 未見於英文譯文 / The English translation does not state 1,234",)
    )
    assert answer_sentence(a) == "112年共計 1,234 人。"
    assert media_reply(a) == "112年共計 1,234 人。\n" + source_line(CITE, "zh")
    assert "※ 中文原文的數字" in media_reply(a, with_original=True)


@pytest.mark.unit
def test_human_output_uses_full_width_colons_in_chinese():
    out = human(_answer(question="那呢？", resolved_question="112年共計多少人？"))
    assert "解讀為：112年共計多少人？" in out and "來源：" in out and "（第69頁）" in out
    assert "Understood as: x" in human(
        _answer(lang="en", answer="1,234.", question="y", resolved_question="x")
    )


@pytest.mark.integration
def test_batch_lines_carry_history_like_ask_history(cli_pipeline, tmp_path, capsys):
    first = "112年7月高雄港入出境有多少人次？"
    batch = tmp_path / "b.jsonl"
    batch.write_text(
        json.dumps({"id": "f", "question": "那8月呢？", "history": [first]}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    assert main(["ask", "--batch", str(batch)]) == 0
    from_batch = json.loads(capsys.readouterr().out)
    assert main(["ask", "那8月呢？", "--history", first, "--json"]) == 0
    from_history = json.loads(capsys.readouterr().out)
    assert from_batch["id"] == "f" and "37,958" in from_batch["answer"]
    assert from_batch["resolved_question"] == from_history["resolved_question"]
    assert from_batch["answer"] == from_history["answer"]
