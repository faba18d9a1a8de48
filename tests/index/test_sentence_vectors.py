"""SentenceVectors: real e5 passage vectors of report sentences, looked up by text."""

from __future__ import annotations

import numpy as np
import pytest

from index.sentence_vectors import SentenceVectors

pytestmark = pytest.mark.integration

# Report sentences (data/corpus/nia-2023-annual-report.md): a Chinese original, its English translation,
# and an unrelated English sentence.
ZH = "112 年 10 月 25 日舉辦「2023 年國境管理國際研討會」，邀集美國國土安全調查署、加拿大駐香港總領事館及荷蘭在臺辦事處等移民執法官員擔任講者。"
EN = "The NIA hosted the 2023 Border Management Seminar on October 25, 2023."
OTHER = "In 2023, a total of NT$36,641,000 in scholarship funds was issued to 7,326 recipients."


@pytest.fixture(scope="module")
def vectors(embedder, tmp_path_factory) -> SentenceVectors:
    cache = tmp_path_factory.mktemp("sentence-vectors")
    # Duplicates and blank texts are dropped before encoding.
    return SentenceVectors.build(embedder, [ZH, EN, OTHER, EN, "   "], cache)


def test_lookup_by_text(vectors):
    assert len(vectors) == 3
    assert EN in vectors and "   " not in vectors
    for text in (ZH, EN, OTHER):
        vec = vectors.vector([text])
        assert vec is not None and vec.shape == (384,)
        assert np.linalg.norm(vec) == pytest.approx(1.0, abs=1e-5)


def test_unknown_text_has_no_vector(vectors, embedder):
    assert vectors.vector(["A sentence the report never prints."]) is None
    assert vectors.vector([EN, "A sentence the report never prints."]) is None  # a window is all or nothing
    assert vectors.vector([]) is None
    query = np.asarray(embedder.embed_queries(["seminar"]), dtype=np.float32)[0]
    assert vectors.similarity(query, ["unknown"]) is None


def test_window_is_the_normalised_mean(vectors):
    a, b = vectors.vector([EN]), vectors.vector([OTHER])
    mean = (a + b) / 2
    window = vectors.vector([EN, OTHER])
    assert np.linalg.norm(mean) < 0.999  # the raw mean is shorter than a unit vector
    np.testing.assert_allclose(window, mean / np.linalg.norm(mean), atol=1e-6)


def test_similarity_ranks_the_translation_and_the_asked_topic(vectors, embedder):
    zh = vectors.vector([ZH])
    assert float(zh @ vectors.vector([EN])) > float(zh @ vectors.vector([OTHER]))
    query = np.asarray(
        embedder.embed_queries(["When was the Border Management Seminar held?"]), dtype=np.float32
    )[0]
    query = query / np.linalg.norm(query)
    assert vectors.similarity(query, [EN]) > vectors.similarity(query, [OTHER])
    assert vectors.similarity(query, [EN]) == pytest.approx(float(vectors.vector([EN]) @ query), abs=1e-6)


def test_texts_and_vectors_must_pair_up():
    with pytest.raises(ValueError, match="2 texts but 1 vectors"):
        SentenceVectors(["a", "b"], np.zeros((1, 4), dtype=np.float32))
