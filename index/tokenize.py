"""BM25 tokenizer: jieba search-mode Chinese with a report user dictionary, stemmed English, normalised numbers.

>>> tok = Tokenizer(["新住民發展基金"])
>>> "新住民發展基金" in tok.tokenize("新住民發展基金補助") and "基金" in tok.tokenize("新住民發展基金")
True

jieba runs on a private ``jieba.Tokenizer`` instance (no global dictionary
changes), loaded lazily on first use with its log output silenced; its prefix dictionary is
loaded in shards as texts need them (:mod:`index.jieba_freq`) instead of whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from index.normalize import amount_values, normalize_text, year_forms

#: Bump when tokenisation changes so persisted BM25 indexes rebuild.
TOKENIZER_VERSION = "4"

_ASCII_WORD = re.compile(r"^[a-z][a-z0-9'\-]*$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KEEP = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]")

# English: the usual function words. Chinese: particles and question words that
# carry no topic ("多少", "什麼") so questions do not match on them.
EN_STOPWORDS = frozenset(
    """a an and are as at be been but by for from had has have how if in into is it its of on or
    that the their there these this those to was were what when where which who whom why will with
    did does do many much""".split()
)
ZH_STOPWORDS = frozenset(
    """的 了 及 與 和 之 於 等 為 在 是 並 或 其 該 此 也 而 由 將 對 就 都 又 有
    嗎 呢 吧 多少 什麼 甚麼 哪些 哪個 哪 幾 如何 為何 請問 是否 哪裡 何""".split()
)


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "nia-qa" / "jieba"


def traditional_dictionary(cache_dir: Path) -> Path:
    """jieba's dictionary plus its Traditional (Taiwan) conversion, written once to ``cache_dir``.

    jieba ships a Simplified dictionary only; without Traditional entries words
    such as 發展 or 護照 fall back to the HMM and segment inconsistently.
    """
    import jieba
    import opencc

    src = Path(jieba.__file__).parent / "dict.txt"
    out = cache_dir / f"dict-tw-{jieba.__version__}-opencc{opencc.__version__}.txt"
    if out.exists():
        return out
    text = src.read_text(encoding="utf-8")
    converted = opencc.OpenCC("s2tw").convert(text)
    freq: dict[str, tuple[int, str]] = {}
    for line in (text + "\n" + converted).splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            word, n, tag = parts[0], int(parts[1]), (parts[2] if len(parts) > 2 else "")
            if word not in freq or freq[word][0] < n:
                freq[word] = (n, tag)
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.writelines(f"{w} {n} {t}".rstrip() + "\n" for w, (n, t) in freq.items())
    os.replace(tmp, out)
    return out


@contextlib.contextmanager
def _quiet_jieba() -> Iterator[None]:
    """Silence jieba's "Building prefix dict..." messages for the duration, then restore."""
    logger = logging.getLogger("jieba")
    old = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(old)


# The report's translation mixes British and American spelling ("Civil Defense" in the text, "civil
# defence" in a question); both sides are stemmed from the American form.
_BRITISH = re.compile(
    r"^(defen|offen|licen|preten)ce(s?)$|^(programme|centre|theatre|metre|catalogue|cheque|enrolment)(s?)$|"
    r"^(lab|behavi|fav|hon|neighb|col|harb|rum|endeav)our(s|ed|ing|ers?)?$|"
    r"^(organi|recogni|authori|reali|priori|utili|speciali|categori|maximi|minimi|standardi|digiti|"
    r"modernisation|civili)s(e|es|ed|ing|ation|ations)$|^(travel|counsel|model|cancel|label)l(ed|ing|ers?|ors?)$"
)
_BRITISH_WORDS = {
    "programme": "program",
    "centre": "center",
    "theatre": "theater",
    "metre": "meter",
    "catalogue": "catalog",
    "cheque": "check",
    "enrolment": "enrollment",
}


def american_spelling(word: str) -> str:
    """``defence`` -> ``defense``, ``labour`` -> ``labor``, ``organisation`` -> ``organization``; others unchanged."""
    m = _BRITISH.match(word.lower())
    if not m:
        return word
    g = m.groups()
    if g[0]:
        return f"{g[0]}se{g[1]}"
    if g[2]:
        return _BRITISH_WORDS[g[2]] + g[3]
    if g[4]:
        return f"{g[4]}or{g[5] or ''}"
    if g[6]:
        return f"{g[6]}z{g[7]}"
    return f"{g[8]}{g[9]}"


class Tokenizer:
    """Tokens for BM25 from Chinese/English report text or a question.

    ``terms`` are whole words added to a private jieba dictionary (see
    ``index.terms.mine_terms``); each such word is also emitted as its default
    jieba parts, so "自動查驗通關" matches "自動查驗通關" and "通關" alike.
    """

    def __init__(self, terms: Sequence[str] = (), cache_dir: Path | None = None) -> None:
        self.terms: tuple[str, ...] = tuple(sorted(set(terms)))
        self.cache_dir = cache_dir or default_cache_dir()
        self._jieba = None
        self._freq = None
        self._parts: dict[str, tuple[str, ...]] = {}
        self._stem_cache: dict[str, str] = {}
        self._stemmer = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        """Identifies tokenizer code + jieba version + dictionary content (for manifests)."""
        import jieba

        h = hashlib.sha256("\n".join(self.terms).encode("utf-8")).hexdigest()[:16]
        return f"v{TOKENIZER_VERSION}-jieba{jieba.__version__}-dict{h}"

    def warm_up(self) -> None:
        """Open jieba's dictionary (:mod:`index.jieba_freq`) and add the user terms."""
        if self._jieba is not None:
            return
        with self._lock:
            if self._jieba is not None:
                return
            import jieba
            import Stemmer

            from index.jieba_freq import FreqTable

            with _quiet_jieba():
                dictionary = traditional_dictionary(self.cache_dir)
                tk = jieba.Tokenizer(str(dictionary))
                # the prefix dictionary is loaded in shards as texts need them, not whole (~1-2 s)
                freq = FreqTable.open(dictionary, self.cache_dir)
                freq.install(tk)
                for term in self.terms:
                    freq.ensure(term)
                parts = {}
                for term in self.terms:
                    # Parts under the default dictionary, computed before the term is added.
                    parts[term] = tuple(p for p in tk.cut_for_search(term) if p != term)
                # Longer terms also carry the shorter terms inside them (自動查驗通關系統 ⊃ 自動查驗通關).
                for term in self.terms:
                    inner = tuple(t for t in self.terms if t != term and len(t) > 2 and t in term)
                    parts[term] = parts[term] + inner
                for term in self.terms:
                    tk.add_word(term, freq=max(tk.suggest_freq(term, False), 10))
            self._parts = parts
            self._stemmer = Stemmer.Stemmer("english")
            self._freq = freq
            self._jieba = tk

    def _stem(self, word: str) -> str:
        s = self._stem_cache.get(word)
        if s is None:
            s = self._stemmer.stemWord(american_spelling(word))
            self._stem_cache[word] = s
        return s

    def _emit(self, word: str, out: list[str]) -> None:
        if _CJK.search(word):
            if word in ZH_STOPWORDS:
                return
            freq = self._jieba.FREQ
            # jieba search mode: dictionary 2-/3-grams inside long words; user terms add their default parts.
            sub: dict[str, None] = {}
            if len(word) > 2:
                sub.update((g, None) for i in range(len(word) - 1) if freq.get(g := word[i : i + 2]))
            if len(word) > 3:
                sub.update((g, None) for i in range(len(word) - 2) if freq.get(g := word[i : i + 3]))
            sub.update((p, None) for p in self._parts.get(word, ()) if len(p) > 1)
            out.extend(p for p in sub if p not in ZH_STOPWORDS)
            out.append(word)
        elif _NUMBER.match(word):
            out.append(word)
        elif _ASCII_WORD.match(word) and word not in EN_STOPWORDS:
            out.append(self._stem(word))

    def tokenize(self, text: str) -> list[str]:
        """Tokens of ``text`` (report chunk or question); same rules on both sides."""
        self.warm_up()
        s = normalize_text(text)
        self._freq.ensure(s)  # every dictionary entry jieba reads for s starts with one of its characters
        out: list[str] = []
        for word in self._jieba.cut(s, HMM=True):
            word = word.strip().strip("._-+#&%'")
            if word and _KEEP.search(word):
                self._emit(word, out)
        out.extend(sorted(amount_values(s)))
        out.extend(sorted(year_forms(s)))
        return out

    def tokenize_many(self, texts: Sequence[str]) -> list[list[str]]:
        return [self.tokenize(t) for t in texts]
