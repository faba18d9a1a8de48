"""Eval fixtures: a tiny section list and FAKE pipelines (the real one is exercised by the lead's run).

``FakeKeywordPipeline`` stands in for ``app.pipeline.build_pipeline`` where the real
index cannot be built in a unit test: it retrieves by token overlap over a handful of
chunks copied from the report and answers with the best chunk's text.
``FakeBrokenRetrieverPipeline`` returns the *least* related chunks, as a broken
retriever would; the gates must catch it.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from app.records import Answer, Citation
from index.records import Hit
from ingest.records import Chunk, Section

ZH4 = "第肆章 新住民照顧輔導"
EN4 = "Chapter IV Care and Counseling for New Immigrants"
ZH424 = f"{ZH4} > 二、營造新家鄉安居環境 > (四) 設籍前新住民遭逢特殊境遇相關福利及扶助計畫"
EN424 = (
    f"{EN4} > 2. Creating Comfortable Living Environments in New Homes > (4) Pre-Household Registration "
    "Welfare and Assistance Plan for New Immigrants under Special Circumstances"
)
ZH_EGATE = "附錄 > 重要業務統計 > 自動查驗通關註冊人數"
EN_EGATE = "Appendix > Statistics on key Policy Achievements > e-Gate Applicants"
ZH_OFFICE = "附錄 > 本署國內、外服務據點 > 二、本署北區事務大隊服務據點"
EN_OFFICE = "Appendix > NIA Domestic and Overseas Office Location > B. NORTHERN ADMINISTRATION CORPS OFFICES"
ZH_COLOPHON = "版權頁"


def _chunk(cid: str, lang: str, path_zh: str, path_en: str, text: str) -> Chunk:
    return Chunk(cid, cid.rsplit("#", 1)[0], "narrative", lang, path_zh, path_en, None, text)  # type: ignore[arg-type]


CHUNKS: tuple[Chunk, ...] = (
    _chunk(
        "zh/4/2/4#0", "zh", ZH424, EN424, "設籍前新住民遭逢特殊境遇扶助計畫，112年度核定補助421萬8,817元。"
    ),
    _chunk(
        "en/4/2/4#0",
        "en",
        ZH424,
        EN424,
        "In 2023 the special circumstances assistance plan for new immigrants approved subsidies of NT$4,218,817.",
    ),
    _chunk(
        "appendix/tables/05#0",
        "zh",
        ZH_EGATE,
        EN_EGATE,
        "自動查驗通關註冊人數 e-Gate applicants registered 112年 2023: 9,789,034",
    ),
    _chunk(
        "appendix/offices/2#0",
        "zh",
        ZH_OFFICE,
        EN_OFFICE,
        "臺北市服務站 Taipei City Service Center phone 電話 (02)2389-9983",
    ),
    _chunk(
        "zh/colophon#0",
        "zh",
        ZH_COLOPHON,
        "",
        "版權頁 出版機關 內政部移民署 定價 新臺幣300元 ISBN 978-626-000",
    ),
)

ITEMS: list[dict] = [
    {
        "id": "t001",
        "lang": "zh",
        "question": "設籍前新住民特殊境遇扶助計畫112年核定補助多少錢？",
        "answer": "112年度核定補助421萬8,817元。",
        "must_include": ["421萬8,817", "4,218,817"],
        "section_zh": ZH424,
        "section_en": EN424,
        "type": "narrative_number",
    },
    {
        "id": "t002",
        "lang": "en",
        "question": "How much did the special circumstances assistance plan for new immigrants approve in subsidies?",
        "answer": "NT$4,218,817.",
        "must_include": ["4,218,817", "4218817"],
        "section_zh": ZH424,
        "section_en": EN424,
        "type": "narrative_number",
    },
    {
        "id": "t003",
        "lang": "en",
        "question": "How many e-Gate applicants registered in 2023?",
        "answer": "9,789,034 applicants.",
        "must_include": ["9,789,034", "978萬9,034"],
        "section_zh": ZH_EGATE,
        "section_en": EN_EGATE,
        "type": "table_cell",
    },
    {
        "id": "t004",
        "lang": "en",
        "question": "What is the phone number of the Taipei City Service Center?",
        "answer": "(02)2389-9983",
        "must_include": ["2389-9983"],
        "section_zh": ZH_OFFICE,
        "section_en": EN_OFFICE,
        "type": "office_contact",
    },
    {
        "id": "t005",
        "lang": "zh",
        "question": "年報版權頁上的定價是多少？",
        "answer": "定價新臺幣300元。",
        "must_include": ["300元"],
        "section_zh": ZH_COLOPHON,
        "section_en": "",
        "type": "narrative_fact",
    },
    {
        "id": "t006",
        "lang": "en",
        "question": "What will the Mars colony visa quota be in 2030?",
        "answer": "The report does not say.",
        "must_include": [],
        "section_zh": "",
        "section_en": "",
        "type": "unanswerable",
    },
]

_WORD = re.compile(r"[a-z0-9$]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_STOP = set("the a an of in for what how is was were did be to and many much will by".split())


def _tokens(text: str) -> set[str]:
    low = text.lower()
    words = {w for w in _WORD.findall(low) if w not in _STOP}
    cjk = "".join(_CJK.findall(low))
    return words | {cjk[i : i + 2] for i in range(len(cjk) - 1)}


class FakeKeywordPipeline:
    """FAKE QA pipeline (token overlap, no model): stands in for the real one in unit tests."""

    min_overlap = 3

    def __init__(self, chunks: tuple[Chunk, ...] = CHUNKS) -> None:
        self.chunks = chunks

    def _scored(self, query: str) -> list[tuple[int, Chunk]]:
        q = _tokens(query)
        return sorted(((len(q & _tokens(c.text)), c) for c in self.chunks), key=lambda sc: -sc[0])

    def search(self, query: str, k: int = 10) -> list[Hit]:
        scored = self._scored(query)[:k]
        return [Hit(c, float(s), i, ("fake",)) for i, (s, c) in enumerate(scored, start=1)]

    def ask(self, question: str, history=None) -> Answer:
        t0 = time.perf_counter()
        lang = "zh" if _CJK.search(question) else "en"
        hits = self.search(question, k=4)
        top = hits[0]
        cite = Citation(top.chunk.section_id, top.chunk.path_zh, top.chunk.path_en, None, top.chunk.text[:80])
        abstain = top.score < self.min_overlap
        return Answer(
            question=question,
            lang=lang,  # type: ignore[arg-type]
            answer="The report does not say." if abstain else top.chunk.text,
            abstained=abstain,
            citations=(cite,),
            latency_ms=(time.perf_counter() - t0) * 1000,
            answerer="fake-keyword",
            hits=tuple(hits),
        )


class FakeBrokenRetrieverPipeline(FakeKeywordPipeline):
    """FAKE pipeline with a deliberately broken retriever: returns the least related chunks."""

    def search(self, query: str, k: int = 10) -> list[Hit]:
        scored = list(reversed(self._scored(query)))[:k]
        # scores look confident so the answerer does not abstain, as a real broken index would
        return [Hit(c, 10.0, i, ("broken",)) for i, (_s, c) in enumerate(scored, start=1)]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_eval_config(path: Path, sets: dict[str, dict]) -> Path:
    """A temporary ``[tool.nia-qa.eval]`` registry: ``{"dev": {"path": ..., "gates": {...}}, ...}``."""
    lines: list[str] = []
    for name, spec in sets.items():
        lines.append(f"[tool.nia-qa.eval.sets.{name}]")
        lines += [
            f"{k} = {json.dumps(str(v) if isinstance(v, Path) else v)}"
            for k, v in spec.items()
            if k != "gates"
        ]
        if spec.get("gates"):
            lines.append(f"[tool.nia-qa.eval.sets.{name}.gates]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in spec["gates"].items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def items_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "items.jsonl", ITEMS)


def fake_sections() -> list[Section]:
    """A tiny section tree in the ingest shape (zh + en twins, an appendix table, the colophon)."""

    def sec(sid: str, lang: str, path: str, aligned: str | None) -> Section:
        parts = tuple(path.split(" > "))
        return Section(sid, lang, len(parts) - 1, parts[-1], parts, None, "", aligned_id=aligned)  # type: ignore[arg-type]

    return [
        sec("zh/4", "zh", ZH4, "en/4"),
        sec("en/4", "en", EN4, "zh/4"),
        sec("zh/4/2/4", "zh", ZH424, "en/4/2/4"),
        sec("en/4/2/4", "en", EN424, "zh/4/2/4"),
        sec("appendix/tables/05", "zh", ZH_EGATE, None),
        sec("appendix/offices/2", "zh", ZH_OFFICE, None),
        sec("zh/colophon", "zh", ZH_COLOPHON, None),
    ]
