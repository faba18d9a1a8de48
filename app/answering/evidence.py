"""Sentence-level evidence selection inside the retrieved sections.

Each candidate sentence is scored by IDF-weighted overlap with the question's
terms (jieba for Chinese, stems for English; the section heading counts half),
fit with the expected answer type ("a number with the asked unit", a date, a
percentage), the years asked about, and the rank of the section in retrieval.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from app.answering.countries import ASKS_COUNTRY, countries_in
from app.answering.question import REPORT_YEAR, QuestionAnalysis, years_in
from app.answering.sentences import split_sentences
from index.sentence_vectors import SentenceVectors
from ingest.records import Section

Tokenize = Callable[[str], list[str]]

# e5 cosines of a question with unrelated report sentences sit around 0.75-0.8; above the
# floor, similarity adds to the lexical score (paraphrase, and questions in the other language).
SIMILARITY_FLOOR = 0.75
SIMILARITY_WEIGHT = 4.0  # swept on the dev set: 1, 4, 8 x floor 0.75, 0.80, 0.84

_NUM = re.compile(r"\d[\d,]*(?:\.\d+)?")
# A quantity, not a date or an ordinal: "4萬4,968通", "111 座", "27,048 workers"; not "112 年", "1 月", "第 3 條".
_QUANTITY = re.compile(
    r"(?<![第\d.,])(?!(?:19|20)\d\d(?!\d|\s*[萬億]))\d[\d,]*(?:\.\d+)?(?!\s*(?:年|月|時|點|週|號|條|st\b|nd\b|rd\b|th\b))(?![\d,])"
)
_DATE_SPAN = re.compile(
    r"\d{2,4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{2,4}\s*年\s*\d{1,2}\s*月|"
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?!\d)(?:\s*(?:-|to|–)\s*\d{1,2}(?!\d))?(?:,\s*\d{4})?|"
    r"\b\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*|\b\d{1,2}(?::\d\d)?\s*[ap]\.m\.",
    re.I,
)


def has_quantity(text: str) -> bool:
    return bool(_QUANTITY.search(_DATE_SPAN.sub(" ", text)))


_PERCENT = re.compile(r"\d(?:\.\d+)?\s*[%％]|百分之|percent", re.I)
_DATE = re.compile(
    r"\d{2,4}\s*年\s*\d{1,2}\s*月|\d{1,2}\s*月\s*\d{1,2}\s*日|"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{1,2}|"
    r"\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|November|December)|"
    r"\b(?:19|20)\d{2}\b",
    re.I,
)
_ASKS_DAY = re.compile(
    r"哪一?天|幾月幾[日號]|哪個日子|\b(?:what|which) (?:day|date)\b|\bon (?:what|which) date\b", re.I
)
_DAY_DATE = re.compile(
    r"\d{1,2}\s*月\s*\d{1,2}\s*[日號]|"
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?!\d)|"
    r"\b\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*",
    re.I,
)
_AS_OF = re.compile(
    r"\b(?:as of|by|at|until|till) (?:the end of )?(?:\w+ )?(?:19|20)\d\d\b|截至\s*\d{2,4}\s*年(?:\s*\d{1,2}\s*月)?底?|\d{2,4}\s*年底",
    re.I,
)
_ASKS_YEAR = re.compile(r"\b(?:which|what) year\b|哪一?年(?!度)", re.I)
# A sum of money, matched whole: a figure whose unit is 元 ("421 萬 8,817 元", "688 萬餘元"), NT$ or
# dollars; a figure in 萬 or 億 alone is as often people or passengers ("978 萬 9,034 人").
_MONEY_AMOUNT = re.compile(
    r"\d[\d,.\s萬億千餘多]*元|NT\$\s*\d[\d,.]*(?:\s*(?:million|billion))?|\d(?:[\d,.]*\d)?\s*(?:dollars|NTD)",
    re.I,
)
_HOW_MUCH = re.compile(r"\bhow much\b", re.I)
_MONEY = re.compile(r"元|NT\$|NTD|dollars?|萬|億", re.I)
# "多少錢", "幾座", "多少人" ask for the answer; they are not topic words.
_ASKING = re.compile(r"^(?:多少|幾)")
_QUESTION_WORDS = frozenset(
    "多少 幾 什麼 哪些 哪個 哪一 哪 是否 有沒有 為何 如何 何時 請問 嗎 呢 的 了 是 有 在 和 與 及 "
    "how many much what which who when where why does do did is are was were the a an of in on to for "
    "and or by with nia 移民署 本署 年 年度 共 總共 一共 約 多 report annual".split()
    # Phrasing of questions, not topics: rare in the report, so their IDF would drown the topic words.
    + "哪一天 一天 哪幾 哪幾個 哪一 哪一個 什麼時候 時候 現在 目前 可以 能 被 去 到 為止 之前 已經 叫 做 要 還 "
    "一種 一個 共有 總計 請 告訴 一下 呢 啊 吧 是從 從 當時 實際上 到底 究竟 大概 大約 左右 "
    "get got now currently kind sort came come could can again went made make took take else besides "
    "exactly roughly approximately about actually much many more any some there their they them it its "
    "date dates "
    "that this these those from at as be been being has have had will would should into after before "
    # Asking for the other language's wording is not a topic either.
    "英文 英文名 英文名稱 文名 名稱 簡稱 縮寫 英文版 文版 英譯 文中 內文 中文 叫做 稱為 英文縮寫".split()
)


@dataclass(frozen=True)
class Candidate:
    section: Section
    sentence: str
    score: float
    coverage: float  # share of the question's IDF mass found in the sentence (+ half for its heading)
    index: int  # position of the sentence within its section
    section_rank: int
    width: int = 1  # sentences in the window
    similarity: float = 0.0  # embedding cosine of question and window, 0 when unknown
    original_only: bool = False  # the Chinese original of an English sentence that dropped the asked detail


class EvidenceScorer:
    """Scores sentences against a question; IDF comes from every sentence of the report."""

    def __init__(
        self,
        tokenize: Tokenize,
        sections: Iterable[Section],
        vectors: SentenceVectors | None = None,
        similarity_weight: float = SIMILARITY_WEIGHT,
    ) -> None:
        self._tokenize = tokenize
        self.vectors = vectors
        self.similarity_weight = similarity_weight
        df: Counter[str] = Counter()
        n = 0
        for sec in sections:
            for sent in split_sentences(sec.text, sec.lang):
                df.update(set(self.terms(sent)))
                n += 1
        self._n = max(n, 1)
        self._df = df

    def terms(self, text: str) -> list[str]:
        return [
            t for t in self._tokenize(text) if t.strip() and t not in _QUESTION_WORDS and not _ASKING.match(t)
        ]

    def idf(self, term: str) -> float:
        return math.log(1 + (self._n - self._df.get(term, 0) + 0.5) / (self._df.get(term, 0) + 0.5))

    def known(self, term: str) -> bool:
        return term in self._df

    def query_weights(self, q: QuestionAnalysis) -> dict[str, float]:
        return {t: self.idf(t) for t in set(self.terms(q.search_text))}

    def score_section(
        self,
        q: QuestionAnalysis,
        weights: dict[str, float],
        section: Section,
        rank: int,
        query_vector: np.ndarray | None = None,
    ) -> list[Candidate]:
        total = sum(weights.values()) or 1.0
        # A rare identifier the question names (ISBN, GPN): the sentence that prints it is the evidence,
        # whatever its language.
        identifiers = {
            t
            for m in _IDENTIFIER.findall(q.search_text)
            for t in self.terms(m)
            if t in weights and 0 < self._df.get(t, 0) <= RARE_IDENTIFIER_SENTENCES
        }
        # Terms of the section's headings belong to every sentence under them: "112 年度核定補助
        # 421 萬 8,817 元" answers a question about the plan its heading names.
        heading_terms = set(self.terms(" ".join(section.path[-2:])))
        out: list[Candidate] = []
        # Figure and table captions restate the topic but never answer it.
        sentences = [
            x for x in split_sentences(section.text, section.lang) if not is_caption(x, section.lang)
        ]
        terms = [set(self.terms(s)) for s in sentences]
        joiner = "" if section.lang == "zh" else " "
        # Windows of one sentence, or two when the first introduces what the second quantifies
        # ("...推動築夢計畫。" + "112 年協助 30 組共 88 人完成夢想。").
        for i in range(len(sentences)):
            for width in (1, 2):
                if i + width > len(sentences):
                    continue
                text = joiner.join(sentences[i : i + width])
                if width == 2 and len(text) > MAX_WINDOW_CHARS:
                    continue
                s_terms = set().union(*terms[i : i + width])
                in_sentence = sum(w for t, w in weights.items() if t in s_terms)
                in_heading = sum(w for t, w in weights.items() if t in heading_terms and t not in s_terms)
                coverage = (in_sentence + in_heading) / total
                # Prefer the sentence that itself carries the question's specific terms.
                coverage = 0.75 * coverage + 0.25 * in_sentence / total
                similarity = 0.0
                if query_vector is not None and self.vectors is not None:
                    similarity = self.vectors.similarity(query_vector, sentences[i : i + width]) or 0.0
                bonus = IDENTIFIER_BONUS if identifiers & s_terms else 0.0
                score = self._score(q, text, coverage, similarity, rank, bonus)
                if width == 2:
                    score *= 0.93
                out.append(Candidate(section, text, score, coverage, i, rank, width, similarity))
        return out

    def rescore(self, q: QuestionAnalysis, c: Candidate, text: str) -> float:
        """``c``'s score had its sentence read as ``text`` (its translation): same coverage and similarity,
        the type fit and year fit of ``text``."""
        return self._score(q, text, c.coverage, c.similarity, c.section_rank)

    def _score(
        self,
        q: QuestionAnalysis,
        text: str,
        coverage: float,
        similarity: float,
        rank: int,
        bonus: float = 0.0,
    ) -> float:
        """Term coverage weighted by the fit with the asked kind, plus year fit, section rank, ``bonus``
        and the embedding similarity above its floor (also weighted by the fit)."""
        fit = _type_fit(q, text) * (1.0 if satisfies(q, text) else 0.35)
        score = coverage * fit + _year_fit(q, text) + 0.08 / (1 + rank) + bonus
        if similarity:
            score += self.similarity_weight * max(0.0, similarity - SIMILARITY_FLOOR) * fit
        return score


_PHONE = re.compile(r"(?:\+\d{1,3}|\(0\d{1,3}\)|\b0\d{1,3})[\s-]?\d{3,4}[\s-]?\d{3,4}|\b1990\b|\b1922\b")
_COUNT_WORD = re.compile(
    r"[一二兩三四五六七八九十百千萬]+\s*[個項件場次人名座家所條年天組類種國位艘架]|\b(?:one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|dozen|hundred|thousand)\b(?![-‐]|\s+(?:of|another)\b)",  # not "one-stop", "one of"
    re.I,
)
# A count of time units asked ("how many years", "幾天"): a span answers it.
_ASKS_SPAN = re.compile(
    r"\b(?:how many|number of)\s+(?:\w+\s+)?(?:years?|months?|days?|hours?|weeks?|nights?)\b|"
    r"(?:幾|多少)\s*(?:年|個月|天|日|小時|週|夜)",
    re.I,
)
# A length of time: "2 年", "三個月", "30 天", "two years", "a 3-day", "one year".
_SPAN = re.compile(
    r"(?<![\d,.])(?:[1-9]\d?|[一二兩三四五六七八九十半]+)\s*(?:年(?!度|底|\s*\d)|個月|天|小時|週)|"
    r"\b(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a|an)[\s-]+(?:years?|months?|days?|hours?|weeks?|nights?)\b",
    re.I,
)
MAX_WINDOW_CHARS = 300
_IDENTIFIER = re.compile(r"\b[A-Z][A-Z0-9]{1,}\b")
IDENTIFIER_BONUS = 0.5
RARE_IDENTIFIER_SENTENCES = 2
_CAPTION = re.compile(r"^\s*(?:圖|表|Figure|Table|Fig\.)\s*\d+\s*[-－–]\s*\d+", re.I)


def is_caption(sentence: str, lang: str) -> bool:
    """A figure caption or a title line: numbered ("圖 2-3"), or a short line without a sentence's ending,
    without a figure and not a "key：value" line (a photo caption naming an event, "Opening ceremony
    of the ..."). Captions restate the topic but never answer it."""
    if _CAPTION.match(sentence):
        return True
    text = sentence.strip()
    if len(text) > (40 if lang == "zh" else 110) or re.search(r"[。！？；.!?;：:]\W*$|[：:]", text):
        return False
    return not has_quantity(text)


# Chinese count units that count the same kind of thing: "幾位" is answered by "24 位", "23 人" or "人次",
# never by "421 萬元" or "14 年" alone. A unit outside these groups (個, 種, 項 ...) is not checked.
_UNIT_GROUPS = (
    frozenset("人位名員"),
    frozenset("件案起筆"),
    frozenset("次場趟回"),
    frozenset("艘"),
    frozenset("通"),
    frozenset("張"),
)


def counts_asked_unit(q: QuestionAnalysis, text: str) -> bool:
    """Whether ``text`` has a figure counted in the unit a Chinese count question asks ("幾位", "多少件"),
    or one of the same group; true where the question names no such unit."""
    if q.lang != "zh" or not q.unit:
        return True
    group = next((g for g in _UNIT_GROUPS if q.unit[0] in g), None)
    if group is None:
        return True
    units = "".join(sorted(group))
    return bool(re.search(rf"\d[\d,.\s千百萬億]*(?:餘|多)?\s*[{units}]", text))


def satisfies(q: QuestionAnalysis, text: str) -> bool:
    """Whether ``text`` can answer the question's type at all (a count needs a number, a phone a number...)."""
    if ASKS_COUNTRY.search(q.search_text) and not (countries_in(text) - countries_in(q.search_text)):
        return False  # "which nationality ...": only evidence naming a country answers
    if _ASKS_PERSON.search(q.search_text) and not _names_someone(q, text):
        return False  # "who won ...": evidence without a name does not answer
    if q.answer_type == "name" and _ASKS_RANKING.search(q.search_text) and not _RANKS.search(text):
        return False  # "which country had the most ...": only evidence that ranks answers
    kind = q.answer_type
    if kind == "count":
        if not _ASKS_SPAN.search(q.search_text):
            text = _SPAN.sub(" ", text)  # "within five years" is a length of time, not a count
        if not _HOW_MUCH.search(q.search_text):
            # "罰鍰2千元" is a sum of money, not a count; "how much" asks either.
            text = _MONEY_AMOUNT.sub(" ", text)
        return (has_quantity(text) or bool(_COUNT_WORD.search(text))) and counts_asked_unit(q, text)
    if kind == "amount":
        return bool(_MONEY_AMOUNT.search(text) or re.search(r"\d[\d,.]*\s*(?:million|billion)", text, re.I))
    if kind == "percent":
        return bool(_PERCENT.search(text) or re.search(r"\d\s*成", text))
    if kind == "date":
        if _ASKS_DAY.search(q.search_text):
            return bool(_DAY_DATE.search(text))  # "哪一天": a year alone does not answer
        # "When was it first put into service?": "at the end of <year>" dates a count, not an event.
        undated = _AS_OF.sub(" ", text)
        if _ASKS_YEAR.search(q.search_text):
            return bool(years_in(undated))
        return bool(_DATE.search(undated))
    if kind in {"phone", "fax"}:
        return bool(_PHONE.search(text))
    if kind == "duration":
        return bool(_SPAN.search(text))
    return True


# "Who won / signed / took first place ...": a question that opens with who asks for a person or a
# body; "officials who attended" is a relative clause and asks no one.
_ASKS_PERSON = re.compile(
    r"^\W*(?:who|whose)\b|\bwho (?:won|was|were|is|signed|wrote|led|chaired|presided|hosted)\b", re.I
)
# "Which ... the most / 哪一國最多": a ranking is asked; evidence that lists without ranking does not answer.
_ASKS_RANKING = re.compile(
    r"最多|最少|最高|最低|最大|最小|居首|居冠|\b(?:most|least|fewest|largest|highest|lowest|biggest|"
    r"smallest|top|leading)\b",
    re.I,
)
_RANKS = re.compile(
    r"最|居首|居冠|居次|首位|第一|第二|其次|大宗|為主|多數|\b(?:most|least|fewest|largest|highest|lowest|biggest|"
    r"smallest|top|leading|majority|mainly|mostly|primarily|followed by|ranked|first|second)\b",
    re.I,
)
_NAME_WORD = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[- ][A-Z][a-z]+)*")
_NOT_NAMES = frozenset(
    "January February March April May June July August September October November December Monday Tuesday "
    "Wednesday Thursday Friday Saturday Sunday NIA Taiwan Taiwanese The In On At As For By With".split()
)


def _names_someone(q: QuestionAnalysis, text: str) -> bool:
    """English evidence names a person or body the question does not already name; Chinese passes."""
    if not text.isascii() and re.search(r"[\u4e00-\u9fff]", text):
        return True
    asked = {w.lower() for w in re.findall(r"[A-Za-z]+", q.search_text)}
    for name in _NAME_WORD.findall(text):
        words = [w for w in re.split(r"[- ]", name) if w not in _NOT_NAMES]
        if any(w.lower() not in asked for w in words):
            return True
    return False


def _type_fit(q: QuestionAnalysis, sentence: str) -> float:
    kind = q.answer_type
    has_num = has_quantity(sentence)
    if kind in {"count", "amount", "percent"}:
        if not has_num:
            # "four international experts" counts too, though less surely than a figure.
            return 0.8 if kind == "count" and _COUNT_WORD.search(sentence) else 0.55
        fit = 1.0
        if kind == "amount" and not _MONEY_AMOUNT.search(sentence):
            fit -= 0.2
        if q.unit and re.search(r"\d\s*" + re.escape(q.unit[:2]), sentence, re.I):
            fit += 0.3 if q.lang == "zh" else 0.15  # an English "unit" is just the word after "how many"
        if kind == "percent" and _PERCENT.search(sentence):
            fit += 0.15
        if kind == "amount" and _MONEY.search(sentence):
            fit += 0.1
        return fit
    if kind == "date":
        if _ASKS_YEAR.search(q.search_text) and years_in(sentence):
            return 1.1  # "which year": 113年 is the answer, no month needed
        return 1.1 if _DATE.search(sentence) else 0.7
    if kind == "duration":
        return 1.2 if _SPAN.search(sentence) else 0.7
    return 1.0


def _year_fit(q: QuestionAnalysis, sentence: str) -> float:
    mentioned = years_in(sentence)
    if not q.years:
        # A question without a year asks about the report year, not plans for the next one.
        return -0.08 if mentioned and REPORT_YEAR not in mentioned and max(mentioned) > REPORT_YEAR else 0.0
    return 0.06 if q.years & mentioned else 0.0
