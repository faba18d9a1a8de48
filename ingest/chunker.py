"""Narrative chunks for retrieval: never cross a section, fit multilingual-e5's window, split at sentences.

Each chunk's text starts with the last two segments of its section path
(``二、營造新家鄉安居環境 > (四) 設籍前…``) so that it is self-contained when
embedded or shown alone. Sizes are measured with :func:`estimate_tokens`, a
cheap proxy calibrated against the real multilingual-e5 tokenizer (see
``tests/ingest/test_chunker.py``, which checks real token counts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ingest.records import Chunk, Section
from ingest.text import cjk_count

#: Bump whenever chunk boundaries or chunk text change (the index rebuilds on a new version).
CHUNKER_VERSION = "narrative-2"

#: Hard ceiling of the embedding model is 512; we aim well below for quality.
MAX_TOKENS = 350
#: Proxy budget per chunk (prefix included); the proxy over-estimates slightly, see estimate_tokens.
TARGET_TOKENS = 330

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_ZH_SENT = re.compile(r"(?<=[。！？!?])(?![」』）)])|(?<=[。！？][」』）)])")
_EN_SENT = re.compile(
    r"(?:(?<=[A-Za-z0-9)%][.!?])|(?<=[.!?][\"”’)]))(?<!No\.)(?<!Mr\.)(?<!Dr\.)(?<!St\.)\s+(?=[A-Z0-9“\"(])"
)
_ZH_CLAUSE = re.compile(r"(?<=[，；、,;])")
_EN_CLAUSE = re.compile(r"(?<=[,;])\s+")


def estimate_tokens(text: str) -> int:
    """Token-count proxy for multilingual-e5 (XLM-R sentencepiece).

    CJK characters count ~1 each; each remaining word/number counts 1.6 (English
    words and digit groups split into ~1.3-1.6 pieces), plus 2 for [CLS]/[SEP].
    """
    cjk = len(_CJK_RUN.findall(text))
    rest = _CJK_RUN.sub(" ", text)
    words = len(re.findall(r"[A-Za-z]+|\d+|[^\sA-Za-z\d]", rest))
    return int(cjk + 1.6 * words) + 2


def split_sentences(text: str, lang: str) -> list[str]:
    """Sentences of one paragraph, punctuation kept (。！？ for zh, . ! ? for en)."""
    pat = _ZH_SENT if lang == "zh" or cjk_count(text) > len(text) / 4 else _EN_SENT
    parts = [p.strip() for p in pat.split(text)]
    return [p for p in parts if p]


def _hard_split(unit: str, lang: str, budget: int) -> list[str]:
    """Split an over-long sentence at clause punctuation, then by size."""
    pat = _ZH_CLAUSE if lang == "zh" else _EN_CLAUSE
    pieces = [p for p in pat.split(unit) if p.strip()]
    out: list[str] = []
    cur = ""
    sep = "" if lang == "zh" else " "
    for p in pieces:
        cand = (cur + sep + p) if cur else p
        if estimate_tokens(cand) <= budget:
            cur = cand
            continue
        if cur:
            out.append(cur)
        if estimate_tokens(p) <= budget:
            cur = p
            continue
        # still too long: cut by characters (zh) or words (en)
        if lang == "zh":
            step = max(20, budget - 20)
            out.extend(p[i : i + step] for i in range(0, len(p), step))
        else:
            words = p.split()
            step = max(20, int(budget / 1.8))
            out.extend(" ".join(words[i : i + step]) for i in range(0, len(words), step))
        cur = ""
    if cur:
        out.append(cur)
    return out


def chunk_prefix(section: Section) -> str:
    """The last path segment(s) repeated at the top of every chunk of ``section``."""
    return " > ".join(section.path[-2:])


def chunk_texts(section: Section, max_tokens: int = TARGET_TOKENS) -> list[str]:
    """Texts of the chunks for one section (prefix included), packed sentence by sentence."""
    if not section.text.strip():
        return []
    lang = section.lang
    prefix = chunk_prefix(section)
    budget = max(60, max_tokens - estimate_tokens(prefix))
    # units: (paragraph index, sentence)
    units: list[tuple[int, str]] = []
    for pi, para in enumerate(p for p in section.text.split("\n") if p.strip()):
        for sent in split_sentences(para, lang):
            if estimate_tokens(sent) > budget:
                units.extend((pi, piece) for piece in _hard_split(sent, lang, budget))
            else:
                units.append((pi, sent))
    chunks: list[str] = []
    cur: list[tuple[int, str]] = []

    def render(us: list[tuple[int, str]]) -> str:
        out = ""
        prev_p = None
        for p, s in us:
            if prev_p is None:
                out = s
            elif p != prev_p:
                out += "\n" + s
            else:
                out += ("" if lang == "zh" else " ") + s
            prev_p = p
        return out

    for u in units:
        if cur and estimate_tokens(render([*cur, u])) > budget:
            chunks.append(render(cur))
            cur = []
        cur.append(u)
    if cur:
        chunks.append(render(cur))
    return [f"{prefix}\n{c}" for c in chunks]


def chunk_sections(sections: Iterable[Section]) -> list[Chunk]:
    """Narrative chunks for every section with body text; paths filled from the aligned twin."""
    secs = list(sections)
    by_id = {s.section_id: s for s in secs}
    out: list[Chunk] = []
    for s in secs:
        texts = chunk_texts(s)
        twin = by_id.get(s.aligned_id) if s.aligned_id else None
        own, other = s.path_str, (twin.path_str if twin else "")
        path_zh, path_en = (own, other) if s.lang == "zh" else (other, own)
        for k, t in enumerate(texts):
            out.append(
                Chunk(
                    chunk_id=f"{s.section_id}#{k}",
                    section_id=s.section_id,
                    kind="narrative",
                    lang=s.lang,
                    path_zh=path_zh,
                    path_en=path_en,
                    page=s.page,
                    text=t,
                    aligned_section_id=s.aligned_id,
                    meta={
                        "chunker": CHUNKER_VERSION,
                        "heading": s.heading,
                        "part": k,
                        "parts": len(texts),
                        "tokens_est": estimate_tokens(t),
                    },
                )
            )
    return out
