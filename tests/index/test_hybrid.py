"""Hybrid retrieval: RRF fusion, sibling expansion across languages, LangChain adapters.

Unit tests use the FAKE bigram embedder (it cannot match Chinese to English, so
anything cross-lingual it finds comes from sibling expansion); integration
tests use the session ``retriever`` (real e5 model, real report).
"""

from __future__ import annotations

import pytest

from index.store import load_or_build


@pytest.fixture
def fake_retriever(index_settings, fake_ingest, fake_embedder):
    return load_or_build(index_settings, progress=False, ingest=fake_ingest, embedder=fake_embedder)


@pytest.mark.unit
def test_fused_hits_are_ranked_and_tagged(fake_retriever):
    hits = fake_retriever.search("人口販運防制法修正", 4)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))
    assert hits[0].chunk.section_id == "zh/6/1" and set(hits[0].retrievers) >= {"dense", "sparse"}
    assert fake_retriever.search("   ", 4) == [] and fake_retriever.search("x", 0) == []


@pytest.mark.unit
def test_sibling_expansion_brings_english_only_fact_to_chinese_question(fake_retriever, index_settings):
    q = "自動查驗通關系統註冊"
    only_en = "42 interpreters"
    assert not any(only_en in h.chunk.text for h in fake_retriever.dense_search(q, 6) if h.score > 0.3)
    assert not any(only_en in h.chunk.text for h in fake_retriever.sparse_search(q, 6))
    hits = fake_retriever.search(q, 3)
    assert hits[0].chunk.section_id == "zh/2/1"
    sib = next(h for h in hits if h.chunk.section_id == "en/2/1")
    assert only_en in sib.chunk.text and "sibling" in sib.retrievers
    assert sib.score == pytest.approx(index_settings.sibling_weight * hits[0].score, rel=1e-6)


@pytest.mark.unit
def test_sibling_weight_zero_disables_expansion(index_settings, fake_ingest, fake_embedder):
    settings = index_settings.with_overrides(sibling_weight=0.0)
    r = load_or_build(settings, progress=False, ingest=fake_ingest, embedder=fake_embedder)
    assert not any("sibling" in h.retrievers for h in r.search("自動查驗通關系統註冊", 6))


@pytest.mark.unit
def test_langchain_retriever_and_vectorstore(fake_retriever, fake_ingest):
    docs = fake_retriever.as_langchain_retriever(k=2).invoke("人口販運防制法")
    assert docs and docs[0].metadata["section_id"] == "zh/6/1" and docs[0].metadata["rank"] == 1
    assert {"path_zh", "path_en", "page", "retrievers", "score"} <= set(docs[0].metadata)
    with pytest.raises(ValueError):
        fake_retriever.as_langchain_retriever(mode="nope")

    from langchain_core.embeddings import Embeddings

    class LCEmb(Embeddings):  # LangChain Embeddings over the FAKE embedder
        def embed_query(self, text):
            return fake_retriever.embedder.embed_queries([text])[0].tolist()

        def embed_documents(self, texts):
            return fake_retriever.embedder.embed_passages(texts).tolist()

    store = fake_retriever.dense.as_langchain_vectorstore(LCEmb(), fake_retriever.chunks)
    best = store.similarity_search("人口販運防制法修正", k=1)[0]
    assert (
        best.metadata["section_id"]
        == fake_retriever.dense_search("人口販運防制法修正", 1)[0].chunk.section_id
    )


# -- integration: real model, real report --------------------------------------------------------


def _texts(hits):
    return [h.chunk.text for h in hits]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("question", "english_only"),
    [
        ("「偽變造護照辨識比對系統」的英文縮寫？", "SPCS"),
        ("國境管理國際研討會邀請的美國講者來自哪個機關？", "Homeland Security Investigations"),
    ],
)
def test_chinese_question_finds_english_only_text(retriever, question, english_only):
    zh_text = "\n".join(c.text for c in retriever.chunks if c.lang == "zh")
    assert english_only not in zh_text  # really only in the English translation
    hits = retriever.search(question, 8)
    found = [h for h in hits if english_only in h.chunk.text]
    assert found, [(h.chunk.section_id, h.retrievers) for h in hits]
    assert found[0].chunk.lang == "en"
    twin = found[0].chunk.aligned_section_id
    assert any(h.chunk.section_id == twin for h in hits)  # its Chinese twin was retrieved too


@pytest.mark.integration
@pytest.mark.parametrize(
    ("question", "section_prefix"),
    [
        ("自動查驗通關系統申請註冊人數", "zh/2/1"),
        ("How many people had registered for e-Gate by the end of 2023?", "en/2/1"),
        ("新住民發展基金", "zh/4"),
        ("When was the Human Trafficking Prevention Act amended?", "en/1/2"),
        ("高雄市服務站地址", "appendix/offices"),
        ("版權頁 ISBN", "zh/colophon"),
    ],
)
def test_report_facts_in_top_4(retriever, question, section_prefix):
    hits = retriever.search(question, 4)
    assert any(h.chunk.section_id.startswith(section_prefix) for h in hits), [
        h.chunk.section_id for h in hits
    ]


@pytest.mark.integration
def test_dense_and_sparse_agree_on_exact_terms(retriever):
    q = "人口販運防制法修正"
    d = {h.chunk.section_id for h in retriever.dense_search(q, 5)}
    s = {h.chunk.section_id for h in retriever.sparse_search(q, 5)}
    assert "zh/1/2" in d | s
    fused = retriever.search(q, 5)
    assert fused[0].chunk.section_id.startswith("zh/1/2")


@pytest.mark.integration
@pytest.mark.parametrize(
    "question",
    [
        "What is the ISBN of the NIA 2023 annual report?",
        "Who published the report catalogued under record number 113017936?",
    ],
)
def test_rare_identifier_finds_the_chinese_only_colophon(retriever, question):
    hits = retriever.search(question, 8)
    colophon = [h for h in hits if h.chunk.section_id == "zh/colophon"]
    assert colophon, [h.chunk.section_id for h in hits]
    assert "exact" in colophon[0].retrievers  # found by the exact-match list, not by the English words


@pytest.mark.integration
def test_common_acronym_is_not_an_exact_match(retriever):
    # "NIA" is in most English chunks: it decides nothing.
    hits = retriever.search("How many NIA staff earned drone pilot certification in 2023?", 8)
    assert not any("exact" in h.retrievers for h in hits)
