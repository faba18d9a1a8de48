"""The token cache: stored tokens equal fresh ones, are written once, and are keyed by the tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.token_cache import cached_tokenize


class CountingTokenizer:
    """A whitespace tokenizer that counts its calls (the real one is tested below)."""

    def __init__(self, version: str = "v-test") -> None:
        self.version = version
        self.calls = 0

    def tokenize(self, text: str) -> list[str]:
        self.calls += 1
        return text.lower().split()


TEXTS = ["The NIA issued 42 permits", "自動查驗通關 112年", "The NIA issued 42 permits"]


@pytest.mark.unit
def test_tokens_are_computed_once_then_read(tmp_path: Path) -> None:
    tok = CountingTokenizer()
    first = cached_tokenize(tok, TEXTS, tmp_path)
    assert [first(t) for t in TEXTS] == [t.lower().split() for t in TEXTS]
    assert tok.calls == 2  # the duplicate once
    again = CountingTokenizer()
    second = cached_tokenize(again, TEXTS, tmp_path)
    assert [second(t) for t in TEXTS] == [first(t) for t in TEXTS] and again.calls == 0
    assert second("an unseen question") == ["an", "unseen", "question"] and again.calls == 1


@pytest.mark.unit
def test_another_tokenizer_version_does_not_reuse_tokens(tmp_path: Path) -> None:
    cached_tokenize(CountingTokenizer("v1"), TEXTS, tmp_path)
    other = CountingTokenizer("v2")
    cached_tokenize(other, TEXTS, tmp_path)
    assert other.calls == 2


@pytest.mark.unit
def test_a_damaged_file_is_ignored_and_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cached_tokenize(CountingTokenizer(), TEXTS, tmp_path)
    (path,) = tmp_path.glob("*.json")
    path.write_text("{not json", encoding="utf-8")
    tok = CountingTokenizer()
    tokenize = cached_tokenize(tok, TEXTS, tmp_path)
    assert "ignoring token cache" in capsys.readouterr().err
    assert tok.calls == 2 and tokenize(TEXTS[1]) == TEXTS[1].lower().split()
    again = CountingTokenizer()
    cached_tokenize(again, TEXTS, tmp_path)
    assert again.calls == 0
    assert not list(tmp_path.glob(".*tmp*"))


@pytest.mark.integration
def test_real_tokens_from_the_cache_equal_fresh_ones(retriever, ingest_result, tmp_path: Path) -> None:
    from app.answering.sentences import split_sentences

    tokenizer = retriever.tokenizer
    texts = [t for s in ingest_result.sections[:80] for t in split_sentences(s.text, s.lang)]
    cached_tokenize(tokenizer, texts, tmp_path)
    tokenize = cached_tokenize(tokenizer, texts, tmp_path)  # now read from the file
    assert texts and all(tokenize(t) == tokenizer.tokenize(t) for t in texts)
